"""The application page /services/<code>/apply/ (R-9, R-10, R-11, R-13): filed once, errors kept."""

from __future__ import annotations

import hashlib
import re
from html import unescape
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from khedmat.accounts.models import User
from khedmat.catalog.models import Service
from khedmat.catalog.services import revise_service
from khedmat.tickets import services
from khedmat.tickets.choices import Capacity, IntakeChannel, PrincipalKind
from khedmat.tickets.documents import document_key
from khedmat.tickets.models import Attachment, StagedUpload, Ticket
from tests.fixtures.catalog import MakeService
from tests.fixtures.tickets import PDF, PNG, pdf_file, png_file
from tests.tickets.helpers import APPLY, OTHER_CODE, kept_tokens, submission_key, valid_data

pytestmark = pytest.mark.django_db

LEGAL_ID = "10380284790"  # a valid national ID of a company
# Session, user, the card (service, then its version with form, documents, stages and fees the
# first time in a process), the user's roles: whatever the form.
GET_QUERIES = 9
# Once the process holds the card version: session, user, the service, the roles.
WARM_GET_QUERIES = 4


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def signed_in(client: Client, citizen: User, service: Service, templates: None) -> Client:
    client.force_login(citizen)
    return client


def text_of(html: str) -> str:
    """Visible text with tags removed (inline <bdi> without a space) and spaces collapsed."""
    html = re.sub(r"</?bdi[^>]*>", "", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def main_of(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def error_texts(html: str) -> list[str]:
    """The messages next to the fields."""
    blocks = re.findall(r'<div class="invalid-feedback d-block"[^>]*>(.*?)</div>', html, re.S)
    return [text_of(block) for block in blocks]


def summary_links(html: str) -> list[tuple[str, str]]:
    box = html.split('data-testid="apply-errors"', 1)[1].split("</div>", 1)[0]
    return [
        (target, text_of(label))
        for target, label in re.findall(r'<a href="#([^"]+)">(.*?)</a>', box)
    ]


def nothing_filed() -> None:
    assert Ticket.objects.count() == 0
    assert Attachment.objects.count() == 0


# --- who may apply --------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_the_applicant_login_and_back(
    client: Client, service: Service
) -> None:
    response = client.get(APPLY)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/applicant/login/?next=/services/17041325104/apply/"
    assert reverse("accounts:applicant_login") == "/accounts/applicant/login/"
    response = client.post(APPLY, {"shop_name": "x"})
    assert response.status_code == 302
    nothing_filed()


def test_an_unpublished_service_is_not_found(
    client: Client, citizen: User, make_service: MakeService
) -> None:
    make_service("17041325104", publish=False)
    client.force_login(citizen)
    assert client.get(APPLY).status_code == 404
    assert client.post(APPLY).status_code == 404


def test_an_applicant_without_a_national_code_gives_it_first(
    client: Client, service: Service, make_user: Any
) -> None:
    newcomer = make_user("newcomer", mobile="+989121110000", password=None)
    client.force_login(newcomer)
    response = client.get(APPLY)
    assert response.status_code == 302
    assert (
        response["Location"]
        == "/accounts/applicant/profile/?next=%2Fservices%2F17041325104%2Fapply%2F"
    )


def test_staff_are_sent_to_the_desk_walk_in_form(
    client: Client, service: Service, operator: User, verified_login: Any, lease_key: str
) -> None:
    verified_login(client, operator)
    response = client.get(APPLY)
    assert response.status_code == 200
    html = main_of(response.content.decode())
    assert 'data-testid="apply-staff"' in html
    assert f'href="{reverse("tickets:walk_in")}"' in html
    assert "<form" not in html
    response = client.post(APPLY, {"shop_name": "x", lease_key: pdf_file()})
    assert response.status_code == 200
    nothing_filed()


def test_a_service_whose_request_stage_is_not_electronic_says_where_to_apply(
    signed_in: Client, service: Service
) -> None:
    revise_service(
        service,
        changes={
            "stages": [
                {"stage": "information", "is_electronic": True, "channels": ["portal"]},
                {"stage": "request", "is_electronic": False, "channels": ["in_person"]},
            ]
        },
        actor=None,
    )
    html = main_of(signed_in.get(APPLY).content.decode())
    assert 'data-testid="apply-closed"' in html
    assert "Service desk, ground floor" in html
    assert "<form" not in html
    assert signed_in.post(APPLY, {"shop_name": "x"}).status_code == 200
    nothing_filed()


# --- the page -------------------------------------------------------------------------------


def test_the_page_shows_the_card_summary_every_field_and_no_upload_for_inquiry_documents(
    signed_in: Client, service: Service, lease_key: str, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(GET_QUERIES):
        response = signed_in.get(APPLY)
    with django_assert_max_num_queries(WARM_GET_QUERIES):
        signed_in.get(APPLY)  # the card version is kept per process: one query for the service
    html = response.content.decode()
    text = text_of(main_of(html))
    assert response["Cache-Control"].startswith("max-age=0")
    assert "Apply: Business licence" in text
    assert "1,200,000 rial" in text
    assert "15 working days" in text
    assert service.current_version is not None
    (inquiry,) = [item for item in service.current_version.documents.all() if item.is_by_inquiry]
    assert (
        "Record certificate We obtain this ourselves from قوه قضاییه — nothing to upload." in text
    )
    assert f'name="{document_key(inquiry.pk)}"' not in html
    assert re.search(rf'<input type="file" name="{lease_key}"[^>]* multiple', html)
    assert 'name="shop_name"' in html and 'name="opening_date"' in html and "data-jdp" in html
    assert re.search(r'<input type="file" name="photo"', html)
    assert "Files: pdf, jpg, png; up to 2048 KB each, at most 2" in text
    for name in ("on_behalf", "principal_kind", "principal_name", "principal_code", "capacity"):
        assert f'name="rep-{name}"' in html
    assert (
        "Unless you say otherwise, the request is yours: زهرا کریمی, national code 0013542419."
        in text
    )
    assert 'enctype="multipart/form-data"' in html
    assert "tickets/apply.js" in html


def test_each_page_load_gets_its_own_submission_key(signed_in: Client, service: Service) -> None:
    assert submission_key(signed_in) != submission_key(signed_in)


EVERY_TYPE: list[dict[str, Any]] = [
    {"key": "full_name", "field_type": "text", "label_fa": "نام", "is_required": True},
    {"key": "about", "field_type": "long_text", "label_fa": "شرح"},
    {"key": "area", "field_type": "number", "label_fa": "متراژ", "config": {"min": 6}},
    {"key": "start", "field_type": "date", "label_fa": "شروع", "config": {"calendar": "jalali"}},
    {"key": "hijri_day", "field_type": "date", "label_fa": "روز", "config": {"calendar": "hijri"}},
    {"key": "opening", "field_type": "time", "label_fa": "ساعت"},
    {
        "key": "kind",
        "field_type": "select",
        "label_fa": "نوع",
        "config": {
            "options": [
                {"value": "natural", "label_fa": "حقیقی"},
                {"value": "legal", "label_fa": "حقوقی"},
            ]
        },
    },
    {
        "key": "place",
        "field_type": "cascading_select",
        "label_fa": "محل",
        "config": {
            "levels": [{"label_fa": "استان"}, {"label_fa": "شهر"}],
            "options": [
                {
                    "value": "tehran",
                    "label_fa": "تهران",
                    "children": [{"value": "rey", "label_fa": "ری"}],
                }
            ],
        },
    },
    {"key": "agree", "field_type": "checkbox", "label_fa": "موافقم", "is_required": True},
    {"key": "owner_code", "field_type": "national_code", "label_fa": "کد ملی مالک"},
    {"key": "company", "field_type": "legal_id", "label_fa": "شناسه ملی"},
    {"key": "phone", "field_type": "mobile", "label_fa": "همراه"},
    {"key": "postal", "field_type": "postal_code", "label_fa": "کد پستی"},
    {"key": "email", "field_type": "email", "label_fa": "رایانامه"},
    {
        "key": "plan",
        "field_type": "file",
        "label_fa": "نقشه",
        "config": {"allowed_types": ["pdf"], "max_size_kb": 100, "max_count": 1},
    },
    {"key": "photo", "field_type": "image", "label_fa": "عکس"},
    {"key": "spot", "field_type": "location", "label_fa": "موقعیت"},
    {"key": "partners", "field_type": "group", "label_fa": "شرکا", "config": {"max_rows": 2}},
    {"key": "partner_name", "field_type": "text", "label_fa": "نام شریک", "group_key": "partners"},
    {
        "key": "partner_code",
        "field_type": "national_code",
        "label_fa": "کد",
        "group_key": "partners",
    },
]


@pytest.mark.parametrize("language", ["fa", "ar"])
def test_a_form_with_every_field_type_renders_and_files_in_persian_and_arabic(
    client: Client,
    citizen: User,
    make_service: MakeService,
    templates: None,
    language: str,
    django_assert_max_num_queries: Any,
) -> None:
    service = make_service("17041325104", rows={"form_fields": EVERY_TYPE})
    assert service.current_version is not None
    (lease,) = [item for item in service.current_version.documents.all() if not item.is_by_inquiry]
    client.force_login(citizen)
    client.cookies["khedmat_language"] = language
    with django_assert_max_num_queries(GET_QUERIES):  # as many as for a three-field form
        html = client.get(APPLY).content.decode()
    assert f'<html lang="{language}" dir="rtl">' in html
    for row in EVERY_TYPE:
        if row["field_type"] == "cascading_select":
            assert 'name="place_0"' in html and 'name="place_1"' in html
        elif row["field_type"] == "group":
            assert 'name="partners-rows"' in html
        elif "group_key" in row:
            assert f'name="partners-0-{row["key"]}"' in html
        else:
            assert f'name="{row["key"]}"' in html, row["key"]
    data = {
        "apply-submission_key": re.search(r'name="apply-submission_key" value="([^"]+)"', html)[1],  # type: ignore[index]
        "full_name": "علی رضایی",
        "about": "نانوایی سنتی",
        "area": "۱۲۰",
        "start": "۱۴۰۵/۰۱/۱۵",
        "hijri_day": "١٤٤٧/١٠/٠١",
        "opening": "۰۸:۳۰",
        "kind": "legal",
        "place_0": "tehran",
        "place_1": "tehran/rey",
        "agree": "on",
        "owner_code": "۰۰۸۴۵۷۵۹۴۸",
        "company": LEGAL_ID,
        "phone": "۰۹۱۲۱۲۳۴۵۶۷",
        "postal": "1345678913",
        "email": "ali@example.ir",
        "plan": pdf_file("plan.pdf"),
        "photo": png_file(),
        "spot": "35.6892, 51.3890",
        "partners-rows": "1",
        "partners-0-partner_name": "سارا",
        "partners-0-partner_code": "0012345679",
        document_key(lease.pk): pdf_file(),
    }
    response = client.post(APPLY, data)
    assert response.status_code == 303, error_texts(response.content.decode())
    ticket = Ticket.objects.get()
    assert ticket.language == language
    assert ticket.answers["area"] == 120
    assert ticket.answers["start"] == "2026-04-04"
    assert ticket.answers["hijri_day"] == "2026-03-20"
    assert ticket.answers["place"] == ["tehran", "rey"]
    assert ticket.answers["owner_code"] == OTHER_CODE
    assert ticket.answers["phone"] == "+989121234567"
    assert ticket.answers["spot"] == {"lat": 35.6892, "lng": 51.389}
    assert ticket.answers["partners"] == [{"partner_name": "سارا", "partner_code": "0012345679"}]
    assert sorted(Attachment.objects.values_list("field_key", flat=True)) == sorted(
        ["plan", "photo", document_key(lease.pk)]
    )


# --- filing ---------------------------------------------------------------------------------


def test_a_valid_application_files_one_request_and_goes_to_its_receipt(
    signed_in: Client, citizen: User, lease_key: str
) -> None:
    data = valid_data(signed_in, lease_key, photo=png_file())
    response = signed_in.post(APPLY, data)

    ticket = Ticket.objects.get()
    assert response.status_code == 303
    assert response["Location"] == reverse("tickets:receipt", args=[ticket.tracking_code])
    assert ticket.submission_key == data["apply-submission_key"]
    assert ticket.channel == IntakeChannel.ONLINE
    assert ticket.requester == citizen and ticket.filed_by == citizen
    assert ticket.language == "en"
    assert ticket.answers["shop_name"] == "نانوایی بربری"
    assert ticket.answers["opening_date"] == "2026-04-04"
    assert ticket.principal_kind == PrincipalKind.PERSON
    assert (ticket.principal_name, ticket.principal_national_code) == ("زهرا کریمی", "0013542419")
    assert ticket.principal_mobile == "+989121234567"
    assert (ticket.representative_name, ticket.representative_capacity) == ("", "")
    lease = Attachment.objects.get(field_key=lease_key)
    assert (
        lease.sha256 == hashlib.sha256(PDF).hexdigest() == ticket.documents[lease_key][0]["sha256"]
    )
    photo = Attachment.objects.get(field_key="photo")
    assert photo.sha256 == hashlib.sha256(PNG).hexdigest()
    assert StagedUpload.objects.count() == 0


def test_a_double_post_with_the_same_submission_key_files_once(
    signed_in: Client, lease_key: str
) -> None:
    data = valid_data(signed_in, lease_key)
    first = signed_in.post(APPLY, data)
    second = signed_in.post(APPLY, {**data, lease_key: pdf_file()})

    ticket = Ticket.objects.get()
    assert first["Location"] == second["Location"] == f"/requests/{ticket.tracking_code}/receipt/"
    assert Attachment.objects.count() == 1


def test_a_representative_files_for_a_person_and_both_are_recorded(
    signed_in: Client, lease_key: str
) -> None:
    data = valid_data(
        signed_in,
        lease_key,
        **{
            "rep-on_behalf": "on",
            "rep-principal_kind": "person",
            "rep-principal_name": "حسن کریمی",
            "rep-principal_code": "۰۰۸۴۵۷۵۹۴۸",
            "rep-principal_mobile": "09351234567",
            "rep-capacity": "guardian",
        },
    )
    assert signed_in.post(APPLY, data).status_code == 303

    ticket = Ticket.objects.get()
    assert (ticket.principal_kind, ticket.principal_name) == (PrincipalKind.PERSON, "حسن کریمی")
    assert ticket.principal_national_code == OTHER_CODE
    assert ticket.principal_mobile == "+989351234567"
    assert ticket.representative_name == "زهرا کریمی"
    assert ticket.representative_national_code == "0013542419"
    assert ticket.representative_capacity == Capacity.GUARDIAN
    assert ticket.is_filed_by_representative


def test_a_company_signatory_files_for_the_company(signed_in: Client, lease_key: str) -> None:
    data = valid_data(
        signed_in,
        lease_key,
        **{
            "rep-on_behalf": "on",
            "rep-principal_kind": "legal",
            "rep-principal_name": "شرکت نان آوران",
            "rep-principal_code": LEGAL_ID,
            "rep-capacity": "company_representative",
        },
    )
    assert signed_in.post(APPLY, data).status_code == 303

    ticket = Ticket.objects.get()
    assert (ticket.principal_kind, ticket.principal_national_code) == ("legal", LEGAL_ID)
    assert ticket.principal_mobile == "+989121234567"  # messages go to the representative
    assert ticket.representative_capacity == Capacity.COMPANY_REPRESENTATIVE


def test_representative_fields_are_ignored_unless_the_box_is_ticked(
    signed_in: Client, lease_key: str
) -> None:
    data = valid_data(signed_in, lease_key, **{"rep-principal_name": "x", "rep-capacity": "other"})
    assert signed_in.post(APPLY, data).status_code == 303
    ticket = Ticket.objects.get()
    assert (ticket.principal_national_code, ticket.representative_capacity) == ("0013542419", "")


# --- errors ---------------------------------------------------------------------------------


def test_a_missing_required_field_comes_back_with_every_error_and_the_typed_values(
    signed_in: Client, lease_key: str
) -> None:
    data = valid_data(signed_in, lease_key, shop_name=" ", opening_date="1405/13/40")
    data.pop(lease_key)
    response = signed_in.post(APPLY, data)

    assert response.status_code == 200
    html = response.content.decode()
    assert error_texts(html) == [
        "This field is required.",
        "Enter a real date such as 1405/01/31.",
        "This field is required.",
    ]
    assert summary_links(html) == [
        ("id_shop_name", "Shop name: This field is required."),
        ("id_opening_date", "Opening date: Enter a real date such as 1405/01/31."),
        (f"id_{lease_key}", "Lease: This field is required."),
    ]
    assert 'value="1405/13/40"' in html
    assert re.search(r'name="shop_name"[^>]*aria-invalid="true"', html)
    assert re.search(r'name="shop_name"[^>]*aria-describedby="id_shop_name_error"', html)
    assert f'name="apply-submission_key" value="{data["apply-submission_key"]}"' in html
    nothing_filed()


def test_errors_are_in_persian_for_a_persian_page(signed_in: Client, lease_key: str) -> None:
    signed_in.cookies["khedmat_language"] = "fa"
    data = valid_data(signed_in, lease_key, shop_name="", **{lease_key: pdf_file("lease.pdf", PNG)})
    html = signed_in.post(APPLY, data).content.decode()

    assert error_texts(html) == [
        "تکمیل این فیلد الزامی است.",
        "lease.pdf: محتوای فایل از نوع pdf نیست.",
    ]
    assert '<html lang="fa" dir="rtl">' in html
    nothing_filed()


def test_a_file_whose_content_is_not_its_type_is_refused_and_not_kept(
    signed_in: Client, lease_key: str
) -> None:
    data = valid_data(signed_in, lease_key, **{lease_key: pdf_file("lease.pdf", PNG)})
    html = signed_in.post(APPLY, data).content.decode()

    assert error_texts(html) == ["lease.pdf: the file's content is not a pdf file."]
    assert kept_tokens(html, lease_key) == []
    assert StagedUpload.objects.count() == 0
    nothing_filed()


def test_an_oversize_file_is_refused(signed_in: Client, lease_key: str) -> None:
    big = pdf_file("big.pdf", PDF + b"0" * (2048 * 1024))
    html = signed_in.post(APPLY, valid_data(signed_in, lease_key, **{lease_key: big})).content
    assert error_texts(html.decode()) == ["big.pdf is larger than 2048 KB."]
    nothing_filed()


def test_too_many_files_are_refused(signed_in: Client, lease_key: str) -> None:
    files = [pdf_file(f"lease-{index}.pdf") for index in range(3)]
    html = signed_in.post(APPLY, valid_data(signed_in, lease_key, **{lease_key: files})).content
    assert error_texts(html.decode()) == ["Upload at most 2 files."]
    nothing_filed()


def test_a_bad_principal_national_code_is_refused_by_its_check_digit(
    signed_in: Client, lease_key: str
) -> None:
    data = valid_data(
        signed_in,
        lease_key,
        **{
            "rep-on_behalf": "on",
            "rep-principal_kind": "person",
            "rep-principal_name": "حسن کریمی",
            "rep-principal_code": "0012345678",
            "rep-capacity": "attorney",
        },
    )
    html = signed_in.post(APPLY, data).content.decode()
    assert error_texts(html) == ["This national code is not valid."]
    assert summary_links(html) == [
        (
            "id_rep-principal_code",
            "Their national code, or the company's national ID: This national code is not valid.",
        )
    ]
    nothing_filed()


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"rep-principal_kind": "person"},
            ["This field is required.", "This field is required.", "This field is required."],
        ),
        (
            {
                "rep-principal_kind": "legal",
                "rep-principal_name": "شرکت",
                "rep-principal_code": "0084575948",
                "rep-capacity": "guardian",
            },
            [
                "Enter a national ID of 11 digits.",
                "A company has no guardian: choose the capacity in which you act for it.",
            ],
        ),
        (
            {
                "rep-principal_kind": "person",
                "rep-principal_name": "خودم",
                "rep-principal_code": "0013542419",
                "rep-capacity": "attorney",
            },
            [
                'This is your own national code. To file for yourself, untick "I am filing for '
                'someone else".'
            ],
        ),
    ],
)
def test_a_representative_must_name_a_valid_principal(
    signed_in: Client, lease_key: str, fields: dict[str, str], errors: list[str]
) -> None:
    data = valid_data(signed_in, lease_key, **{"rep-on_behalf": "on", **fields})
    html = signed_in.post(APPLY, data).content.decode()
    assert error_texts(html) == errors
    nothing_filed()


