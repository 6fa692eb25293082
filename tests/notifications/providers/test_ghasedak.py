"""Ghasedak over HTTP: the exact requests (ApiKey header, JSON) and OTP templates."""

from __future__ import annotations

from decimal import Decimal

import pytest

from khedmat.notifications.providers.base import DeliveryStatus, SmsDeliveryError
from tests.notifications.providers.helpers import json_of, only_request


@pytest.fixture
def ghasedak(make_backend):
    return make_backend("ghasedak")


def test_send_single_sms_posts_json_with_the_api_key_header(fake, ghasedak):
    result = ghasedak.send("+989121234567", "درخواست ثبت شد", local_id="42")

    request = only_request(fake)
    assert (request["method"], request["path"]) == (
        "POST",
        "/Rest/api/v1/WebService/SendSingleSMS",
    )
    assert request["headers"]["apikey"] == "fake-api-key"
    assert request["headers"]["content-type"] == "application/json"
    assert json_of(request) == {
        "receptor": "09121234567",
        "message": "درخواست ثبت شد",
        "clientReferenceId": "42",
        "udh": False,
        "lineNumber": "30005088",
    }
    [stored] = fake.outbox()
    assert (result.provider_id, result.status, result.cost) == (
        str(stored["id"]),
        DeliveryStatus.QUEUED,
        Decimal("1200"),
    )


def test_otp_template_sends_inputs_as_param_value_pairs(fake, ghasedak):
    result = ghasedak.send_template(
        "+989121234567", "newOTP", {"Code": "1234", "Name": "سارا"}, local_id="9"
    )

    request = only_request(fake)
    assert request["path"] == "/Rest/api/v1/WebService/SendOtpSMS"
    assert json_of(request) == {
        "receptors": [{"mobile": "09121234567", "clientReferenceId": "9"}],
        "templateName": "newOTP",
        "inputs": [{"param": "Code", "value": "1234"}, {"param": "Name", "value": "سارا"}],
        "udh": False,
    }
    [stored] = fake.outbox()
    assert (result.provider_id, stored["params"]) == (
        str(stored["id"]),
        {"Code": "1234", "Name": "سارا"},
    )


def test_an_unapproved_template_is_permanent(fake, ghasedak):
    with pytest.raises(SmsDeliveryError) as caught:
        ghasedak.send_template("+989121234567", "unapproved", {"Code": "1"}, local_id="9")

    assert (caught.value.code, caught.value.retryable, caught.value.failover) == (
        "428",
        False,
        False,
    )


def test_a_rejected_template_value_is_permanent(fake, ghasedak):
    with pytest.raises(SmsDeliveryError) as caught:
        ghasedak.send_template("+989121230431", "newOTP", {"Code": "1 2"}, local_id="9")

    assert (caught.value.code, caught.value.retryable, caught.value.failover) == (
        "400",
        False,
        False,
    )


def test_status_asks_by_message_id(fake, ghasedak):
    sent = ghasedak.send("+989121234567", "hi", local_id="1").provider_id
    fake.advance()

    assert ghasedak.status([sent]) == {sent: DeliveryStatus.DELIVERED}

    request = fake.requests()[-1]
    assert (request["method"], request["path"]) == ("GET", "/Rest/api/v1/WebService/CheckSmsStatus")
    assert request["query"] == {"Ids": [sent], "Type": ["1"]}


def test_balance_reads_account_information(fake, ghasedak):
    assert ghasedak.balance() == Decimal("150000")
    request = only_request(fake)
    assert (request["method"], request["path"]) == (
        "GET",
        "/Rest/api/v1/WebService/GetAccountInformation",
    )
