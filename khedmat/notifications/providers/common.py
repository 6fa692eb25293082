"""Shared plumbing for the HTTP adapters: error rules, reasons, number formats, the HTTP call."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

import httpx
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from khedmat.notifications.providers.base import DeliveryStatus, SmsBackend, SmsDeliveryError

# --- Reasons: the few sentences staff read; every provider code points at one of them. ---------
INVALID_CREDENTIALS = _("The provider rejected the API key or the account credentials.")
ACCOUNT_DISABLED = _("The provider account is disabled, expired or not verified.")
NO_CREDIT = _("The provider account has no credit left.")
ACCESS_DENIED = _("The provider refused access from this server or for this service.")
INVALID_RECIPIENT = _("The recipient number was rejected.")
RECIPIENT_BLOCKED = _("The recipient has blocked messages from this sender.")
INVALID_SENDER = _("The sender line is invalid or does not belong to the account.")
INVALID_TEXT = _("The message text is empty, too long or contains characters not allowed.")
INVALID_REQUEST = _("The provider rejected the request as malformed.")
TEMPLATE_REJECTED = _("The template does not exist or is not approved at the provider.")
INVALID_TEMPLATE_VALUE = _("A template value was rejected (spaces, separators or length).")
UNSUPPORTED = _("The provider does not support this kind of message.")
OUTSIDE_HOURS = _("The provider does not send this line's messages at this hour.")
PROVIDER_BUSY = _("The provider is busy; try again later.")
PROVIDER_ERROR = _("The provider had an internal error.")
UNREACHABLE = _("The provider could not be reached in time.")
UNKNOWN_MESSAGE = _("The provider does not know this message id.")
UNKNOWN_ERROR = _("The provider returned an error this version does not know.")


@dataclass(frozen=True)
class ErrorRule:
    """What one documented provider code means for delivery: the reason and the two flags."""

    reason: Promise
    retryable: bool = False
    failover: bool = False


def permanent(reason: Promise) -> ErrorRule:
    """An error about this message: neither retrying nor another provider helps."""
    return ErrorRule(reason)


def account(reason: Promise) -> ErrorRule:
    """An error about this provider account or line: another provider may succeed now."""
    return ErrorRule(reason, failover=True)


def temporary(reason: Promise) -> ErrorRule:
    """A passing failure: the same provider later, or another one now, may succeed."""
    return ErrorRule(reason, retryable=True, failover=True)


def delivery_error(
    provider: str,
    code: object,
    rule: ErrorRule,
    *,
    detail: str = "",
    raw: dict[str, Any] | None = None,
) -> SmsDeliveryError:
    """The SmsDeliveryError for a provider code, with a translated, staff-readable message."""
    message = format_lazy(
        _("{provider}: {reason} (code {code}){detail}"),
        provider=provider,
        code=code,
        reason=rule.reason,
        detail=f" [{detail}]" if detail else "",
    )
    return SmsDeliveryError(
        message,  # type: ignore[arg-type]  # lazy: str(error) renders in the active language
        code=str(code),
        retryable=rule.retryable,
        failover=rule.failover,
        raw=raw,
    )


def error_from_table(
    provider: str,
    table: Mapping[int, ErrorRule],
    code: int,
    *,
    detail: str = "",
    raw: dict[str, Any] | None = None,
    http_status: int = 200,
) -> SmsDeliveryError:
    """Look a documented code up. An unknown one fails over (retried too when the HTTP status
    was 5xx): it may be an account problem another provider does not have."""
    fallback = temporary(PROVIDER_ERROR) if http_status >= 500 else account(UNKNOWN_ERROR)
    rule = table.get(code, fallback)
    return delivery_error(provider, code, rule, detail=detail, raw=raw)


def status_from_table(table: Mapping[int, DeliveryStatus], code: object) -> DeliveryStatus:
    """A provider's numeric status code as the common enum; unknown or non-numeric: UNKNOWN."""
    try:
        return table.get(int(str(code)), DeliveryStatus.UNKNOWN)
    except ValueError:
        return DeliveryStatus.UNKNOWN


# --- Numbers ----------------------------------------------------------------------------------
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def e164_digits(provider: str, to: str) -> str:
    """The digits of an E.164 number (country code first), or a permanent delivery error."""
    number = to.strip()
    if not _E164.match(number):
        raise delivery_error(provider, "invalid-number", permanent(INVALID_RECIPIENT), detail=to)
    return number[1:]