def test_an_expired_submission_key_is_reported_at_the_top(
    signed_in: Client, lease_key: str
) -> None:
    data = valid_data(signed_in, lease_key, **{"apply-submission_key": "not-a-key"})
    html = signed_in.post(APPLY, data).content.decode()
    box = html.split('data-testid="apply-errors"', 1)[1].split("</div>", 1)[0]
    assert "This form has expired. Check your answers and send it again." in box
    assert re.search(r'name="apply-submission_key" value="[0-9a-f-]{36}"', html)
    nothing_filed()


# --- files kept for the retry ---------------------------------------------------------------


def test_valid_files_are_kept_and_the_retry_needs_no_new_upload(
    signed_in: Client, lease_key: str
) -> None:
    data = valid_data(signed_in, lease_key, shop_name="", photo=png_file())
    html = signed_in.post(APPLY, data).content.decode()

    (lease_token,) = kept_tokens(html, lease_key)
    (photo_token,) = kept_tokens(html, "photo")
    assert "Kept: lease.pdf (45 bytes)" in text_of(html)
    assert "Kept: front.png (72 bytes)" in text_of(html)
    nothing_filed()

    retry = {
        "apply-submission_key": data["apply-submission_key"],
        "shop_name": "نانوایی بربری",
        f"kept-{lease_key}": lease_token,
        "kept-photo": photo_token,
    }
    response = signed_in.post(APPLY, retry)

    assert response.status_code == 303
    ticket = Ticket.objects.get()
    lease = Attachment.objects.get(ticket=ticket, field_key=lease_key)
    assert lease.sha256 == hashlib.sha256(PDF).hexdigest()
    assert lease.original_name == "lease.pdf"
    with lease.file.open("rb") as handle:
        assert handle.read() == PDF
    photo = Attachment.objects.get(ticket=ticket, field_key="photo")
    assert photo.sha256 == hashlib.sha256(PNG).hexdigest()


