"""Helpers of the retention tests: the moment they run at, the shipped rules, a run."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from types import SimpleNamespace

from django.apps import apps
from django.db import connection

from khedmat.retention.choices import RunTrigger
from khedmat.retention.models import RetentionRule, RetentionRun
from khedmat.tickets.models import Ticket

#: closed_request(days_ago=...) (the fixture of conftest.py)
ClosedRequest = Callable[..., Ticket]
NOW = dt.datetime(2031, 6, 1, 8, 30, tzinfo=dt.UTC)


def rule(data_class: str) -> RetentionRule:
    """The shipped default rule of a class."""
    return RetentionRule.objects.get(data_class=data_class, service=None)


def new_run() -> RetentionRun:
    return RetentionRun.objects.create(trigger=RunTrigger.COMMAND, job_id="job-1")


def install_default_rules() -> None:
    """The rules the data migration ships (a transactional test's flush drops them)."""
    migration = importlib.import_module(
        "khedmat.retention.migrations.0002_default_rules_and_permissions"
    )
    migration.add_rules(apps, SimpleNamespace(connection=SimpleNamespace(alias=connection.alias)))
