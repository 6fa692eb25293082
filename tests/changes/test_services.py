"""The change use cases: every transition and every refusal, with the Activity rows they write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from khedmat.accounts.models import User
from khedmat.changes import errors, services
from khedmat.changes.choices import ChangeKind, ChangeStatus, RiskLevel
from khedmat.changes.models import Change, ChangeBoard, ChangeTemplate, ChangeVote, FreezeWindow
from khedmat.changes.queries import (
    change_actions,
    change_rows,
    changes_in_month,
    desk_change,
    freezes_in,
)
from khedmat.cmdb.models import ConfigurationItem
from khedmat.core.models import Activity
from tests.changes.conftest import END, HIGH_RISK, NOW, START, MakeChange

CS = ChangeStatus


def verbs(change: Change) -> list[str]:
    return list(Activity.objects.for_target(change).order_by("id").values_list("verb", flat=True))


# --- request and edit -------------------------------------------------------------------------


def test_request_change_makes_a_draft_with_a_code_and_activity(
    requester: User, cmdb: dict[str, ConfigurationItem]
) -> None:
    change = services.request_change(
        title=" Upgrade db-01 ",
        kind=ChangeKind.NORMAL,
        actor=requester,
        items=[cmdb["db"], cmdb["app"].pk],
        implementation_plan="Upgrade.",
    )
    assert change.status == CS.DRAFT
    assert change.title == "Upgrade db-01"
    assert len(change.tracking_code) == 12 and change.tracking_code.isdigit()
    assert change.requested_by == requester
    assert set(change.items.values_list("code", flat=True)) == {"db-01", "portal-app"}
    assert verbs(change) == ["change.requested"]


def test_standard_change_copies_its_template(requester: User, template: ChangeTemplate) -> None:
    change = services.request_change(
        title="Renew", kind=ChangeKind.STANDARD, actor=requester, template=template
    )
    assert change.implementation_plan == template.implementation_plan
    assert change.backout_plan == template.backout_plan
    assert change.test_plan == template.test_plan
    assert change.description == template.description


def test_standard_change_without_template_is_refused(requester: User) -> None:
    with pytest.raises(errors.TemplateRequiredError):
        services.request_change(title="Renew", kind=ChangeKind.STANDARD, actor=requester)
    assert not Change.objects.exists()


def test_standard_change_with_inactive_template_is_refused(
    requester: User, template: ChangeTemplate
) -> None:
    template.is_active = False
    template.save()
    with pytest.raises(errors.TemplateRequiredError):
        services.request_change(
            title="Renew", kind=ChangeKind.STANDARD, actor=requester, template=template
        )
    assert not Change.objects.exists()


def test_template_on_a_normal_change_is_refused(requester: User, template: ChangeTemplate) -> None:
    with pytest.raises(errors.ChangeError):
        services.request_change(
            title="X", kind=ChangeKind.NORMAL, actor=requester, template=template
        )
    assert not Change.objects.exists()


def test_request_with_window_ending_before_start_is_refused(requester: User) -> None:
    with pytest.raises(errors.WindowInvalidError):
        services.request_change(
            title="X", kind=ChangeKind.NORMAL, actor=requester, planned_start=END, planned_end=START
        )
    assert not Change.objects.exists()


def test_update_draft_sets_fields_and_items(
    make_change: MakeChange, requester: User, cmdb: dict[str, ConfigurationItem]
) -> None:
    change = make_change()
    change = services.update_change(
        change, actor=requester, title="Patch db-01", items=[cmdb["link"]], reason="CVE"
    )
    change.refresh_from_db()
    assert (change.title, change.reason) == ("Patch db-01", "CVE")
    assert list(change.items.values_list("code", flat=True)) == ["link-01"]
    assert verbs(change)[-1] == "change.updated"


def test_update_in_assessment_allows_plans_only(make_change: MakeChange, requester: User) -> None:
    change = make_change(CS.ASSESSMENT)
    change = services.update_change(change, actor=requester, backout_plan="Restore from backup.")
    assert change.backout_plan == "Restore from backup."
    with pytest.raises(errors.NotEditableError):
        services.update_change(change, actor=requester, title="Another title")
    change.refresh_from_db()
    assert change.title == "Upgrade the database server"


@pytest.mark.parametrize("status", [CS.AUTHORISED, CS.SCHEDULED, CS.CLOSED])
def test_update_after_assessment_is_refused(
    make_change: MakeChange, requester: User, status: str
) -> None:
    change = make_change(status)
    with pytest.raises(errors.NotEditableError):
        services.update_change(change, actor=requester, implementation_plan="Other.")
    change.refresh_from_db()
    assert change.implementation_plan == "Upgrade."


def test_update_of_an_unknown_field_is_a_programming_error(
    make_change: MakeChange, requester: User
) -> None:
    with pytest.raises(TypeError):
        services.update_change(make_change(), actor=requester, status=CS.CLOSED)


def test_assess_risk_stores_answers_score_and_level(
    make_change: MakeChange, requester: User
) -> None:
    change = services.assess_risk(make_change(), HIGH_RISK, actor=requester)
    change.refresh_from_db()
    assert (change.risk_score, change.risk_level) == (11, RiskLevel.HIGH)
    assert change.risk_answers == HIGH_RISK
    assert verbs(change)[-1] == "change.risk_assessed"


def test_assess_risk_after_authorisation_is_refused(
    make_change: MakeChange, requester: User
) -> None:
    change = make_change(CS.AUTHORISED)
    with pytest.raises(errors.NotEditableError):
        services.assess_risk(change, HIGH_RISK, actor=requester)


# --- submit -----------------------------------------------------------------------------------


def test_submit_normal_goes_to_its_board(
    make_change: MakeChange, requester: User, cab: ChangeBoard
) -> None:
    change = make_change(CS.ASSESSMENT)
    assert (change.status, change.board) == (CS.ASSESSMENT, cab)
    assert verbs(change)[-1] == "change.submitted"


def test_submit_emergency_goes_to_the_ecab(make_change: MakeChange, ecab: ChangeBoard) -> None:
    change = make_change(CS.ASSESSMENT, kind=ChangeKind.EMERGENCY)
    assert (change.status, change.board) == (CS.ASSESSMENT, ecab)


def test_submit_standard_is_authorised_at_once(make_change: MakeChange) -> None:
    change = make_change(CS.AUTHORISED, kind=ChangeKind.STANDARD)
    assert change.status == CS.AUTHORISED
    assert change.board is None
    assert verbs(change) == ["change.requested", "change.submitted"]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"implementation_plan": ""}, errors.PlanMissingError),
        ({"backout_plan": "  "}, errors.PlanMissingError),
        ({"planned_start": None}, errors.WindowMissingError),
        ({"planned_end": None}, errors.WindowMissingError),
    ],
)
def test_submit_refuses_a_change_missing_what_it_needs(
    make_change: MakeChange, requester: User, fields: dict[str, Any], error: type[Exception]
) -> None:
    change = make_change()
    services.assess_risk(change, HIGH_RISK, actor=requester)
    services.update_change(change, actor=requester, **fields)
    with pytest.raises(error):
        services.submit_change(change, actor=requester, now=NOW)
    change.refresh_from_db()
    assert change.status == CS.DRAFT
    assert "change.submitted" not in verbs(change)


def test_submit_without_risk_assessment_is_refused(
    make_change: MakeChange, requester: User
) -> None:
    change = make_change()
    with pytest.raises(errors.RiskMissingError):
        services.submit_change(change, actor=requester, now=NOW)
    change.refresh_from_db()
    assert change.status == CS.DRAFT


def test_submit_without_an_active_board_is_refused(
    make_change: MakeChange, requester: User, cab: ChangeBoard
) -> None:
    cab.is_active = False
    cab.save()
    change = make_change()
    services.assess_risk(change, HIGH_RISK, actor=requester)
    with pytest.raises(errors.NoBoardError):
        services.submit_change(change, actor=requester, now=NOW)
    change.refresh_from_db()
    assert (change.status, change.board) == (CS.DRAFT, None)


# --- decide, withdraw ------------------------------------------------------------------------


@pytest.mark.parametrize(("approve", "status"), [(True, CS.AUTHORISED), (False, CS.REJECTED)])
def test_change_manager_decides_over_the_board(
    make_change: MakeChange, change_manager: User, approve: bool, status: str
) -> None:
    change = make_change(CS.ASSESSMENT)
    change = services.decide_change(change, actor=change_manager, approve=approve, note="Urgent.")
    change.refresh_from_db()
    assert (change.status, change.decision_note) == (status, "Urgent.")
    assert verbs(change)[-1] == f"change.{status}"


def test_decide_by_someone_without_the_permission_is_refused(
    make_change: MakeChange, requester: User
) -> None:
    change = make_change(CS.ASSESSMENT)
    with pytest.raises(errors.NotChangeManagerError):
        services.decide_change(change, actor=requester, approve=True, note="Me.")
    change.refresh_from_db()
    assert change.status == CS.ASSESSMENT


def test_decide_without_a_note_is_refused(make_change: MakeChange, change_manager: User) -> None:
    change = make_change(CS.ASSESSMENT)
    with pytest.raises(errors.NoteRequiredError):
        services.decide_change(change, actor=change_manager, approve=False, note=" ")
    change.refresh_from_db()
    assert change.status == CS.ASSESSMENT


def test_withdraw_returns_to_draft_and_clears_votes(
    make_change: MakeChange, requester: User, members: list[User]
) -> None:
    change = make_change(CS.ASSESSMENT)
    services.vote_on_change(change, voter=members[0], vote="approve", now=NOW)
    change = services.withdraw_change(change, actor=requester)
    change.refresh_from_db()
    assert (change.status, change.board) == (CS.DRAFT, None)
    assert not ChangeVote.objects.filter(change=change).exists()
    assert verbs(change)[-1] == "change.withdrawn"


# --- schedule and implement -------------------------------------------------------------------


def test_schedule_puts_an_authorised_change_on_the_calendar(
    make_change: MakeChange, requester: User
) -> None:
    change = make_change(CS.AUTHORISED)
    later = START + dt.timedelta(days=1)
    change = services.schedule_change(
        change,
        actor=requester,
        planned_start=later,
        planned_end=later + dt.timedelta(hours=1),
        now=NOW,
    )
    change.refresh_from_db()
    assert (change.status, change.planned_start) == (CS.SCHEDULED, later)
    assert verbs(change)[-1] == "change.scheduled"


def test_schedule_in_the_past_is_refused(make_change: MakeChange, requester: User) -> None:
    change = make_change(CS.AUTHORISED)
    with pytest.raises(errors.WindowInPastError):
        services.schedule_change(change, actor=requester, now=START + dt.timedelta(minutes=1))
    change.refresh_from_db()
    assert change.status == CS.AUTHORISED


def test_unschedule_start_complete_review_close(make_change: MakeChange, requester: User) -> None:
    change = make_change(CS.SCHEDULED)
    change = services.unschedule_change(change, actor=requester)
    assert change.status == CS.AUTHORISED
    change = services.schedule_change(change, actor=requester, now=NOW)
    change = services.start_change(change, actor=requester, now=START)
    assert (change.status, change.actual_start) == (CS.IMPLEMENTING, START)
    change = services.complete_change(change, actor=requester, now=END)
    assert (change.status, change.actual_end) == (CS.REVIEW, END)
    change = services.review_change(
        change, actor=requester, outcome="partial", note="One step was manual.", now=END
    )
    change.refresh_from_db()
    assert (change.status, change.review_outcome, change.closed_at) == (CS.CLOSED, "partial", END)
    assert verbs(change)[-7:] == [
        "change.scheduled",
        "change.unscheduled",
        "change.scheduled",
        "change.started",
        "change.completed",
        "change.reviewed",
        "change.closed",
    ]


def test_back_out_then_review_as_failed_closes(make_change: MakeChange, requester: User) -> None:
    change = make_change(CS.BACKED_OUT)
    assert change.status == CS.BACKED_OUT
    change = services.review_change(change, actor=requester, outcome="failed", note="Rolled back.")
    change.refresh_from_db()
    assert (change.status, change.review_outcome) == (CS.CLOSED, "failed")
    assert verbs(change)[-4:] == [
        "change.backed_out",
        "change.review_started",
        "change.reviewed",
        "change.closed",
    ]


def test_backed_out_change_reviewed_as_successful_is_refused(
    make_change: MakeChange, requester: User
) -> None:
    change = make_change(CS.BACKED_OUT)
    with pytest.raises(errors.ReviewOutcomeError):
        services.review_change(change, actor=requester, outcome="successful", note="Fine.")
    change.refresh_from_db()
    assert change.status == CS.BACKED_OUT


def test_back_out_without_a_note_is_refused(make_change: MakeChange, requester: User) -> None:
    change = make_change(CS.IMPLEMENTING)
    with pytest.raises(errors.NoteRequiredError):
        services.back_out_change(change, actor=requester, note="")
    change.refresh_from_db()
    assert change.status == CS.IMPLEMENTING


def test_review_without_a_note_is_refused(make_change: MakeChange, requester: User) -> None:
    change = make_change(CS.REVIEW)
    with pytest.raises(errors.NoteRequiredError):
        services.review_change(change, actor=requester, outcome="successful", note="")
    change.refresh_from_db()
    assert change.status == CS.REVIEW


Action = Callable[[Change, User], Any]
ACTIONS: dict[str, Action] = {
    "submit": lambda c, u: services.submit_change(c, actor=u, now=NOW),
    "withdraw": lambda c, u: services.withdraw_change(c, actor=u),
    "schedule": lambda c, u: services.schedule_change(c, actor=u, now=NOW),
    "unschedule": lambda c, u: services.unschedule_change(c, actor=u),
    "start": lambda c, u: services.start_change(c, actor=u, now=START),
    "complete": lambda c, u: services.complete_change(c, actor=u, now=END),
    "back_out": lambda c, u: services.back_out_change(c, actor=u, note="Broke."),
    "review": lambda c, u: services.review_change(c, actor=u, outcome="failed", note="Done."),
}
#: Where each action is legal; from every other status it must be refused.
LEGAL_FROM = {
    "submit": {CS.DRAFT},
    "withdraw": {CS.ASSESSMENT},
    "schedule": {CS.AUTHORISED},
    "unschedule": {CS.SCHEDULED},
    "start": {CS.SCHEDULED},
    "complete": {CS.IMPLEMENTING},
    "back_out": {CS.IMPLEMENTING},
    "review": {CS.REVIEW, CS.BACKED_OUT},
}
STATUSES = [
    CS.DRAFT,
    CS.ASSESSMENT,
    CS.AUTHORISED,
    CS.SCHEDULED,
    CS.IMPLEMENTING,
    CS.REVIEW,
    CS.CLOSED,
    CS.BACKED_OUT,
]


@pytest.mark.parametrize(
    ("action", "status"),
    [(a, s) for a in ACTIONS for s in STATUSES if s not in LEGAL_FROM[a]],
)
def test_illegal_moves_are_refused(
    make_change: MakeChange, requester: User, action: str, status: str
) -> None:
    change = make_change(status)
    before = verbs(change)
    with pytest.raises(errors.TransitionError):
        ACTIONS[action](change, requester)
    change.refresh_from_db()
    assert change.status == status
    assert verbs(change) == before


def test_rejected_change_moves_nowhere(
    make_change: MakeChange, requester: User, change_manager: User
) -> None:
    change = make_change(CS.ASSESSMENT)
    change = services.decide_change(change, actor=change_manager, approve=False, note="No.")
    for action in ACTIONS.values():
        with pytest.raises(errors.TransitionError):
            action(change, requester)
    change.refresh_from_db()
    assert change.status == CS.REJECTED


# --- actions for the pages ---------------------------------------------------------------------


def test_change_actions_follow_status_and_permissions(
    make_change: MakeChange, requester: User, change_manager: User, members: list[User]
) -> None:
    draft = make_change()
    assert change_actions(draft, requester) == ["submit", "assess", "edit"]
    change = make_change(CS.ASSESSMENT)
    assert change_actions(change, requester) == ["assess", "withdraw", "edit"]
    assert change_actions(change, members[0]) == ["assess", "vote", "withdraw", "edit"]
    assert "decide" in change_actions(change, change_manager)
    services.vote_on_change(change, voter=members[0], vote="approve", now=NOW)
    assert "vote" not in change_actions(change, members[0])
    assert change_actions(make_change(CS.IMPLEMENTING), requester) == ["complete", "back_out"]
    standard = make_change(kind=ChangeKind.STANDARD)
    assert change_actions(standard, requester) == ["submit", "edit"]
    assert change_actions(standard, members[0]) == ["submit", "edit"]


def test_change_rows_filter_by_status_kind_and_text(
    make_change: MakeChange, requester: User, outsider: User
) -> None:
    draft = make_change(title="Patch the mail server")
    assessed = make_change(CS.ASSESSMENT, kind=ChangeKind.EMERGENCY)
    assert set(change_rows(requester)) == {draft, assessed}
    assert list(change_rows(requester, status=CS.ASSESSMENT)) == [assessed]
    assert list(change_rows(requester, kind=ChangeKind.NORMAL)) == [draft]
    assert list(change_rows(requester, text="mail")) == [draft]
    assert list(change_rows(requester, text=assessed.tracking_code)) == [assessed]
    assert desk_change(requester, draft.tracking_code) == draft
    assert desk_change(requester, "000000000000") is None


def test_changes_in_month_and_freezes_in_overlap_the_range(
    make_change: MakeChange, django_assert_num_queries: Any
) -> None:
    inside = make_change(CS.SCHEDULED)
    make_change(start=END + dt.timedelta(days=40), end=END + dt.timedelta(days=41))
    freeze = FreezeWindow.objects.create(name_fa="آزمون", starts_at=START, ends_at=END)
    month = (START - dt.timedelta(days=5), START + dt.timedelta(days=5))
    with django_assert_num_queries(2):  # the changes, then their CIs
        assert list(changes_in_month(*month)) == [inside]
    assert list(freezes_in(*month)) == [freeze]
    assert list(freezes_in(END, END + dt.timedelta(days=1))) == []