def test_a_kept_file_stays_kept_through_another_failed_retry_and_can_be_removed(
    signed_in: Client, lease_key: str
) -> None:
    data = valid_data(signed_in, lease_key, shop_name="")
    (token,) = kept_tokens(signed_in.post(APPLY, data).content.decode(), lease_key)

    again = {"apply-submission_key": data["apply-submission_key"], f"kept-{lease_key}": token}
    html = signed_in.post(APPLY, again).content.decode()
    assert kept_tokens(html, lease_key) == [token]
    assert StagedUpload.objects.count() == 1

    removed = {**again, "shop_name": "نانوایی", "kept-remove": token}
    html = signed_in.post(APPLY, removed).content.decode()
    assert error_texts(html) == ["This field is required."]
    assert kept_tokens(html, lease_key) == []
    nothing_filed()


def test_a_new_file_replaces_the_kept_one(signed_in: Client, lease_key: str) -> None:
    data = valid_data(signed_in, lease_key, shop_name="")
    (token,) = kept_tokens(signed_in.post(APPLY, data).content.decode(), lease_key)
    newer = PDF + b"% second version\n"
    retry = {
        "apply-submission_key": data["apply-submission_key"],
        "shop_name": "نانوایی",
        f"kept-{lease_key}": token,
        lease_key: pdf_file("lease-2.pdf", newer),
    }
    assert signed_in.post(APPLY, retry).status_code == 303
    (attachment,) = Attachment.objects.all()
    assert (attachment.original_name, attachment.sha256) == (
        "lease-2.pdf",
        hashlib.sha256(newer).hexdigest(),
    )


