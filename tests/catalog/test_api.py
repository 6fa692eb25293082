"""Catalog read API under /api/v1/catalog/: public, keyset-paginated, in the OpenAPI document."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from khedmat.catalog import services
from khedmat.catalog.models import Category
from khedmat.core.pagination import encode_cursor

pytestmark = pytest.mark.django_db


def test_the_catalog_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/catalog/categories",
        "/api/v1/catalog/services",
        "/api/v1/catalog/services/{code}",
        "/api/v1/catalog/services/{code}/versions/{number}",
        "/api/v1/catalog/services/{code}/form",
    } <= set(paths)
    assert paths["/api/v1/catalog/services/{code}"]["get"]["tags"] == ["catalog"]
    assert "security" not in paths["/api/v1/catalog/services"]["get"]


def test_services_are_listed_by_code_with_a_keyset_cursor(client, make_service):
    parent = make_service("17041325104")
    make_service("10012656000sh13", parent=parent)
    make_service("13061709000")
    make_service("10011146000", publish=False)
    first = client.get("/api/v1/catalog/services?limit=2").json()
    assert [item["code"] for item in first["items"]] == ["10012656000sh13", "13061709000"]
    assert first["items"][0] | {"updated_at": None} == {
        "code": "10012656000sh13",
        "title": {"fa": "صدور پروانه کسب", "ar": "إصدار رخصة العمل", "en": "Business licence"},
        "category": "licences",
        "parent": "17041325104",
        "electronic_status": "partially",
        "version": 1,
        "updated_at": None,
        "card_url": "/services/10012656000sh13/",
        "apply_url": "/services/10012656000sh13/apply/",
    }
    second = client.get(f"/api/v1/catalog/services?limit=2&after={first['next']}").json()
    assert [item["code"] for item in second["items"]] == ["17041325104"]
    assert second["next"] is None


def test_services_can_be_filtered_by_category_and_searched(client, make_service):
    trade = Category.objects.create(code="trade", name_fa="بازرگانی")
    make_service("17041325104")
    make_service("17041325120", target_category=trade, card={"title_fa": "صدور کارت بازرگانی"})
    by_category = client.get("/api/v1/catalog/services?category=trade").json()
    assert [item["code"] for item in by_category["items"]] == ["17041325120"]
    searched = client.get("/api/v1/catalog/services", {"q": "كارت بازرگاني"}).json()
    assert [item["code"] for item in searched["items"]] == ["17041325120"]


def test_bad_cursors_and_limits_are_refused(client):
    bad_cursor = "This page link is not valid; start again from the first page."
    for url in [
        "/api/v1/catalog/services?after=!!!",
        "/api/v1/catalog/categories?after=WzFd",  # [1]: one value where the order has two
        f"/api/v1/catalog/services?after={encode_cursor([{'code': 'x'}])}",
    ]:
        response = client.get(url)
        assert (response.status_code, response.json()) == (400, {"detail": bad_cursor}), url
    for limit in (0, 201, "many"):
        response = client.get(f"/api/v1/catalog/services?limit={limit}")
        assert response.status_code == 422, limit
        assert response.json()["detail"] == "The request does not have the expected shape."


def test_paging_the_services_two_at_a_time_returns_each_published_service_once_in_order(
    client, make_service
):
    parent = make_service("17041325104")
    codes = ["10012656000sh13", "10012656000sh14", "13061709000", "10011146001", "20000000000"]
    for code in codes:
        make_service(code, parent=parent if code.endswith(("13", "14")) else None)
    make_service("10011146000", publish=False)
    make_service("10011146002", parent=make_service("15000000000", publish=False))

    seen, after, pages = [], "", 0
    while True:
        page = client.get("/api/v1/catalog/services", {"limit": 2, "after": after}).json()
        assert len(page["items"]) <= 2
        seen += [item["code"] for item in page["items"]]
        pages += 1
        if page["next"] is None:
            break
        after = page["next"]

    assert seen == sorted([*codes, "17041325104"])
    assert pages == 3


def test_a_services_page_costs_one_query_wherever_it_starts(client, make_service):
    for number in range(7):
        make_service(f"1000000000{number}")
    first = client.get("/api/v1/catalog/services", {"limit": 3}).json()

    with CaptureQueriesContext(connection) as later:
        page = client.get("/api/v1/catalog/services", {"limit": 3, "after": first["next"]})

    assert [item["code"] for item in page.json()["items"]] == [
        "10000000003",
        "10000000004",
        "10000000005",
    ]
    assert len(later.captured_queries) == 1
    assert "OFFSET" not in later.captured_queries[0]["sql"].upper()


def test_the_category_pages_filter_and_cursors_keep_to_their_list(client, make_service, category):
    trade = Category.objects.create(code="trade", name_fa="بازرگانی", position=1)
    make_service("17041325104")
    make_service("17041325120", target_category=trade)

    first = client.get("/api/v1/catalog/categories", {"limit": 1}).json()
    second = client.get("/api/v1/catalog/categories", {"limit": 1, "after": first["next"]}).json()
    by_category = client.get("/api/v1/catalog/services", {"category": "trade", "limit": 1}).json()

    assert [c["code"] for c in first["items"] + second["items"]] == ["licences", "trade"]
    assert second["next"] is None
    assert ([s["code"] for s in by_category["items"]], by_category["next"]) == (
        ["17041325120"],
        None,
    )


def test_categories_are_listed_in_portal_order_with_counts(client, make_service, category):
    Category.objects.create(code="trade", name_fa="بازرگانی", position=5)
    Category.objects.create(code="old", name_fa="قدیمی", position=0, is_active=False)
    parent = make_service("17041325104")
    make_service("10012656000sh13", parent=parent)
    first = client.get("/api/v1/catalog/categories?limit=1").json()
    assert first["items"] == [
        {
            "code": "licences",
            "name": {"fa": "مجوزها", "ar": "التراخيص", "en": "Licences"},
            "description": {"fa": "", "ar": "", "en": ""},
            "position": 1,
            "service_count": 1,
            "url": "/services/?category=licences",
        }
    ]
    second = client.get(f"/api/v1/catalog/categories?after={first['next']}").json()
    assert [item["code"] for item in second["items"]] == ["trade"]
    assert second["next"] is None


def test_the_card_endpoint_returns_every_field(client, make_service):
    parent = make_service("17041325104")
    make_service("10012656000sh13", parent=parent)
    card = client.get("/api/v1/catalog/services/17041325104").json()
    assert card["code"] == "17041325104"
    assert card["is_current"] is True
    assert card["service_types"] == ["g2c", "g2b"]
    assert card["duration_amount"] == 15 and card["duration_unit"] == "working_days"
    assert card["complaint_channel"] == {
        "fa": "سامانه ۱۱۱ سامد",
        "ar": "منظومة 111",
        "en": "The 111 system",
    }
    assert card["fees"] == [
        {
            "title": {"fa": "هزینه صدور", "ar": "", "en": "Issue fee"},
            "amount": 1_200_000,
            "currency": "IRR",
            "decimals": 0,
            "beneficiary": "خزانه",
            "bank_account": "IR340100000000000012345678",
        }
    ]
    assert [stage["stage"] for stage in card["stages"]] == [
        "information",
        "request",
        "processing",
        "delivery",
    ]
    assert [document["source"] for document in card["documents"]] == ["upload", "inquiry"]
    assert card["agency"] == {"code": "agency", "name": "سازمان صمت", "parent": "industry-ministry"}
    assert card["responsible_unit"] == {
        "code": "licence-office",
        "name": "اداره صدور مجوز",
        "parent": "agency",
    }
    assert card["form_filler"] == {
        "name": "مریم احمدی",
        "position": "کارشناس تحول اداری",
        "phone": "021-33445570",
    }
    assert card["sub_services"] == ["10012656000sh13"]
    assert card["guide_url"] is None
    expected_keys = {
        "process_title",
        "description",
        "keywords",
        "audiences",
        "nature",
        "levels",
        "life_events",
        "start_trigger",
        "legal_basis",
        "service_hours",
        "in_person_visits",
        "frequency",
        "frequency_count",
        "frequency_period",
        "recipients_per_month",
        "recipients_per_year",
        "contact_phone",
        "contact_email",
        "submission_place",
        "answer_place",
        "sla_statement",
        "notes",
        "approving_authority",
        "steps",
        "faq",
        "inquiries",
        "flowchart_url",
    }
    assert expected_keys <= set(card)


def test_an_old_version_stays_readable(client, make_service):
    service = make_service("17041325104")
    services.revise_service(
        service, changes={"fees": [{"title_fa": "هزینه", "amount": 9}]}, actor=None
    )
    old = client.get("/api/v1/catalog/services/17041325104/versions/1").json()
    new = client.get("/api/v1/catalog/services/17041325104/versions/2").json()
    assert (old["is_current"], old["fees"][0]["amount"]) == (False, 1_200_000)
    assert (new["is_current"], new["fees"][0]["amount"]) == (True, 9)
    assert client.get("/api/v1/catalog/services/17041325104/versions/3").status_code == 404


def test_the_form_endpoint_returns_the_field_rows(client, make_service):
    make_service(
        "17041325104",
        rows={
            "form_fields": [
                {
                    "key": "kind",
                    "field_type": "select",
                    "label_fa": "نوع",
                    "is_required": True,
                    "config": {"options": [{"value": "a", "label_fa": "الف"}]},
                },
                {"key": "partners", "field_type": "group", "label_fa": "شرکا", "position": 1},
                {
                    "key": "name",
                    "field_type": "text",
                    "label_fa": "نام",
                    "group_key": "partners",
                    "position": 2,
                    "show_if": {"field": "kind", "value": "a"},
                    "integration_key": "p.name",
                },
            ]
        },
    )
    form = client.get("/api/v1/catalog/services/17041325104/form").json()
    assert form["service"] == "17041325104" and form["version"] == 1
    assert [(field["key"], field["type"], field["group"]) for field in form["fields"]] == [
        ("kind", "select", None),
        ("partners", "group", None),
        ("name", "text", "partners"),
    ]
    assert form["fields"][2]["show_if"] == {"field": "kind", "value": "a"}
    assert form["fields"][2]["integration_key"] == "p.name"
    assert form["fields"][0]["label"] == {"fa": "نوع", "ar": "", "en": ""}


def test_unpublished_or_unknown_services_are_not_found(client, make_service):
    make_service("17041325104", publish=False)
    for url in [
        "/api/v1/catalog/services/17041325104",
        "/api/v1/catalog/services/17041325104/form",
        "/api/v1/catalog/services/nothing",
    ]:
        assert client.get(url).status_code == 404


def count(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_api_reads_use_a_constant_number_of_queries(
    client, make_service, django_assert_max_num_queries
):
    first = make_service("17041325104")
    urls = [
        "/api/v1/catalog/services",
        "/api/v1/catalog/categories",
        "/api/v1/catalog/services/17041325104",
        "/api/v1/catalog/services/17041325104/form",
    ]
    few = {url: count(client, url) for url in urls}
    for number in range(8):
        make_service(f"1000000000{number}", parent=first if number % 2 else None)
    many = {url: count(client, url) for url in urls}
    assert many == few
    with django_assert_max_num_queries(3):
        client.get("/api/v1/catalog/services")
