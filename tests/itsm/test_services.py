"""Every incident and problem transition, each refusal, and what each leaves behind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Model
from django.utils import timezone

from khedmat.accounts.models import Team, User
from khedmat.core.models import Activity
from khedmat.itsm import services
from khedmat.itsm.choices import IncidentStatus, ProblemStatus, ResolutionCode
from khedmat.itsm.errors import (
    AssigneeNotInTeamError,
    HoldReasonMissingError,
    LinkError,
    MajorIncidentRoleError,
    NotMajorError,
    NotReporterError,
    ReopenWindowClosedError,
    ResolutionMissingError,
    TextMissingError,
    TransitionError,
)
from khedmat.itsm.models import Incident, PriorityRule, PublicNotice
from khedmat.notifications.models import Message
from khedmat.sla.choices import ClockState, TargetKind
from khedmat.sla.models import SlaClock, SlaPolicy
from tests.itsm.helpers import ReportIncident

pytestmark = pytest.mark.django_db

S = IncidentStatus


def verbs(record: Model) -> list[str]:
    """The record's own Activity verbs (the SLA clocks and messages write theirs too)."""
    rows = Activity.objects.for_target(record).order_by("id").values_list("verb", flat=True)
    return [verb for verb in rows if verb.split(".")[0] in {"incident", "problem", "known_error"}]


def sms_events(incident: Incident, recipient: str = "+989121110000") -> list[str]:
    messages = Message.objects.filter(recipient=recipient, related_id=str(incident.pk))
    return list(messages.order_by("id").values_list("event", flat=True))


def clocks(incident: Incident) -> dict[str, str]:
    rows = SlaClock.objects.filter(record_id=incident.pk, record_type__model="incident")
    return dict(rows.values_list("kind", "state"))


# --- reporting and the matrix ------------------------------------------------------------------


def test_report_gives_code_priority_clocks_activity_and_tells_the_reporter(
    report: ReportIncident, incident_sla: SlaPolicy, employee: User
) -> None:
    incident = report(impact="high", urgency="high")

    assert len(incident.tracking_code) == 10 and incident.tracking_code.isdigit()
    assert (incident.status, incident.priority) == (S.NEW, "urgent")
    assert incident.reporter_mobile == employee.mobile
    assert incident.org_unit is not None
    assert incident.org_unit.code == "it"
    assert clocks(incident) == {
        TargetKind.FIRST_RESPONSE: ClockState.RUNNING,
        TargetKind.RESOLUTION: ClockState.RUNNING,
    }
    assert incident.promised_at is not None and incident.promised_at > timezone.now()
    assert verbs(incident) == ["incident.reported"]
    assert sms_events(incident) == ["incident_reported"]


def test_the_matrix_is_data_an_administrator_edits(report: ReportIncident) -> None:
    assert report(impact="low", urgency="low").priority == "low"
    PriorityRule.objects.filter(impact="low", urgency="low").update(priority="high")
    assert report(impact="low", urgency="low").priority == "high"


def test_reprioritising_recomputes_from_the_matrix_and_keeps_the_old_values(
    report: ReportIncident, it_agent: User
) -> None:
    incident = report(impact="low", urgency="low")
    services.change_incident_priority(incident, impact="high", urgency="medium", actor=it_agent)
    incident.refresh_from_db()
    assert incident.priority == "high"
    row = Activity.objects.for_target(incident).get(verb="incident.reprioritised")
    assert row.old_value is not None and row.new_value is not None
    assert row.old_value["priority"] == "low" and row.new_value["priority"] == "high"


# --- assignment --------------------------------------------------------------------------------


def test_claim_takes_the_incident_and_starts_it(
    report: ReportIncident, it_agent_two: User, incident_sla: SlaPolicy
) -> None:
    incident = services.claim_incident(report(), actor=it_agent_two)
    assert (incident.assignee, incident.status) == (it_agent_two, S.IN_PROGRESS)
    assert clocks(incident)[TargetKind.FIRST_RESPONSE] == ClockState.MET
    assert verbs(incident) == ["incident.reported", "incident.assigned", "incident.started"]


def test_assigning_someone_outside_the_team_is_refused(
    report: ReportIncident, it_agent: User, outsider: User, desk_team: Team
) -> None:
    incident = report()
    with pytest.raises(AssigneeNotInTeamError):
        services.assign_incident(incident, team=desk_team, assignee=outsider, actor=it_agent)
    incident.refresh_from_db()
    assert incident.assignee is None and verbs(incident) == ["incident.reported"]


def test_refer_to_another_team_moves_the_unit(
    report: ReportIncident, it_agent: User, outsider: User
) -> None:
    other = Team.objects.get(code="other-desk")
    incident = services.assign_incident(report(), team=other, assignee=None, actor=it_agent)
    assert incident.org_unit_id == other.org_unit_id and incident.team == other


