"""Magfa over HTTP: Basic auth as username/domain, parallel arrays, uids, no templates."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest

from khedmat.notifications.providers.base import DeliveryStatus, SmsDeliveryError
from khedmat.notifications.providers.common import numeric_local_id
from tests.notifications.providers.helpers import json_of, only_request


@pytest.fixture
def magfa(make_backend):
    return make_backend("magfa")


def test_send_uses_basic_auth_and_parallel_arrays(fake, magfa):
    result = magfa.send("+989121234567", "سلام", local_id="42")

    request = only_request(fake)
    assert (request["method"], request["path"]) == ("POST", "/api/http/sms/v2/send")
    credentials = base64.b64encode(b"khedmat/magfa:fake-password").decode()
    assert request["headers"]["authorization"] == f"Basic {credentials}"
    assert json_of(request) == {
        "senders": ["30001234"],
        "recipients": ["09121234567"],
        "messages": ["سلام"],
        "uids": [42],
    }
    [stored] = fake.outbox()
    assert (result.provider_id, result.status, result.cost) == (
        str(stored["id"]),
        DeliveryStatus.QUEUED,
        Decimal("1200"),
    )


def test_a_text_local_id_goes_as_a_numeric_uid(fake, magfa):
    magfa.send("+989121234567", "x", local_id="msg-5")

    assert json_of(only_request(fake))["uids"] == [numeric_local_id("msg-5")]


def test_templates_are_not_supported_so_another_provider_should_send(fake, magfa):
    with pytest.raises(SmsDeliveryError) as caught:
        magfa.send_template("+989121234567", "otp", {"code": "1"}, local_id="9")

    assert (caught.value.code, caught.value.retryable, caught.value.failover) == (
        "no-templates",
        False,
        True,
    )
    assert fake.requests() == []


def test_status_asks_for_comma_separated_mids(fake, magfa):
    first = magfa.send("+989121234567", "a", local_id="1").provider_id
    second = magfa.send("+989121234568", "b", local_id="2").provider_id
    fake.advance()

    assert magfa.status([first, second]) == {
        first: DeliveryStatus.DELIVERED,
        second: DeliveryStatus.DELIVERED,
    }
    request = fake.requests()[-1]
    assert (request["method"], request["path"]) == (
        "GET",
        f"/api/http/sms/v2/statuses/{first},{second}",
    )


def test_balance(fake, magfa):
    assert magfa.balance() == Decimal("150000")
    assert only_request(fake)["path"] == "/api/http/sms/v2/balance"
