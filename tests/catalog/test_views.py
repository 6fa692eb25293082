"""Public catalog pages: list, search, tree (R-2), card (R-3, R-7), stable URLs (R-8), RTL."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from khedmat.catalog import services
from khedmat.catalog.models import Category
from tests.fixtures.catalog import SHEBA

pytestmark = pytest.mark.django_db


def page(client, url: str, language: str = "en") -> str:  # type: ignore[no-untyped-def]
    client.cookies["khedmat_language"] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def text_of(html: str) -> str:
    """Visible text with tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


# --- stable addresses (R-8) -------------------------------------------------------------------


def test_every_service_has_a_stable_card_and_apply_address(make_service):
    make_service("10012656000sh13")
    assert (
        reverse("catalog:service_detail", args=["10012656000sh13"]) == "/services/10012656000sh13/"
    )
    assert (
        reverse("tickets:service_apply", args=["10012656000sh13"])
        == "/services/10012656000sh13/apply/"
    )
    assert reverse("catalog:service_list") == "/services/"


# --- the identity card (R-3, R-7) -------------------------------------------------------------


def test_an_anonymous_visitor_reads_every_field_of_the_card(
    client, make_service, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    parent = make_service("17041325104")
    services.revise_service(
        parent,
        changes={"guide_file": SimpleUploadedFile("guide.pdf", b"%PDF-1.4 guide")},
        actor=None,
    )
    make_service("10012656000sh13", parent=parent, card={"title_en": "New licence"})
    html = page(client, "/services/17041325104/")
    groups = sorted({int(number) for number in re.findall(r'data-card-group="(\d+)"', html)})
    assert groups == list(range(1, 24))
    text = text_of(html)
    expected = [
        # 1-2
        "Business licence",
        "17041325104",
        "Licence process",
        "Full description of the licence service",
        "Licences",
        # 3-8
        "Government to citizens (G2C), Government to businesses (G2B)",
        "Iranian nationals, Businesses",
        "Sovereign",
        "Provincial, City",
        "Business",
        "Applicant's request",
        # 9-11
        "Guild law article 12",
        "Lease",
        "You upload it",
        "Files: pdf, jpg, png; up to 2048 KB each, at most 2",
        "Record certificate",
        "Obtained by inquiry — you do not need to bring it",
        "Asked from: قوه قضاییه",
        "Apply",
        # 12-15
        "15 working days",
        "Saturday to Wednesday",
        "2 times per year",
        "1,200 a month",
        "14,400 a year",
        # 16
        "Issue fee",
        "1,200,000 rial",
        SHEBA,
        "خزانه",
        # 17
        "Internet portal, Mobile app",
        "In person",
        "Partially electronic",
        # 18
        "استعلام هویت — ثبت احوال (GSB) · online",
        # 19-20
        "The 111 system",
        "اداره صدور مجوز",
        "سازمان صمت (وزارت صمت)",
        "021-33445566",
        "desk@example.ir",
        "Service desk, ground floor",
        "Applicant inbox",
        # 21-22
        "Answer within the stated time",
        "Download the user guide",
        "چقدر طول می‌کشد؟",
        "پانزده روز کاری",
        # 23
        "مریم احمدی، کارشناس تحول اداری",
        "021-33445570",
        "Head of the organisation",
        # other
        "Other notes",
        "New licence",
    ]
    missing = [item for item in expected if item not in text]
    assert missing == []
    assert 'data-stage="delivery"' in html
    assert 'href="/services/17041325104/apply/"' in html
    assert 'href="/services/17041325104/guide/"' in html
    assert 'href="/services/10012656000sh13/"' in html
    assert "In-person visits" in text and "Card version" in text


def test_the_card_shows_the_last_update_in_jalali_and_fees_in_persian_digits(client, make_service):
    service = make_service("17041325104")
    html = page(client, "/services/17041325104/", "fa")
    assert '<html lang="fa" dir="rtl">' in html
    from khedmat.core.dates import format_date

    assert (
        f'data-testid="last-updated">{format_date(service.current_version.created_at, "fa")}</time>'
        in html
    )
    assert 'data-testid="fee-amount">۱٬۲۰۰٬۰۰۰ ' in html


def test_the_card_is_rtl_in_arabic_with_arabic_text(client, make_service):
    make_service("17041325104")
    html = page(client, "/services/17041325104/", "ar")
    assert '<html lang="ar" dir="rtl">' in html
    assert "إصدار رخصة العمل" in html
    assert "منظومة 111" in html


def test_a_missing_translation_falls_back_to_persian(client, make_service):
    make_service("17041325104", card={"title_ar": "", "complaint_channel_en": ""})
    assert "صدور پروانه کسب" in page(client, "/services/17041325104/", "ar")
    assert "سامانه ۱۱۱ سامد" in page(client, "/services/17041325104/", "en")


def test_unpublished_services_are_not_shown(client, make_service):
    make_service("17041325104", publish=False)
    assert client.get("/services/17041325104/").status_code == 404
    assert client.get("/services/17041325104/apply/").status_code == 404
    assert "17041325104" not in page(client, "/services/")


def test_a_sub_service_of_an_unpublished_service_is_not_shown(client, make_service):
    parent = make_service("17041325104")
    make_service("10012656000sh13", parent=parent)
    services.unpublish_service(parent, actor=None)
    assert client.get("/services/10012656000sh13/").status_code == 404


def test_the_card_shows_the_version_in_force(client, make_service):
    service = make_service("17041325104")
    services.revise_service(
        service, changes={"fees": [{"title_fa": "هزینه", "amount": 2_000_000}]}, actor=None
    )
    text = text_of(page(client, "/services/17041325104/"))
    assert "2,000,000 rial" in text
    assert "1,200,000 rial" not in text


def test_the_guide_file_is_served_at_a_stable_address(client, make_service, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    service = make_service("17041325104")
    assert client.get("/services/17041325104/guide/").status_code == 404
    services.revise_service(
        service, changes={"guide_file": SimpleUploadedFile("guide.pdf", b"%PDF-1.4 x")}, actor=None
    )
    response = client.get("/services/17041325104/guide/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 x"


# --- applying (the page itself is tested in tests/tickets/test_apply.py) ----------------------


def test_the_apply_address_sends_an_anonymous_visitor_to_the_applicant_login(client, make_service):
    make_service("17041325104")
    html = page(client, "/services/17041325104/")
    assert 'href="/services/17041325104/apply/"' in html
    response = client.get("/services/17041325104/apply/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/applicant/login/?next=/services/17041325104/apply/"


# --- list, tree and search (R-2, R-35) --------------------------------------------------------


def test_a_service_with_sub_services_is_a_collapsible_node_with_a_card_link_per_leaf(
    client, make_service
):
    parent = make_service("17041325104")
    make_service("10012656000sh13", parent=parent, card={"title_en": "New licence"})
    make_service("10012656000sh14", parent=parent, card={"title_en": "Renewal"})
    make_service("13061709000", card={"title_en": "Inquiries"})
    html = page(client, "/services/")
    branch = html.split('<details class="service-branch">', 1)[1].split("</details>", 1)[0]
    assert "<summary>" in branch and "2 sub-services" in branch
    assert re.findall(r'href="(/services/[^"]+/)"', branch) == [
        "/services/17041325104/",
        "/services/10012656000sh13/",
        "/services/10012656000sh14/",
    ]
    assert html.count('<details class="service-branch">') == 1
    assert 'href="/services/13061709000/"' in html


def test_arabic_yeh_and_kaf_find_a_persian_service(client, make_service):
    make_service("17041325104", card={"title_fa": "صدور کارت بازرگانی یکساله"})
    make_service(
        "13061709000", card={"title_fa": "پاسخ به استعلام", "description_fa": "", "keywords": ""}
    )
    for query in ["كارت بازرگاني", "کارت بازرگانی", "يكساله", "بازرگاني"]:
        html = page(client, "/services/?q=" + query)
        assert 'href="/services/17041325104/"' in html, query
        assert 'href="/services/13061709000/"' not in html, query
        assert "1 service found" in html


def test_search_ignores_zwnj_and_matches_codes(client, make_service):
    make_service("17041325104", card={"title_fa": "صدور گواهی‌نامه"})
    assert 'href="/services/17041325104/"' in page(client, "/services/?q=گواهینامه")
    assert 'href="/services/17041325104/"' in page(client, "/services/?q=گواهی نامه")
    assert 'href="/services/17041325104/"' in page(client, "/services/?q=۱۷۰۴۱۳۲۵۱۰۴")
    assert "0 services found" in page(client, "/services/?q=گذرنامه")


def test_the_category_filter_shows_only_that_category(client, make_service):
    other = Category.objects.create(code="trade", name_fa="بازرگانی", name_en="Trade", position=2)
    make_service("17041325104")
    make_service("17041325120", target_category=other, card={"title_en": "Trade card"})
    html = page(client, "/services/?category=trade")
    assert 'href="/services/17041325120/"' in html
    assert 'href="/services/17041325104/"' not in html
    assert client.get("/services/?category=nothing").status_code == 404


@pytest.mark.parametrize("language", ["fa", "ar"])
@pytest.mark.parametrize(
    "url",
    ["/services/", "/services/?q=پروانه", "/services/17041325104/"],
)
def test_catalog_pages_are_right_to_left_in_persian_and_arabic(client, make_service, language, url):
    make_service("17041325104")
    assert f'<html lang="{language}" dir="rtl">' in page(client, url, language)


# --- query counts -----------------------------------------------------------------------------


def count_queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_list_search_and_card_pages_use_a_constant_number_of_queries(
    client, make_service, django_assert_max_num_queries
):
    first = make_service("17041325104")
    few = {
        url: count_queries(client, url)
        for url in ["/services/", "/services/?q=پروانه", "/services/17041325104/"]
    }
    for number in range(6):
        make_service(f"1000000000{number}", card={"title_fa": f"صدور پروانه {number}"})
        make_service(f"2000000000{number}", parent=first)
    services.revise_service(
        first,
        changes={"faq": [{"question_fa": f"پرسش {n}", "answer_fa": "پاسخ"} for n in range(5)]},
        actor=None,
    )
    many = {url: count_queries(client, url) for url in few}
    assert many == few
    with django_assert_max_num_queries(10):
        client.get("/services/")
    with django_assert_max_num_queries(12):
        client.get("/services/17041325104/")


def test_the_card_links_to_filing_a_complaint_about_the_service(client, make_service):
    make_service("10012656000sh13")

    html = page(client, "/services/10012656000sh13/", "fa")

    assert 'href="/complaints/new/?service=10012656000sh13" data-testid="file-complaint"' in html
