"""A GSB-style REST inquiry adapter: POST JSON to {base_url}/inquiry/{kind} with a key and request id.

The wire format of each GSB service is issued by ITO per service (R-20); this adapter speaks the
common shape: the parameters as a JSON object; 200 {"result": "found", "data": {...}};
404 {"result": "not_found"}; 401/403 a bad key; other 4xx bad parameters; 429 and 5xx a passing
failure.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from khedmat.integrations.choices import InquiryOutcome
from khedmat.integrations.inquiries.base import (
    InquiryProvider,
    InquiryRejected,
    InquiryResult,
    InquiryUnavailable,
)

API_KEY_HEADER = "X-Api-Key"
REQUEST_ID_HEADER = "X-Request-Id"

UNREACHABLE = _("The inquiry provider could not be reached in time.")
PROVIDER_ERROR = _("The inquiry provider had an internal error.")
PROVIDER_BUSY = _("The inquiry provider is busy; try again later.")
BAD_CREDENTIALS = _("The inquiry provider rejected the API key.")
BAD_REQUEST = _("The inquiry provider rejected the request.")
BAD_ANSWER = _("The inquiry provider's answer could not be read.")


def _message(provider: str, reason: object, code: str) -> Any:
    return format_lazy(
        _("{provider}: {reason} (code {code})"), provider=provider, reason=reason, code=code
    )


class GsbInquiryProvider(InquiryProvider):
    """The Government Service Bus (or any agency speaking its REST shape), with explicit timeouts."""

    name = "gsb"
    #: Settings this provider cannot work without (checked by the registry).
    required_settings = ("url", "api_key")

    def __init__(self, *, url: str = "", api_key: str = "", timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.timeout = httpx.Timeout(timeout, connect=min(float(timeout), 5.0))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"

    def inquire(self, kind: str, parameters: dict[str, Any], *, request_id: str) -> InquiryResult:
        """POST the parameters; found / not found, or the mapped error."""
        response = self.post(f"/inquiry/{quote(kind, safe='')}", parameters, request_id=request_id)
        body = _json_object(response)
        status = response.status_code
        if status == 200 and body is not None and body.get("result") == "found":
            data = body.get("data")
            return InquiryResult(
                InquiryOutcome.FOUND, data if isinstance(data, dict) else {}, provider=self.name
            )
        if status in (200, 404) and body is not None and body.get("result") == "not_found":
            return InquiryResult(InquiryOutcome.NOT_FOUND, {}, provider=self.name)
        raise self.error(response, body)

    def post(self, path: str, payload: dict[str, Any], *, request_id: str) -> httpx.Response:
        """One HTTP call; timeouts and connection failures become InquiryUnavailable."""
        headers = {
            "Accept": "application/json",
            API_KEY_HEADER: self.api_key,
            REQUEST_ID_HEADER: request_id,
        }
        try:
            with httpx.Client(timeout=self.timeout, headers=headers) as client:
                return client.post(self.url + path, json=payload)
        except httpx.TimeoutException as error:
            raise InquiryUnavailable(
                _message(self.name, UNREACHABLE, "timeout"), code="timeout"
            ) from error
        except httpx.TransportError as error:
            raise InquiryUnavailable(
                _message(self.name, UNREACHABLE, "connection"), code="connection"
            ) from error

    def error(self, response: httpx.Response, body: dict[str, Any] | None) -> Exception:
        """The error an answer that is neither found nor not found stands for."""
        status = response.status_code
        code = str((body or {}).get("code") or f"http-{status}")
        if status >= 500:
            return InquiryUnavailable(_message(self.name, PROVIDER_ERROR, code), code=code)
        if status == 429:
            retry_after = _seconds(response.headers.get("Retry-After"))
            return InquiryUnavailable(
                _message(self.name, PROVIDER_BUSY, code), code=code, retry_after=retry_after
            )
        if status in (401, 403):
            return InquiryRejected(_message(self.name, BAD_CREDENTIALS, code), code=code)
        if status >= 400:
            return InquiryRejected(_message(self.name, BAD_REQUEST, code), code=code)
        return InquiryUnavailable(_message(self.name, BAD_ANSWER, code), code=code)


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
