"""Calendars fixtures: a fresh calendar cache, the seeded scopes, a recording listener."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from khedmat.calendars.listeners import (
    CalendarChange,
    on_calendar_change,
    remove_calendar_change_listener,
)
from khedmat.calendars.queries import clear_calendar_cache


@pytest.fixture(autouse=True)
def fresh_calendar_cache() -> Iterator[None]:
    clear_calendar_cache()
    yield
    clear_calendar_cache()


@pytest.fixture
def changes() -> Iterator[list[CalendarChange]]:
    """Every CalendarChange the listeners are told of during the test."""
    seen: list[CalendarChange] = []

    def record(change: CalendarChange) -> None:
        seen.append(change)

    on_calendar_change(record)
    yield seen
    remove_calendar_change_listener(record)


@pytest.fixture
def scopes(db):  # type: ignore[no-untyped-def]
    """The seeded national scope and two provinces."""
    from khedmat.calendars.models import CalendarScope

    return {
        "iran": CalendarScope.objects.get(kind="national", code="IR"),
        "tehran": CalendarScope.objects.get(kind="province", code="ir-tehran"),
        "isfahan": CalendarScope.objects.get(kind="province", code="ir-isfahan"),
    }
