"""Magfa (مگفا) HTTP API v2: Basic auth as `username/domain`, JSON, `status` 0 for success."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx

from khedmat.notifications.providers.base import DeliveryStatus, SmsResult
from khedmat.notifications.providers.common import (
    ACCESS_DENIED,
    ACCOUNT_DISABLED,
    INVALID_CREDENTIALS,
    INVALID_RECIPIENT,
    INVALID_REQUEST,
    INVALID_SENDER,
    INVALID_TEXT,
    NO_CREDIT,
    OUTSIDE_HOURS,
    PROVIDER_BUSY,
    PROVIDER_ERROR,
    RECIPIENT_BLOCKED,
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
    numeric_local_id,
    permanent,
    status_from_table,
    temporary,
)

PROVIDER = "magfa"

#: `status` codes other than 0, of a reply or of one message in it (the v2 guide's error table).
MAGFA_ERRORS: dict[int, ErrorRule] = {
    1: permanent(INVALID_RECIPIENT),
    2: account(INVALID_SENDER),
    3: permanent(INVALID_TEXT),  # encoding does not fit the text
    4: permanent(INVALID_REQUEST),  # mclass
    6: permanent(INVALID_REQUEST),  # UDH
    8: temporary(OUTSIDE_HOURS),  # promotional SMS only 07:00-22:00
    13: permanent(INVALID_TEXT),  # empty content
    14: account(NO_CREDIT),
    15: temporary(PROVIDER_ERROR),  # server was fixing an internal error; resend
    16: account(ACCOUNT_DISABLED),
    17: account(ACCOUNT_DISABLED),  # expired
    18: account(INVALID_CREDENTIALS),  # username or password
    19: account(INVALID_CREDENTIALS),  # username, password and domain do not match
    20: account(INVALID_SENDER),  # sender does not belong to the account
    22: account(UNSUPPORTED),  # service not enabled for the account
    23: temporary(PROVIDER_BUSY),  # cannot take new requests now; resend
    24: permanent(UNKNOWN_MESSAGE),  # id wrong or older than a day
    25: account(INVALID_REQUEST),  # method name
    27: permanent(RECIPIENT_BLOCKED),  # operator blacklist (promotional)
    28: account(INVALID_RECIPIENT),  # prefix blocked at Magfa for now; another route may work
    29: account(ACCESS_DENIED),  # source IP not allowed
    30: permanent(INVALID_TEXT),  # more than 265 parts
    31: permanent(INVALID_REQUEST),  # JSON malformed or data missing
    33: account(RECIPIENT_BLOCKED),  # recipient blocked this sender line ("لغو ۱۱")
    34: permanent(INVALID_RECIPIENT),  # no verified information for this number
    101: permanent(INVALID_REQUEST),  # messages vs recipients length
    102: permanent(INVALID_REQUEST),  # messageClass length
    103: permanent(INVALID_REQUEST),  # senders length
    104: permanent(INVALID_REQUEST),  # udhs length
    105: permanent(INVALID_REQUEST),  # priorities length
    106: permanent(INVALID_REQUEST),  # recipients empty
    107: permanent(INVALID_REQUEST),  # too many recipients
    108: permanent(INVALID_REQUEST),  # senders empty
    109: permanent(INVALID_REQUEST),  # encodings length
    110: permanent(INVALID_REQUEST),  # checkingMessageIds length
}

#: `dlrs[].status` of statuses/{mid}.
MAGFA_STATUSES: dict[int, DeliveryStatus] = {
    -1: DeliveryStatus.UNKNOWN,  # id unknown or older than 24 hours
    0: DeliveryStatus.QUEUED,  # no report yet
    1: DeliveryStatus.DELIVERED,  # reached the phone
    2: DeliveryStatus.UNDELIVERED,  # did not reach the phone
    8: DeliveryStatus.SENT,  # reached the operator
    16: DeliveryStatus.FAILED,  # did not reach the operator
}


def magfa_status(code: object) -> DeliveryStatus:
    """A Magfa delivery status code as the common enum."""
    return status_from_table(MAGFA_STATUSES, code)


class MagfaBackend(HttpSmsBackend):
    """Magfa: send (with uids), statuses/{mid}, balance. It has no provider-side templates."""

    name = PROVIDER
    default_url = "https://sms.magfa.com/api/http/sms/v2"
    required_settings = ("username", "password", "domain", "sender")

    def auth(self) -> httpx.Auth:
        """HTTP Basic with the user `username/domain`."""
        return httpx.BasicAuth(f"{self.username}/{self.domain}", self.password)

    def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One call; returns the body when `status` is 0, or raises the mapped error."""
        response = self.request(method, path, **kwargs)
        body = json_body(response)
        if body is None or body.get("status") is None:
            raise self.http_error(response)
        code = int(body["status"])
        if code != 0:
            raise error_from_table(
                PROVIDER, MAGFA_ERRORS, code, raw=body, http_status=response.status_code
            )
        return body

    def send(self, to: str, text: str, *, local_id: str, sender: str | None = None) -> SmsResult:
        """send with one sender, recipient and message; the local id goes as the uid."""
        payload = {
            "senders": [sender or self.sender],
            "recipients": [national_format(PROVIDER, to)],
            "messages": [text],
            "uids": [numeric_local_id(local_id)],
        }
        body = self.call("POST", "/send", json=payload)
        messages = body.get("messages")
        message = messages[0] if isinstance(messages, list) and messages else None
        if not isinstance(message, dict):
            raise delivery_error(PROVIDER, "no-message", temporary(PROVIDER_ERROR))
        code = int(message.get("status", 0))
        if code != 0:
            raise error_from_table(PROVIDER, MAGFA_ERRORS, code, raw=body)
        return SmsResult(
            provider_id=str(message["id"]),
            status=DeliveryStatus.QUEUED,
            cost=decimal_or_none(message.get("tariff")),
            raw=message,
        )

    def send_template(
        self, to: str, template: str, params: dict[str, str], *, local_id: str
    ) -> SmsResult:
        """Magfa has no template API: another provider should take the message."""
        raise delivery_error(PROVIDER, "no-templates", account(UNSUPPORTED))

    def status(self, provider_ids: list[str]) -> dict[str, DeliveryStatus]:
        """statuses/{mid,mid,...}, 100 ids a call."""
        statuses = {provider_id: DeliveryStatus.UNKNOWN for provider_id in provider_ids}
        for start in range(0, len(provider_ids), 100):
            chunk = ",".join(quote(mid, safe="") for mid in provider_ids[start : start + 100])
            body = self.call("GET", f"/statuses/{chunk}")
            dlrs = body.get("dlrs")
            for dlr in dlrs if isinstance(dlrs, list) else []:
                if isinstance(dlr, dict) and str(dlr.get("mid")) in statuses:
                    statuses[str(dlr["mid"])] = magfa_status(dlr.get("status"))
        return statuses

    def balance(self) -> Decimal:
        """balance: the account's credit in rials."""
        credit = decimal_or_none(self.call("GET", "/balance").get("balance"))
        if credit is None:
            raise delivery_error(PROVIDER, "no-balance-field", temporary(PROVIDER_ERROR))
        return credit
