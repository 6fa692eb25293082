"""A generic REST office-automation adapter.

POST {url}/letters {"subject", "body", "reference"} -> 201 {"number", "date" (ISO), "status"};
the reference is ours and unique per letter: a POST with a reference already registered answers
200 with that letter and registers nothing (how a registration retried after a lost answer, or
after our own crash before we kept the number, finds its letter instead of making a second);
GET {url}/letters/<number> -> 200 {"number", "status"}. The key goes in X-Api-Key. 401/403 and
other 4xx are refusals; 429, 5xx, timeouts and connection failures are passing.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import quote

import httpx
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from khedmat.integrations.choices import LetterStatus
from khedmat.integrations.errors import OfficeAutomationRejected, OfficeAutomationUnavailable
from khedmat.integrations.office.base import LetterReceipt, OfficeAutomationProvider

API_KEY_HEADER = "X-Api-Key"

UNREACHABLE = _("The office automation could not be reached in time.")
PROVIDER_ERROR = _("The office automation had an internal error.")
BAD_CREDENTIALS = _("The office automation rejected the API key.")
BAD_REQUEST = _("The office automation rejected the request.")
BAD_ANSWER = _("The office automation's answer could not be read.")


def _message(reason: object, code: str) -> Any:
    return format_lazy(_("Office automation: {reason} (code {code})"), reason=reason, code=code)


class RestOfficeAutomation(OfficeAutomationProvider):
    """Letters over plain JSON REST, with explicit timeouts."""

    name = "rest"
    required_settings = ("url", "api_key")

    def __init__(self, *, url: str = "", api_key: str = "", timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.timeout = httpx.Timeout(timeout, connect=min(float(timeout), 5.0))

    def create_letter(self, subject: str, body: str, *, reference: str) -> LetterReceipt:
        """POST /letters: the number and date the office automation gave the letter."""
        payload = {"subject": subject, "body": body, "reference": reference}
        answer = self.call("POST", "/letters", json=payload)
        try:
            return LetterReceipt(
                number=str(answer["number"]),
                date=dt.date.fromisoformat(str(answer["date"])[:10]),
                status=LetterStatus(answer.get("status") or LetterStatus.REGISTERED),
            )
        except (KeyError, ValueError) as error:
            raise OfficeAutomationUnavailable(_message(BAD_ANSWER, "answer")) from error

    def letter_status(self, number: str) -> LetterStatus:
        """GET /letters/<number>: the letter's routing status."""
        answer = self.call("GET", f"/letters/{quote(number, safe='')}")
        try:
            return LetterStatus(str(answer.get("status")))
        except ValueError as error:
            raise OfficeAutomationUnavailable(_message(BAD_ANSWER, "status")) from error

    def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One HTTP call returning the JSON object, or the mapped error."""
        headers = {"Accept": "application/json", API_KEY_HEADER: self.api_key}
        try:
            with httpx.Client(timeout=self.timeout, headers=headers) as client:
                response = client.request(method, self.url + path, **kwargs)
        except httpx.TimeoutException as error:
            raise OfficeAutomationUnavailable(_message(UNREACHABLE, "timeout")) from error
        except httpx.TransportError as error:
            raise OfficeAutomationUnavailable(_message(UNREACHABLE, "connection")) from error
        status = response.status_code
        if status >= 500 or status == 429:
            raise OfficeAutomationUnavailable(_message(PROVIDER_ERROR, f"http-{status}"))
        if status in (401, 403):
            raise OfficeAutomationRejected(_message(BAD_CREDENTIALS, f"http-{status}"))
        if status >= 400:
            raise OfficeAutomationRejected(_message(BAD_REQUEST, f"http-{status}"))
        try:
            answer = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            answer = None
        if not isinstance(answer, dict):
            raise OfficeAutomationUnavailable(_message(BAD_ANSWER, f"http-{status}"))
        return answer
