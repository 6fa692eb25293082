"""The fake server's memory: every message it accepted and every request it saw, thread-safe."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

#: Recipient endings (last four digits) that make every fake provider misbehave, §3.6.
NO_CREDIT = "0418"
INVALID_RECEPTOR = "0411"
BAD_TOKEN = "0431"  # noqa: S105  (a number ending, not a secret)
SERVER_ERROR = "0500"
BUSY = "0409"
SLOW = "0408"
BLOCKED_AFTER_SEND = "0014"
#: SMS.ir only: a blacklisted mobile (115 from send/verify, a 0 id from send/bulk).
BLACKLISTED = "0115"
UNDELIVERED_AFTER_SEND = "0011"

#: Generic stages a fake message moves through; each provider renders its own code for them.
QUEUED = "queued"
DELIVERED = "delivered"
UNDELIVERED = "undelivered"
BLOCKED = "blocked"
FAILED = "failed"


def last_four(recipient: str) -> str:
    """The last four digits of a number in any format."""
    digits = "".join(character for character in recipient if character.isdigit())
    return digits[-4:]


@dataclass
class FakeMessage:
    """One message a fake provider accepted."""

    id: int
    provider: str
    recipient: str
    sender: str = ""
    text: str | None = None
    template: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    local_id: str | None = None
    status: str = QUEUED
    cost: int = 0
    #: IPPanel only: the bulk was accepted, then failed for lack of credit (state_id 8).
    no_credit: bool = False
    created: float = field(default_factory=time.time)
    request: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The /_outbox entry."""
        return asdict(self)


class Outbox:
    """Messages and requests of all five fake providers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[FakeMessage] = []
        self.requests: list[dict[str, Any]] = []
        self.ids = itertools.count(1_000_001)
        # A request that began before the last reset (one stalled past its client's timeout)
        # must not store its message into the next test's outbox.
        self.generation = 0
        self.local = threading.local()

    def begin_request(self) -> None:
        """Note which reset generation the current thread's request belongs to."""
        self.local.generation = self.generation

    def record_request(self, request: dict[str, Any]) -> None:
        """Keep one request as seen on the wire."""
        with self.lock:
            self.requests.append(request)

    def add(self, provider: str, recipient: str, **fields: Any) -> FakeMessage:
        """Store a new message with the next id."""
        with self.lock:
            message = FakeMessage(
                id=next(self.ids), provider=provider, recipient=recipient, **fields
            )
            if getattr(self.local, "generation", self.generation) == self.generation:
                self.messages.append(message)
            return message

    def find(self, provider: str, message_id: object) -> FakeMessage | None:
        """The provider's message with this id, if any."""
        with self.lock:
            for message in self.messages:
                if message.provider == provider and str(message.id) == str(message_id):
                    return message
        return None

    def find_local(self, provider: str, local_id: str) -> FakeMessage | None:
        """The provider's message sent under this client id, if any."""
        with self.lock:
            for message in self.messages:
                if message.provider == provider and message.local_id == local_id:
                    return message
        return None

    def advance(self) -> int:
        """Queued messages reach their end: delivered, or blocked/undelivered for injected numbers."""
        moved = 0
        with self.lock:
            for message in self.messages:
                if message.status != QUEUED:
                    continue
                ending = last_four(message.recipient)
                if ending == BLOCKED_AFTER_SEND:
                    message.status = BLOCKED
                elif ending == UNDELIVERED_AFTER_SEND:
                    message.status = UNDELIVERED
                else:
                    message.status = DELIVERED
                moved += 1
        return moved

    def reset(self) -> None:
        """Forget every message and request."""
        with self.lock:
            self.generation += 1
            self.messages.clear()
            self.requests.clear()

    def snapshot(self) -> list[dict[str, Any]]:
        """All messages as plain dicts, oldest first."""
        with self.lock:
            return [message.as_dict() for message in self.messages]

    def request_log(self) -> list[dict[str, Any]]:
        """All provider requests, oldest first."""
        with self.lock:
            return [dict(request) for request in self.requests]