# --- the status machine ------------------------------------------------------------------------


def test_hold_pauses_the_clocks_and_resume_restarts_them(
    report: ReportIncident, it_agent: User, incident_sla: SlaPolicy
) -> None:
    incident = services.start_incident(report(), actor=it_agent)
    incident = services.hold_incident(incident, reason="awaiting_supplier", actor=it_agent)
    assert (incident.status, incident.hold_reason) == (S.ON_HOLD, "awaiting_supplier")
    assert clocks(incident)[TargetKind.RESOLUTION] == ClockState.PAUSED
    incident = services.resume_incident(incident, actor=it_agent)
    assert (incident.status, incident.hold_reason) == (S.IN_PROGRESS, "")
    assert clocks(incident)[TargetKind.RESOLUTION] == ClockState.RUNNING


def test_hold_without_a_known_reason_is_refused(report: ReportIncident, it_agent: User) -> None:
    incident = report()
    with pytest.raises(HoldReasonMissingError):
        services.hold_incident(incident, reason="", actor=it_agent)
    incident.refresh_from_db()
    assert incident.status == S.NEW


def test_resume_of_an_incident_not_on_hold_is_refused(
    report: ReportIncident, it_agent: User
) -> None:
    with pytest.raises(TransitionError):
        services.resume_incident(report(), actor=it_agent)


def test_resolve_needs_a_code_and_a_note(report: ReportIncident, it_agent: User) -> None:
    incident = report()
    for code, note in (("", "Restarted the server."), ("permanent", "  "), ("nonsense", "x")):
        with pytest.raises(ResolutionMissingError):
            services.resolve_incident(incident, code=code, note=note, actor=it_agent)
    incident.refresh_from_db()
    assert incident.status == S.NEW and incident.resolved_at is None


def test_resolve_stops_the_clocks_and_tells_the_reporter(
    report: ReportIncident, it_agent: User, incident_sla: SlaPolicy
) -> None:
    incident = services.start_incident(report(), actor=it_agent)
    incident = services.resolve_incident(
        incident, code="permanent", note="Mail server restarted.", actor=it_agent
    )
    assert incident.status == S.RESOLVED and incident.resolved_at is not None
    assert set(clocks(incident).values()) == {ClockState.MET}
    assert sms_events(incident)[-1] == "incident_resolved"
    assert "Mail server restarted." in Message.objects.filter(event="incident_resolved").get().body


def test_close_then_nothing_moves(report: ReportIncident, it_agent: User) -> None:
    incident = services.resolve_incident(report(), code="permanent", note="ok", actor=it_agent)
    incident = services.close_incident(incident, actor=it_agent)
    assert incident.status == S.CLOSED and incident.closed_at is not None
    for move in (
        lambda: services.start_incident(incident, actor=it_agent),
        lambda: services.resolve_incident(incident, code="permanent", note="x", actor=it_agent),
        lambda: services.close_incident(incident, actor=it_agent),
    ):
        with pytest.raises(TransitionError):
            move()
    assert verbs(incident).count("incident.closed") == 1


def test_an_open_incident_cannot_be_closed_without_resolving_except_a_new_one(
    report: ReportIncident, it_agent: User
) -> None:
    working = services.start_incident(report(), actor=it_agent)
    with pytest.raises(TransitionError):
        services.close_incident(working, actor=it_agent)
    assert services.close_incident(report(), actor=it_agent).status == S.CLOSED


def test_the_reporter_reopens_within_the_window_and_a_new_clock_starts(
    report: ReportIncident, it_agent: User, employee: User, incident_sla: SlaPolicy
) -> None:
    incident = services.resolve_incident(report(), code="workaround", note="ok", actor=it_agent)
    incident = services.reopen_incident(incident, reason="Still failing.", actor=employee)
    assert (incident.status, incident.reopen_count, incident.resolution_code) == (
        S.IN_PROGRESS,
        1,
        "",
    )
    running = SlaClock.objects.filter(record_id=incident.pk, state=ClockState.RUNNING)
    assert list(running.values_list("kind", flat=True)) == [TargetKind.RESOLUTION]


def test_reopen_after_the_window_or_by_someone_else_is_refused(
    report: ReportIncident, it_agent: User, employee: User, applicant: User
) -> None:
    incident = services.resolve_incident(report(), code="workaround", note="ok", actor=it_agent)
    with pytest.raises(NotReporterError):
        services.reopen_incident(incident, reason="me too", actor=applicant)
    deadline = services.reopen_deadline(incident)
    assert deadline is not None
    with pytest.raises(ReopenWindowClosedError):
        services.reopen_incident(
            incident, reason="late", actor=employee, now=deadline + dt.timedelta(minutes=1)
        )
    with pytest.raises(TextMissingError):
        services.reopen_incident(incident, reason=" ", actor=employee)
    incident.refresh_from_db()
    assert incident.status == S.RESOLVED


