"""The console and file backends for development: nothing leaves the machine."""

from __future__ import annotations

import io
import json
from decimal import Decimal

from khedmat.notifications.providers.base import DeliveryStatus
from khedmat.notifications.providers.console import UNLIMITED_BALANCE, ConsoleBackend
from khedmat.notifications.providers.file import FileBackend


def test_console_prints_each_message_and_calls_it_delivered(caplog):
    stream = io.StringIO()
    backend = ConsoleBackend(stream=stream)

    text = backend.send("+989121234567", "کد شما ۱۲۳۴", local_id="5")
    code = backend.send_template("+989121234567", "verify", {"token": "1234"}, local_id="6")

    lines = stream.getvalue().splitlines()
    assert lines == [
        f"SMS {text.provider_id} to +989121234567 (local id 5): کد شما ۱۲۳۴",
        f"SMS {code.provider_id} to +989121234567 (local id 6): template verify [token=1234]",
    ]
    assert [record.getMessage() for record in caplog.records] == lines
    assert (text.status, code.status) == (DeliveryStatus.DELIVERED, DeliveryStatus.DELIVERED)
    assert text.provider_id != code.provider_id
    assert backend.status([text.provider_id]) == {text.provider_id: DeliveryStatus.DELIVERED}
    assert backend.balance() == UNLIMITED_BALANCE == Decimal("1000000000")


def test_file_appends_one_json_line_per_message(tmp_path):
    path = tmp_path / "sms" / "outbox.jsonl"
    backend = FileBackend(path=path, sender="1000")

    first = backend.send("+989121234567", "سلام", local_id="5")
    second = backend.send_template("+989121234568", "verify", {"token": "9"}, local_id="6")

    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [{k: v for k, v in r.items() if k != "time"} for r in records] == [
        {
            "id": first.provider_id,
            "to": "+989121234567",
            "text": "سلام",
            "local_id": "5",
            "sender": "1000",
        },
        {
            "id": second.provider_id,
            "to": "+989121234568",
            "template": "verify",
            "params": {"token": "9"},
            "local_id": "6",
        },
    ]
    assert "سلام" in path.read_text(encoding="utf-8")  # readable, not \u-escaped
    assert first.status == DeliveryStatus.DELIVERED
    assert backend.status([second.provider_id]) == {second.provider_id: DeliveryStatus.DELIVERED}


def test_file_defaults_to_var_sms_under_the_home(settings, tmp_path):
    settings.BASE_DIR = tmp_path

    FileBackend().send("+989121234567", "x", local_id="1")

    assert (tmp_path / "var" / "sms" / "outbox.jsonl").exists()
