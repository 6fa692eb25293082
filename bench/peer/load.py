"""The load tool of bench_peer.py, the same for both servers.

`run(operation, port, clients, ...)` forks `clients` client processes (a process each, so the
clients do not share one interpreter lock); each holds one keep-alive HTTP/1.1 connection
(http.client) and its own cookies, and starts its next operation as soon as the last one ended.
An operation is one or two requests (a form is fetched, then posted); it succeeds or raises
`Failure`. Only operations that start after the warm-up count; the rate is the successful
operations per second of the measured window.
"""

from __future__ import annotations

import http.client
import multiprocessing
import time
from collections import Counter
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

HOST = "127.0.0.1"
KEPT_TOKENS = 2000  # per client and run: what a later tracking run can look up


class Failure(Exception):
    """An operation that did not succeed: the status (or what was wrong) is the label."""

    def __init__(self, label: str) -> None:
        super().__init__(label)
        self.label = label


@dataclass
class Response:
    status: int
    headers: Message
    body: bytes

    def expect(self, *statuses: int) -> Response:
        if self.status not in statuses:
            raise Failure(str(self.status))
        return self


class Client:
    """One keep-alive connection with a cookie jar (name → value, as a browser keeps them)."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None) -> None:
        self.port = port
        self.cookies = dict(cookies or {})
        self.connection = http.client.HTTPConnection(HOST, port, timeout=30)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        try:
            self.connection.request(method, path, body=body, headers=sent)
            answer = self.connection.getresponse()
            payload = answer.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            raise
        for cookie in answer.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return Response(answer.status, answer.headers, payload)

    def close(self) -> None:
        self.connection.close()


class Operation:
    """What one client does, again and again; subclasses give `perform` (and `cookies`)."""

    name = "operation"

    def cookies(self, client: int) -> dict[str, str]:
        """The cookies a client starts with (a signed-in session, say)."""
        return {}

    def perform(self, conn: Client, client: int, number: int) -> Any:
        """One operation; what it returns (a tracking token) is kept for later runs."""
        raise NotImplementedError


@dataclass
class Result:
    seconds: float
    ok: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    tokens: list[Any] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds


def _client_loop(
    operation: Operation,
    port: int,
    client: int,
    measure_from: float,
    stop_at: float,
    results: Any,
) -> None:
    conn = Client(port, operation.cookies(client))
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    tokens: list[Any] = []
    number = 0
    while (began := time.monotonic()) < stop_at:
        number += 1
        try:
            token = operation.perform(conn, client, number)
            label = None
        except Failure as failure:
            token, label = None, failure.label
        except (OSError, http.client.HTTPException) as error:
            token, label = None, type(error).__name__
            conn = Client(port, conn.cookies)
        if began < measure_from:
            continue
        if label is not None:
            errors[label] += 1
            continue
        latencies.append(time.monotonic() - began)
        if token is not None and len(tokens) < KEPT_TOKENS:
            tokens.append(token)
    conn.close()
    results.put((latencies, dict(errors), tokens))


def run(operation: Operation, port: int, clients: int, *, duration: float, warmup: float) -> Result:
    """All clients on one operation; what the measured window saw."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start = time.monotonic() + 0.2
    measure_from = start + warmup
    stop_at = measure_from + duration
    processes = [
        context.Process(
            target=_client_loop, args=(operation, port, client, measure_from, stop_at, results)
        )
        for client in range(clients)
    ]
    for process in processes:
        process.start()
    result = Result(seconds=duration)
    for _ in processes:
        latencies, errors, tokens = results.get()
        result.ok += len(latencies)
        result.latencies += latencies
        result.errors.update(errors)
        result.tokens += tokens
    for process in processes:
        process.join()
    return result


def smoke(operation: Operation, port: int) -> Any:
    """One operation by one client in this process: a setup check; raises Failure."""
    conn = Client(port, operation.cookies(0))
    try:
        return operation.perform(conn, 0, 0)
    finally:
        conn.close()


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
