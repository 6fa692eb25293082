"""The Activity row: written by record_activity, read as a record's timeline."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from khedmat.core.models import Activity
from khedmat.core.services import record_activity

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor():
    return get_user_model().objects.create_user("actor", password="x-long-password-1")


@pytest.fixture
def target():
    return get_user_model().objects.create_user("target", password="x-long-password-2")


def test_record_activity_keeps_who_what_old_and_new(actor, target):
    row = record_activity(
        target,
        "mobile_changed",
        actor=actor,
        old="+989121111111",
        new="+989122222222",
        data={"via": "admin"},
    )
    row.refresh_from_db()
    assert (row.verb, row.actor, row.old_value, row.new_value, row.data, row.is_public) == (
        "mobile_changed",
        actor,
        "+989121111111",
        "+989122222222",
        {"via": "admin"},
        False,
    )
    assert row.target == target


def test_timeline_lists_only_the_record_newest_first(actor, target):
    first = record_activity(target, "created", actor=actor)
    record_activity(actor, "created", actor=actor)
    second = record_activity(target, "updated", actor=actor)
    assert list(Activity.objects.for_target(target)) == [second, first]


def test_anonymous_actor_is_stored_as_none(target):
    from django.contrib.auth.models import AnonymousUser

    row = record_activity(target, "viewed", actor=AnonymousUser())
    assert row.actor is None


def test_unsaved_target_is_refused():
    user = get_user_model()(username="unsaved")
    with pytest.raises(ValueError, match="saved target"):
        record_activity(user, "created")
    assert Activity.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("table", "dropped", "kept"),
    [
        (
            "core_activity",
            {("actor_id",), ("target_type_id",)},
            {("actor_id", "created_at"), ("target_type_id", "target_id", "created_at")},
        ),
        (
            "tickets_ticket",
            {("filed_by_id",), ("org_unit_id",), ("requester_id",), ("service_id",)},
            {("filed_by_id", "submitted_at"), ("org_unit_id", "status")},
        ),
    ],
)
def test_keys_led_by_a_wider_index_have_no_index_of_their_own(table, dropped, kept):
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    indexed = {
        tuple(item["columns"])
        for item in constraints.values()
        if item["index"] and not item["primary_key"]
    }
    assert not dropped & indexed  # each insert writes fewer index entries
    assert kept <= indexed  # the look-ups by those keys still have an index
