"""khedmat.core.dbbackend: a kept PostgreSQL connection is checked once in a while, not before
every request, and a connection the server dropped still recovers."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import Error, connection, connections

from khedmat.core.dbbackend import base as dbbase

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend"),
]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(dbbase, "time", fake)
    return fake


@pytest.fixture
def kept(settings: Any) -> Any:
    """A second connection to the test database, kept between requests with health checks on."""
    settings.KHEDMAT_DB_CHECK_SECONDS = 10
    wrapper = dbbase.DatabaseWrapper(
        {**connection.settings_dict, "CONN_MAX_AGE": None, "CONN_HEALTH_CHECKS": True},
        alias="kept",
    )
    yield wrapper
    wrapper.close()


def request(wrapper: Any) -> Any:
    """What Django does around a request that reads one row."""
    wrapper.close_if_unusable_or_obsolete()  # request_started
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    wrapper.close_if_unusable_or_obsolete()  # request_finished
    return pid


def count_checks(wrapper: Any, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    checks: list[bool] = []
    usable = wrapper.is_usable

    def spy() -> bool:
        result = usable()
        checks.append(result)
        return bool(result)

    monkeypatch.setattr(wrapper, "is_usable", spy)
    return checks


def test_the_settings_use_this_backend_on_postgresql():
    assert isinstance(connections["default"], dbbase.DatabaseWrapper)


def test_a_kept_connection_is_checked_once_per_interval(kept, clock, monkeypatch):
    checks = count_checks(kept, monkeypatch)
    first = request(kept)  # connects: nothing to check
    clock.now += 5
    assert request(kept) == first
    assert checks == []  # connected 5 s ago: trusted
    clock.now += 6
    assert request(kept) == first
    assert checks == [True]  # 11 s: checked once, then trusted again
    clock.now += 9
    request(kept)
    assert checks == [True]


def test_zero_seconds_checks_before_every_request(kept, clock, monkeypatch, settings):
    settings.KHEDMAT_DB_CHECK_SECONDS = 0
    checks = count_checks(kept, monkeypatch)
    request(kept)
    request(kept)
    request(kept)
    assert checks == [True, True]


def _terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_connection_dropped_while_idle_is_replaced_after_the_interval(kept, clock):
    first = request(kept)
    _terminate(first)
    clock.now += 11
    second = request(kept)  # the check fails: a new connection, no error
    assert second != first


def test_a_connection_dropped_inside_the_interval_fails_one_request_only(kept, clock):
    first = request(kept)
    _terminate(first)
    clock.now += 1
    with pytest.raises(Error):
        request(kept)
    kept.close_if_unusable_or_obsolete()  # request_finished after the error: closed
    assert request(kept) != first