def test_another_persons_kept_file_is_ignored(
    signed_in: Client, lease_key: str, make_user: Any
) -> None:
    stranger = make_user("stranger", mobile="+989120000001", password=None)
    foreign = services.stage_upload(pdf_file(), field_key=lease_key, owner=stranger)
    data = valid_data(signed_in, lease_key, **{f"kept-{lease_key}": str(foreign.token)})
    data.pop(lease_key)
    html = signed_in.post(APPLY, data).content.decode()

    assert error_texts(html) == ["This field is required."]
    assert str(foreign.token) not in html
    nothing_filed()


def test_a_kept_file_is_used_only_for_the_field_it_was_kept_for(
    signed_in: Client, citizen: User, lease_key: str
) -> None:
    photo = services.stage_upload(png_file(), field_key="photo", owner=citizen)
    data = valid_data(signed_in, lease_key, **{f"kept-{lease_key}": str(photo.token)})
    data.pop(lease_key)
    html = signed_in.post(APPLY, data).content.decode()
    assert error_texts(html) == ["This field is required."]
    data = valid_data(signed_in, lease_key, **{f"kept-{lease_key}": "../../etc/passwd"})
    assert signed_in.post(APPLY, data).status_code == 303


def test_a_file_kept_with_an_unrelated_error_is_not_kept_twice(
    signed_in: Client, lease_key: str
) -> None:
    data = valid_data(signed_in, lease_key, shop_name="", photo=png_file())
    signed_in.post(APPLY, data)
    assert sorted(StagedUpload.objects.values_list("field_key", flat=True)) == sorted(
        [lease_key, "photo"]
    )


