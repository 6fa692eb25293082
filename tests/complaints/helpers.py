"""Helpers of the complaints tests: the complaints app's data rows again (a flush drops them)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import SimpleNamespace

from django.apps import apps
from django.db import connection

from khedmat.complaints.models import Complaint

#: file(**overrides): the citizen's complaint about the service, through the real service.
FileComplaint = Callable[..., Complaint]


def _editor() -> SimpleNamespace:
    return SimpleNamespace(connection=SimpleNamespace(alias=connection.alias))


def install_complaint_templates() -> None:
    """The rows the complaints SMS-templates migration writes (a flush drops them)."""
    migration = importlib.import_module("khedmat.complaints.migrations.0003_sms_templates")
    migration.add_templates(apps, _editor())


def grant_complaint_permissions() -> None:
    """The role groups' complaint permissions (a transactional test's flush drops them)."""
    migration = importlib.import_module("khedmat.complaints.migrations.0002_role_permissions")
    migration.grant_permissions(apps, _editor())
