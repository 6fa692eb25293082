"""IPPanel / Faraz SMS Edge API (edge.ippanel.com/v1): `Authorization` header, JSON, a data/meta reply.

Checked on 2026-12-05 against IPPanel's own Edge documentation, ippanelcom/Edge-Document @fbe78bf7
(docs/index.md, send/webservice.md, send/pattern.md, report/outbox-report.md,
report/outbox-report-id.md, report/bulk-recipient.md, payment/my-credit.md) and its official SDKs
ippanelcom/python-sdk @dcee53cc, ippanelcom/golang-sdk @82819f11, ippanelcom/laravel-sdk
@84098002: the bare key in `Authorization`, POST /api/send with sending_type webservice
(params.recipients) or pattern (recipients, code, params), E.164 numbers, message_outbox_ids.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from khedmat.notifications.providers.base import DeliveryStatus, SmsDeliveryError, SmsResult
from khedmat.notifications.providers.common import (
    ACCESS_DENIED,
    INVALID_CREDENTIALS,
    INVALID_RECIPIENT,
    INVALID_REQUEST,
    INVALID_SENDER,
    INVALID_TEMPLATE_VALUE,
    INVALID_TEXT,
    NO_CREDIT,
    PROVIDER_BUSY,
    PROVIDER_ERROR,
    TEMPLATE_REJECTED,
    ErrorRule,
    HttpSmsBackend,
    account,
    decimal_or_none,
    delivery_error,
    e164_sender,
    error_from_table,
    international_format,
    json_body,
    permanent,
    status_from_table,
    temporary,
)

PROVIDER = "ippanel"

#: HTTP statuses of an Edge reply whose `meta.status` is false. The Edge documentation shows
#: 401 (token or key not valid or expired, message_code 400-1), 422 (validation, message_code
#: 400-2 with meta.errors by field) and 404 (404-1); 400, 403, 429 and 500 are not in it (not
#: found in Edge-Document or the SDKs): kept with their plain HTTP meaning.
IPPANEL_ERRORS: dict[int, ErrorRule] = {
    400: permanent(INVALID_REQUEST),  # not found in the sources above
    401: account(INVALID_CREDENTIALS),  # token or API key not valid or expired
    403: account(ACCESS_DENIED),  # not found in the sources above
    404: account(INVALID_REQUEST),
    422: permanent(INVALID_REQUEST),  # validation; meta.errors names the fields
    429: temporary(PROVIDER_BUSY),  # not found in the sources above
    500: temporary(PROVIDER_ERROR),  # not found in the sources above
}

#: A 422 names the fields at fault in `meta.errors` (send/webservice.md: {"message": [...]}),
#: keyed by the request's field path; the first field of this table among them decides. The request fields are
#: the documented ones. "credit" is not: no source documents how /api/send refuses a send for
#: lack of credit (not found in Edge-Document or the three SDKs). What IS documented is the
#: bulk's state_id 8, "Insufficient credit for sending" (report/outbox-report.md), after the
#: send was accepted: status() reports that message FAILED. The rule stays for a refusal that
#: names the credit, as an account error, so that such a refusal would fail over.
IPPANEL_FIELD_ERRORS: dict[str, ErrorRule] = {
    "credit": account(NO_CREDIT),
    "recipients": permanent(INVALID_RECIPIENT),
    "recipient": permanent(INVALID_RECIPIENT),
    "from_number": account(INVALID_SENDER),
    "message": permanent(INVALID_TEXT),
    "code": permanent(TEMPLATE_REJECTED),
    "params": permanent(INVALID_TEMPLATE_VALUE),
}

#: `state_id` of a sent bulk (report/outbox-report.md, the list under `filters.state_id`).
IPPANEL_STATES: dict[int, DeliveryStatus] = {
    0: DeliveryStatus.QUEUED,  # being created
    1: DeliveryStatus.QUEUED,  # created, in the monitoring queue
    2: DeliveryStatus.QUEUED,  # being sent
    3: DeliveryStatus.FAILED,  # rejected by monitoring
    4: DeliveryStatus.FAILED,  # recipients invalid
    5: DeliveryStatus.QUEUED,  # in the send queue
    6: DeliveryStatus.SENT,  # sent; per-recipient delivery in report/recipients
    7: DeliveryStatus.CANCELLED,
    8: DeliveryStatus.FAILED,  # insufficient credit
    9: DeliveryStatus.FAILED,  # system error
}

#: `message_status` of one recipient (report/bulk-recipient.md), once the bulk is final.
IPPANEL_RECIPIENT_STATUSES: dict[int, DeliveryStatus] = {
    0: DeliveryStatus.SENT,  # sent to the operator
    1: DeliveryStatus.SENT,  # operator received it
    2: DeliveryStatus.DELIVERED,
    3: DeliveryStatus.UNDELIVERED,
    4: DeliveryStatus.BLOCKED,  # blacklisted number
}


def error_field(key: str) -> str:
    """The request field an error key names: "recipients.0" -> recipients; a webservice send
    keeps its recipients under params, so "params.recipients.0" -> recipients too, while a
    pattern's "params.code" (a pattern variable) stays params."""
    parts = key.split(".")
    if parts[0] == "params" and parts[1:2] == ["recipients"]:
        return "recipients"
    return parts[0]


