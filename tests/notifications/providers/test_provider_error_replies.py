"""Ghasedak, SMS.ir and IPPanel refuse with their documented reply shapes, and the adapters read them.

Each case drives the real adapter against the fake server, which answers as the sources cited in
the adapters document (providers/ghasedak.py, smsir.py, ippanel.py): no credit is an account error
(another provider is tried, the same one is not retried), a bad recipient is permanent, a busy
provider is temporary.
"""

from __future__ import annotations

import pytest

from khedmat.notifications.providers.base import DeliveryStatus, SmsDeliveryError
from khedmat.notifications.providers.ippanel import error_field
from khedmat.notifications.providers.smsir import SmsirBackend

# (retryable, failover)
PERMANENT = (False, False)
ACCOUNT = (False, True)
TEMPORARY = (True, True)


def refusal(backend, to: str = "+989121234567") -> SmsDeliveryError:
    with pytest.raises(SmsDeliveryError) as caught:
        backend.send(to, "درخواست شما ثبت شد", local_id="7")
    return caught.value


def flags(error: SmsDeliveryError) -> tuple[bool, bool]:
    return (error.retryable, error.failover)


# --- Ghasedak: the IsSuccess/StatusCode envelope ------------------------------------------------
@pytest.mark.parametrize(
    ("to", "code", "expected", "reason"),
    [
        ("+989121230418", 418, ACCOUNT, "The provider account has no credit left."),
        ("+989121230411", 400, PERMANENT, "The provider rejected the request as malformed."),
        ("+989121230409", 402, TEMPORARY, "The provider had an internal error."),
    ],
)
def test_ghasedak_refusals_come_in_the_envelope_and_map_by_status_code(
    fake, make_backend, to, code, expected, reason
):
    error = refusal(make_backend("ghasedak"), to)

    assert (error.code, flags(error)) == (str(code), expected)
    assert reason in str(error)
    assert (error.raw["IsSuccess"], error.raw["StatusCode"], error.raw["Data"]) == (
        False,
        code,
        None,
    )
    assert fake.outbox() == []


def test_an_emptied_ghasedak_account_is_an_account_error(fake, make_backend):
    fake.set_credit("ghasedak", 0)

    error = refusal(make_backend("ghasedak"))

    assert (error.code, flags(error)) == ("418", ACCOUNT)


def test_a_wrong_ghasedak_key_is_its_401(fake, make_backend):
    error = refusal(make_backend("ghasedak", api_key="wrong"))

    assert (error.code, flags(error)) == ("401", ACCOUNT)
    assert error.raw["StatusCode"] == 401


def test_a_ghasedak_template_not_valid_is_its_428_and_permanent(fake, make_backend):
    with pytest.raises(SmsDeliveryError) as caught:
        make_backend("ghasedak").send_template(
            "+989121234567", "unapproved", {"Code": "1"}, local_id="7"
        )

    assert (caught.value.code, flags(caught.value)) == ("428", PERMANENT)
    assert "The template does not exist or is not approved" in str(caught.value)


def test_a_ghasedak_send_reply_without_a_status_is_queued(fake, make_backend):
    result = make_backend("ghasedak").send("+989121234567", "x", local_id="7")

    assert "Status" not in result.raw
    assert result.status == DeliveryStatus.QUEUED


# --- SMS.ir: the status/message/data reply ------------------------------------------------------
@pytest.mark.parametrize(
    ("to", "code", "expected", "reason"),
    [
        ("+989121230418", 102, ACCOUNT, "The provider account has no credit left."),
        ("+989121230411", 104, PERMANENT, "The recipient number was rejected."),
        ("+989121230409", 20, TEMPORARY, "The provider is busy; try again later."),
    ],
)
def test_smsir_refusals_carry_the_status_code(fake, make_backend, to, code, expected, reason):
    error = refusal(make_backend("smsir"), to)

    assert (error.code, flags(error)) == (str(code), expected)
    assert reason in str(error)
    assert (error.raw["status"], error.raw["data"]) == (code, None)
    assert fake.outbox() == []


def test_an_emptied_smsir_account_is_an_account_error(fake, make_backend):
    fake.set_credit("smsir", 0)

    error = refusal(make_backend("smsir"))

    assert (error.code, flags(error)) == ("102", ACCOUNT)


