"""Fuzz: delivery reports pushed by SMS providers (/hooks/sms/<provider>/) in any shape - JSON
of any structure, form fields, junk bytes - are read or ignored: never a server error, and a
report naming no message of ours changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import example, given
from hypothesis import strategies as st
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.notifications.models import Message
from khedmat.notifications.providers.registry import known_providers
from tests.fuzz.settings import FUZZ

pytestmark = pytest.mark.django_db

TOKEN = "fuzz-callback-token"
KEYS = ["messageid", "MessageId", "id", "status", "Status", "statuscode", "deliverystatus", "x"]
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), children, max_size=4
        ),
    ),
    max_leaves=12,
)


@pytest.fixture
def hook(settings: SettingsWrapper) -> Client:
    settings.KHEDMAT_SMS_CALLBACK_TOKEN = TOKEN
    return Client()


def untouched() -> list[Any]:
    return list(Message.objects.order_by("id").values_list("id", "status", "delivered_at"))


@FUZZ
@given(provider=st.sampled_from(known_providers()), body=json_values)
@example(provider="kavenegar", body={"messageid": "1", "status": "10"})
@example(provider="smsir", body=[{"MessageId": 999999, "DeliveryState": 1}] * 3)
@example(provider="kavenegar", body={"messageid": "9\u0000", "status": "10", "x\u0000": ["\u0000"]})
def test_any_json_report_is_read_or_ignored(hook: Client, provider: str, body: Any) -> None:
    before = untouched()
    response = hook.post(
        f"/hooks/sms/{provider}/?token={TOKEN}", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200
    assert isinstance(response.json()["received"], int)
    assert untouched() == before  # no message of ours is named


@FUZZ
@given(
    provider=st.sampled_from(known_providers()),
    fields=st.dictionaries(st.sampled_from(KEYS), st.text(max_size=30), max_size=5),
    method=st.sampled_from(["get", "post"]),
)
@example(provider="kavenegar", fields={"messageid": "\x00", "status": "\x00"}, method="get")
@example(provider="kavenegar", fields={"messageid": "1\x00", "status": "10"}, method="post")
def test_any_form_report_is_read_or_ignored(
    hook: Client, provider: str, fields: dict[str, str], method: str
) -> None:
    if method == "get":  # the query string carries both the token and the report
        response = hook.get(f"/hooks/sms/{provider}/", {**fields, "token": TOKEN})
    else:
        response = hook.post(f"/hooks/sms/{provider}/?token={TOKEN}", fields)
    assert response.status_code == 200


@FUZZ
@given(
    body=st.binary(max_size=200),
    content_type=st.sampled_from(
        ["application/json", "application/x-www-form-urlencoded", "text/plain", "application/xml"]
    ),
)
@example(body=b"[" * 5000, content_type="application/json")
@example(body=b"\xff\xfe\x00", content_type="application/json")
def test_junk_bytes_never_break_the_hook(hook: Client, body: bytes, content_type: str) -> None:
    response = hook.generic(
        "POST", f"/hooks/sms/kavenegar/?token={TOKEN}", body, content_type=content_type
    )
    assert response.status_code in (200, 400, 415)


@FUZZ
@given(token=st.text(max_size=40), provider=st.text(min_size=1, max_size=12))
def test_without_the_token_nothing_is_read(hook: Client, token: str, provider: str) -> None:
    response = hook.post(
        "/hooks/sms/kavenegar/", {"token": token, "messageid": "1", "status": "10"}
    )
    assert response.status_code == 403
