"""The Pwned Passwords range API (https://haveibeenpwned.com/API/v3#PwnedPasswords) in a thread:
GET /range/<5 hex digits> answers "SUFFIX:COUNT" lines for the breached passwords of that prefix,
padded with zero-count lines as the real service does when asked with `Add-Padding: true`."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

from khedmat.core.localserver import LocalServer

RANGE_PATH = re.compile(r"^/range/([0-9A-Fa-f]{5})$")
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class FakePwnedApp:
    """The corpus is `breach(password, count)` calls; `seen` keeps every path asked for."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.seen: list[dict[str, str]] = []
        self.failing = False

    def breach(self, password: str, count: int = 1) -> None:
        digest = hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()
        with self.lock:
            self.counts[digest] = count

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        with self.lock:
            self.seen.append({"path": path, "padding": environ.get("HTTP_ADD_PADDING", "")})
        match = RANGE_PATH.match(path)
        if self.failing:
            return self._answer(start_response, "503 Service Unavailable", b"unavailable")
        if match is None:
            return self._answer(start_response, "400 Bad Request", b"The hash prefix was not valid")
        prefix = match.group(1).upper()
        with self.lock:
            lines = [
                f"{digest[5:]}:{count}"
                for digest, count in self.counts.items()
                if digest.startswith(prefix)
            ]
        lines += [f"{index:035X}:0" for index in range(3)]  # padding
        return self._answer(start_response, "200 OK", "\r\n".join(lines).encode("ascii"))

    @staticmethod
    def _answer(start_response: StartResponse, status: str, body: bytes) -> Iterable[bytes]:
        headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
        start_response(status, headers)
        return [body]


class FakePwnedServer(LocalServer):
    """`with FakePwnedServer() as fake: settings.KHEDMAT_BREACHED_PASSWORD_URL = fake.range_url`."""

    app: FakePwnedApp

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(FakePwnedApp(), host, port)

    @property
    def range_url(self) -> str:
        return f"{self.url}/range/"

    def breach(self, password: str, count: int = 1) -> None:
        self.app.breach(password, count)

    def paths(self) -> list[str]:
        with self.app.lock:
            return [request["path"] for request in self.app.seen]
