"""The changes API beyond the lifecycle: editing a change by status, withdrawing and unscheduling
with a note, and the calendar of a period (planned changes, their conflicts, freeze windows)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from khedmat.accounts.models import User
from khedmat.changes.choices import ChangeStatus
from khedmat.changes.models import Change, FreezeWindow
from khedmat.cmdb.models import ConfigurationItem
from khedmat.core.models import Activity
from tests.changes.conftest import END, START, MakeChange

pytestmark = pytest.mark.django_db
URL = "/api/v1/changes"


@pytest.fixture
def as_user(client: Client, verified_login: Callable[..., Any]) -> Callable[[User], Client]:
    return lambda user: verified_login(client, user)


def patch(client: Client, code: str, body: dict[str, Any]) -> Any:
    return client.patch(f"{URL}/{code}/", body, content_type="application/json")


def test_a_draft_is_edited_and_a_change_in_assessment_only_in_its_plans(
    as_user: Callable[[User], Client],
    requester: User,
    make_change: MakeChange,
    cmdb: dict[str, ConfigurationItem],
) -> None:
    client = as_user(requester)
    draft = make_change()
    response = patch(
        client, draft.tracking_code, {"title": "Upgrade both databases", "items": ["db-01"]}
    )
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Upgrade both databases"
    draft.refresh_from_db()
    assert [item.code for item in draft.items.all()] == ["db-01"]
    assert Activity.objects.for_target(draft).filter(verb="change.updated").exists()
    assert patch(client, draft.tracking_code, {"items": ["nothing-here"]}).status_code == 422

    assessed = make_change(ChangeStatus.ASSESSMENT)
    refused = patch(client, assessed.tracking_code, {"title": "Something else"})
    assert refused.status_code == 409 and refused.json()["detail"]
    assert Change.objects.get(pk=assessed.pk).title == "Upgrade the database server"
    planned = patch(client, assessed.tracking_code, {"test_plan": "Run the smoke tests."})
    assert planned.status_code == 200
    assert Change.objects.get(pk=assessed.pk).test_plan == "Run the smoke tests."


def test_withdraw_and_unschedule_keep_their_note(
    as_user: Callable[[User], Client],
    requester: User,
    change_manager: User,
    make_change: MakeChange,
) -> None:
    client = as_user(requester)
    assessed = make_change(ChangeStatus.ASSESSMENT)
    response = client.post(
        f"{URL}/{assessed.tracking_code}/withdraw/",
        {"note": "The vendor moved the release."},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == ChangeStatus.DRAFT
    withdrawn = Activity.objects.for_target(assessed).get(verb="change.withdrawn")
    assert "The vendor moved the release." in str(withdrawn.data) + str(withdrawn.new_value)

    scheduled = make_change(ChangeStatus.SCHEDULED)
    client = as_user(change_manager)
    response = client.post(
        f"{URL}/{scheduled.tracking_code}/unschedule/",
        {"note": "Clashes with the audit."},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == ChangeStatus.AUTHORISED
    draft = make_change()
    refused = client.post(
        f"{URL}/{draft.tracking_code}/unschedule/", {"note": "x"}, content_type="application/json"
    )
    assert refused.status_code == 409


def test_the_calendar_lists_changes_conflicts_and_freezes(
    as_user: Callable[[User], Client],
    requester: User,
    make_change: MakeChange,
    cmdb: dict[str, ConfigurationItem],
) -> None:
    first = make_change(ChangeStatus.SCHEDULED, items=[cmdb["db"]], title="Patch the database")
    second = make_change(ChangeStatus.SCHEDULED, items=[cmdb["db"]], title="Move the database")
    freeze = FreezeWindow.objects.create(
        name_fa="تعطیلات", name_en="Holidays", starts_at=START, ends_at=END
    )
    client = as_user(requester)
    body = client.get(
        f"{URL}/calendar/",
        {
            "start": (START - dt.timedelta(days=1)).isoformat(),
            "end": (END + dt.timedelta(days=1)).isoformat(),
        },
    ).json()
    rows = {row["code"]: row for row in body["changes"]}
    assert set(rows) == {first.tracking_code, second.tracking_code}
    assert rows[first.tracking_code]["conflicts_with"] == [second.tracking_code]
    assert [row["id"] for row in body["freezes"]] == [freeze.pk]
    backwards = client.get(f"{URL}/calendar/", {"start": END.isoformat(), "end": START.isoformat()})
    assert backwards.status_code == 422
    schema = client.get("/api/v1/openapi.json").json()["paths"]
    assert "patch" in schema["/api/v1/changes/{code}/"]
    assert "/api/v1/changes/calendar/" in schema