def national_format(provider: str, to: str) -> str:
    """09XXXXXXXXX for an Iranian number, 00<country><number> for any other."""
    digits = e164_digits(provider, to)
    if digits.startswith("98"):
        return "0" + digits[2:]
    return "00" + digits


def international_format(provider: str, to: str) -> str:
    """+98XXXXXXXXXX: E.164 as it is, checked."""
    return "+" + e164_digits(provider, to)


def e164_sender(sender: str) -> str:
    """A sender line as E.164 (+983000505) from 3000505, 983000505 or +983000505."""
    sender = sender.strip()
    if sender.startswith("+"):
        return sender
    if sender.startswith("98"):
        return "+" + sender
    return "+98" + sender.removeprefix("0")


def numeric_local_id(local_id: str) -> int:
    """Providers that want a number as the client id get the id itself or a stable hash of it."""
    if local_id.isascii() and local_id.isdigit() and len(local_id) <= 15:
        return int(local_id)
    return int(hashlib.sha256(local_id.encode()).hexdigest()[:13], 16)


def decimal_or_none(value: object) -> Decimal | None:
    """A cost or balance from JSON as Decimal, None when absent or not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def get_key(data: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """data[name] matching the key case-insensitively (providers mix PascalCase and camelCase)."""
    if name in data:
        return data[name]
    lowered = name.lower()
    for key, value in data.items():
        if key.lower() == lowered:
            return value
    return default


# --- HTTP -------------------------------------------------------------------------------------
@functools.cache
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process: building it costs more than the request itself."""
    return httpx.create_ssl_context()


_clients: dict[tuple[int, str], httpx.Client] = {}
_clients_lock = threading.Lock()


def shared_client(timeout: httpx.Timeout) -> httpx.Client:
    """One pooled HTTP client per process and timeout, shared by every adapter and thread: its
    connections to a provider stay open between messages (a new client and connection per
    message cost about 4 of the 19 ms a message took a worker). Keyed by process too, so a
    forked worker never shares its parent's sockets."""
    key = (os.getpid(), repr(timeout))
    client = _clients.get(key)
    if client is None:
        with _clients_lock:
            client = _clients.setdefault(key, httpx.Client(timeout=timeout, verify=tls_context()))
    return client


class HttpSmsBackend(SmsBackend):
    """An adapter that talks JSON or form HTTP to one provider with explicit timeouts."""

    default_url: ClassVar[str] = ""
    #: Settings this provider cannot work without (checked by the registry).
    required_settings: ClassVar[tuple[str, ...]] = ("api_key",)

    def __init__(
        self,
        *,
        url: str = "",
        api_key: str = "",
        sender: str = "",
        username: str = "",
        password: str = "",
        domain: str = "",
        timeout: float = 10.0,
    ) -> None:
        self.url = (url or self.default_url).rstrip("/")
        self.api_key = api_key
        self.sender = sender
        self.username = username
        self.password = password
        self.domain = domain
        self.timeout = httpx.Timeout(timeout, connect=min(float(timeout), 5.0))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"

    def headers(self) -> dict[str, str]:
        """Headers every request carries (authentication and content negotiation)."""
        return {"Accept": "application/json"}

    def auth(self) -> httpx.Auth | None:
        """HTTP authentication for every request, if the provider uses it."""
        return None

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One HTTP call; timeouts, connection failures and 5xx become retryable errors."""
        client = shared_client(self.timeout)
        try:
            response = client.request(
                method, self.url + path, headers=self.headers(), auth=self.auth(), **kwargs
            )
        except httpx.TimeoutException as error:
            raise delivery_error(
                self.name, "timeout", temporary(UNREACHABLE), detail=type(error).__name__
            ) from error
        except httpx.TransportError as error:
            raise delivery_error(
                self.name, "connection", temporary(UNREACHABLE), detail=type(error).__name__
            ) from error
        return response

    def http_error(self, response: httpx.Response) -> SmsDeliveryError:
        """An error from the HTTP status alone, when the body carries no provider code."""
        status = response.status_code
        if status >= 500:
            rule = temporary(PROVIDER_ERROR)
        elif status == 429:
            rule = temporary(PROVIDER_BUSY)
        elif status in (401, 403):
            rule = account(INVALID_CREDENTIALS)
        else:
            rule = account(UNKNOWN_ERROR)
        return delivery_error(self.name, f"http-{status}", rule, detail=response.text[:200])


def json_body(response: httpx.Response) -> dict[str, Any] | None:
    """The response body as a JSON object, or None when it is not one."""
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None
