"""IPPanel Edge over HTTP: /api/send (webservice, pattern), reports, credit; numbers in +98."""

from __future__ import annotations

from decimal import Decimal

import pytest

from khedmat.notifications.providers.base import DeliveryStatus, SmsDeliveryError
from tests.notifications.providers.helpers import json_of, only_request


@pytest.fixture
def ippanel(make_backend):
    return make_backend("ippanel")


def test_webservice_send_posts_e164_numbers_with_a_bare_authorization(fake, ippanel):
    result = ippanel.send("+989121234567", "متن پیام", local_id="42")

    request = only_request(fake)
    assert (request["method"], request["path"]) == ("POST", "/v1/api/send")
    assert request["headers"]["authorization"] == "fake-api-key"
    assert json_of(request) == {
        "sending_type": "webservice",
        "from_number": "+983000505",
        "message": "متن پیام",
        "params": {"recipients": ["+989121234567"]},
    }
    [stored] = fake.outbox()
    assert (result.provider_id, result.status, result.cost) == (
        str(stored["id"]),
        DeliveryStatus.QUEUED,
        None,
    )


@pytest.mark.parametrize("line", ["3000505", "983000505", "+983000505", "03000505"])
def test_the_sender_line_goes_out_in_e164(fake, make_backend, line):
    make_backend("ippanel", sender=line).send("+989121234567", "x", local_id="1")

    assert json_of(only_request(fake))["from_number"] == "+983000505"


def test_pattern_send_carries_code_and_params(fake, ippanel):
    ippanel.send_template("+989121234567", "pattern-7", {"code": "1234"}, local_id="9")

    assert json_of(only_request(fake)) == {
        "sending_type": "pattern",
        "from_number": "+983000505",
        "code": "pattern-7",
        "recipients": ["+989121234567"],
        "params": {"code": "1234"},
    }


def test_a_rejected_pattern_value_is_permanent(fake, ippanel):
    with pytest.raises(SmsDeliveryError) as caught:
        ippanel.send_template("+989121230431", "pattern-7", {"code": "1 2"}, local_id="9")

    assert (caught.value.code, caught.value.retryable, caught.value.failover) == (
        "422-params",
        False,
        False,
    )


def test_status_reads_the_bulk_then_its_recipient_once_sent(fake, ippanel):
    sent = ippanel.send("+989121234567", "x", local_id="1").provider_id
    fake.advance()

    assert ippanel.status([sent]) == {sent: DeliveryStatus.DELIVERED}

    by_bulk, recipients = fake.requests()[-2:]
    assert (by_bulk["path"], by_bulk["query"]) == (
        "/v1/api/report/by_bulk",
        {"messages_outbox_id": [sent]},
    )
    assert (recipients["path"], recipients["query"]) == (
        "/v1/api/report/recipients",
        {"bulk_id": [sent], "page": ["1"], "per_page": ["10"]},
    )


def test_status_of_a_queued_bulk_needs_no_recipient_report(fake, ippanel):
    sent = ippanel.send("+989121234567", "x", local_id="1").provider_id

    assert ippanel.status([sent]) == {sent: DeliveryStatus.QUEUED}
    assert [request["path"] for request in fake.requests()] == [
        "/v1/api/send",
        "/v1/api/report/by_bulk",
    ]


def test_balance_reads_my_credit(fake, ippanel):
    assert ippanel.balance() == Decimal("150000")
    assert only_request(fake)["path"] == "/v1/api/payment/credit/mine"
