"""The card editor in the admin: R-3 checks, every save a new version (R-5), previews, rights."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Field

from khedmat.catalog import services
from khedmat.catalog.models import Fee, Service, ServiceVersion
from khedmat.catalog.services import CARD_FIELDS, ROW_MODELS
from khedmat.core.models import Activity
from tests.fixtures.catalog import card_rows, card_values

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/catalog/serviceversion/add/"
LIST_URL = "/admin/catalog/serviceversion/"
INLINES = ("documents", "steps", "fees", "stages", "inquiries", "faq", "form_fields")
FILE_FIELDS = ("guide_file", "flowchart")


def change_url(version: ServiceVersion) -> str:
    return f"/admin/catalog/serviceversion/{version.pk}/change/"


def _value(value: Any) -> Any:
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, list) and value and isinstance(value[0], str) and "," in "".join(value):
        return value
    if value is None:
        return ""
    return value


def post_data(
    card: dict[str, Any],
    rows: dict[str, list[dict[str, Any]]],
    *,
    identity: dict[str, Any],
    initial: dict[str, int] | None = None,
) -> dict[str, Any]:
    """The POST of the card editor: card fields, the service's identity, every inline."""
    data: dict[str, Any] = {}
    for name, value in {**card, **identity}.items():
        if name in FILE_FIELDS:
            continue
        converted = _value(value)
        if converted is not None:
            data[name] = converted
    for prefix in INLINES:
        items = rows.get(prefix, [])
        data[f"{prefix}-TOTAL_FORMS"] = len(items)
        data[f"{prefix}-INITIAL_FORMS"] = (initial or {}).get(prefix, 0)
        data[f"{prefix}-MIN_NUM_FORMS"] = 0
        data[f"{prefix}-MAX_NUM_FORMS"] = 1000
        model = ROW_MODELS[prefix]
        defaults = {
            field.name: field.get_default()
            for field in model._meta.concrete_fields
            if field.has_default()
        }
        for index, item in enumerate(items):
            for name, value in {**defaults, "position": index, **item}.items():
                if name == "allowed_types":
                    value = ", ".join(value)
                converted = _value(value)
                if converted is not None:
                    data[f"{prefix}-{index}-{name}"] = converted
    return data


def form_of(version: ServiceVersion, **changes: Any) -> dict[str, Any]:
    """What the change page of `version` posts back, with `changes` to card fields or rows."""
    # The card fields are all concrete model fields, never relations seen from the other side.
    fields = {name: cast("Field[Any, Any]", version._meta.get_field(name)) for name in CARD_FIELDS}
    card = {name: getattr(version, field.attname) for name, field in fields.items()}
    card = {key: value for key, value in card.items() if key not in FILE_FIELDS}
    rows: dict[str, list[dict[str, Any]]] = {}
    for prefix in INLINES:
        rows[prefix] = []
        for row in getattr(version, prefix).all():
            values = {
                field.attname: getattr(row, field.attname)
                for field in row._meta.concrete_fields
                if field.name != "version"
            }
            rows[prefix].append(values)
    for name, value in changes.items():
        (rows if name in INLINES else card)[name] = value
    service = version.service
    identity = {
        "category": service.category_id,
        "parent": service.parent_id or "",
        "position": service.position,
        "is_published": service.is_published,
        "change_summary": changes.get("change_summary", ""),
    }
    return post_data(card, rows, identity=identity, initial={p: len(rows[p]) for p in INLINES})


def new_card(category: Any, units: Any, **card: Any) -> dict[str, Any]:
    values = card_values(agency=units["agency"].pk, responsible_unit=units["office"].pk, **card)
    return post_data(
        values,
        card_rows(),
        identity={
            "code": "17041325104",
            "category": category.pk,
            "position": 0,
            "is_published": True,
        },
    )


@pytest.fixture
def admin_client(client, administrator, verified_login):  # type: ignore[no-untyped-def]
    return verified_login(client, administrator)


def test_an_administrator_adds_a_service_with_its_card(
    admin_client, administrator, category, units
):
    assert admin_client.get(ADD_URL).status_code == 200
    response = admin_client.post(ADD_URL, new_card(category, units))
    assert response.status_code == 302, response.context["adminform"].form.errors
    service = Service.objects.get(code="17041325104")
    version = service.current_version
    assert version is not None
    assert (version.number, version.created_by, service.is_published) == (1, administrator, True)
    assert version.electronic_status == "partially"
    assert [fee.amount for fee in version.fees.all()] == [1_200_000]
    assert list(version.stages.values_list("stage", "is_electronic")) == [
        ("information", True),
        ("request", True),
        ("processing", True),
        ("delivery", False),
    ]
    assert version.form_fields.get().key == "national_code"
    assert Activity.objects.for_target(service).filter(actor=administrator).count() == 3


