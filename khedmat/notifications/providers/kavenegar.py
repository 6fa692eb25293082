"""Kavenegar (کاوه‌نگار) REST API v1: the key in the path, form-encoded POST, a JSON envelope."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote

from khedmat.notifications.providers.base import DeliveryStatus, SmsResult
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
    TEMPLATE_REJECTED,
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

PROVIDER = "kavenegar"

#: `return.status` codes other than 200 (kavenegar.com/rest.html and the SDKs).
KAVENEGAR_ERRORS: dict[int, ErrorRule] = {
    400: permanent(INVALID_REQUEST),  # parameters incomplete
    402: temporary(PROVIDER_ERROR),  # operation failed
    403: account(INVALID_CREDENTIALS),  # API key not valid
    404: account(INVALID_REQUEST),  # unknown method
    405: account(INVALID_REQUEST),  # GET/POST not allowed for the method
    406: permanent(INVALID_REQUEST),  # required parameters empty
    407: account(ACCESS_DENIED),  # no access to the data (IP)
    409: temporary(PROVIDER_BUSY),  # server cannot answer now
    411: permanent(INVALID_RECIPIENT),
    412: account(INVALID_SENDER),
    413: permanent(INVALID_TEXT),  # empty, or longer than 612 Latin / 268 Persian characters
    414: permanent(INVALID_REQUEST),  # too many records in one request
    416: account(ACCESS_DENIED),  # calling IP does not match the account's
    417: permanent(INVALID_REQUEST),  # bad date
    418: account(NO_CREDIT),
    419: permanent(INVALID_REQUEST),  # array lengths differ
    422: permanent(INVALID_TEXT),  # characters not allowed
    424: permanent(TEMPLATE_REJECTED),
    426: account(UNSUPPORTED),  # needs the advanced plan
    428: permanent(INVALID_TEMPLATE_VALUE),  # voice OTP needs a digits-only token
    430: account(ACCOUNT_DISABLED),  # account not KYC-verified
    431: permanent(INVALID_TEMPLATE_VALUE),  # token has a space, newline, underscore or separator
    432: permanent(TEMPLATE_REJECTED),  # %token missing from the template
    # The older .NET SDK's enum.
    101: account(INVALID_CREDENTIALS),  # key not valid
    102: account(ACCOUNT_DISABLED),  # key expired
    103: account(ACCOUNT_DISABLED),  # account disabled
    104: account(NO_CREDIT),
}

#: `entries[].status` of sms/send and sms/status.
KAVENEGAR_STATUSES: dict[int, DeliveryStatus] = {
    1: DeliveryStatus.QUEUED,
    2: DeliveryStatus.QUEUED,  # scheduled
    4: DeliveryStatus.SENT,  # handed to the operator
    5: DeliveryStatus.SENT,
    6: DeliveryStatus.FAILED,
    10: DeliveryStatus.DELIVERED,
    11: DeliveryStatus.UNDELIVERED,  # phone off or unreachable
    13: DeliveryStatus.CANCELLED,  # refunded
    14: DeliveryStatus.BLOCKED,  # recipient refuses promotional lines (refunded)
    50: DeliveryStatus.UNKNOWN,  # an inbound message, not ours
    100: DeliveryStatus.UNKNOWN,  # message id not valid
}

#: verify/lookup parameters a template may fill.
LOOKUP_TOKENS = ("token", "token2", "token3", "token10", "token20")


def kavenegar_status(code: object) -> DeliveryStatus:
    """A Kavenegar message status code as the common enum."""
    return status_from_table(KAVENEGAR_STATUSES, code)


class KavenegarBackend(HttpSmsBackend):
    """Kavenegar: sms/send with localid (idempotent), verify/lookup templates, status, balance."""

    name = PROVIDER
    default_url = "https://api.kavenegar.com/v1"
    deduplicates_local_id = True
    max_length_persian = 268
    max_length_latin = 612

    def call(self, scope_method: str, data: dict[str, Any]) -> list[Any] | dict[str, Any]:
        """POST to {key}/{scope}/{method}.json and return `entries`, or raise the mapped error."""
        path = f"/{quote(self.api_key, safe='')}/{scope_method}.json"
        response = self.request("POST", path, data=data)
        body = json_body(response)
        envelope = body.get("return") if body else None
        if not isinstance(envelope, dict) or "status" not in envelope:
            raise self.http_error(response)
        code = int(envelope["status"])
        if code != 200:
            raise error_from_table(
                PROVIDER,
                KAVENEGAR_ERRORS,
                code,
                detail=str(envelope.get("message", "")),
                raw=body,
                http_status=response.status_code,
            )
        entries = body.get("entries") if body else None
        return entries if isinstance(entries, list | dict) else []

    def result(self, entries: list[Any] | dict[str, Any]) -> SmsResult:
        """The first entry of a send or lookup reply as an SmsResult."""
        entry = entries[0] if isinstance(entries, list) and entries else entries
        if not isinstance(entry, dict) or "messageid" not in entry:
            raise delivery_error(PROVIDER, "no-entry", temporary(PROVIDER_ERROR))
        return SmsResult(
            provider_id=str(entry["messageid"]),
            status=kavenegar_status(entry.get("status")),
            cost=decimal_or_none(entry.get("cost")),
            raw=entry,
        )

    def send(self, to: str, text: str, *, local_id: str, sender: str | None = None) -> SmsResult:
        """sms/send to one receptor; the same local_id returns the first message, not a new one."""
        data = {
            "receptor": national_format(PROVIDER, to),
            "message": text,
            "localid": str(numeric_local_id(local_id)),
        }
        if sender or self.sender:
            data["sender"] = sender or self.sender
        return self.result(self.call("sms/send", data))

    def send_template(
        self, to: str, template: str, params: dict[str, str], *, local_id: str
    ) -> SmsResult:
        """verify/lookup: params are token, token2, token3, token10, token20 (the API has no localid)."""
        unknown = sorted(set(params) - set(LOOKUP_TOKENS))
        if unknown:
            raise delivery_error(
                PROVIDER,
                "template-params",
                permanent(INVALID_TEMPLATE_VALUE),
                detail=", ".join(unknown),
            )
        data = {"receptor": national_format(PROVIDER, to), "template": template, "type": "sms"}
        data.update(params)
        return self.result(self.call("verify/lookup", data))

    def status(self, provider_ids: list[str]) -> dict[str, DeliveryStatus]:
        """sms/status for up to 500 ids a call."""
        statuses = {provider_id: DeliveryStatus.UNKNOWN for provider_id in provider_ids}
        for start in range(0, len(provider_ids), 500):
            chunk = provider_ids[start : start + 500]
            entries = self.call("sms/status", {"messageid": ",".join(chunk)})
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict) and str(entry.get("messageid")) in statuses:
                    statuses[str(entry["messageid"])] = kavenegar_status(entry.get("status"))
        return statuses

    def balance(self) -> Decimal:
        """account/info: remaining credit in rials."""
        entries = self.call("account/info", {})
        entry = entries[0] if isinstance(entries, list) and entries else entries
        credit = decimal_or_none(entry.get("remaincredit")) if isinstance(entry, dict) else None
        if credit is None:
            raise delivery_error(PROVIDER, "no-credit-field", temporary(PROVIDER_ERROR))
        return credit
