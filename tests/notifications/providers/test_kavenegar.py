"""Kavenegar over HTTP: the exact requests, localid idempotency, verify/lookup rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from khedmat.notifications.providers.base import DeliveryStatus, SmsDeliveryError
from khedmat.notifications.providers.common import numeric_local_id
from tests.notifications.providers.helpers import form_of, only_request


@pytest.fixture
def kavenegar(make_backend):
    return make_backend("kavenegar")


def test_send_posts_a_form_with_the_key_in_the_path(fake, kavenegar):
    result = kavenegar.send("+989121234567", "کد رهگیری ۱۲۳", local_id="42")

    request = only_request(fake)
    assert (request["method"], request["path"]) == ("POST", "/v1/fake-api-key/sms/send.json")
    assert request["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert request["headers"]["accept"] == "application/json"
    assert form_of(request) == {
        "receptor": "09121234567",
        "message": "کد رهگیری ۱۲۳",
        "localid": "42",
        "sender": "10004346",
    }
    assert (result.status, result.cost) == (DeliveryStatus.QUEUED, Decimal("1200"))
    assert result.raw["receptor"] == "09121234567"


def test_a_sender_given_to_send_replaces_the_configured_line(fake, kavenegar):
    kavenegar.send("+989121234567", "hi", local_id="42", sender="2000660110")

    assert form_of(only_request(fake))["sender"] == "2000660110"


def test_the_same_local_id_twice_is_one_message(fake, kavenegar):
    first = kavenegar.send("+989121234567", "hello", local_id="msg-17")
    second = kavenegar.send("+989121234567", "hello", local_id="msg-17")

    assert kavenegar.deduplicates_local_id is True
    assert second.provider_id == first.provider_id
    assert len(fake.requests()) == 2
    [stored] = fake.outbox()
    assert stored["local_id"] == str(numeric_local_id("msg-17"))


def test_a_text_local_id_travels_as_a_stable_number(fake, kavenegar):
    kavenegar.send("+989121234567", "hello", local_id="msg-17")

    localid = form_of(only_request(fake))["localid"]
    assert localid.isdigit()
    assert localid == str(numeric_local_id("msg-17"))
    assert numeric_local_id("123") == 123


def test_lookup_sends_template_and_tokens(fake, kavenegar):
    result = kavenegar.send_template(
        "+989121234567", "verify", {"token": "123456", "token2": "ثبت"}, local_id="9"
    )

    request = only_request(fake)
    assert request["path"] == "/v1/fake-api-key/verify/lookup.json"
    assert form_of(request) == {
        "receptor": "09121234567",
        "template": "verify",
        "type": "sms",
        "token": "123456",
        "token2": "ثبت",
    }
    [stored] = fake.outbox()
    assert (result.provider_id, stored["template"], stored["params"]) == (
        str(stored["id"]),
        "verify",
        {"token": "123456", "token2": "ثبت"},
    )


def test_a_parameter_lookup_does_not_know_is_refused_before_sending(fake, kavenegar):
    with pytest.raises(SmsDeliveryError) as caught:
        kavenegar.send_template("+989121234567", "verify", {"code": "1"}, local_id="9")

    assert (caught.value.code, caught.value.retryable, caught.value.failover) == (
        "template-params",
        False,
        False,
    )
    assert fake.requests() == []


@pytest.mark.parametrize("token", ["12 34", "12\n34", "12_34"])
def test_a_token_with_a_space_newline_or_underscore_is_431(fake, kavenegar, token):
    with pytest.raises(SmsDeliveryError) as caught:
        kavenegar.send_template("+989121234567", "verify", {"token": token}, local_id="9")

    assert (caught.value.code, caught.value.retryable, caught.value.failover) == (
        "431",
        False,
        False,
    )
    assert "A template value was rejected" in str(caught.value)
    assert fake.outbox() == []


def test_an_injected_431_number_is_refused_even_with_a_clean_token(fake, kavenegar):
    with pytest.raises(SmsDeliveryError) as caught:
        kavenegar.send_template("+989121230431", "verify", {"token": "1234"}, local_id="9")

    assert caught.value.code == "431"


def test_an_unapproved_template_is_424_and_permanent(fake, kavenegar):
    with pytest.raises(SmsDeliveryError) as caught:
        kavenegar.send_template("+989121234567", "unapproved", {"token": "1"}, local_id="9")

    assert (caught.value.code, caught.value.retryable, caught.value.failover) == (
        "424",
        False,
        False,
    )


def test_too_long_persian_text_is_413(fake, kavenegar):
    with pytest.raises(SmsDeliveryError) as caught:
        kavenegar.send("+989121234567", "س" * 269, local_id="9")

    assert (caught.value.code, caught.value.failover) == ("413", False)
    assert kavenegar.max_length_persian == 268


def test_status_asks_for_all_ids_in_one_call(fake, kavenegar):
    first = kavenegar.send("+989121234567", "a", local_id="1").provider_id
    second = kavenegar.send("+989121234568", "b", local_id="2").provider_id

    statuses = kavenegar.status([first, second])

    assert len(fake.requests()) == 3
    request = fake.requests()[-1]
    assert request["path"] == "/v1/fake-api-key/sms/status.json"
    assert form_of(request) == {"messageid": f"{first},{second}"}
    assert statuses == {first: DeliveryStatus.QUEUED, second: DeliveryStatus.QUEUED}


def test_balance_reads_account_info(fake, kavenegar):
    assert kavenegar.balance() == Decimal("150000")
    assert only_request(fake)["path"] == "/v1/fake-api-key/account/info.json"


def test_adapters_share_one_pooled_client_per_timeout(fake, kavenegar, make_backend):
    import httpx

    from khedmat.notifications.providers.common import shared_client

    kavenegar.send("+989121234567", "one", local_id="1")
    other = make_backend("kavenegar")
    other.send("+989121234567", "two", local_id="2")

    assert shared_client(kavenegar.timeout) is shared_client(other.timeout)
    assert shared_client(httpx.Timeout(3.0)) is not shared_client(kavenegar.timeout)
    # each request still carries its own adapter's headers
    assert [request["headers"]["accept"] for request in fake.requests()] == [
        "application/json",
        "application/json",
    ]
