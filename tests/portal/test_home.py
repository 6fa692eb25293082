"""The portal home: search, categories with counts, the most used services."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from khedmat.catalog import services
from khedmat.catalog.models import Category
from tests.fixtures.catalog import card_rows, card_values

pytestmark = pytest.mark.django_db


def make(code: str, category: Category, **card):  # type: ignore[no-untyped-def]
    service = services.create_service(
        code, category=category, card=card_values(**card), rows=card_rows(), actor=None
    )
    services.publish_service(service, actor=None)
    return service


@pytest.fixture
def categories(db):  # type: ignore[no-untyped-def]
    return [
        Category.objects.create(code="licences", name_fa="مجوزها", name_en="Licences", position=1),
        Category.objects.create(code="trade", name_fa="بازرگانی", name_en="Trade", position=2),
        Category.objects.create(code="empty", name_fa="خالی", name_en="Empty", position=3),
    ]


def test_home_searches_the_catalog_and_lists_categories_and_popular_services(client, categories):
    licences, trade, _empty = categories
    make("17041325104", licences, recipients_per_year=500, title_en="Business licence")
    make("17041325105", licences, recipients_per_year=None, title_en="Rare service")
    make("17041325120", trade, recipients_per_year=9000, title_en="Trade card")
    client.cookies["khedmat_language"] = "en"
    html = client.get("/").content.decode()
    assert re.search(r'<form[^>]+role="search"[^>]+action="/services/"', html)
    assert '<input id="service-search"' in html and 'name="q"' in html
    assert "<h1" in html and "Government services, online" in html
    assert re.findall(r'href="/services/\?category=([\w-]+)"', html) == ["licences", "trade"]
    assert "2 services" in html and "1 service<" in html
    popular = html.split('id="popular-heading"', 1)[1]
    assert re.findall(r'href="/services/(\d+)/"', popular) == ["17041325120", "17041325104"]
    assert 'id="services"' in html and 'id="track"' in html


def test_home_is_rtl_in_persian_and_arabic(client, categories):
    for language in ("fa", "ar"):
        client.cookies["khedmat_language"] = language
        assert f'<html lang="{language}" dir="rtl">' in client.get("/").content.decode()


def test_home_uses_a_constant_number_of_queries(client, categories, django_assert_max_num_queries):
    make("17041325104", categories[0])

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get("/").status_code == 200
        return len(context.captured_queries)

    few = count()
    for number in range(8):
        make(f"1000000000{number}", categories[number % 2], recipients_per_year=number)
    assert count() == few
    with django_assert_max_num_queries(4):
        client.get("/")