def test_the_sweep_closes_only_what_passed_its_window(
    report: ReportIncident, it_agent: User
) -> None:
    old = services.resolve_incident(report(), code="permanent", note="ok", actor=it_agent)
    fresh = services.resolve_incident(report(), code="permanent", note="ok", actor=it_agent)
    Incident.objects.filter(pk=old.pk).update(resolved_at=timezone.now() - dt.timedelta(days=30))
    assert services.close_resolved_incidents() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == (S.CLOSED, S.RESOLVED)


def test_notes_are_internal_and_replies_public_and_sent(
    report: ReportIncident, it_agent: User, incident_sla: SlaPolicy
) -> None:
    incident = report()
    services.add_incident_note(incident, text="Checked the logs.", actor=it_agent)
    services.reply_to_reporter(incident, text="We are on it.", actor=it_agent)
    rows = Activity.objects.for_target(incident).filter(
        verb__in=["incident.note", "incident.reply"]
    )
    assert dict(rows.values_list("verb", "is_public")) == {
        "incident.note": False,
        "incident.reply": True,
    }
    assert sms_events(incident) == ["incident_reported", "incident_reply"]
    assert clocks(incident)[TargetKind.FIRST_RESPONSE] == ClockState.MET
    with pytest.raises(TextMissingError):
        services.add_incident_note(incident, text="", actor=it_agent)


# --- major incidents ---------------------------------------------------------------------------


def test_only_the_incident_manager_role_declares_a_major_incident(
    report: ReportIncident, it_agent: User, incident_manager: User
) -> None:
    incident = report()
    with pytest.raises(MajorIncidentRoleError):
        services.declare_major_incident(incident, actor=it_agent)
    incident.refresh_from_db()
    assert not incident.is_major
    incident = services.declare_major_incident(incident, actor=incident_manager)
    assert incident.is_major and incident.next_update_due is not None
    assert incident.subscriptions.filter(user=incident_manager).exists()


def test_updates_reach_stakeholders_and_a_public_one_sets_the_notice(
    report: ReportIncident, it_agent: User, incident_manager: User
) -> None:
    incident = services.declare_major_incident(report(), actor=incident_manager)
    with pytest.raises(NotMajorError):
        services.post_major_update(report(), text="x", audience="staff", actor=incident_manager)
    services.subscribe_stakeholder(incident, user=it_agent, actor=incident_manager)
    staff = services.post_major_update(
        incident, text="Investigating.", audience="staff", actor=incident_manager
    )
    assert staff.recipients == 2 and not PublicNotice.objects.exists()
    services.post_major_update(
        incident,
        text="E-mail is down; fix expected at noon.",
        audience="public",
        actor=incident_manager,
    )
    notice = PublicNotice.objects.active().get()
    assert notice.text == "E-mail is down; fix expected at noon."
    recipients = Message.objects.filter(event="major_incident_update").values_list(
        "recipient", flat=True
    )
    assert sorted(set(recipients)) == ["+989120000001", "+989120000003"]
    services.resolve_incident(incident, code="permanent", note="Fixed.", actor=incident_manager)
    assert not PublicNotice.objects.active().exists()


def test_children_resolve_and_close_with_the_parent_each_reporter_told(
    report: ReportIncident, it_agent: User, make_user: object
) -> None:
    parent = report()
    second_reporter = make_user("second", roles=["operator"], mobile="09125550000")  # type: ignore[operator]
    child = report("No e-mail here either", reporter=second_reporter)
    services.link_child_incident(child, parent=parent, actor=it_agent)
    services.resolve_incident(parent, code="permanent", note="Fixed.", actor=it_agent)
    child.refresh_from_db()
    assert (child.status, child.resolution_code) == (
        S.RESOLVED,
        ResolutionCode.RESOLVED_WITH_PARENT,
    )
    assert sms_events(child, "+989125550000")[-1] == "incident_resolved"
    services.close_incident(parent, actor=it_agent)
    child.refresh_from_db()
    assert child.status == S.CLOSED


def test_bad_links_are_refused(report: ReportIncident, it_agent: User) -> None:
    parent, child, grandchild = report(), report(), report()
    with pytest.raises(LinkError):
        services.link_child_incident(parent, parent=parent, actor=it_agent)
    services.link_child_incident(child, parent=parent, actor=it_agent)
    with pytest.raises(LinkError):  # one level only: a child is no parent
        services.link_child_incident(grandchild, parent=child, actor=it_agent)
    with pytest.raises(LinkError):  # a parent is no child
        services.link_child_incident(parent, parent=grandchild, actor=it_agent)
    services.unlink_child_incident(child, actor=it_agent)
    child.refresh_from_db()
    assert child.parent is None
    with pytest.raises(LinkError):
        services.unlink_child_incident(child, actor=it_agent)


