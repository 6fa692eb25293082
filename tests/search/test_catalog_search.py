"""The portal catalog search runs on the search index, kept current by the catalog's services."""

from __future__ import annotations

from typing import Any

import pytest

from khedmat.catalog import services as catalog_services
from khedmat.catalog.queries import search_services
from khedmat.search.models import SearchEntry

pytestmark = pytest.mark.django_db


def _codes(query: str) -> list[str]:
    return [service.code for service in search_services(query)]


def test_publishing_revising_and_unpublishing_keep_the_index_current(
    make_service: Any,
) -> None:
    service = make_service("17041325104")
    assert SearchEntry.objects.filter(kind="service", object_id=service.pk).exists()
    assert _codes("پروانه كسب") == ["17041325104"]  # Arabic ك finds the Persian title

    catalog_services.revise_service(
        service, changes={"title_fa": "مجوز نانوایی"}, actor=None, change_summary="title"
    )
    assert _codes("نانوايي") == ["17041325104"]  # the revised title, Arabic ي

    catalog_services.unpublish_service(service, actor=None)
    assert _codes("نانوایی") == []
    assert not SearchEntry.objects.filter(kind="service", object_id=service.pk).exists()
