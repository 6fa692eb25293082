"""Conflicts between planned changes: the same CI, a dependent CI, and none when windows only
touch end to start."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from khedmat.changes.choices import ChangeStatus
from khedmat.changes.conflicts import (
    DEPENDS_ON_THIS,
    SAME_CI,
    THIS_DEPENDS_ON,
    Conflict,
    conflicts_between,
    conflicts_for,
)
from khedmat.changes.models import Change
from khedmat.changes.queries import changes_in_month
from khedmat.cmdb.models import ConfigurationItem
from tests.changes.conftest import END, START, MakeChange

HOUR = dt.timedelta(hours=1)


def summary(conflicts: list[Conflict]) -> list[tuple[str, str, str, dt.datetime, dt.datetime]]:
    return [(c.other.title, c.item.code, c.kind, c.overlap_start, c.overlap_end) for c in conflicts]


@pytest.fixture
def planned(make_change: MakeChange, cmdb: dict[str, ConfigurationItem]) -> Any:
    """planned(title, key, start, end) -> a scheduled change on that CI."""

    def make(title: str, key: str, start: dt.datetime = START, end: dt.datetime = END) -> Change:
        return make_change(
            ChangeStatus.SCHEDULED, title=title, items=[cmdb[key]], start=start, end=end
        )

    return make


def test_same_ci_in_overlapping_windows_conflicts(planned: Any) -> None:
    one = planned("one", "db")
    two = planned("two", "db", START + HOUR, END + HOUR)
    assert summary(conflicts_for(one)) == [("two", "db-01", SAME_CI, START + HOUR, END)]
    assert summary(conflicts_for(two)) == [("one", "db-01", SAME_CI, START + HOUR, END)]


def test_dependent_ci_conflicts_both_ways(planned: Any) -> None:
    database = planned("database", "db")
    application = planned("application", "app")
    assert summary(conflicts_for(database)) == [
        ("application", "portal-app", DEPENDS_ON_THIS, START, END)
    ]
    assert summary(conflicts_for(application)) == [
        ("database", "db-01", THIS_DEPENDS_ON, START, END)
    ]
    assert conflicts_for(database)[0].label == "Depends on a configuration item of this change"


def test_a_ci_two_steps_away_conflicts(planned: Any) -> None:
    database = planned("database", "db")
    planned("report", "report")  # report-app depends on portal-app, which runs on db-01
    assert [(c.item.code, c.kind) for c in conflicts_for(database)] == [
        ("report-app", DEPENDS_ON_THIS)
    ]


def test_windows_touching_end_to_start_do_not_conflict(planned: Any) -> None:
    one = planned("one", "db")
    planned("after", "db", END, END + HOUR)
    planned("before", "app", START - HOUR, START)
    assert conflicts_for(one) == []


def test_unrelated_ci_does_not_conflict(planned: Any) -> None:
    one = planned("one", "db")
    planned("link", "link")
    assert conflicts_for(one) == []


def test_changes_outside_the_planned_statuses_do_not_conflict(
    planned: Any, make_change: MakeChange, cmdb: dict[str, ConfigurationItem]
) -> None:
    one = planned("one", "db")
    make_change(ChangeStatus.DRAFT, items=[cmdb["db"]])
    make_change(ChangeStatus.CLOSED, items=[cmdb["db"]])
    assert conflicts_for(one) == []


def test_conflicts_between_a_month_of_changes(planned: Any) -> None:
    database = planned("database", "db")
    again = planned("again", "db", END - HOUR, END + HOUR)
    application = planned("application", "app", END + HOUR, END + 2 * HOUR)
    link = planned("link", "link")
    month = list(changes_in_month(START - dt.timedelta(days=10), START + dt.timedelta(days=10)))
    result = conflicts_between(month)
    assert sorted(result) == sorted([database.pk, again.pk])
    assert summary(result[database.pk]) == [("again", "db-01", SAME_CI, END - HOUR, END)]
    assert summary(result[again.pk]) == [("database", "db-01", SAME_CI, END - HOUR, END)]
    assert application.pk not in result and link.pk not in result


def test_conflicts_between_costs_no_query_per_change(planned: Any) -> None:
    for index in range(3):
        planned(f"first {index}", "link")
    month = START - dt.timedelta(days=10), START + dt.timedelta(days=10)
    with CaptureQueriesContext(connection) as few:
        conflicts_between(list(changes_in_month(*month)))
    for index in range(4):
        planned(f"more {index}", "link")
    with CaptureQueriesContext(connection) as many:
        result = conflicts_between(list(changes_in_month(*month)))
    assert len(many) == len(few)
    assert len(result) == 7  # every change shares a CI with another
