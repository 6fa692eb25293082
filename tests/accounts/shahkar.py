"""The fake mobile-line registry (the fake agency's mobile_ownership inquiry) and the check job.

Import the fixture where needed: `from tests.accounts.shahkar import mobile_registry`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.integrations.fake_agency import FakeAgencyServer


@pytest.fixture
def mobile_registry(settings: SettingsWrapper) -> Iterator[FakeAgencyServer]:
    """The fake agency on 127.0.0.1 answering mobile_ownership; `.app.register_mobile(code, 09…)`
    ties a national code to its lines (a code with none registered matches any line)."""
    server = FakeAgencyServer(slow_seconds=2.0)
    server.start()
    cache.clear()  # cached answers and breaker state belong to one test
    settings.KHEDMAT_INQUIRY = {
        "providers": {"mobile_ownership": "gsb"},
        "config": {"gsb": server.provider_config(timeout=0.5)},
        "default_cache_seconds": 600,
        "cache_seconds": {},
        "breaker": {"failures": 3, "window_seconds": 60, "cooldown_seconds": 60},
    }
    try:
        yield server
    finally:
        server.stop()
        cache.clear()


def queued_checks() -> list[DBTaskResult]:
    """The national-code check jobs waiting in the queue, oldest first."""
    rows = DBTaskResult.objects.filter(task_path__endswith=".verify_national_code_task")
    return list(rows.order_by("enqueued_at", "id"))


def run_national_code_checks() -> list[Any]:
    """Run the waiting check jobs in this process, as the worker would, and drop them."""
    results = []
    for row in queued_checks():
        args = row.args_kwargs
        row.delete()
        results.append(row.task.call(*args["args"], **args["kwargs"]))
    return results
