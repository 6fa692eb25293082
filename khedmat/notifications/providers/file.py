"""Development backend: appends each message as one JSON line to a file (var/sms/outbox.jsonl).

The file is kept, so a message's secret (a login code, a survey link) is written masked, with
`"masked": true`; read codes from the console backend or the fake SMS server instead.
"""

from __future__ import annotations

import json
import threading
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.utils import timezone

from khedmat.notifications.providers.base import DeliveryStatus, LocalSmsBackend, SmsResult
from khedmat.notifications.providers.console import UNLIMITED_BALANCE


def default_outbox_path() -> Path:
    """var/sms/outbox.jsonl under the Khedmat home."""
    return Path(settings.BASE_DIR) / "var" / "sms" / "outbox.jsonl"


class FileBackend(LocalSmsBackend):
    """One JSON object a line: id, time, to, text or template and params, local id, sender."""

    name = "file"
    required_settings: ClassVar[tuple[str, ...]] = ()
    _lock = threading.Lock()

    def __init__(self, *, path: str | Path = "", sender: str = "", **_: object) -> None:
        self.path = Path(path) if path else default_outbox_path()
        self.sender = sender

    def append(self, record: dict[str, Any]) -> SmsResult:
        """Write one line (one write call, so concurrent appends do not interleave) and return it."""
        provider_id = f"file-{uuid.uuid4().hex}"
        line = {"id": provider_id, "time": timezone.now().isoformat(), **record}
        data = json.dumps(line, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(data)
        return SmsResult(provider_id=provider_id, status=DeliveryStatus.DELIVERED, raw=line)

    def send(
        self,
        to: str,
        text: str,
        *,
        local_id: str,
        sender: str | None = None,
        shown: str | None = None,
    ) -> SmsResult:
        """Append the text (masked when it holds a secret)."""
        record: dict[str, Any] = {
            "to": to,
            "text": text if shown is None else shown,
            "local_id": local_id,
            "sender": sender or self.sender,
        }
        if shown is not None:
            record["masked"] = True
        return self.append(record)

    def send_template(
        self,
        to: str,
        template: str,
        params: dict[str, str],
        *,
        local_id: str,
        shown: dict[str, str] | None = None,
    ) -> SmsResult:
        """Append the template name and values (masked when they hold a secret)."""
        record: dict[str, Any] = {
            "to": to,
            "template": template,
            "params": params if shown is None else shown,
            "local_id": local_id,
        }
        if shown is not None:
            record["masked"] = True
        return self.append(record)

    def status(self, provider_ids: list[str]) -> dict[str, DeliveryStatus]:
        """Everything written counts as delivered."""
        return dict.fromkeys(provider_ids, DeliveryStatus.DELIVERED)

    def balance(self) -> Decimal:
        """Never runs out."""
        return UNLIMITED_BALANCE
