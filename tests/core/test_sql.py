"""core.sql.ReusedQuery: compiled once, the same rows as the ORM for any values."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from khedmat.core.models import RateLimitCounter
from khedmat.core.sql import ReusedQuery

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 12, 4, 10, 30, 15, 123456, tzinfo=dt.UTC)


def _rows(keys: list[str], minimum: int) -> QuerySet[Any]:
    built.append(keys)
    rows = RateLimitCounter.objects.filter(key__in=keys, count__gte=minimum)
    return rows.values_list("key", "count", "window_ends_at").order_by("key")


built: list[list[str]] = []


@pytest.fixture(autouse=True)
def counters() -> None:
    built.clear()
    for number in range(1, 6):
        RateLimitCounter.objects.create(
            key=f"k{number}", count=number, window_ends_at=WHEN + dt.timedelta(hours=number)
        )


def test_a_reused_query_is_built_once_per_shape_and_gives_the_orms_rows() -> None:
    query = ReusedQuery(_rows, "test")

    first = query.rows(["k1", "k2", "k5"], 2)
    second = query.rows(["k3", "k4", "k1"], 4)
    single = query.rows(["k3"], 1)

    assert first == [
        ("k2", 2, WHEN + dt.timedelta(hours=2)),
        ("k5", 5, WHEN + dt.timedelta(hours=5)),
    ]
    assert second == list(_rows(["k3", "k4", "k1"], 4))
    assert second == [("k4", 4, WHEN + dt.timedelta(hours=4))]
    assert single == [("k3", 3, WHEN + dt.timedelta(hours=3))]
    assert isinstance(first[0][2], dt.datetime) and first[0][2].tzinfo is not None
    # built twice (values, then probes) on the first call of each shape, then once by hand
    assert [len(keys) for keys in built] == [3, 3, 1, 1, 3]


def test_a_reused_query_runs_one_statement_with_the_new_values() -> None:
    query = ReusedQuery(_rows, "test")
    query.rows(["k1", "k2"], 1)

    with CaptureQueriesContext(connection) as captured:
        rows = query.rows(["k4", "k5"], 5)

    assert rows == [("k5", 5, WHEN + dt.timedelta(hours=5))]
    assert len(captured.captured_queries) == 1
    assert "k5" in captured.captured_queries[0]["sql"]


def test_values_that_are_not_all_different_run_once_through_the_orm(caplog: Any) -> None:
    query = ReusedQuery(_rows, "test")

    twice = query.rows(["k2", "k2"], 2)  # the same value twice: its places are ambiguous
    assert built == [["k2", "k2"]]  # the ORM, nothing compiled
    again = query.rows(["k1", "k3"], 1)  # the same shape with different values compiles
    later = query.rows(["k4", "k5"], 5)

    assert twice == [("k2", 2, WHEN + dt.timedelta(hours=2))]
    assert again == list(_rows(["k1", "k3"], 1))
    assert later == [("k5", 5, WHEN + dt.timedelta(hours=5))]
    assert [len(keys) for keys in built] == [2, 2, 2, 2]  # ORM, compiled twice, by hand
    assert "the ORM runs it" not in caplog.text


def _same_key_twice(key: str, number: int) -> QuerySet[Any]:
    # each value has two places
    rows = RateLimitCounter.objects.filter(key=key, count=number) | RateLimitCounter.objects.filter(
        key=key, count__gte=number, window_ends_at__gt=WHEN
    )
    return rows.values_list("key", "count").order_by("key")


def test_a_value_used_twice_and_a_constant_equal_to_it_keep_their_places(caplog: Any) -> None:
    query = ReusedQuery(_same_key_twice, "test")

    first = query.rows("k3", 3)
    second = query.rows("k4", 4)

    assert first == list(_same_key_twice("k3", 3)) == [("k3", 3)]
    assert second == list(_same_key_twice("k4", 4)) == [("k4", 4)]
    assert "the ORM runs it" not in caplog.text  # compiled, not fallen back


def _limited(key: str, *, variant: int) -> QuerySet[Any]:
    rows = RateLimitCounter.objects.filter(key__startswith=key).order_by("key")
    return rows.values_list("key")[:variant]


def test_each_variant_is_compiled_apart() -> None:
    query = ReusedQuery(_limited, "test")

    assert query.rows("k", variant=2) == [("k1",), ("k2",)]
    assert query.rows("k", variant=4) == [("k1",), ("k2",), ("k3",), ("k4",)]
    assert query.rows("k", variant=2) == [("k1",), ("k2",)]


def _ending_after(key: str, moment: dt.datetime) -> QuerySet[Any]:
    rows = RateLimitCounter.objects.filter(key__startswith=key, window_ends_at__gt=moment)
    return rows.values_list("key").order_by("key")


def test_a_datetime_value_is_bound_as_the_backend_adapts_it() -> None:
    query = ReusedQuery(_ending_after, "test")

    early = query.rows("k", WHEN)
    late = query.rows("k", WHEN + dt.timedelta(hours=3, seconds=1))

    assert early == [("k1",), ("k2",), ("k3",), ("k4",), ("k5",)]
    assert late == [("k4",), ("k5",)]
    assert late == list(_ending_after("k", WHEN + dt.timedelta(hours=3, seconds=1)))


def _with_constant(key: str, number: int) -> QuerySet[Any]:
    rows = RateLimitCounter.objects.filter(key=key, count=number)
    return (rows | RateLimitCounter.objects.filter(count=3)).values_list("key").order_by("key")


def test_a_constant_equal_to_a_value_stays_a_constant() -> None:
    query = ReusedQuery(_with_constant, "test")

    assert query.rows("k3", 3) == [("k3",)]  # the value 3 and the constant 3 meet here
    assert query.rows("k4", 4) == [("k3",), ("k4",)] == list(_with_constant("k4", 4))


def _units(code: str) -> QuerySet[Any]:
    from khedmat.accounts.models import OrgUnit

    return (
        OrgUnit.objects.filter(code=code)
        .select_related("parent__parent")
        .only("code", "name", "parent__name", "parent__parent__code")
        .order_by()
    )


def test_objects_are_the_orms_instances_with_their_joins_from_one_statement(org_units) -> None:
    query = ReusedQuery(_units, "test")
    query.objects("ministry")

    with CaptureQueriesContext(connection) as captured:
        (office,) = query.objects("office")
        assert office.parent.name == "Directorate"
        assert office.parent.parent.code == "ministry"
    (directorate,) = query.objects("directorate")

    assert len(captured.captured_queries) == 1
    assert office == org_units["office"] and office.name == "Licensing office"
    assert office.get_deferred_fields() == {"is_active"}
    assert directorate.parent == org_units["ministry"] and directorate.parent.parent is None
    assert query.objects("nowhere") == []
    assert [unit.pk for unit in query.objects("other-agency")] == [org_units["other"].pk]
