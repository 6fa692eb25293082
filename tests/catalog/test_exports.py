"""Catalog export (R-6): one row per service and sub-service in the four parts, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.utils import translation

from khedmat.catalog import exports, queries
from khedmat.catalog.choices import ServiceType

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(make_service):  # type: ignore[no-untyped-def]
    parent = make_service("17041325104")
    make_service("10012656000sh13", parent=parent, card={"title_en": "New licence"})
    make_service("10012656000sh14", parent=parent, card={"title_en": "Renewal"})
    make_service("13061709000", publish=False)
    return parent


def test_csv_has_one_row_per_published_service_and_sub_service_in_four_parts(client, catalog):
    client.cookies["khedmat_language"] = "en"
    response = client.get("/services/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="khedmat-catalog-')
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    header, records = rows[0], rows[1:]
    parts = [title.split(": ", 1)[0] for title in header]
    assert list(dict.fromkeys(parts)) == [
        "Part 1 — provider",
        "Part 2 — service definition",
        "Part 3 — other notes",
        "Part 4 — form filler",
    ]
    by_code = {
        record[header.index("Part 2 — service definition: service code")]: record
        for record in records
    }
    assert sorted(by_code) == ["10012656000sh13", "10012656000sh14", "17041325104"]
    child = dict(zip(header, by_code["10012656000sh13"], strict=True))
    assert child["Part 1 — provider: agency"] == "سازمان صمت"
    assert child["Part 1 — provider: parent agency"] == "وزارت صمت"
    assert child["Part 2 — service definition: parent service code"] == "17041325104"
    assert child["Part 2 — service definition: title"] == "New licence"
    assert child["Part 2 — service definition: fees"] == "Issue fee: 1200000 IRR"
    assert child["Part 2 — service definition: Delivery"] == "not electronic: In person"
    assert child["Part 2 — service definition: required documents"] == (
        "Lease (Uploaded by the applicant); Record certificate (Obtained by inquiry: قوه قضاییه)"
    )
    assert (
        child["Part 3 — other notes: card address"] == "http://testserver/services/10012656000sh13/"
    )
    assert child["Part 4 — form filler: form filled in by"] == "مریم احمدی"


def test_json_has_the_same_records_grouped_by_part(client, catalog):
    client.cookies["khedmat_language"] = "fa"
    response = client.get("/services/export.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    document = json.loads(response.content)
    assert [section["key"] for section in document["sections"]] == [
        "provider",
        "definition",
        "other",
        "form_filler",
    ]
    records = document["services"]
    assert [record["definition"]["code"] for record in records] == [
        "10012656000sh13",
        "10012656000sh14",
        "17041325104",
    ]
    first = records[0]
    assert set(first) == {"provider", "definition", "other", "form_filler"}
    assert first["definition"]["title"] == "صدور پروانه کسب"
    with translation.override("fa"):
        expected_types = [str(ServiceType.G2C.label), str(ServiceType.G2B.label)]
    assert first["definition"]["service_types"] == expected_types
    assert first["definition"]["duration_amount"] == 15
    assert first["other"]["version"] == 1
    assert first["form_filler"]["approving_authority"] == "رئیس سازمان"


def test_the_export_function_includes_unpublished_services_when_asked(catalog):
    everything = queries.export_services(published_only=False)
    with translation.override("en"):
        records = exports.export_records(everything)
    assert len(records) == 4
    assert {record["other"]["published"] for record in records} == {True, False}
