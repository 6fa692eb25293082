"""The one keyset pagination: every row once, in order, across pages, with ties and nulls."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from khedmat.core import audit
from khedmat.core.models import Activity
from khedmat.core.pagination import (
    BadCursor,
    KeysetPagination,
    decode_cursor,
    encode_cursor,
    keyset_page,
    view_page,
)

pytestmark = pytest.mark.django_db

BASE = dt.datetime(2026, 3, 20, 8, 30, 0, 123456, tzinfo=dt.UTC)


@pytest.fixture
def rows() -> list[Activity]:
    """37 activities: many share a moment (ties), a third have no actor (nulls)."""
    user_model = get_user_model()
    users = [user_model.objects.create_user(username=f"u{n}") for n in range(3)]
    target = ContentType.objects.get_for_model(user_model)
    made = []
    for n in range(37):
        activity = Activity.objects.create(
            target_type=target,
            target_id=str(n),
            verb="ticket.note",
            actor=None if n % 3 == 0 else users[n % 2],
        )
        made.append(activity)
    with audit.maintenance():  # past the append-only trigger (PostgreSQL)
        for n, activity in enumerate(made):  # five distinct moments, with microseconds
            Activity.objects.filter(pk=activity.pk).update(
                created_at=BASE + dt.timedelta(microseconds=n % 5)
            )
    return list(Activity.objects.all())


def _walk(queryset, **options) -> list[int]:
    seen: list[int] = []
    after: str | None = None
    while True:
        page = keyset_page(queryset, after=after, size=4, **options)
        seen.extend(row.pk for row in page.items)
        if not page.next_cursor:
            return seen
        after = page.next_cursor


def test_newest_first_with_ties_every_row_once_in_order(rows):
    expected = sorted(rows, key=lambda row: (row.created_at, row.pk), reverse=True)
    assert _walk(Activity.objects.all(), order=("-created_at", "-id")) == [r.pk for r in expected]


def test_ascending_on_a_nullable_field_puts_nulls_last(rows):
    def key(row):
        return (row.actor_id is None, row.actor_id or 0, row.pk)

    expected = [row.pk for row in sorted(rows, key=key)]
    walked = _walk(Activity.objects.all(), order=("actor_id", "id"), nulls_last=("actor_id",))
    assert walked == expected


def test_descending_on_a_nullable_field_puts_nulls_last(rows):
    with_actor = sorted(
        (r for r in rows if r.actor_id), key=lambda r: (r.actor_id, r.pk), reverse=True
    )
    without = sorted((r for r in rows if not r.actor_id), key=lambda r: r.pk, reverse=True)
    walked = _walk(Activity.objects.all(), order=("-actor_id", "-id"), nulls_last=("actor_id",))
    assert walked == [r.pk for r in itertools.chain(with_actor, without)]


def test_each_page_is_one_query_whatever_the_position(rows):
    first = keyset_page(Activity.objects.all(), order=("-created_at", "-id"), size=10)
    with CaptureQueriesContext(connection) as queries:
        later = keyset_page(
            Activity.objects.all(), order=("-created_at", "-id"), size=10, after=first.next_cursor
        )
    assert len(queries) == 1
    assert "OFFSET" not in queries[0]["sql"].upper()
    assert not {r.pk for r in first.items} & {r.pk for r in later.items}


def test_last_page_has_no_cursor(rows):
    page = keyset_page(Activity.objects.all(), order=("-id",), size=len(rows))
    assert len(page.items) == len(rows)
    assert page.next_cursor == ""
    assert not page.has_next


@pytest.mark.parametrize(
    "cursor",
    ["%%%", "bm90IGpzb24", encode_cursor([1]), encode_cursor([1, 2, 3]), "W3siYSI6MX0sMV0"],
)
def test_a_damaged_cursor_is_refused(rows, cursor):
    with pytest.raises(BadCursor):
        keyset_page(Activity.objects.all(), order=("-created_at", "-id"), after=cursor)


def test_cursor_round_trip_keeps_microseconds():
    moment = timezone.now().replace(microsecond=654321)
    assert decode_cursor(encode_cursor([moment, 7]), length=2) == [moment.isoformat(), 7]


def test_view_page_shows_the_first_page_for_a_damaged_cursor(rows):
    request = RequestFactory().get("/", {"after": "garbage!"})
    page = view_page(request, Activity.objects.all(), order=("-id",), size=5)
    assert [row.pk for row in page.items] == sorted((r.pk for r in rows), reverse=True)[:5]


def test_api_pagination_answers_items_and_next(rows):
    pagination = KeysetPagination(order=("-id",))
    request = RequestFactory().get("/")
    first = pagination.paginate_queryset(
        Activity.objects.all(), KeysetPagination.Input(limit=30, after=None), request
    )
    second = pagination.paginate_queryset(
        Activity.objects.all(), KeysetPagination.Input(limit=30, after=first["next"]), request
    )
    assert len(first["items"]) == 30 and first["next"]
    assert len(second["items"]) == 7 and second["next"] is None
