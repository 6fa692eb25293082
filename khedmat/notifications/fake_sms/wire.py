"""The fake server's view of HTTP: a parsed request and a response, over plain WSGI."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Request:
    """One HTTP request: method, path, query, lower-case headers and the raw body."""

    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        """Read a WSGI environ."""
        headers = {
            key[5:].replace("_", "-").lower(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers[key.replace("_", "-").lower()] = str(environ[key])
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace")
        return cls(
            method=environ.get("REQUEST_METHOD", "GET").upper(),
            path=path,
            query=parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            headers=headers,
            body=body,
        )

    def json(self) -> Any:
        """The body as JSON, or None."""
        try:
            return json.loads(self.body.decode("utf-8")) if self.body else None
        except (ValueError, UnicodeDecodeError):
            return None

    def form(self) -> dict[str, str]:
        """The body as a form (last value of each field), merged over the query string."""
        fields = {key: values[-1] for key, values in self.query.items()}
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        fields.update({key: values[-1] for key, values in parsed.items()})
        return fields

    def arg(self, name: str) -> str:
        """The last query-string value of `name`, or ""."""
        values = self.query.get(name)
        return values[-1] if values else ""

    def basic_auth(self) -> tuple[str, str] | None:
        """(user, password) of an `Authorization: Basic` header."""
        scheme, _, value = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(value).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return user, password

    def record(self) -> dict[str, Any]:
        """The request as stored and shown by /_requests."""
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "body": self.body.decode("utf-8", "replace"),
        }


@dataclass
class Response:
    """A status and a JSON (or text) body."""

    status: int = 200
    body: Any = None
    content_type: str = "application/json; charset=utf-8"

    def status_line(self) -> str:
        """e.g. "418 I'm a Teapot"; codes Python does not know get a generic phrase."""
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = "Error"
        return f"{self.status} {phrase}"

    def payload(self) -> bytes:
        """The encoded body."""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


def text(status: int, body: str) -> Response:
    """A plain-text response (what a proxy in front of a provider says on a 500)."""
    return Response(status, body, "text/plain; charset=utf-8")