def test_the_editor_rejects_a_card_without_title_code_type_duration_fee_and_complaint_channel(
    admin_client, category, units
):
    data = new_card(
        category,
        units,
        title_fa="",
        service_types=[],
        duration_amount=None,
        complaint_channel_fa="",
    )
    data["code"] = ""
    data["fees-TOTAL_FORMS"] = 0
    admin_client.cookies["khedmat_language"] = "en"
    response = admin_client.post(ADD_URL, data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert set(form.errors) == {
        "code",
        "title_fa",
        "service_types",
        "duration_amount",
        "complaint_channel_fa",
    }
    fee_formset = next(
        formset
        for formset in response.context["inline_admin_formsets"]
        if formset.formset.prefix == "fees"
    )
    assert fee_formset.formset.non_form_errors() == [
        "Give the fee of the service; enter 0 when it is free."
    ]
    assert (Service.objects.count(), ServiceVersion.objects.count(), Fee.objects.count()) == (
        0,
        0,
        0,
    )


def test_a_zero_fee_is_accepted(admin_client, category, units):
    data = new_card(category, units)
    data["fees-0-amount"] = 0
    assert admin_client.post(ADD_URL, data).status_code == 302
    assert Fee.objects.get().amount == 0


def test_the_editor_rejects_a_duplicate_code_typed_in_persian_digits(
    admin_client, category, units, make_service
):
    make_service("17041325104")
    data = new_card(category, units)
    data["code"] = "۱۷۰۴۱۳۲۵۱۰۴"
    admin_client.cookies["khedmat_language"] = "en"
    response = admin_client.post(ADD_URL, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["code"] == [
        "A service with this code already exists."
    ]
    assert Service.objects.count() == 1


def test_saving_the_card_makes_a_new_version_and_keeps_the_old(
    admin_client, administrator, make_service
):
    service = make_service("17041325104")
    first = service.current_version
    page = admin_client.get(change_url(first), headers={"accept-language": "en"})
    assert page.status_code == 200
    assert "Saving makes version 2" in page.content.decode()
    data = form_of(first, change_summary="تعرفه جدید")
    data["fees-0-amount"] = 1_500_000
    response = admin_client.post(change_url(first), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert response["Location"] == LIST_URL
    service.refresh_from_db()
    second = service.current_version
    assert (second.number, second.created_by, second.change_summary) == (
        2,
        administrator,
        "تعرفه جدید",
    )
    assert second.changed_fields == ["fees"]
    assert [fee.amount for fee in second.fees.all()] == [1_500_000]
    first = ServiceVersion.objects.get(pk=first.pk)
    assert [fee.amount for fee in first.fees.all()] == [1_200_000]
    assert first.documents.count() == second.documents.count() == 2
    history = admin_client.get(
        f"/admin/catalog/serviceversion/{second.pk}/history/"
    ).content.decode()
    assert 'data-version="2"' in history and 'data-version="1"' in history


def test_saving_an_old_version_restores_it_as_the_newest(admin_client, make_service):
    service = make_service("17041325104")
    first = service.current_version
    services.revise_service(service, changes={"title_fa": "عنوان تازه"}, actor=None)
    assert admin_client.post(change_url(first), form_of(first)).status_code == 302
    service.refresh_from_db()
    assert (service.current_version.number, service.current_version.title_fa) == (
        3,
        "صدور پروانه کسب",
    )
    assert service.current_version.changed_fields == ["title_fa"]


def test_a_file_not_uploaded_again_carries_over(admin_client, make_service, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    service = make_service("17041325104")
    with_guide = services.revise_service(
        service, changes={"guide_file": SimpleUploadedFile("guide.pdf", b"%PDF-1.4")}, actor=None
    )
    assert (
        admin_client.post(
            change_url(with_guide), form_of(with_guide, duration_amount=3)
        ).status_code
        == 302
    )
    service.refresh_from_db()
    assert service.current_version.guide_file.name == with_guide.guide_file.name
    assert service.current_version.changed_fields == ["duration_amount"]


def test_the_public_card_and_the_form_can_be_previewed_without_storing_anything(
    admin_client, make_service
):
    version = make_service("17041325104", publish=False).current_version
    preview = admin_client.get(f"/admin/catalog/serviceversion/{version.pk}/preview/")
    assert preview.status_code == 200
    assert 'data-card-group="23"' in preview.content.decode()
    url = f"/admin/catalog/serviceversion/{version.pk}/form-preview/"
    assert 'name="national_code"' in admin_client.get(url).content.decode()
    before = Activity.objects.count()
    checked = admin_client.post(url, {"national_code": "۰۰۱۲۳۴۵۶۷۹"})
    assert checked.status_code == 200
    assert checked.context["answers"] == '{\n  "national_code": "0012345679"\n}'
    assert Activity.objects.count() == before


def test_the_list_shows_the_cards_in_force(admin_client, make_service):
    service = make_service("17041325104")
    services.revise_service(service, changes={"duration_amount": 3}, actor=None)
    response = admin_client.get(LIST_URL)
    assert response.status_code == 200
    assert [version.number for version in response.context["cl"].result_list] == [2]
    everything = admin_client.get(LIST_URL + "?versions=all")
    assert sorted(version.number for version in everything.context["cl"].result_list) == [1, 2]


def test_publish_and_export_actions(admin_client, make_service):
    service = make_service("17041325104", publish=False)
    data = {"action": "publish_selected", "_selected_action": [service.current_version_id]}
    assert admin_client.post(LIST_URL, data).status_code == 302
    service.refresh_from_db()
    assert service.is_published
    data["action"] = "export_csv"
    exported = admin_client.post(LIST_URL, data)
    assert exported["Content-Type"] == "text/csv; charset=utf-8"
    assert exported.content.decode("utf-8").startswith("\ufeff")


def test_an_agent_may_read_the_cards_but_not_change_them(
    client, agent, verified_login, make_service
):
    verified_login(client, agent)
    version = make_service("17041325104").current_version
    assert client.get(change_url(version)).status_code == 200
    response = client.post(change_url(version), form_of(version, duration_amount=3))
    assert response.status_code == 403
    assert client.get(ADD_URL).status_code == 403
    assert ServiceVersion.objects.count() == 1


def test_anonymous_visitors_are_sent_to_the_login(client, make_service):
    version = make_service("17041325104").current_version
    response = client.post(change_url(version), form_of(version))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert ServiceVersion.objects.count() == 1