def ippanel_state(code: object) -> DeliveryStatus:
    """A bulk `state_id` as the common enum."""
    return status_from_table(IPPANEL_STATES, code)


def ippanel_recipient_status(code: object) -> DeliveryStatus:
    """A recipient `message_status` as the common enum."""
    return status_from_table(IPPANEL_RECIPIENT_STATUSES, code)


class IppanelBackend(HttpSmsBackend):
    """IPPanel Edge: /api/send (webservice and pattern), reports, /api/payment/credit/mine."""

    name = PROVIDER
    default_url = "https://edge.ippanel.com/v1"
    required_settings = ("api_key", "sender")

    def headers(self) -> dict[str, str]:
        """The token or API key goes bare in `Authorization`."""
        return {"Accept": "application/json", "Authorization": self.api_key}

    def error(self, response: httpx.Response, body: dict[str, Any]) -> Exception:
        """The mapped error of a failed reply: by field for a 422, else by HTTP status."""
        meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
        detail = str(meta.get("message", "")) if meta else ""
        errors = meta.get("errors") if meta else None
        if response.status_code == 422 and isinstance(errors, dict):
            named = {error_field(str(key)) for key in errors}
            for field, rule in IPPANEL_FIELD_ERRORS.items():
                if field in named:
                    code = f"422-{field}"
                    return delivery_error(PROVIDER, code, rule, detail=detail, raw=body)
        return error_from_table(
            PROVIDER,
            IPPANEL_ERRORS,
            response.status_code,
            detail=detail,
            raw=body,
            http_status=response.status_code,
        )

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One call; returns `data` when meta.status is true, or raises the mapped error."""
        response = self.request(method, path, **kwargs)
        body = json_body(response)
        if body is None or not isinstance(body.get("meta"), dict):
            raise self.http_error(response)
        if response.status_code >= 400 or body["meta"].get("status") is not True:
            raise self.error(response, body)
        return body.get("data")

    def bulk_result(self, data: Any) -> SmsResult:
        """The first outbox id of a send reply; IPPanel reports no cost at send time."""
        ids = data.get("message_outbox_ids") if isinstance(data, dict) else None
        if not isinstance(ids, list) or not ids:
            raise delivery_error(PROVIDER, "no-outbox-id", temporary(PROVIDER_ERROR))
        return SmsResult(provider_id=str(ids[0]), status=DeliveryStatus.QUEUED, raw=data)

    def send(self, to: str, text: str, *, local_id: str, sender: str | None = None) -> SmsResult:
        """sending_type webservice to one recipient (Edge has no client id to deduplicate on)."""
        payload = {
            "sending_type": "webservice",
            "from_number": e164_sender(sender or self.sender),
            "message": text,
            "params": {"recipients": [international_format(PROVIDER, to)]},
        }
        return self.bulk_result(self.call("POST", "/api/send", json=payload))

    def send_template(
        self, to: str, template: str, params: dict[str, str], *, local_id: str
    ) -> SmsResult:
        """sending_type pattern: the pattern code and its variables."""
        payload = {
            "sending_type": "pattern",
            "from_number": e164_sender(self.sender),
            "code": template,
            "recipients": [international_format(PROVIDER, to)],
            "params": params,
        }
        return self.bulk_result(self.call("POST", "/api/send", json=payload))

    def one_status(self, provider_id: str) -> DeliveryStatus:
        """The bulk's state; once sent (6), the recipient's delivery status if reported."""
        try:
            bulk = self.call(
                "GET", "/api/report/by_bulk", params={"messages_outbox_id": provider_id}
            )
        except SmsDeliveryError as error:
            if error.code in ("404", "422"):
                return DeliveryStatus.UNKNOWN
            raise
        state = ippanel_state(bulk.get("state_id") if isinstance(bulk, dict) else None)
        if state != DeliveryStatus.SENT:
            return state
        recipients = self.call(
            "GET",
            "/api/report/recipients",
            params={"bulk_id": provider_id, "page": 1, "per_page": 10},
        )
        first = recipients[0] if isinstance(recipients, list) and recipients else None
        if isinstance(first, dict) and first.get("message_status") is not None:
            return ippanel_recipient_status(first["message_status"])
        return state

    def status(self, provider_ids: list[str]) -> dict[str, DeliveryStatus]:
        """Per id: report/by_bulk, then report/recipients once the bulk is sent."""
        return {provider_id: self.one_status(provider_id) for provider_id in provider_ids}

    def balance(self) -> Decimal:
        """/api/payment/credit/mine: data.credit."""
        data = self.call("GET", "/api/payment/credit/mine")
        credit = decimal_or_none(data.get("credit")) if isinstance(data, dict) else None
        if credit is None:
            raise delivery_error(PROVIDER, "no-credit-field", temporary(PROVIDER_ERROR))
        return credit
