"""Development backend: prints each message to standard output and logs it; nothing leaves the host.

The printed line is the developer's phone and shows the whole text; the log line masks a message's
secret (a login code, a survey link), because logs are kept and shipped.
"""

from __future__ import annotations

import itertools
import logging
import sys
import threading
from decimal import Decimal
from typing import ClassVar, TextIO

from khedmat.notifications.providers.base import DeliveryStatus, LocalSmsBackend, SmsResult

logger = logging.getLogger("khedmat.sms")

#: What the development backends report as their balance: they never run out.
UNLIMITED_BALANCE = Decimal("1000000000")


class ConsoleBackend(LocalSmsBackend):
    """Writes `SMS to +98…: text` to a stream (stdout by default); every message is delivered."""

    name = "console"
    required_settings: ClassVar[tuple[str, ...]] = ()
    _ids = itertools.count(1)
    _lock = threading.Lock()

    def __init__(self, *, stream: TextIO | None = None, sender: str = "", **_: object) -> None:
        self.stream = stream
        self.sender = sender

    def next_id(self) -> str:
        """A process-unique message id."""
        with self._lock:
            return f"console-{next(self._ids)}"

    def emit(self, line: str, *, logged: str | None = None) -> None:
        """Print one line and log it (or `logged`, the line with its secret masked)."""
        stream = self.stream or sys.stdout
        with self._lock:
            stream.write(line + "\n")
            stream.flush()
        logger.info("%s", line if logged is None else logged)

    def send(
        self,
        to: str,
        text: str,
        *,
        local_id: str,
        sender: str | None = None,
        shown: str | None = None,
    ) -> SmsResult:
        """Print the text; log `shown` instead when the text holds a secret."""
        provider_id = self.next_id()
        head = f"SMS {provider_id} to {to} (local id {local_id}): "
        self.emit(head + text, logged=None if shown is None else head + shown)
        return SmsResult(provider_id=provider_id, status=DeliveryStatus.DELIVERED)

    def send_template(
        self,
        to: str,
        template: str,
        params: dict[str, str],
        *,
        local_id: str,
        shown: dict[str, str] | None = None,
    ) -> SmsResult:
        """Print the template name and its values; log `shown` values when they hold a secret."""
        provider_id = self.next_id()
        head = f"SMS {provider_id} to {to} (local id {local_id}): template {template} "
        logged = None if shown is None else head + _values(shown)
        self.emit(head + _values(params), logged=logged)
        return SmsResult(provider_id=provider_id, status=DeliveryStatus.DELIVERED)

    def status(self, provider_ids: list[str]) -> dict[str, DeliveryStatus]:
        """Everything printed counts as delivered."""
        return dict.fromkeys(provider_ids, DeliveryStatus.DELIVERED)

    def balance(self) -> Decimal:
        """Never runs out."""
        return UNLIMITED_BALANCE


def _values(params: dict[str, str]) -> str:
    return "[" + ", ".join(f"{key}={value}" for key, value in params.items()) + "]"
