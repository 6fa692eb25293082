"""Ghasedak (قاصدک) gateway REST API v1: `ApiKey` header, JSON, an IsSuccess/StatusCode envelope.

Endpoints, the header and the field names were checked on 2026-12-05 against the official SDKs:
ghasedakapi/ghasedak_sms_python @12c8af8f (base https://gw.ghasedak.me/Rest/api/v1/WebService/,
the default here) and ghasedakapi/ghasedaksms-php @84a39783 src/Constants.php (the same path on
https://Gateway.ghasedak.me: both hosts are Ghasedak's own).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

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
    get_key,
    json_body,
    national_format,
    permanent,
    status_from_table,
    temporary,
)

PROVIDER = "ghasedak"

#: A Ghasedak code common.py has no sentence for (the envelope's 451).
DUPLICATE_REQUEST = _("The provider refused the request as a duplicate of one it already received.")

#: Envelope `StatusCode` values other than 200, read on 2026-12-05. Ghasedak's own error table
#: ("جدول خطاها" on ghasedak.me/docs) could not be reached; its official SDKs
#: (ghasedakapi/ghasedak_sms_python @12c8af8f, ghasedakapi/ghasedaksms-php @84a39783,
#: ghasedakapi/GhasedakSms.Core @fbaae035) carry no table, only the envelope (isSuccess,
#: statusCode, message, data). The codes below are the table two independent clients copied:
#: mahdi-hejazi/laravel-ghasedak-sms @7234c584 resources/lang/{fa,en}/ghasedak.php (all codes
#: below) and the voorodak WordPress plugin's voorodak_ghasedak_messages() (the same table
#: without 416 and 429). Where they differ it is said on the line. Codes marked "not found"
#: are in none of these sources; they are kept from the older v2-style numbering, and every
#: code the fake server answers with is a sourced one.
GHASEDAK_ERRORS: dict[int, ErrorRule] = {
    # input parameters invalid or the receptor missing (also: "لغو11" missing at the end)
    400: permanent(INVALID_REQUEST),
    401: account(INVALID_CREDENTIALS),  # ApiKey not valid or the account not active
    # laravel-ghasedak-sms: "operation failed"; voorodak: "the server cannot answer now"
    402: temporary(PROVIDER_ERROR),
    403: account(ACCOUNT_DISABLED),  # not found in the sources above
    404: account(INVALID_REQUEST),  # not found in the sources above
    405: account(INVALID_REQUEST),  # not found in the sources above
    406: account(INVALID_SENDER),  # the line's ownership is not verified
    407: account(ACCESS_DENIED),  # not found in the sources above
    409: temporary(PROVIDER_BUSY),  # not found in the sources above
    411: permanent(INVALID_RECIPIENT),  # not found in the sources above
    412: account(INVALID_SENDER),  # no access to the line, line inactive, public line refused
    413: permanent(INVALID_TEXT),  # text longer than 1000 characters or too many receptors
    416: account(ACCESS_DENIED),  # the caller's IP does not match the settings (laravel only)
    418: account(NO_CREDIT),
    419: account(ACCESS_DENIED),  # the sending tariff is not valid
    420: permanent(INVALID_TEXT),  # a link not allowed in the text
    422: permanent(INVALID_TEXT),  # characters not allowed
    424: permanent(TEMPLATE_REJECTED),  # not found in the sources above
    426: account(UNSUPPORTED),  # this method needs a higher plan
    428: permanent(TEMPLATE_REJECTED),  # the message template is not valid
    # a template parameter not found (laravel only); not a rate limit: a bare HTTP 429 from a
    # proxy has no envelope and is answered by http_error as busy
    429: permanent(INVALID_TEMPLATE_VALUE),
    # a duplicate request: the same clientReferenceId was already accepted, so neither a retry
    # nor another provider may send it again
    451: permanent(DUPLICATE_REQUEST),
    500: temporary(PROVIDER_ERROR),
}

#: SendStatus of CheckSmsStatus, exactly the SendStatus enum of the official Python SDK
#: (ghasedakapi/ghasedak_sms_python @12c8af8f ghasedak_sms/enums/send_status.py, read
#: 2026-12-05). The send replies carry no status in the SDKs' DTOs: a send is queued.
GHASEDAK_STATUSES: dict[int, DeliveryStatus] = {
    0: DeliveryStatus.QUEUED,  # TO_BE_CONFIRMED
    1: DeliveryStatus.FAILED,  # REJECTED
    2: DeliveryStatus.QUEUED,  # TO_BE_SENT
    3: DeliveryStatus.QUEUED,  # SENDING
    4: DeliveryStatus.SENT,  # SENT
    5: DeliveryStatus.UNKNOWN,  # DEBUG_MODE: accepted but never sent
    6: DeliveryStatus.FAILED,  # INTERNAL_FAILED
    7: DeliveryStatus.CANCELLED,  # CANCELED
    8: DeliveryStatus.BLOCKED,  # INTERNAL_BLACKLISTED
    9: DeliveryStatus.QUEUED,  # PAUSED
    10: DeliveryStatus.SENT,  # SENT_TO_PROVIDER
    11: DeliveryStatus.SENT,  # DELIVERED_TO_PROVIDER
    12: DeliveryStatus.BLOCKED,  # BLACKLISTED
    13: DeliveryStatus.UNDELIVERED,  # NOT_DELIVERED
    14: DeliveryStatus.DELIVERED,  # DELIVERED
    15: DeliveryStatus.BLOCKED,  # BLOCKED
    16: DeliveryStatus.FAILED,  # FAILED
    17: DeliveryStatus.QUEUED,  # PROCESSING
}


def ghasedak_status(code: object) -> DeliveryStatus:
    """A Ghasedak SendStatus code as the common enum."""
    return status_from_table(GHASEDAK_STATUSES, code)


class GhasedakBackend(HttpSmsBackend):
    """Ghasedak: SendSingleSMS, SendOtpSMS templates, CheckSmsStatus, GetAccountInformation."""

    name = PROVIDER
    default_url = "https://gw.ghasedak.me/Rest/api/v1/WebService"

    def headers(self) -> dict[str, str]:
        """The key travels in the `ApiKey` header."""
        return {"Accept": "application/json", "ApiKey": self.api_key}

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One call; returns `Data` of a successful envelope, or raises the mapped error."""
        response = self.request(method, path, **kwargs)
        body = json_body(response)
        if body is None or get_key(body, "StatusCode") is None:
            raise self.http_error(response)
        code = int(get_key(body, "StatusCode"))
        if code != 200 or not get_key(body, "IsSuccess", False):
            raise error_from_table(
                PROVIDER,
                GHASEDAK_ERRORS,
                code,
                detail=str(get_key(body, "Message", "")),
                raw=body,
                http_status=response.status_code,
            )
        return get_key(body, "Data")

    def send(self, to: str, text: str, *, local_id: str, sender: str | None = None) -> SmsResult:
        """SendSingleSMS with the local id as ClientReferenceId."""
        payload: dict[str, Any] = {
            "receptor": national_format(PROVIDER, to),
            "message": text,
            "clientReferenceId": local_id,
            "udh": False,
        }
        if sender or self.sender:
            payload["lineNumber"] = sender or self.sender
        data = self.call("POST", "/SendSingleSMS", json=payload)
        if not isinstance(data, dict) or get_key(data, "MessageId") is None:
            raise delivery_error(PROVIDER, "no-message-id", temporary(PROVIDER_ERROR))
        return SmsResult(
            provider_id=str(get_key(data, "MessageId")),
            status=ghasedak_status(get_key(data, "Status", 2)),
            cost=decimal_or_none(get_key(data, "Cost")),
            raw=data,
        )

    def send_template(
        self, to: str, template: str, params: dict[str, str], *, local_id: str
    ) -> SmsResult:
        """SendOtpSMS: a template defined in the panel, params as Inputs [{param, value}]."""
        payload = {
            "receptors": [{"mobile": national_format(PROVIDER, to), "clientReferenceId": local_id}],
            "templateName": template,
            "inputs": [{"param": key, "value": value} for key, value in params.items()],
            "udh": False,
        }
        data = self.call("POST", "/SendOtpSMS", json=payload)
        items = get_key(data, "Items") if isinstance(data, dict) else None
        item = items[0] if isinstance(items, list) and items else None
        if not isinstance(item, dict) or get_key(item, "MessageId") is None:
            raise delivery_error(PROVIDER, "no-message-id", temporary(PROVIDER_ERROR))
        return SmsResult(
            provider_id=str(get_key(item, "MessageId")),
            status=ghasedak_status(get_key(item, "Status", 2)),
            cost=decimal_or_none(get_key(item, "Cost")),
            raw=data,
        )

    def status(self, provider_ids: list[str]) -> dict[str, DeliveryStatus]:
        """CheckSmsStatus by message id (Type=1)."""
        statuses = {provider_id: DeliveryStatus.UNKNOWN for provider_id in provider_ids}
        for start in range(0, len(provider_ids), 100):
            chunk = provider_ids[start : start + 100]
            params = [("Ids", provider_id) for provider_id in chunk] + [("Type", "1")]
            data = self.call("GET", "/CheckSmsStatus", params=params)
            for item in data if isinstance(data, list) else []:
                message_id = str(get_key(item, "MessageId")) if isinstance(item, dict) else ""
                if message_id in statuses:
                    statuses[message_id] = ghasedak_status(get_key(item, "Status"))
        return statuses

    def balance(self) -> Decimal:
        """GetAccountInformation: Credit."""
        data = self.call("GET", "/GetAccountInformation")
        credit = decimal_or_none(get_key(data, "Credit")) if isinstance(data, dict) else None
        if credit is None:
            raise delivery_error(PROVIDER, "no-credit-field", temporary(PROVIDER_ERROR))
        return credit
