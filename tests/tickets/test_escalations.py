"""An SLA escalation moves the request itself, not only its clocks (reassign, raise priority)."""

from __future__ import annotations

import pytest

from khedmat.accounts.models import OrgUnit, Team, User
from khedmat.core.models import Activity
from khedmat.sla.choices import DurationUnit, EscalationAction, EscalationEvent, TargetKind
from khedmat.sla.models import SlaClock, SlaEscalation, SlaPolicy, SlaTarget
from khedmat.sla.services import escalate_clock
from khedmat.tickets.escalations import raise_priority_from_sla
from khedmat.tickets.models import Ticket
from tests.fixtures.tickets import Submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolution_target(db: None) -> SlaTarget:
    policy = SlaPolicy.objects.create(name="Default", precedence=100)
    return SlaTarget.objects.create(
        policy=policy, kind=TargetKind.RESOLUTION, amount=5, unit=DurationUnit.WORKING_DAYS
    )


@pytest.fixture
def escalation_team(org_units: dict[str, OrgUnit]) -> Team:
    return Team.objects.create(code="escalations", name="Escalations", org_unit=org_units["other"])


def _clock(ticket: Ticket) -> SlaClock:
    return SlaClock.objects.for_record(ticket).get(kind=TargetKind.RESOLUTION)


def test_a_reassign_escalation_moves_the_request_to_the_new_team(
    submit: Submit, resolution_target: SlaTarget, escalation_team: Team, agent: User
) -> None:
    ticket = submit()
    ticket.assignee = agent
    ticket.save(update_fields=["assignee"])
    escalation = SlaEscalation.objects.create(
        target=resolution_target,
        event=EscalationEvent.BREACH,
        action=EscalationAction.REASSIGN,
        team=escalation_team,
    )

    escalate_clock(_clock(ticket), escalation=escalation, actor=None)

    ticket.refresh_from_db()
    assert (ticket.team_id, ticket.org_unit_id) == (escalation_team.pk, escalation_team.org_unit_id)
    assert ticket.assignee_id is None  # the agent is not in the new team: back to its queue
    moved = Activity.objects.for_target(ticket).get(verb="ticket.escalated_to_team")
    assert moved.new_value is not None
    assert moved.new_value["team"] == escalation_team.pk
    assert ticket not in type(ticket).objects.visible_to_staff(agent)  # it left the agent's unit


def test_a_reassign_keeps_a_holder_who_is_in_the_new_team(
    submit: Submit, resolution_target: SlaTarget, escalation_team: Team, agent: User
) -> None:
    ticket = submit()
    escalation_team.members.add(agent)
    ticket.assignee = agent
    ticket.save(update_fields=["assignee"])
    escalation = SlaEscalation.objects.create(
        target=resolution_target,
        event=EscalationEvent.BREACH,
        action=EscalationAction.REASSIGN,
        team=escalation_team,
    )

    escalate_clock(_clock(ticket), escalation=escalation, actor=None)

    ticket.refresh_from_db()
    assert (ticket.team_id, ticket.assignee_id) == (escalation_team.pk, agent.pk)


def test_a_raise_priority_escalation_raises_the_request_and_never_lowers_it(
    submit: Submit, resolution_target: SlaTarget
) -> None:
    ticket = submit()
    escalation = SlaEscalation.objects.create(
        target=resolution_target,
        event=EscalationEvent.BREACH,
        action=EscalationAction.RAISE_PRIORITY,
        priority="high",
    )

    escalate_clock(_clock(ticket), escalation=escalation, actor=None)
    ticket.refresh_from_db()
    assert ticket.priority == "high"
    raised = Activity.objects.for_target(ticket).get(verb="ticket.priority_raised")
    assert (raised.old_value, raised.new_value) == ({"priority": "normal"}, {"priority": "high"})

    ticket.priority = "urgent"
    ticket.save(update_fields=["priority"])
    raise_priority_from_sla(ticket, priority="high")
    ticket.refresh_from_db()
    assert ticket.priority == "urgent"
    assert Activity.objects.for_target(ticket).filter(verb="ticket.priority_raised").count() == 1
