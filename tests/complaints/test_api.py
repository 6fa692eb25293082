"""The complaints API: file, my complaints, track by code + national code (public, rate-limited)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from khedmat.accounts.models import User
from khedmat.complaints import services
from khedmat.complaints.models import Complaint

from .conftest import FileComplaint

pytestmark = pytest.mark.django_db

BASE = "/api/v1/complaints/"


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_an_applicant_files_and_lists(
    client: Client, citizen: User, service: Any, complaint_templates: None, inspection: Any
) -> None:
    client.force_login(citizen)
    response = post(client, BASE, {"service_code": service.code, "subject": "s", "text": "t"})
    assert response.status_code == 201, response.content
    code = response.json()["tracking_code"]
    assert Complaint.objects.get().tracking_code == code
    listed = client.get(BASE).json()["items"]
    assert [item["tracking_code"] for item in listed] == [code]


def test_filing_needs_a_login(client: Client, service: Any) -> None:
    response = post(client, BASE, {"service_code": service.code, "subject": "s", "text": "t"})
    assert response.status_code == 401
    assert Complaint.objects.count() == 0


def test_track_shows_the_answer_and_refuses_wrong_inputs_alike(
    client: Client, file: FileComplaint, inspector: User, settings: Any
) -> None:
    complaint = services.answer_complaint(file(), text="Answered.", actor=inspector)
    ok = post(
        client,
        f"{BASE}track",
        {"tracking_code": complaint.tracking_code, "national_code": "0013542419"},
    )
    assert ok.status_code == 200
    assert (ok.json()["status"], ok.json()["answer"]) == ("answered", "Answered.")
    wrong = post(
        client,
        f"{BASE}track",
        {"tracking_code": complaint.tracking_code, "national_code": "0084575948"},
    )
    unknown = post(client, f"{BASE}track", {"tracking_code": "123", "national_code": "0013542419"})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    settings.KHEDMAT_TRACK_MAX_FAILURES_PER_IP = 2
    limited = post(
        client,
        f"{BASE}track",
        {"tracking_code": complaint.tracking_code, "national_code": "0013542419"},
    )
    assert limited.status_code == 429


def test_in_the_openapi_document(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/complaints/", "/api/v1/complaints/track"} <= set(paths)
