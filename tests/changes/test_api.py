"""The changes API (/api/v1/changes/): the list with filters and keyset pages, one change,
requesting one, the actions and their refusals as `{"detail": …}`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from khedmat.accounts.models import User
from khedmat.changes.choices import ChangeStatus
from khedmat.changes.models import Change, ChangeVote, FreezeWindow
from khedmat.cmdb.models import ConfigurationItem
from tests.changes.conftest import LOW_RISK, MakeChange

pytestmark = pytest.mark.django_db


URL = "/api/v1/changes"


class Caller:
    """The project's API through Django's test client, signed in as one person at a time."""

    def __init__(self, client: Client, login: Callable[..., Any]) -> None:
        self.client, self.login = client, login

    def get(self, path: str, *, user: User) -> Any:
        self.login(self.client, user)
        return self.client.get(f"{URL}{path}")

    def post(self, path: str, *, user: User, json: dict[str, Any] | None = None) -> Any:
        self.login(self.client, user)
        return self.client.post(f"{URL}{path}", json or {}, content_type="application/json")


@pytest.fixture
def api(client: Client, verified_login: Callable[..., Any]) -> Caller:
    return Caller(client, verified_login)


def future(days: int, hour: int = 20) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def test_list_filters_and_pages(api: Caller, requester: User, make_change: MakeChange) -> None:
    first = make_change(title="Patch the mail relay")
    second = make_change(ChangeStatus.ASSESSMENT, title="Move the database")
    third = make_change(title="Renew certificates")
    response = api.get("/?limit=2", user=requester)
    assert response.status_code == 200
    body = response.json()
    assert [row["code"] for row in body["items"]] == [third.tracking_code, second.tracking_code]
    rest = api.get(f"/?limit=2&after={body['next']}", user=requester).json()
    assert [row["code"] for row in rest["items"]] == [first.tracking_code]
    assert rest["next"] is None
    only = api.get("/?status=assessment", user=requester).json()
    assert [row["code"] for row in only["items"]] == [second.tracking_code]
    words = api.get("/?q=mail", user=requester).json()
    assert [row["code"] for row in words["items"]] == [first.tracking_code]
    assert api.get("/?after=damaged", user=requester).status_code == 400


def test_reading_needs_the_permission(
    api: Caller, make_user: Callable[..., User], org_units: dict[str, Any], make_change: MakeChange
) -> None:
    change = make_change()
    clerk = make_user("clerk", roles=[], org_unit=org_units["office"])
    assert api.get("/", user=clerk).status_code == 403
    assert api.get(f"/{change.tracking_code}/", user=clerk).status_code == 403
    assert api.post(f"/{change.tracking_code}/submit/", user=clerk).status_code == 403
    change.refresh_from_db()
    assert change.status == ChangeStatus.DRAFT


def test_read_one(api: Caller, requester: User, make_change: MakeChange, cmdb: Any) -> None:
    change = make_change(items=[cmdb["db"]])
    body = api.get(f"/{change.tracking_code}/", user=requester).json()
    assert body["code"] == change.tracking_code
    assert body["items"] == ["db-01"]
    assert body["requested_by"] == "requester"
    assert api.get("/CH-NOPE/", user=requester).status_code == 404


def test_create_with_risk(api: Caller, requester: User, cmdb: dict[str, ConfigurationItem]) -> None:
    payload = {
        "title": "Upgrade the portal",
        "kind": "normal",
        "items": ["portal-app"],
        "implementation_plan": "Deploy.",
        "backout_plan": "Roll back.",
        "planned_start": future(10).isoformat(),
        "planned_end": future(10, 22).isoformat(),
        "risk_answers": LOW_RISK,
    }
    response = api.post("/", json=payload, user=requester)
    assert response.status_code == 201, response.json()
    change = Change.objects.get()
    assert response.json()["code"] == change.tracking_code
    assert change.risk_answers == LOW_RISK
    assert list(change.items.values_list("code", flat=True)) == ["portal-app"]
    bad = api.post("/", json={**payload, "items": ["nope"]}, user=requester)
    assert bad.status_code == 422
    window = api.post("/", json={**payload, "planned_end": future(9).isoformat()}, user=requester)
    assert window.status_code >= 400 and "detail" in window.json()
    assert Change.objects.count() == 1


def test_actions_submit_vote_decide_schedule(
    api: Caller, requester: User, members: list[User], change_manager: User, make_change: MakeChange
) -> None:
    change = make_change(start=future(10), end=future(10, 22))
    code = change.tracking_code
    from khedmat.changes import services

    services.assess_risk(change, LOW_RISK, actor=requester)
    assert api.post(f"/{code}/submit/", user=requester).json()["status"] == "assessment"
    refused = api.post(f"/{code}/vote/", json={"vote": "approve"}, user=requester)
    assert refused.status_code == 403 and refused.json()["detail"]
    assert not ChangeVote.objects.exists()
    assert (
        api.post(
            f"/{code}/decide/", json={"approve": True, "note": "Go."}, user=requester
        ).status_code
        == 403
    )
    body = api.post(
        f"/{code}/decide/", json={"approve": True, "note": "Go."}, user=change_manager
    ).json()
    assert body["status"] == "authorised"
    FreezeWindow.objects.create(
        name_fa="یخ", name_en="Freeze", starts_at=future(20, 0), ends_at=future(25, 0)
    )
    frozen = api.post(
        f"/{code}/schedule/",
        json={"planned_start": future(21).isoformat(), "planned_end": future(21, 22).isoformat()},
        user=requester,
    )
    assert frozen.status_code == 409
    assert "Freeze" in frozen.json()["detail"]
    assert api.post(f"/{code}/schedule/", json={}, user=requester).json()["status"] == "scheduled"
