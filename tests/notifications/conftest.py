"""Notifications fixtures: no quiet hours, the role permissions again, a stand-in record (the fake
SMS server and the providers are in tests/fixtures/notifications.py)."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts.models import User


@pytest.fixture(autouse=True)
def no_quiet_hours(settings: SettingsWrapper) -> None:
    """Tests run at any hour: quiet hours only where a test switches them on."""
    settings.KHEDMAT_QUIET_HOURS = "off"


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