def test_a_blacklisted_mobile_is_115_from_verify(fake, make_backend):
    with pytest.raises(SmsDeliveryError) as caught:
        make_backend("smsir").send_template("+989121230115", "1", {"Code": "1"}, local_id="7")

    assert (caught.value.code, flags(caught.value)) == ("115", PERMANENT)
    assert "The recipient has blocked messages from this sender." in str(caught.value)


def test_a_blacklisted_mobile_in_send_bulk_is_a_zero_id_and_permanent(fake, make_backend):
    error = refusal(make_backend("smsir"), "+989121230115")

    assert (error.code, flags(error)) == ("bulk-0", PERMANENT)
    assert error.raw["messageIds"] == [0]
    assert "The recipient has blocked messages from this sender." in str(error)
    assert fake.outbox() == []


def test_a_null_id_in_send_bulk_is_a_rejected_recipient(monkeypatch):
    # SMS.ir documents a null in `messageIds` for an invalid number; the fake answers such a
    # number with 104 instead, so the reply is handed to the adapter directly.
    reply = {"packId": "p-1", "messageIds": [None], "cost": 0}
    monkeypatch.setattr(SmsirBackend, "call", lambda self, method, path, **kwargs: reply)
    backend = SmsirBackend(api_key="k", sender="30007732")

    error = refusal(backend)

    assert (error.code, flags(error)) == ("bulk-null", PERMANENT)
    assert "The recipient number was rejected." in str(error)


# --- IPPanel Edge: the data/meta reply ----------------------------------------------------------
@pytest.mark.parametrize("emptied", [False, True])
def test_ippanel_accepts_a_send_without_credit_and_reports_its_bulk_failed(
    fake, make_backend, emptied
):
    backend = make_backend("ippanel")
    if emptied:
        fake.set_credit("ippanel", 0)
    to = "+989121234567" if emptied else "+989121230418"

    sent = backend.send(to, "x", local_id="7")

    assert sent.status == DeliveryStatus.QUEUED
    assert backend.status([sent.provider_id]) == {sent.provider_id: DeliveryStatus.FAILED}
    by_bulk = fake.requests()[-1]
    assert by_bulk["path"] == "/v1/api/report/by_bulk"  # state 8 is final: no recipient report
    fake.advance()
    assert backend.status([sent.provider_id]) == {sent.provider_id: DeliveryStatus.FAILED}


@pytest.mark.parametrize(
    ("send", "field_path"),
    [
        (lambda backend, to: backend.send(to, "x", local_id="7"), "params.recipients.0"),
        (
            lambda backend, to: backend.send_template(to, "p-1", {"code": "1"}, local_id="7"),
            "recipients.0",
        ),
    ],
    ids=["webservice", "pattern"],
)
def test_an_ippanel_bad_recipient_is_a_422_naming_the_recipients(
    fake, make_backend, send, field_path
):
    with pytest.raises(SmsDeliveryError) as caught:
        send(make_backend("ippanel"), "+989121230411")

    error = caught.value
    assert (error.code, flags(error)) == ("422-recipients", PERMANENT)
    meta = error.raw["meta"]
    assert (meta["status"], meta["message_code"], list(meta["errors"])) == (
        False,
        "400-2",
        [field_path],
    )
    assert fake.outbox() == []


def test_a_busy_ippanel_is_a_bare_429_and_temporary(fake, make_backend):
    error = refusal(make_backend("ippanel"), "+989121230409")

    assert (error.code, flags(error)) == ("http-429", TEMPORARY)


def test_a_wrong_ippanel_key_is_a_401_with_message_code_400_1(fake, make_backend):
    error = refusal(make_backend("ippanel", api_key="wrong"))

    assert (error.code, flags(error)) == ("401", ACCOUNT)
    assert error.raw["meta"]["message_code"] == "400-1"


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("params.recipients.0", "recipients"),
        ("recipients.0", "recipients"),
        ("params.code", "params"),  # a pattern variable named "code", not the pattern code
        ("code", "code"),
        ("credit", "credit"),
    ],
)
def test_an_ippanel_error_key_names_its_request_field(key, field):
    assert error_field(key) == field
