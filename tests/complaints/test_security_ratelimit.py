"""Security review (issue 20, item 14a): failing on a complaint code locks out only the one who failed."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.complaints.helpers import FileComplaint

pytestmark = pytest.mark.django_db

WRONG_CODE = "0084575948"


def track(address: str, code: str, national_code: str) -> int:
    client = Client(headers={"accept-language": "en"}, REMOTE_ADDR=address)
    body = json.dumps({"tracking_code": code, "national_code": national_code})
    response = client.post("/api/v1/complaints/track", body, content_type="application/json")
    return response.status_code


def test_an_attacker_does_not_lock_the_complainant_out(file: FileComplaint) -> None:
    code = file().tracking_code

    attacker = [track("198.51.100.1", code, WRONG_CODE) for _ in range(7)]
    complainant = track("203.0.113.7", code, "0013542419")

    assert attacker == [404] * 5 + [429] * 2
    assert complainant == 200
