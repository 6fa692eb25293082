"""Notifications test helpers: a fake SMS server per test, default templates, a stand-in record."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, transaction
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts.models import User
from khedmat.core.services import record_activity
from khedmat.notifications import services
from khedmat.notifications.choices import MessageKind
from khedmat.notifications.fake_sms import FakeSmsServer
from khedmat.notifications.models import Message
from tests.jobs.conftest import make_worker

# Numbers whose last four digits make the fake providers misbehave (requirements §3.6).
GOOD_MOBILE = "+989121234567"
NO_CREDIT_MOBILE = "+989121230418"
INVALID_MOBILE = "+989121230411"
BAD_TOKEN_MOBILE = "+989121230431"
BLOCKED_MOBILE = "+989121230014"
ERROR_500_MOBILE = "+989121230500"
SLOW_MOBILE = "+989121230408"


@pytest.fixture(autouse=True)
def no_quiet_hours(settings: SettingsWrapper) -> None:
    """Tests run at any hour: quiet hours only where a test switches them on."""
    settings.KHEDMAT_QUIET_HOURS = "off"


@pytest.fixture
def fake_sms() -> Iterator[FakeSmsServer]:
    """A fresh fake SMS server on 127.0.0.1 for one test."""
    server = FakeSmsServer(slow_seconds=2.0).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def use_providers(
    settings: SettingsWrapper, fake_sms: FakeSmsServer, tmp_path: Path
) -> Callable[..., dict[str, Any]]:
    """use_providers("kavenegar", "file", otp=[...], kavenegar={...}) points KHEDMAT_SMS at the fake."""

    def configure(*names: str, otp: list[str] | None = None, **overrides: Any) -> dict[str, Any]:
        sms = fake_sms.sms_settings(list(names), otp, timeout=5.0)
        sms["config"]["file"] = {"path": str(tmp_path / "sms-outbox.jsonl")}
        sms["config"]["console"] = {}
        for name, config in overrides.items():
            sms["config"][name] = {**sms["config"][name], **config}
        settings.KHEDMAT_SMS = sms
        return sms

    return configure


def install_default_templates() -> None:
    """The rows the default-templates migration writes (a transactional test's flush drops them)."""
    migration = importlib.import_module("khedmat.notifications.migrations.0003_default_templates")
    editor = SimpleNamespace(connection=SimpleNamespace(alias=connection.alias))
    migration.add_templates(apps, editor)


@pytest.fixture
def templates(db: None) -> None:
    install_default_templates()


@pytest.fixture
def role_permissions(db: None) -> None:
    """The role groups' notifications permissions again (a transactional test's flush drops them)."""
    migration = importlib.import_module("khedmat.notifications.migrations.0002_role_permissions")
    editor = SimpleNamespace(connection=SimpleNamespace(alias=connection.alias))
    migration.grant_permissions(apps, editor)


@pytest.fixture
def record(applicant: User) -> User:
    """A stand-in for a service request: any saved model can own messages and a timeline."""
    return applicant


def change_stage(
    record: Any, stage: str, *, recipient: Any, number: int, actor: Any = None
) -> Message:
    """What the process engine will do: the stage change, its Activity and its SMS, one transaction."""
    with transaction.atomic():
        record_activity(record, "stage.changed", actor=actor, new=stage, public=True)
        return services.notify(
            "stage_changed",
            record=record,
            recipient=recipient,
            language="fa",
            context={
                "tracking_code": "140312345678",
                "service_title": "پروانه کسب",
                "stage": stage,
                "link": "https://khedmat.example.ir/track/140312345678",
            },
            kind=MessageKind.TRANSACTIONAL,
            actor=actor,
            idempotency_key=f"stage:{record.pk}:{number}",
        )


def run_worker() -> None:
    """Run every ready job in this process (batch mode, no tick), as `khedmat worker --batch`."""
    make_worker().run()