def test_merge_closes_the_duplicate_and_tells_its_reporter(
    report: ReportIncident, it_agent: User
) -> None:
    master, duplicate = report(), report()
    duplicate = services.merge_duplicate_incident(duplicate, into=master, actor=it_agent)
    assert (duplicate.status, duplicate.resolution_code, duplicate.duplicate_of) == (
        S.CLOSED,
        ResolutionCode.DUPLICATE,
        master,
    )
    assert "incident_merged" in sms_events(duplicate)
    assert "incident.duplicate_merged" in verbs(master)
    with pytest.raises(LinkError):
        services.merge_duplicate_incident(duplicate, into=master, actor=it_agent)


# --- problems and known errors -----------------------------------------------------------------


def test_problem_lifecycle_from_incidents_to_closed(report: ReportIncident, it_agent: User) -> None:
    first, second = report(urgency="low"), report(impact="high", urgency="high")
    problem = services.open_problem(
        title="Mail server runs out of disk", incidents=[first, second], actor=it_agent
    )
    assert problem.status == ProblemStatus.LOGGED and problem.priority == "urgent"
    assert set(problem.incidents.values_list("pk", flat=True)) == {first.pk, second.pk}
    problem = services.record_root_cause(problem, root_cause="Logs never rotated.", actor=it_agent)
    known = services.record_known_error(
        problem, workaround="Delete old logs in /var/log/mail.", actor=it_agent
    )
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.KNOWN_ERROR and known.problem == problem
    problem = services.resolve_problem(problem, fix="Log rotation configured.", actor=it_agent)
    known.refresh_from_db()
    assert known.fix == "Log rotation configured."
    problem = services.close_problem(problem, actor=it_agent)
    assert problem.status == ProblemStatus.CLOSED
    assert verbs(problem) == [
        "problem.logged",
        "problem.incident_linked",
        "problem.incident_linked",
        "problem.root_cause_found",
        "problem.known_error_recorded",
        "problem.resolved",
        "problem.closed",
    ]


def test_problem_refusals(it_agent: User) -> None:
    with pytest.raises(TextMissingError):
        services.open_problem(title=" ", actor=it_agent)
    problem = services.open_problem(title="Slow portal", actor=it_agent)
    with pytest.raises(TransitionError):  # no fix before the cause or the known error
        services.resolve_problem(problem, fix="x", actor=it_agent)
    with pytest.raises(TextMissingError):
        services.record_root_cause(problem, root_cause="", actor=it_agent)
    problem = services.close_problem(problem, actor=it_agent)
    with pytest.raises(TransitionError):
        services.record_root_cause(problem, root_cause="late", actor=it_agent)


def test_applying_a_known_error_replies_with_the_workaround_and_links(
    report: ReportIncident, it_agent: User
) -> None:
    problem = services.open_problem(title="VPN drops", actor=it_agent)
    known = services.record_known_error(
        problem, workaround="Reconnect with the new profile.", actor=it_agent
    )
    incident = services.apply_known_error(report(), known=known, actor=it_agent)
    incident.refresh_from_db()
    assert (incident.known_error, incident.problem) == (known, problem)
    reply = Activity.objects.for_target(incident).get(verb="incident.reply")
    assert reply.data["text"] == "Reconnect with the new profile." and reply.is_public
    assert sms_events(incident)[-1] == "incident_reply"


def test_a_known_error_is_not_applied_to_a_closed_incident_or_when_retired(
    report: ReportIncident, it_agent: User
) -> None:
    known = services.create_known_error(
        title="Quota", symptom="Mailbox full", workaround="Archive old mail.", actor=it_agent
    )
    closed = services.close_incident(report(), actor=it_agent)
    with pytest.raises(LinkError):
        services.apply_known_error(closed, known=known, actor=it_agent)
    services.retire_known_error(known, actor=it_agent)
    with pytest.raises(LinkError):
        services.apply_known_error(report(), known=known, actor=it_agent)
    assert not Activity.objects.filter(verb="incident.known_error_applied").exists()


def test_a_problem_is_visible_to_whoever_opened_it(it_agent: User, outsider: User) -> None:
    problem = services.open_problem(title="Printers lose their queue", actor=outsider)
    assert list(type(problem).objects.visible_to_staff(outsider)) == [problem]
    assert not type(problem).objects.visible_to_staff(it_agent).exists()
