"""The complaints API: file, my complaints, track by code + national code (public, rate-limited)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from khedmat.accounts.models import User
from khedmat.complaints import services
from khedmat.complaints.models import Complaint
from tests.complaints.helpers import FileComplaint

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


def test_my_complaints_come_a_page_at_a_time_newest_first_in_constant_queries(
    client: Client, citizen: User, file: FileComplaint, inspector: User
) -> None:
    complaints = [file(subject=f"complaint {n}") for n in range(5)]
    services.answer_complaint(complaints[3], text="Answered.", actor=inspector)
    client.force_login(citizen)

    first = client.get(BASE, {"limit": 2}).json()
    with CaptureQueriesContext(connection) as one_page:
        second = client.get(BASE, {"limit": 2, "after": first["next"]}).json()
    with CaptureQueriesContext(connection) as five:
        everything = client.get(BASE).json()
    last = client.get(BASE, {"limit": 2, "after": second["next"]}).json()

    newest = [complaint.tracking_code for complaint in reversed(complaints)]
    pages = [first, second, last]
    assert [[item["tracking_code"] for item in page["items"]] for page in pages] == [
        newest[:2],
        newest[2:4],
        newest[4:],
    ]
    assert last["next"] is None
    assert len(one_page.captured_queries) == len(five.captured_queries)
    answered = first["items"][1]
    assert complaints[3].service is not None
    assert answered == {
        "tracking_code": newest[1],
        "status": "answered",
        "status_label": "Answered",
        "subject": "complaint 3",
        "service_code": complaints[3].service.code,
        "request_code": None,
        "submitted_at": answered["submitted_at"],
        "deadline_at": answered["deadline_at"],
        "is_overdue": False,
        "answer": "Answered.",
        "answered_at": answered["answered_at"],
    }
    assert answered["answered_at"] is not None
    assert first["items"][0]["answer"] is None
    assert everything["items"] == first["items"] + second["items"] + last["items"]


def test_a_bad_complaints_cursor_or_limit_is_refused(client: Client, citizen: User) -> None:
    client.force_login(citizen)

    bad = client.get(BASE, {"after": "not-a-cursor"})
    too_many = client.get(BASE, {"limit": 101})

    assert (bad.status_code, bad.json()) == (
        400,
        {"detail": "This page link is not valid; start again from the first page."},
    )
    assert too_many.status_code == 422


def test_in_the_openapi_document(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/complaints/", "/api/v1/complaints/track"} <= set(paths)
