"""SMS.ir REST API v1 (api.sms.ir/v1): `X-API-KEY` header, JSON, `status` 1 for success.

Endpoints (send/bulk, send/verify, send/{messageId}, credit), the header and the field names were
checked on 2026-12-05 against SMS.ir's official PHP SDK, IPeCompany/smsir-php @a9c1bf02
src/SmsIrService.php. Logical errors come with HTTP 400, the key with 401, throttling with 429
(sms.ir/rest-api "HTTP STATUS CODE"), always in the {status, message, data} envelope.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote

from khedmat.notifications.providers.base import DeliveryStatus, SmsDeliveryError, SmsResult
from khedmat.notifications.providers.common import (
    ACCESS_DENIED,
    ACCOUNT_DISABLED,
    INVALID_CREDENTIALS,
    INVALID_RECIPIENT,
    INVALID_REQUEST,
    INVALID_SENDER,
    INVALID_TEMPLATE_VALUE,
    INVALID_TEXT,
    NO_CREDIT,
    PROVIDER_BUSY,
    PROVIDER_ERROR,
    RECIPIENT_BLOCKED,
    TEMPLATE_REJECTED,
    UNKNOWN_MESSAGE,
    UNSUPPORTED,
    ErrorRule,
    HttpSmsBackend,
    account,
    decimal_or_none,
    delivery_error,
    error_from_table,
    json_body,
    national_format,
    permanent,
    status_from_table,
    temporary,
)

PROVIDER = "smsir"

#: Reply `status` codes other than 1, read on 2026-12-05. SMS.ir's table is on
#: https://sms.ir/rest-api/ (apidocs.sms.ir); its official SDK (IPeCompany/smsir-php @a9c1bf02)
#: carries no table. The table below is the one quoted from that page by
#: fstarlike/smsir-agent-skill @5d92f5c9 references/errors.md (a snapshot of 2026-08-15) and,
#: without 119 and 123, the enum of HamidRezaAshkiyan/SmsIrClient @275c5e56
#: SmsProviders.SmsIr/Models/Enums/SendStatusEnum.cs; the two agree on every meaning.
#: 15 and 16 are in neither (not found in those sources, nor on the excerpts of sms.ir's page
#: we could read): kept, but the fake server does not answer with them.
SMSIR_ERRORS: dict[int, ErrorRule] = {
    0: temporary(PROVIDER_ERROR),  # a system problem: contact support
    10: account(INVALID_CREDENTIALS),  # API key not valid
    11: account(INVALID_CREDENTIALS),  # API key disabled
    12: account(ACCESS_DENIED),  # API key limited to other IPs
    13: account(ACCOUNT_DISABLED),  # account not active
    14: account(ACCOUNT_DISABLED),  # account suspended
    15: account(UNSUPPORTED),  # not found in the sources above (plan upgrade for the service)
    16: permanent(INVALID_REQUEST),  # not found in the sources above (a parameter value wrong)
    20: temporary(PROVIDER_BUSY),  # too many requests (with HTTP 429)
    101: account(INVALID_SENDER),  # line number not valid
    102: account(NO_CREDIT),
    103: permanent(INVALID_TEXT),  # empty text
    104: permanent(INVALID_RECIPIENT),  # mobile number(s) not valid
    105: permanent(INVALID_REQUEST),  # more than 100 mobiles
    106: permanent(INVALID_REQUEST),  # more than 100 texts
    107: permanent(INVALID_REQUEST),  # mobile list empty
    108: permanent(INVALID_REQUEST),  # text list empty
    109: permanent(INVALID_REQUEST),  # send time not valid
    110: permanent(INVALID_REQUEST),  # mobiles and texts differ in number
    111: permanent(UNKNOWN_MESSAGE),  # nothing sent under this id
    112: permanent(UNKNOWN_MESSAGE),  # nothing to delete
    113: permanent(TEMPLATE_REJECTED),  # template not found
    114: permanent(INVALID_TEMPLATE_VALUE),  # a parameter value longer than 25 characters
    115: permanent(RECIPIENT_BLOCKED),  # mobile on the blacklist
    116: permanent(INVALID_TEMPLATE_VALUE),  # a parameter name is empty
    117: permanent(INVALID_TEXT),  # text not approved
    118: permanent(INVALID_REQUEST),  # more messages than allowed
    119: account(UNSUPPORTED),  # custom templates need a higher plan (agent-skill only)
    123: account(INVALID_SENDER),  # line needs activation (agent-skill only)
}

#: `deliveryState` of send/{messageId}; null means no report yet. The same two sources
#: (errors.md "Delivery status codes"; SmsIrClient Models/Enums/DeliveryStatus.cs) agree.
SMSIR_DELIVERY_STATES: dict[int, DeliveryStatus] = {
    1: DeliveryStatus.DELIVERED,  # reached the phone
    2: DeliveryStatus.UNDELIVERED,  # did not reach the phone
    3: DeliveryStatus.SENT,  # being processed by the operator
    4: DeliveryStatus.FAILED,  # did not reach the operator
    5: DeliveryStatus.SENT,  # reached the operator
    6: DeliveryStatus.FAILED,  # error
    7: DeliveryStatus.BLOCKED,  # blacklist
}


def smsir_status(code: object) -> DeliveryStatus:
    """An SMS.ir deliveryState as the common enum (null: still queued)."""
    if code is None:
        return DeliveryStatus.QUEUED
    return status_from_table(SMSIR_DELIVERY_STATES, code)


def _number_if_digits(value: str) -> int | str:
    return int(value) if value.isascii() and value.isdigit() else value


class SmsirBackend(HttpSmsBackend):
    """SMS.ir: send/verify templates, send/bulk texts (needs a line), send/{id}, credit."""

    name = PROVIDER
    default_url = "https://api.sms.ir/v1"

    def headers(self) -> dict[str, str]:
        """The key travels in `X-API-KEY`."""
        return {"Accept": "application/json", "X-API-KEY": self.api_key}

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One call; returns `data` when `status` is 1, or raises the mapped error."""
        response = self.request(method, path, **kwargs)
        body = json_body(response)
        if body is None or body.get("status") is None:
            raise self.http_error(response)
        code = int(body["status"])
        if code != 1:
            detail = str(body.get("message") or "")
            raise error_from_table(
                PROVIDER,
                SMSIR_ERRORS,
                code,
                detail=detail,
                raw=body,
                http_status=response.status_code,
            )
        return body.get("data")

    def send(self, to: str, text: str, *, local_id: str, sender: str | None = None) -> SmsResult:
        """send/bulk to one mobile from the configured line (SMS.ir has no client id).

        send/bulk can answer status 1 and still refuse the mobile: its place in `messageIds` is
        0 for a blacklisted number and null for an invalid one or a bad text (sms.ir/rest-api as
        quoted in fstarlike/smsir-agent-skill @5d92f5c9 references/sending.md). Neither is an id.
        """
        line = sender or self.sender
        if not line:
            raise delivery_error(PROVIDER, "no-line", account(INVALID_SENDER))
        payload = {
            "lineNumber": _number_if_digits(line),
            "messageText": text,
            "mobiles": [national_format(PROVIDER, to)],
            "sendDateTime": None,
        }
        data = self.call("POST", "/send/bulk", json=payload)
        ids = data.get("messageIds") if isinstance(data, dict) else None
        if not isinstance(ids, list) or not ids:
            raise delivery_error(PROVIDER, "no-message-id", temporary(PROVIDER_ERROR))
        if ids[0] is None:
            raise delivery_error(PROVIDER, "bulk-null", permanent(INVALID_RECIPIENT), raw=data)
        if str(ids[0]) == "0":
            raise delivery_error(PROVIDER, "bulk-0", permanent(RECIPIENT_BLOCKED), raw=data)
        return SmsResult(
            provider_id=str(ids[0]),
            status=DeliveryStatus.QUEUED,
            cost=decimal_or_none(data.get("cost")),
            raw=data,
        )

    def send_template(
        self, to: str, template: str, params: dict[str, str], *, local_id: str
    ) -> SmsResult:
        """send/verify: templateId and parameters [{name, value}]."""
        payload = {
            "mobile": national_format(PROVIDER, to),
            "templateId": _number_if_digits(template),
            "parameters": [{"name": key, "value": value} for key, value in params.items()],
        }
        data = self.call("POST", "/send/verify", json=payload)
        if not isinstance(data, dict) or data.get("messageId") is None:
            raise delivery_error(PROVIDER, "no-message-id", temporary(PROVIDER_ERROR))
        return SmsResult(
            provider_id=str(data["messageId"]),
            status=DeliveryStatus.QUEUED,
            cost=decimal_or_none(data.get("cost")),
            raw=data,
        )

    def one_status(self, provider_id: str) -> DeliveryStatus:
        """send/{messageId}; an id SMS.ir does not know is unknown, not an error."""
        try:
            data = self.call("GET", f"/send/{quote(provider_id, safe='')}")
        except SmsDeliveryError as error:
            if error.code == "111":
                return DeliveryStatus.UNKNOWN
            raise
        return smsir_status(data.get("deliveryState") if isinstance(data, dict) else -1)

    def status(self, provider_ids: list[str]) -> dict[str, DeliveryStatus]:
        """One report call per message id."""
        return {provider_id: self.one_status(provider_id) for provider_id in provider_ids}

    def balance(self) -> Decimal:
        """credit: the remaining credit."""
        credit = decimal_or_none(self.call("GET", "/credit"))
        if credit is None:
            raise delivery_error(PROVIDER, "no-credit-field", temporary(PROVIDER_ERROR))
        return credit
