"""The fake SMS provider server: a WSGI app on 127.0.0.1 speaking all five providers' protocols."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

from khedmat.core.localserver import LocalServer
from khedmat.notifications.fake_sms.ghasedak import Ghasedak
from khedmat.notifications.fake_sms.ippanel import Ippanel
from khedmat.notifications.fake_sms.kavenegar import Kavenegar
from khedmat.notifications.fake_sms.magfa import Magfa
from khedmat.notifications.fake_sms.outbox import Outbox
from khedmat.notifications.fake_sms.smsir import Smsir
from khedmat.notifications.fake_sms.wire import Request, Response

FAKE_API_KEY = "fake-api-key"
FAKE_USERNAME = "khedmat"
FAKE_PASSWORD = "fake-password"  # noqa: S105  (the fake server's own)
FAKE_DOMAIN = "magfa"
FAKE_CREDIT = 150_000

#: Each provider's API base under the fake server's root, as its adapter's URL setting wants it.
BASE_PATHS = {
    "kavenegar": "/v1",
    "ghasedak": "/Rest/api/v1/WebService",
    "ippanel": "/v1",
    "magfa": "/api/http/sms/v2",
    "smsir": "/v1",
}
#: A sender line each fake provider accepts, in the form its adapter is configured with.
SENDERS = {
    "kavenegar": "10004346",
    "ghasedak": "30005088",
    "ippanel": "+983000505",
    "magfa": "30001234",
    "smsir": "30007732000000",
}

KAVENEGAR_PATH = re.compile(r"^/v1/([^/]+)/(\w+)/(\w+)\.json$")
GHASEDAK_PATH = re.compile(r"^/rest/api/v1/webservice/(\w+)$", re.IGNORECASE)

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class FakeSmsApp:
    """Routes provider paths to the fake providers; /_outbox, /_requests, /_reset, /_advance."""

    def __init__(
        self,
        *,
        api_key: str = FAKE_API_KEY,
        username: str = FAKE_USERNAME,
        password: str = FAKE_PASSWORD,
        domain: str = FAKE_DOMAIN,
        credit: int = FAKE_CREDIT,
        slow_seconds: float = 3.0,
    ) -> None:
        self.outbox = Outbox()
        self.api_key = api_key
        self.username = username
        self.password = password
        self.domain = domain
        self.credit = credit
        self.slow_seconds = slow_seconds
        self.stopping = threading.Event()
        self.empty_accounts: set[str] = set()
        self.kavenegar = Kavenegar(self)
        self.ghasedak = Ghasedak(self)
        self.ippanel = Ippanel(self)
        self.magfa = Magfa(self)
        self.smsir = Smsir(self)

    def stall(self) -> None:
        """Sleep past the client's timeout; a stopping server wakes at once."""
        self.stopping.wait(self.slow_seconds)

    def out_of_credit(self, provider: str) -> bool:
        """Whether this provider's account has no credit left (set with POST /_credit)."""
        return provider in self.empty_accounts

    def set_credit(self, provider: str, credit: int) -> None:
        """Empty (0) or refill one provider's account; every send to it then says no credit."""
        if credit > 0:
            self.empty_accounts.discard(provider)
        else:
            self.empty_accounts.add(provider)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request.from_environ(environ)
        self.outbox.begin_request()
        if not request.path.startswith("/_"):
            self.outbox.record_request(request.record())
        response = self.route(request)
        payload = response.payload()
        headers = [("Content-Type", response.content_type), ("Content-Length", str(len(payload)))]
        start_response(response.status_line(), headers)
        return [payload]

    def route(self, request: Request) -> Response:
        """The response to one request."""
        path = request.path
        if path.startswith("/_"):
            return self.control(request)
        if match := KAVENEGAR_PATH.match(path):
            return self.kavenegar.handle(request, *match.groups())
        if match := GHASEDAK_PATH.match(path):
            return self.ghasedak.handle(request, match.group(1))
        if path.startswith("/v1/api/"):
            return self.ippanel.handle(request, path.removeprefix("/v1/api"))
        if path.startswith("/api/http/sms/v2/"):
            return self.magfa.handle(request, path.removeprefix("/api/http/sms/v2"))
        if path.startswith("/v1/"):
            return self.smsir.handle(request, path.removeprefix("/v1"))
        return Response(404, {"error": f"no fake provider at {path}"})

    def control(self, request: Request) -> Response:
        """The test hooks."""
        if (request.method, request.path) == ("GET", "/_outbox"):
            return Response(200, self.outbox.snapshot())
        if (request.method, request.path) == ("GET", "/_requests"):
            return Response(200, self.outbox.request_log())
        if (request.method, request.path) == ("POST", "/_reset"):
            self.outbox.reset()
            self.empty_accounts.clear()
            return Response(200, {"reset": True})
        if (request.method, request.path) == ("POST", "/_advance"):
            return Response(200, {"advanced": self.outbox.advance()})
        if (request.method, request.path) == ("POST", "/_credit"):
            body = request.json() or {}
            self.set_credit(str(body.get("provider", "")), int(body.get("credit", 0)))
            return Response(200, {"empty": sorted(self.empty_accounts)})
        return Response(404, {"error": f"no control hook {request.method} {request.path}"})


class FakeSmsServer(LocalServer):
    """Start the fake providers in a thread: `with FakeSmsServer() as fake: fake.url …`."""

    app: FakeSmsApp

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **options: Any) -> None:
        super().__init__(FakeSmsApp(**options), host, port)

    def base_url(self, provider: str) -> str:
        """The URL setting that points one provider's adapter here."""
        return self.url + BASE_PATHS[provider]

    def backend_config(self, provider: str, *, timeout: float = 5.0) -> dict[str, Any]:
        """The KHEDMAT_SMS["config"] entry for one provider, pointed here with working credentials."""
        return {
            "url": self.base_url(provider),
            "api_key": self.app.api_key,
            "sender": SENDERS[provider],
            "username": self.app.username,
            "password": self.app.password,
            "domain": self.app.domain,
            "timeout": timeout,
        }

    def sms_settings(
        self,
        providers: list[str],
        otp_providers: list[str] | None = None,
        *,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """A whole KHEDMAT_SMS setting whose providers all talk to this server."""
        return {
            "providers": list(providers),
            "otp_providers": list(otp_providers if otp_providers is not None else providers),
            "config": {name: self.backend_config(name, timeout=timeout) for name in BASE_PATHS},
        }

    def outbox(self) -> list[dict[str, Any]]:
        """Every stored message (what GET /_outbox returns)."""
        return self.app.outbox.snapshot()

    def requests(self) -> list[dict[str, Any]]:
        """Every provider request seen, with lower-case headers (what GET /_requests returns)."""
        return self.app.outbox.request_log()

    def set_credit(self, provider: str, credit: int) -> None:
        """Empty (0) or refill one provider's account (POST /_credit)."""
        self.app.set_credit(provider, credit)

    def reset(self) -> None:
        """Forget messages and requests and refill every account (POST /_reset)."""
        self.app.outbox.reset()
        self.app.empty_accounts.clear()

    def advance(self) -> int:
        """Move queued messages to their final status (POST /_advance)."""
        return self.app.outbox.advance()
