"""The fake agency (GSB-style inquiries) and fake office automation, each a WSGI app in a thread."""

from __future__ import annotations

import datetime as dt
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import Any

from khedmat.core.localserver import LocalServer
from khedmat.notifications.fake_sms.wire import Request, Response, text

FAKE_API_KEY = "fake-agency-key"
API_KEY_HEADER = "x-api-key"

NOT_FOUND = "0000"
SERVER_ERROR = "0500"
SLOW = "0408"
BAD_KEY = "0401"

INQUIRY_PATH = re.compile(r"^/inquiry/(\w+)$")
NATIONAL_CODE = re.compile(r"^\d{10}$")
MOBILE = re.compile(r"^09\d{9}$")
LETTER_ROUTE = ("registered", "in_review", "signed")

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class _FakeApp(ABC):
    """What both fakes share: the key, a request log, a stall that a stopping server cuts short."""

    def __init__(self, *, api_key: str = FAKE_API_KEY, slow_seconds: float = 3.0) -> None:
        self.api_key = api_key
        self.slow_seconds = slow_seconds
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.seen: list[dict[str, Any]] = []

    def stall(self) -> None:
        """Sleep past the client's timeout; a stopping server wakes at once."""
        self.stopping.wait(self.slow_seconds)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request.from_environ(environ)
        with self.lock:
            self.seen.append(request.record())
        response = self.route(request)
        payload = response.payload()
        headers = [("Content-Type", response.content_type), ("Content-Length", str(len(payload)))]
        start_response(response.status_line(), headers)
        return [payload]

    @abstractmethod
    def route(self, request: Request) -> Response:
        """The answer of this fake to one request."""

    def requests(self) -> list[dict[str, Any]]:
        """Every request seen, with lower-case headers."""
        with self.lock:
            return list(self.seen)


class FakeAgencyApp(_FakeApp):
    """POST /inquiry/<kind> with JSON {"national_code": …} (identity), {"postal_code": …}, or
    {"national_code": …, "mobile": "09…"} (mobile_ownership, a Shahkar-style check)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        #: The mobile lines registered to a national code (mobile_ownership); set by tests.
        self.mobile_owners: dict[str, set[str]] = {}

    def register_mobile(self, national_code: str, mobile: str) -> None:
        """Register a line (09…) to a national code: from now on only its lines match it."""
        with self.lock:
            self.mobile_owners.setdefault(national_code, set()).add(mobile)

    def route(self, request: Request) -> Response:
        match = INQUIRY_PATH.match(request.path)
        if request.method != "POST" or match is None:
            return Response(404, {"code": "no-such-service", "message": request.path})
        if request.headers.get(API_KEY_HEADER) != self.api_key:
            return Response(401, {"code": "invalid-key", "message": "کلید دسترسی نامعتبر است"})
        body = request.json()
        if not isinstance(body, dict):
            return Response(400, {"code": "invalid-body", "message": "JSON object expected"})
        kind = match.group(1)
        if kind == "identity":
            return self.identity(str(body.get("national_code", "")))
        if kind == "postal_code":
            return self.postal_code(str(body.get("postal_code", "")))
        if kind == "mobile_ownership":
            return self.mobile_ownership(
                str(body.get("national_code", "")), str(body.get("mobile", ""))
            )
        return Response(404, {"code": "no-such-service", "message": kind})

    #: Set by a test to make every inquiry time out (an outage), cleared to answer again.
    outage = False

    def misbehave(self, value: str) -> Response | None:
        """The injected failures, by the last four digits of the input (or all, in an outage)."""
        ending = value[-4:]
        if self.outage or ending == SLOW:
            self.stall()
        if ending == SERVER_ERROR:
            return text(500, "Internal Server Error")
        if ending == BAD_KEY:
            return Response(401, {"code": "invalid-key", "message": "کلید دسترسی نامعتبر است"})
        if ending == NOT_FOUND:
            return Response(404, {"result": "not_found"})
        return None

    def identity(self, national_code: str) -> Response:
        """The civil registry's answer: name and birth date."""
        if not NATIONAL_CODE.match(national_code):
            return Response(400, {"code": "invalid-national-code", "message": national_code})
        if failure := self.misbehave(national_code):
            return failure
        return Response(
            200,
            {
                "result": "found",
                "data": {
                    "national_code": national_code,
                    "first_name": "سارا",
                    "last_name": "محمدی",
                    "father_name": "علی",
                    "birth_date": "1370/06/15",
                    "alive": True,
                },
            },
        )

    def mobile_ownership(self, national_code: str, mobile: str) -> Response:
        """Whether the line is registered to the national code. A code with lines registered by
        register_mobile matches only those; any other code matches every line (the demo's)."""
        if not NATIONAL_CODE.match(national_code) or not MOBILE.match(mobile):
            return Response(400, {"code": "invalid-parameters", "message": national_code})
        if failure := self.misbehave(national_code):
            return failure
        with self.lock:
            lines = self.mobile_owners.get(national_code)
            matched = lines is None or mobile in lines
        return Response(200, {"result": "found", "data": {"matched": matched}})

    def postal_code(self, postal_code: str) -> Response:
        """The post company's answer: the address of a 10-digit postal code."""
        if not NATIONAL_CODE.match(postal_code):
            return Response(400, {"code": "invalid-postal-code", "message": postal_code})
        if failure := self.misbehave(postal_code):
            return failure
        return Response(
            200,
            {
                "result": "found",
                "data": {
                    "postal_code": postal_code,
                    "province": "تهران",
                    "city": "تهران",
                    "street": "خیابان آزادی",
                    "alley": "کوچه ۱۲",
                    "number": "۸",
                    "floor": "۲",
                },
            },
        )


