"""Change-enablement personas and records: a requester, a change manager, a three-member CAB and
an ECAB, a small CMDB (a database, an application that runs on it, an unrelated link), and
`make_change` to build a change at any status through the real use cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from khedmat.accounts.models import User
from khedmat.changes import services
from khedmat.changes.choices import ChangeKind, ChangeStatus, VotingRule
from khedmat.changes.models import Change, ChangeBoard, ChangeTemplate
from khedmat.cmdb.choices import RelationKind
from khedmat.cmdb.models import CiRelation, CiType, ConfigurationItem

#: "Now" of these tests: 1 Dey 1404, before the freezes of 1405.
NOW = dt.datetime(2025, 12, 22, 9, 0, tzinfo=dt.UTC)
#: A planned window outside every freeze (late April 2026).
START = dt.datetime(2026, 4, 20, 20, 0, tzinfo=dt.UTC)
END = dt.datetime(2026, 4, 20, 22, 0, tzinfo=dt.UTC)

#: Answers of the seeded questionnaire: score 4 + 3 + 0 + 2 + 2 = 11 (high).
HIGH_RISK = {
    "downtime": "yes",
    "tested": "no",
    "backout": "yes",
    "users": "many",
    "done_before": "no",
}
LOW_RISK = {
    "downtime": "no",
    "tested": "yes",
    "backout": "yes",
    "users": "few",
    "done_before": "yes",
}

MakeChange = Callable[..., Change]


@pytest.fixture
def requester(make_user: Callable[..., User], org_units: dict[str, Any]) -> User:
    """An IT agent who asks for changes and implements them."""
    return make_user("requester", roles=["agent"], org_unit=org_units["office"])


@pytest.fixture
def change_manager(make_user: Callable[..., User], org_units: dict[str, Any]) -> User:
    """A supervisor: has changes.decide_change."""
    return make_user("change_manager", roles=["supervisor"], org_unit=org_units["directorate"])


@pytest.fixture
def members(make_user: Callable[..., User], org_units: dict[str, Any]) -> list[User]:
    return [
        make_user(f"cab_{index}", roles=["agent"], org_unit=org_units["office"])
        for index in range(3)
    ]


@pytest.fixture
def cab(members: list[User]) -> ChangeBoard:
    board = ChangeBoard.objects.create(
        code="cab", name="CAB", change_kind=ChangeKind.NORMAL, rule=VotingRule.MAJORITY
    )
    board.members.set(members)
    return board


@pytest.fixture
def ecab(members: list[User]) -> ChangeBoard:
    board = ChangeBoard.objects.create(
        code="ecab", name="ECAB", change_kind=ChangeKind.EMERGENCY, rule=VotingRule.ANY
    )
    board.members.set(members[:1])
    return board


@pytest.fixture
def template(db: None) -> ChangeTemplate:
    return ChangeTemplate.objects.create(
        code="renew-certificate",
        title="Renew a TLS certificate",
        description="Replace the certificate before it expires.",
        implementation_plan="Install the new certificate and reload.",
        backout_plan="Put the old certificate back and reload.",
        test_plan="Open the portal.",
    )


@pytest.fixture
def cmdb(db: None) -> dict[str, ConfigurationItem]:
    """db-01 (a database), portal-app runs on db-01, report-app depends on portal-app, link-01
    (unrelated)."""
    database = CiType.objects.create(code="test-database", name_fa="پایگاه داده", name_en="DB")
    application = CiType.objects.create(code="test-application", name_fa="برنامه", name_en="App")
    link = CiType.objects.create(code="test-link", name_fa="پیوند", name_en="Link")
    items = {
        "db": ConfigurationItem.objects.create(code="db-01", name="db-01", ci_type=database),
        "app": ConfigurationItem.objects.create(
            code="portal-app", name="portal-app", ci_type=application
        ),
        "report": ConfigurationItem.objects.create(
            code="report-app", name="report-app", ci_type=application
        ),
        "link": ConfigurationItem.objects.create(code="link-01", name="link-01", ci_type=link),
    }
    CiRelation.objects.create(source=items["app"], target=items["db"], kind=RelationKind.RUNS_ON)
    CiRelation.objects.create(
        source=items["report"], target=items["app"], kind=RelationKind.DEPENDS_ON
    )
    return items


@pytest.fixture
def make_change(
    requester: User, cab: ChangeBoard, ecab: ChangeBoard, template: ChangeTemplate
) -> MakeChange:
    """make_change(status="draft", kind="normal", items=(), start=START, end=END, risk=LOW_RISK)
    -> a change brought to `status` through the use cases (authorised by the change manager's
    path: a majority of the CAB)."""

    def make(
        status: str = ChangeStatus.DRAFT,
        *,
        kind: str = ChangeKind.NORMAL,
        items: Any = (),
        start: dt.datetime | None = START,
        end: dt.datetime | None = END,
        risk: dict[str, str] | None = LOW_RISK,
        title: str = "Upgrade the database server",
    ) -> Change:
        plans: dict[str, Any] = {}
        if kind != ChangeKind.STANDARD:
            plans = {"implementation_plan": "Upgrade.", "backout_plan": "Restore the snapshot."}
        change = services.request_change(
            title=title,
            kind=kind,
            actor=requester,
            items=items,
            template=template if kind == ChangeKind.STANDARD else None,
            planned_start=start,
            planned_end=end,
            **plans,
        )
        if status == ChangeStatus.DRAFT:
            return change
        if risk is not None and kind != ChangeKind.STANDARD:
            change = services.assess_risk(change, risk, actor=requester)
        change = services.submit_change(change, actor=requester, now=NOW)
        if status in (ChangeStatus.ASSESSMENT, change.status):
            return change
        board = change.board
        assert board is not None
        for voter in board.members.order_by("pk"):
            if change.status != ChangeStatus.ASSESSMENT:
                break
            change = services.vote_on_change(change, voter=voter, vote="approve", now=NOW)
        if status == ChangeStatus.REJECTED:
            raise AssertionError("make a rejected change in the test itself")
        return advance(change, status, requester)

    return make


def advance(change: Change, status: str, actor: User) -> Change:
    """Move an authorised change on along the happy path up to `status`."""
    if status == ChangeStatus.BACKED_OUT:
        change = services.schedule_change(change, actor=actor, now=NOW)
        change = services.start_change(change, actor=actor, now=START)
        return services.back_out_change(change, actor=actor, note="The upgrade broke logins.")
    steps: list[Callable[[Change], Change]] = [
        lambda c: services.schedule_change(c, actor=actor, now=NOW),
        lambda c: services.start_change(c, actor=actor, now=START),
        lambda c: services.complete_change(c, actor=actor, now=END),
        lambda c: services.review_change(
            c, actor=actor, outcome="successful", note="Went well.", now=END
        ),
    ]
    for step in steps:
        if change.status == status:
            return change
        change = step(change)
    assert change.status == status, f"cannot reach {status}"
    return change