def test_the_summary_links_a_file_error_to_its_upload_field(
    signed_in: Client, lease_key: str
) -> None:
    upload = SimpleUploadedFile("lease.exe", b"MZ", content_type="application/octet-stream")
    html = signed_in.post(APPLY, valid_data(signed_in, lease_key, **{lease_key: upload})).content
    assert summary_links(html.decode()) == [
        (
            f"id_{lease_key}",
            "Lease: lease.exe: files of this type are not accepted; allowed: pdf, jpg, png.",
        )
    ]


# --- in a real browser ----------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("language", ["fa", "ar"])
def test_the_page_is_rtl_labelled_and_fits_a_phone(
    browser: Any,
    live_server: Any,
    outside_requests: list[str],
    service: Service,
    citizen: User,
    language: str,
    width: int,
) -> None:
    from django.conf import settings

    from tests.fixtures.browser import LOW_CONTRAST, UNLABELLED_CONTROLS, make_page, screenshot

    session = Client()
    session.force_login(citizen)
    page = make_page(browser, outside_requests, language=language, width=width)
    cookie = session.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page.goto(live_server.url + APPLY)

    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(LOW_CONTRAST) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    details = page.locator("[data-testid=representation-details]")
    assert not details.is_visible()
    page.locator("#id_rep-on_behalf").check()
    assert details.is_visible()
    screenshot(page, f"tickets-apply-{language}-{width}")

    page.locator("[data-testid=apply-submit]").click()
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.id") == "apply-errors"
    assert details.is_visible()  # still ticked: the section stays open with its errors
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, f"tickets-apply-errors-{language}-{width}")
    assert outside_requests == []
    assert Ticket.objects.count() == 0