class FakeOfficeApp(_FakeApp):
    """POST /letters registers a letter; GET /letters/<number> moves it one step and answers."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.letters: dict[str, dict[str, Any]] = {}
        self.by_reference: dict[str, str] = {}
        self.sequence = 100

    def route(self, request: Request) -> Response:
        if request.headers.get(API_KEY_HEADER) != self.api_key:
            return Response(401, {"code": "invalid-key"})
        if (request.method, request.path) == ("POST", "/letters"):
            return self.create(request.json())
        if request.method == "GET" and request.path.startswith("/letters/"):
            return self.status(request.path.removeprefix("/letters/"))
        return Response(404, {"code": "not-found", "message": request.path})

    def create(self, body: Any) -> Response:
        """A new letter number like 1405/123/45 and today's date; injected failures by subject."""
        if not isinstance(body, dict) or not str(body.get("subject", "")).strip():
            return Response(400, {"code": "invalid-letter", "message": "subject required"})
        subject = str(body["subject"])
        if "[timeout]" in subject:
            self.stall()
        if "[500]" in subject:
            return text(500, "Internal Server Error")
        if "[reject]" in subject:
            return Response(422, {"code": "rejected", "message": "نامه پذیرفته نشد"})
        reference = str(body.get("reference") or "")
        today = dt.date.today().isoformat()  # noqa: DTZ011  (the fake office's own local day)
        with self.lock:
            known = self.letters.get(self.by_reference.get(reference, "")) if reference else None
            if known is not None:
                return Response(200, dict(known))
            self.sequence += 1
            number = f"1405/{self.sequence}/{len(self.letters) % 90 + 10}"
            self.letters[number] = {
                "number": number,
                "subject": subject,
                "status": LETTER_ROUTE[0],
                "date": today,
                "reference": reference,
            }
            if reference:
                self.by_reference[reference] = number
        return Response(201, {"number": number, "date": today, "status": LETTER_ROUTE[0]})

    def status(self, number: str) -> Response:
        """Each poll moves the letter one step along the route, then it stays signed."""
        with self.lock:
            letter = self.letters.get(number)
            if letter is None:
                return Response(404, {"code": "unknown-letter", "message": number})
            position = LETTER_ROUTE.index(letter["status"])
            letter["status"] = LETTER_ROUTE[min(position + 1, len(LETTER_ROUTE) - 1)]
            return Response(200, {"number": number, "status": letter["status"]})


class _FakeServer(LocalServer):
    """Serve one fake app on 127.0.0.1 in a daemon thread: `with FakeXServer() as fake: fake.url`."""

    def __init__(self, app: _FakeApp, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(app, host, port)

    def requests(self) -> list[dict[str, Any]]:
        """Every request the fake saw."""
        return self.app.requests()


class FakeAgencyServer(_FakeServer):
    """The fake GSB-style inquiry provider."""

    app: FakeAgencyApp

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **options: Any) -> None:
        super().__init__(FakeAgencyApp(**options), host, port)

    def provider_config(self, *, timeout: float = 5.0) -> dict[str, Any]:
        """The KHEDMAT_INQUIRY["config"]["gsb"] entry pointing here with the right key."""
        return {"url": self.url, "api_key": self.app.api_key, "timeout": timeout}


class FakeOfficeServer(_FakeServer):
    """The fake REST office automation."""

    app: FakeOfficeApp

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **options: Any) -> None:
        super().__init__(FakeOfficeApp(**options), host, port)

    def office_settings(self, *, timeout: float = 5.0) -> dict[str, Any]:
        """A whole KHEDMAT_OFFICE_AUTOMATION setting pointing here."""
        return {
            "provider": "rest",
            "url": self.url,
            "api_key": self.app.api_key,
            "timeout": timeout,
        }
