"""An SLA breach moves the incident itself, not only its clocks: the sweep fires the escalation,
the job runs it, and ITSM's handlers reassign the incident or raise its priority."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType

from khedmat.accounts.models import OrgUnit, Team, User
from khedmat.core.models import Activity
from khedmat.itsm import services
from khedmat.itsm.escalations import raise_incident_priority_from_sla, reassign_incident_from_sla
from khedmat.itsm.models import Incident
from khedmat.itsm.queries import incident_queue
from khedmat.sla.choices import EscalationAction, EscalationEvent, TargetKind
from khedmat.sla.handlers import handler_for
from khedmat.sla.models import SlaClock, SlaEscalation, SlaPolicy
from khedmat.sla.services import sweep_clocks
from tests.fixtures.sla import SATURDAY_0800, run_enqueued, tehran

pytestmark = pytest.mark.django_db

# Resolution in 2 working days from Saturday 08:00: due at the end of Monday (14:30).
TUESDAY_0800 = tehran(2026, 5, 5, 8, 0)


@pytest.fixture
def infrastructure(it_unit: OrgUnit) -> Team:
    return Team.objects.create(code="infrastructure", name="Infrastructure", org_unit=it_unit)


ReportSaturday = Callable[..., Incident]


@pytest.fixture
def report(it_agent: User, desk_team: Team, employee: User) -> ReportSaturday:
    """report(**fields) -> an incident the IT agent logged for the service desk on Saturday 08:00."""

    def make(**fields: Any) -> Incident:
        fields.setdefault("reporter", employee)
        fields.setdefault("team", desk_team)
        details = services.IncidentReport(title="VPN is down", **fields)
        return services.report_incident(details, actor=it_agent, now=SATURDAY_0800)

    return make


def claimed(incident: Incident, agent: User) -> Incident:
    return services.claim_incident(
        incident, actor=agent, now=SATURDAY_0800 + dt.timedelta(minutes=10)
    )


def on_breach(policy: SlaPolicy, action: str, **fields: object) -> SlaEscalation:
    resolution = policy.targets.get(kind=TargetKind.RESOLUTION)
    return SlaEscalation.objects.create(
        target=resolution, event=EscalationEvent.BREACH, action=action, **fields
    )


def resolution_clock(incident: Incident) -> SlaClock:
    return SlaClock.objects.for_record(incident).get(kind=TargetKind.RESOLUTION)


def itsm_verbs(incident: Incident) -> list[str]:
    rows = Activity.objects.for_target(incident).order_by("id").values_list("verb", flat=True)
    return [verb for verb in rows if verb.startswith(("incident.", "sla.escalation."))]


def breach_and_escalate() -> list[int]:
    """The minute's sweep after the due time, then the escalation jobs it queued."""
    assert sweep_clocks(TUESDAY_0800).escalations == 1
    return run_enqueued("escalate_clocks")


def test_itsm_registers_both_handlers_for_incidents() -> None:
    incident_type = ContentType.objects.get_for_model(Incident).pk
    assert handler_for(incident_type, EscalationAction.REASSIGN) is reassign_incident_from_sla
    assert (
        handler_for(incident_type, EscalationAction.RAISE_PRIORITY)
        is raise_incident_priority_from_sla
    )


def test_a_reassign_on_breach_moves_the_incident_to_the_new_teams_queue(
    report: ReportSaturday,
    incident_sla: SlaPolicy,
    infrastructure: Team,
    it_agent: User,
    it_agent_two: User,
    desk_team: Team,
) -> None:
    on_breach(incident_sla, EscalationAction.REASSIGN, team=infrastructure)
    infrastructure.members.add(it_agent_two)
    desk_team.members.remove(it_agent_two)
    incident = claimed(report(), it_agent)

    assert breach_and_escalate() == [1]

    incident.refresh_from_db()
    assert (incident.team_id, incident.org_unit_id) == (
        infrastructure.pk,
        infrastructure.org_unit_id,
    )
    assert incident.assignee_id is None  # the handler is not in the new team: its queue
    moved = Activity.objects.for_target(incident).get(verb="incident.escalated_to_team")
    assert moved.old_value == {
        "team": desk_team.pk,
        "org_unit": desk_team.org_unit_id,
        "assignee": it_agent.pk,
    }
    assert moved.new_value == {
        "team": infrastructure.pk,
        "org_unit": infrastructure.org_unit_id,
        "assignee": None,
    }
    assert moved.actor is None
    assert itsm_verbs(incident)[-2:] == ["incident.escalated_to_team", "sla.escalation.reassigned"]
    assert resolution_clock(incident).team_id == infrastructure.pk
    assert list(incident_queue(it_agent_two, "team")) == [incident]
    assert list(incident_queue(it_agent_two, "unassigned")) == [incident]


def test_a_reassign_keeps_a_handler_who_is_in_the_new_team(
    report: ReportSaturday, incident_sla: SlaPolicy, infrastructure: Team, it_agent: User
) -> None:
    on_breach(incident_sla, EscalationAction.REASSIGN, team=infrastructure)
    infrastructure.members.add(it_agent)
    incident = claimed(report(), it_agent)

    breach_and_escalate()

    incident.refresh_from_db()
    assert (incident.team_id, incident.assignee_id) == (infrastructure.pk, it_agent.pk)


def test_a_raise_priority_on_breach_raises_the_incident_one_step(
    report: ReportSaturday, incident_sla: SlaPolicy
) -> None:
    on_breach(incident_sla, EscalationAction.RAISE_PRIORITY, priority="normal")
    incident = report(impact="low", urgency="low")
    assert incident.priority == "low"

    assert breach_and_escalate() == [1]

    incident.refresh_from_db()
    assert (incident.priority, incident.impact, incident.urgency) == ("normal", "low", "low")
    raised = Activity.objects.for_target(incident).get(verb="incident.priority_raised")
    assert (raised.old_value, raised.new_value) == ({"priority": "low"}, {"priority": "normal"})
    assert itsm_verbs(incident)[-2:] == [
        "incident.priority_raised",
        "sla.escalation.priority_raised",
    ]
    assert resolution_clock(incident).priority == "normal"


def test_a_raise_never_lowers_the_priority(report: ReportSaturday, incident_sla: SlaPolicy) -> None:
    incident = report(impact="high", urgency="high")
    assert incident.priority == "urgent"

    raise_incident_priority_from_sla(incident, priority="high")
    assert incident.team is not None
    reassigned_to_same = reassign_incident_from_sla(incident, team=incident.team)

    incident.refresh_from_db()
    assert incident.priority == "urgent"
    assert reassigned_to_same.team_id == incident.team_id
    assert (
        not Activity.objects.for_target(incident)
        .filter(verb__in=["incident.priority_raised", "incident.escalated_to_team"])
        .exists()
    )