def test_a_file_in_a_repeating_group_row_is_kept_for_the_retry(
    client: Client, citizen: User, make_service: MakeService, templates: None
) -> None:
    rows = [
        {"key": "shop_name", "field_type": "text", "label_fa": "نام", "is_required": True},
        {"key": "heirs", "field_type": "group", "label_fa": "وراث", "config": {"max_rows": 2}},
        {
            "key": "id_card",
            "field_type": "file",
            "label_fa": "کارت",
            "group_key": "heirs",
            "config": {"allowed_types": ["pdf"]},
        },
    ]
    service = make_service(
        "17041325104", rows={"form_fields": rows, "documents": [{"title_fa": "اجاره‌نامه"}]}
    )
    assert service.current_version is not None
    (lease,) = service.current_version.documents.all()
    client.force_login(citizen)
    data = {
        "apply-submission_key": submission_key(client),
        "heirs-rows": "1",
        "heirs-0-id_card": pdf_file("card.pdf"),
        document_key(lease.pk): pdf_file(),
    }
    html = client.post(APPLY, data).content.decode()
    (token,) = kept_tokens(html, "heirs-0-id_card")
    assert error_texts(html) == ["This field is required."]

    retry = {
        "apply-submission_key": data["apply-submission_key"],
        "shop_name": "نانوایی",
        "heirs-rows": "1",
        "kept-heirs-0-id_card": token,
        f"kept-{document_key(lease.pk)}": kept_tokens(html, document_key(lease.pk))[0],
    }
    assert client.post(APPLY, retry).status_code == 303
    card = Attachment.objects.get(field_key="heirs.0.id_card")
    assert card.sha256 == hashlib.sha256(PDF).hexdigest()
    assert Ticket.objects.get().answers["heirs"][0]["id_card"][0]["name"] == "card.pdf"
