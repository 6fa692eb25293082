"""Catalog use cases: codes (R-1), card checks (R-3), electronic status (R-4), versions (R-5)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from khedmat.catalog import queries, services
from khedmat.catalog.errors import ImmutableVersionError, ServiceNotPublishedError
from khedmat.catalog.models import Fee, Service, ServiceVersion
from khedmat.core.models import Activity
from tests.fixtures.catalog import card_rows, card_values

pytestmark = pytest.mark.django_db

R1_CODES = ["17041325104", "13061709000", "10011146000", "13091710103", "10012656000sh13"]


# --- R-1 codes --------------------------------------------------------------------------------


def test_every_code_seen_in_the_wild_is_accepted_as_an_opaque_string(make_service):
    for code in R1_CODES:
        make_service(code)
    assert sorted(Service.objects.values_list("code", flat=True)) == sorted(R1_CODES)
    assert Service.objects.get(code="10012656000sh13").code == "10012656000sh13"


def test_a_duplicate_code_is_rejected_and_nothing_is_written(make_service, category):
    make_service("17041325104")
    before = (Service.objects.count(), ServiceVersion.objects.count(), Activity.objects.count())
    with pytest.raises(ValidationError) as caught:
        services.create_service(
            "17041325104", category=category, card=card_values(), rows=card_rows(), actor=None
        )
    assert list(caught.value.message_dict) == ["code"]
    after = (Service.objects.count(), ServiceVersion.objects.count(), Activity.objects.count())
    assert after == before


def test_a_code_differing_only_in_case_is_a_duplicate(make_service, category):
    make_service("10012656000sh13")
    with pytest.raises(ValidationError) as caught:
        services.create_service(
            "10012656000SH13", category=category, card=card_values(), rows=card_rows(), actor=None
        )
    assert caught.value.messages == ["A service with this code already exists."]


@pytest.mark.parametrize("code", ["", "17 041", "a/b", "-123", "کد۱۲", "x" * 65])
def test_codes_that_cannot_be_part_of_a_stable_address_are_rejected(category, code):
    with pytest.raises(ValidationError) as caught:
        services.create_service(
            code, category=category, card=card_values(), rows=card_rows(), actor=None
        )
    assert "code" in caught.value.message_dict
    assert Service.objects.count() == 0


# --- R-3 required card fields -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("card", "field"),
    [
        ({"title_fa": ""}, "title_fa"),
        ({"service_types": []}, "service_types"),
        ({"duration_amount": None}, "duration_amount"),
        ({"complaint_channel_fa": ""}, "complaint_channel_fa"),
    ],
)
def test_a_card_without_a_required_field_is_rejected(category, card, field):
    with pytest.raises(ValidationError) as caught:
        services.create_service(
            "17041325104", category=category, card=card_values(**card), rows=card_rows(), actor=None
        )
    assert list(caught.value.message_dict) == [field]
    assert Service.objects.count() == 0
    assert ServiceVersion.objects.count() == 0


def test_a_card_without_a_fee_row_is_rejected_but_a_zero_fee_is_fine(category):
    with pytest.raises(ValidationError) as caught:
        services.create_service(
            "17041325104",
            category=category,
            card=card_values(),
            rows=card_rows(fees=[]),
            actor=None,
        )
    assert caught.value.message_dict == {
        "fees": ["Give the fee of the service; enter 0 when it is free."]
    }
    free = services.create_service(
        "17041325104",
        category=category,
        card=card_values(),
        rows=card_rows(fees=[{"title_fa": "رایگان", "amount": 0}]),
        actor=None,
    )
    assert free.current_version is not None
    assert [(fee.amount, fee.currency) for fee in free.current_version.fees.all()] == [(0, "IRR")]


def test_unknown_service_types_are_rejected(category):
    with pytest.raises(ValidationError) as caught:
        services.create_service(
            "17041325104",
            category=category,
            card=card_values(service_types=["g2x"]),
            rows=card_rows(),
            actor=None,
        )
    assert list(caught.value.message_dict) == ["service_types"]


def test_a_document_by_inquiry_names_its_provider(category):
    rows = card_rows(documents=[{"title_fa": "گواهی", "source": "inquiry"}])
    with pytest.raises(ValidationError) as caught:
        services.create_service("1", category=category, card=card_values(), rows=rows, actor=None)
    assert caught.value.message_dict == {
        "documents": ["Name the agency or system that supplies the document."]
    }


def test_a_bad_sheba_is_rejected(category):
    rows = card_rows(
        fees=[{"title_fa": "هزینه", "amount": 10, "bank_account": "IR000000000000000000000000"}]
    )
    with pytest.raises(ValidationError) as caught:
        services.create_service("1", category=category, card=card_values(), rows=rows, actor=None)
    assert caught.value.message_dict == {"fees": ["This Sheba number is not valid."]}


# --- R-4 electronic status --------------------------------------------------------------------


def _stages(*electronic: bool) -> list[dict[str, object]]:
    names = ["information", "request", "processing", "delivery"]
    return [
        {"stage": name, "is_electronic": flag} for name, flag in zip(names, electronic, strict=True)
    ]


@pytest.mark.parametrize(
    ("flags", "status"),
    [
        ((True, True, True, True), "fully"),
        ((True, True, True, False), "partially"),
        ((False, True, False, False), "partially"),
        ((False, False, False, False), "not"),
    ],
)
def test_electronic_status_is_derived_from_the_four_stages(make_service, flags, status):
    service = make_service("17041325104", rows={"stages": _stages(*flags)})
    assert service.current_version.electronic_status == status


def test_stages_left_out_are_recorded_as_not_electronic(make_service):
    service = make_service(
        "17041325104", rows={"stages": [{"stage": "request", "is_electronic": True}]}
    )
    stages = list(service.current_version.stages.values_list("stage", "is_electronic"))
    assert stages == [
        ("information", False),
        ("request", True),
        ("processing", False),
        ("delivery", False),
    ]
    assert service.current_version.electronic_status == "partially"


def test_the_statistics_count_a_partially_electronic_service_outside_the_fully_bucket(make_service):
    make_service("1", rows={"stages": _stages(True, True, True, False)})
    make_service("2", rows={"stages": _stages(True, True, True, True)})
    make_service("3", rows={"stages": _stages(False, False, False, False)})
    make_service("4", rows={"stages": _stages(True, True, True, True)}, publish=False)
    assert queries.electronic_status_counts() == {"fully": 1, "partially": 1, "not": 1}


# --- R-5 versions -----------------------------------------------------------------------------


def test_editing_the_fee_makes_a_new_version_and_keeps_the_old_one(make_service, administrator):
    service = make_service("17041325104")
    first = service.current_version
    fees = [{"title_fa": "هزینه صدور", "amount": 1_500_000, "currency": "IRR"}]
    second = services.revise_service(
        service, changes={"fees": fees}, actor=administrator, change_summary="تعرفه ۱۴۰۵"
    )
    service.refresh_from_db()
    assert (first.number, second.number) == (1, 2)
    assert service.current_version_id == second.pk
    assert second.changed_fields == ["fees"]
    assert second.created_by == administrator
    assert second.change_summary == "تعرفه ۱۴۰۵"
    old = queries.service_version(service, 1)
    assert [fee.amount for fee in old.fees.all()] == [1_200_000]
    assert [fee.amount for fee in second.fees.all()] == [1_500_000]
    # Everything else was carried over unchanged.
    assert second.title_fa == first.title_fa
    assert list(second.documents.values_list("title_fa", flat=True)) == [
        "اجاره‌نامه",
        "گواهی عدم سوء پیشینه",
    ]
    history = queries.version_history(service)
    assert [(item.number, item.changed_fields) for item in history] == [
        (2, ["fees"]),
        (1, ["created"]),
    ]


def test_each_revision_leaves_an_activity_row_with_what_changed(make_service, administrator):
    service = make_service("17041325104")
    services.revise_service(
        service, changes={"duration_amount": 10, "title_en": "Licence"}, actor=administrator
    )
    activity = Activity.objects.for_target(service).first()
    assert activity is not None
    assert activity.verb == "service.revised"
    assert activity.actor == administrator
    assert activity.old_value == {"title_en": "Business licence", "duration_amount": 15}
    assert activity.new_value == {"title_en": "Licence", "duration_amount": 10}
    assert activity.data == {
        "version": 2,
        "previous_version": 1,
        "changed": ["title_en", "duration_amount"],
        "summary": "",
    }
    verbs = list(Activity.objects.for_target(service).values_list("verb", flat=True))
    assert verbs == [
        "service.revised",
        "service.published",
        "service.card_created",
        "service.created",
    ]


def test_a_rejected_revision_changes_nothing(make_service):
    service = make_service("17041325104")
    before = (ServiceVersion.objects.count(), Fee.objects.count(), Activity.objects.count())
    with pytest.raises(ValidationError):
        services.revise_service(service, changes={"fees": []}, actor=None)
    service.refresh_from_db()
    assert service.current_version.number == 1
    assert (ServiceVersion.objects.count(), Fee.objects.count(), Activity.objects.count()) == before


def test_a_saved_version_cannot_be_edited_in_place(make_service):
    version = make_service("17041325104").current_version
    version.title_fa = "عوض شد"
    with pytest.raises(ImmutableVersionError):
        version.save()
    fee = version.fees.get()
    fee.amount = 1
    with pytest.raises(ImmutableVersionError):
        fee.save()
    assert ServiceVersion.objects.get(pk=version.pk).title_fa == "صدور پروانه کسب"


def test_moving_a_service_to_another_category_is_recorded_in_its_version(make_service, category):
    from khedmat.catalog.models import Category

    other = Category.objects.create(code="trade", name_fa="بازرگانی")
    service = make_service("17041325104")
    version = services.revise_service(service, changes={"category": other}, actor=None)
    service.refresh_from_db()
    assert service.category == other
    assert version.changed_fields == ["category"]


def test_revise_refuses_names_that_are_not_card_fields(make_service):
    service = make_service("17041325104")
    with pytest.raises(ValueError, match="not card fields"):
        services.revise_service(service, changes={"number": 9}, actor=None)


# --- publishing and sub-services --------------------------------------------------------------


def test_publish_and_unpublish_are_recorded_once(make_service):
    service = make_service("17041325104", publish=False)
    services.publish_service(service, actor=None)
    services.publish_service(service, actor=None)
    services.unpublish_service(service, actor=None)
    services.unpublish_service(service, actor=None)
    verbs = list(Activity.objects.for_target(service).values_list("verb", flat=True))
    assert verbs[:2] == ["service.unpublished", "service.published"]
    assert verbs.count("service.published") == 1


def test_a_service_without_a_card_cannot_be_published(category):
    service = Service.objects.create(code="17041325104", category=category)
    with pytest.raises(ServiceNotPublishedError):
        services.publish_service(service, actor=None)


def test_sub_services_are_one_level_deep(make_service):
    parent = make_service("17041325104")
    child = make_service("10012656000sh13", parent=parent)
    with pytest.raises(ValidationError) as caught:
        make_service("10012656000sh14", parent=child)
    assert caught.value.message_dict == {"parent": ["A sub-service cannot have sub-services."]}


def test_search_keys_fold_arabic_letters_and_zwnj(make_service):
    service = make_service("17041325104", card={"title_fa": "گواهی‌نامه کارت بازرگانی"})
    version = service.current_version
    assert version.title_key.startswith("گواهینامه کارت بازرگانی")
    assert "17041325104" in version.search_key
