"""SMS.ir over HTTP: X-API-KEY, send/verify templates, send/bulk texts, reports, credit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from khedmat.notifications.providers.base import DeliveryStatus, SmsDeliveryError
from tests.notifications.providers.helpers import json_of, only_request


@pytest.fixture
def smsir(make_backend):
    return make_backend("smsir")


def test_verify_posts_template_id_and_parameters(fake, smsir):
    result = smsir.send_template("+989121234567", "123456", {"Code": "4321"}, local_id="9")

    request = only_request(fake)
    assert (request["method"], request["path"]) == ("POST", "/v1/send/verify")
    assert request["headers"]["x-api-key"] == "fake-api-key"
    assert json_of(request) == {
        "mobile": "09121234567",
        "templateId": 123456,
        "parameters": [{"name": "Code", "value": "4321"}],
    }
    [stored] = fake.outbox()
    assert (result.provider_id, result.status, result.cost) == (
        str(stored["id"]),
        DeliveryStatus.QUEUED,
        Decimal("1"),
    )


def test_plain_text_goes_through_send_bulk_from_the_line(fake, smsir):
    smsir.send("+989121234567", "متن", local_id="9")

    request = only_request(fake)
    assert request["path"] == "/v1/send/bulk"
    assert json_of(request) == {
        "lineNumber": 30007732000000,
        "messageText": "متن",
        "mobiles": ["09121234567"],
        "sendDateTime": None,
    }


def test_plain_text_without_a_line_is_refused_and_fails_over(fake, make_backend):
    with pytest.raises(SmsDeliveryError) as caught:
        make_backend("smsir", sender="").send("+989121234567", "x", local_id="9")

    assert (caught.value.code, caught.value.retryable, caught.value.failover) == (
        "no-line",
        False,
        True,
    )
    assert fake.requests() == []


@pytest.mark.parametrize(
    ("template", "to", "code"),
    [("unapproved", "+989121234567", "113"), ("1", "+989121230431", "114")],
)
def test_template_refusals_are_permanent(fake, smsir, template, to, code):
    with pytest.raises(SmsDeliveryError) as caught:
        smsir.send_template(to, template, {"Code": "1"}, local_id="9")

    assert (caught.value.code, caught.value.retryable, caught.value.failover) == (
        code,
        False,
        False,
    )


def test_status_reads_one_report_per_message(fake, smsir):
    sent = smsir.send_template("+989121234567", "1", {"Code": "1"}, local_id="9").provider_id
    fake.advance()

    assert smsir.status([sent]) == {sent: DeliveryStatus.DELIVERED}
    request = fake.requests()[-1]
    assert (request["method"], request["path"]) == ("GET", f"/v1/send/{sent}")


def test_balance_reads_credit(fake, smsir):
    assert smsir.balance() == Decimal("150000")
    assert only_request(fake)["path"] == "/v1/credit"
