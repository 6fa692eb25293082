"""Reading what the fake server recorded."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from khedmat.notifications.fake_sms import FakeSmsServer

HTTP_PROVIDERS = ["kavenegar", "ghasedak", "ippanel", "magfa", "smsir"]


def only_request(fake: FakeSmsServer) -> dict[str, Any]:
    """The single provider request the fake saw."""
    requests = fake.requests()
    assert len(requests) == 1, requests
    return requests[0]


def form_of(request: dict[str, Any]) -> dict[str, str]:
    """A recorded form body as a flat dict."""
    return {key: values[-1] for key, values in parse_qs(request["body"]).items()}


def json_of(request: dict[str, Any]) -> Any:
    """A recorded JSON body."""
    return json.loads(request["body"])
