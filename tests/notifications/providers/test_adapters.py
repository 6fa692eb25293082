"""Each real adapter over HTTP against the fake server: the behaviour all five share."""

from __future__ import annotations

import socket
from decimal import Decimal

import pytest

from khedmat.notifications.providers.base import DeliveryStatus, SmsDeliveryError
from khedmat.notifications.providers.registry import BACKEND_CLASSES
from tests.notifications.providers.helpers import HTTP_PROVIDERS

#: IPPanel Edge documents no refusal for lack of credit (test_provider_error_replies.py).
NO_CREDIT_CODES = {"kavenegar": "418", "ghasedak": "418", "magfa": "14", "smsir": "102"}
INVALID_RECEPTOR_CODES = {
    "kavenegar": "411",
    "ghasedak": "400",
    "ippanel": "422-recipients",
    "magfa": "1",
    "smsir": "104",
}
#: Ghasedak's table has no receptor code: a bad receptor is its 400, "input not valid".
INVALID_RECEPTOR_REASONS = {
    name: "The recipient number was rejected." for name in HTTP_PROVIDERS
} | {"ghasedak": "The provider rejected the request as malformed."}
BUSY_CODES = {
    "kavenegar": "409",
    "ghasedak": "402",
    "ippanel": "http-429",
    "magfa": "23",
    "smsir": "20",
}
WRONG_KEY_CODES = {
    "kavenegar": "403",
    "ghasedak": "401",
    "ippanel": "401",
    "magfa": "18",
    "smsir": "10",
}
#: Magfa reports no "blocked" delivery status: its phone-side failure is "not delivered".
BLOCKED_AS = {name: DeliveryStatus.BLOCKED for name in HTTP_PROVIDERS} | {
    "magfa": DeliveryStatus.UNDELIVERED
}

each_provider = pytest.mark.parametrize("provider", HTTP_PROVIDERS)


def refused(backend, to: str) -> SmsDeliveryError:
    with pytest.raises(SmsDeliveryError) as caught:
        backend.send(to, "Your request 1404-ABC is approved.", local_id="7")
    return caught.value


@each_provider
def test_send_is_accepted_queued_and_stored(provider, fake, make_backend):
    result = make_backend(provider).send("+989121234567", "درخواست شما ثبت شد", local_id="7")

    [stored] = fake.outbox()
    assert result.provider_id == str(stored["id"])
    assert result.status == DeliveryStatus.QUEUED
    assert (stored["provider"], stored["text"], stored["status"]) == (
        provider,
        "درخواست شما ثبت شد",
        "queued",
    )


@each_provider
def test_status_follows_the_message_to_delivered(provider, fake, make_backend):
    backend = make_backend(provider)
    sent = backend.send("+989121234567", "hello", local_id="7")
    assert backend.status([sent.provider_id]) == {sent.provider_id: DeliveryStatus.QUEUED}

    assert fake.advance() == 1
    assert backend.status([sent.provider_id]) == {sent.provider_id: DeliveryStatus.DELIVERED}


@each_provider
def test_status_reports_blocked_and_undelivered_numbers(provider, fake, make_backend):
    backend = make_backend(provider)
    blocked = backend.send("+989121230014", "hello", local_id="7").provider_id
    off = backend.send("+989121230011", "hello", local_id="8").provider_id
    fake.advance()

    assert backend.status([blocked, off]) == {
        blocked: BLOCKED_AS[provider],
        off: DeliveryStatus.UNDELIVERED,
    }


@each_provider
def test_status_of_an_id_the_provider_does_not_know_is_unknown(provider, fake, make_backend):
    assert make_backend(provider).status(["424242"]) == {"424242": DeliveryStatus.UNKNOWN}


@each_provider
def test_balance_is_the_account_credit(provider, fake, make_backend):
    assert make_backend(provider).balance() == Decimal("150000")


@pytest.mark.parametrize("provider", sorted(NO_CREDIT_CODES))
def test_no_credit_fails_over_without_retrying_and_stores_nothing(provider, fake, make_backend):
    error = refused(make_backend(provider), "+989121230418")

    assert (error.code, error.retryable, error.failover) == (NO_CREDIT_CODES[provider], False, True)
    assert "The provider account has no credit left." in str(error)
    assert fake.outbox() == []


@each_provider
def test_invalid_receptor_is_permanent(provider, fake, make_backend):
    error = refused(make_backend(provider), "+989121230411")

    assert (error.code, error.retryable, error.failover) == (
        INVALID_RECEPTOR_CODES[provider],
        False,
        False,
    )
    assert INVALID_RECEPTOR_REASONS[provider] in str(error)
    assert fake.outbox() == []


@each_provider
def test_http_500_is_retryable_and_fails_over(provider, fake, make_backend):
    error = refused(make_backend(provider), "+989121230500")

    assert (error.code, error.retryable, error.failover) == ("http-500", True, True)
    assert fake.outbox() == []


@each_provider
def test_busy_provider_is_retryable_and_fails_over(provider, fake, make_backend):
    error = refused(make_backend(provider), "+989121230409")

    assert (error.code, error.retryable, error.failover) == (BUSY_CODES[provider], True, True)


@each_provider
def test_timeout_is_retryable_and_fails_over(provider, fake, make_backend):
    error = refused(make_backend(provider), "+989121230408")

    assert (error.code, error.retryable, error.failover) == ("timeout", True, True)
    assert str(error).startswith(
        f"{provider}: The provider could not be reached in time. (code timeout) ["
    )


@each_provider
def test_wrong_key_is_not_retried_and_says_so(provider, fake, make_backend):
    backend = make_backend(provider, api_key="wrong-key", password="wrong-password")

    error = refused(backend, "+989121234567")

    assert (error.code, error.retryable, error.failover) == (WRONG_KEY_CODES[provider], False, True)
    assert str(error).startswith(
        f"{provider}: The provider rejected the API key or the account credentials. "
        f"(code {WRONG_KEY_CODES[provider]})"
    )
    assert fake.outbox() == []


@each_provider
def test_a_number_not_in_e164_is_refused_before_any_request(provider, fake, make_backend):
    error = refused(make_backend(provider), "09121234567")

    assert (error.code, error.retryable, error.failover) == ("invalid-number", False, False)
    assert fake.requests() == []


@each_provider
def test_an_unreachable_provider_is_retryable_and_fails_over(provider, fake):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = fake.backend_config(provider, timeout=1) | {"url": f"http://127.0.0.1:{port}/v1"}

    error = refused(BACKEND_CLASSES[provider](**config), "+989121234567")

    assert (error.code, error.retryable, error.failover) == ("connection", True, True)
