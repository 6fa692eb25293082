"""SMS.ir REST API v1 (api.sms.ir/v1): `X-API-KEY` header, JSON, `status` 1 for success."""

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

#: Reply `status` codes other than 1 (apidocs.sms.ir status table).
SMSIR_ERRORS: dict[int, ErrorRule] = {
    0: temporary(PROVIDER_ERROR),  # internal server error
    10: account(INVALID_CREDENTIALS),  # API key not valid
    11: account(INVALID_CREDENTIALS),  # API key disabled
    12: account(ACCESS_DENIED),  # API key limited to other IPs
    13: account(ACCOUNT_DISABLED),
    14: account(ACCOUNT_DISABLED),  # suspended
    15: account(UNSUPPORTED),  # plan must be upgraded for the web service
    16: permanent(INVALID_REQUEST),  # a parameter value is wrong
    20: temporary(PROVIDER_BUSY),  # too many requests
    101: account(INVALID_SENDER),  # line number not valid
    102: account(NO_CREDIT),
    103: permanent(INVALID_TEXT),  # empty text
    104: permanent(INVALID_RECIPIENT),
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
    115: permanent(RECIPIENT_BLOCKED),  # mobile on the system blacklist
    116: permanent(INVALID_TEMPLATE_VALUE),  # a template parameter has no value
    117: permanent(INVALID_TEXT),  # text not approved
    118: permanent(INVALID_REQUEST),  # too many messages
    119: account(UNSUPPORTED),  # custom templates need a higher plan
    123: account(INVALID_SENDER),  # line needs activation
}

#: `deliveryState` of send/{messageId}; null means no report yet.
SMSIR_DELIVERY_STATES: dict[int, DeliveryStatus] = {
    1: DeliveryStatus.DELIVERED,  # reached the phone
    2: DeliveryStatus.UNDELIVERED,  # did not reach the phone
    3: DeliveryStatus.SENT,  # being processed by the operator
    4: DeliveryStatus.FAILED,  # did not reach the operator
    5: DeliveryStatus.SENT,  # reached the operator
    6: DeliveryStatus.FAILED,
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
        """send/bulk to one mobile from the configured line (SMS.ir has no client id)."""
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
