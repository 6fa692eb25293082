"""What an SLA escalation does to a request: the sweep moves its clocks, these move the request.

Registered in ``TicketsConfig.ready()`` with ``khedmat.sla.handlers.register_escalation_handler``;
the SLA sweep calls them inside its own transaction (``escalate_clock``), so the request, its
clocks and both Activity rows change together or not at all.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from khedmat.accounts.models import Team
from khedmat.core.services import record_activity
from khedmat.sla.choices import PRIORITY_RANK
from khedmat.tickets.models import Ticket


def reassign_from_sla(ticket: Ticket, *, team: Team, actor: Any = None) -> Ticket:
    """Hand the request to the escalation's team: its unit, its queue, nobody holding it yet.

    The holder keeps the request only when they belong to the new team; otherwise it goes back to
    the team's queue, where its members claim it.
    """
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.team_id == team.pk:
            return ticket
        old = {
            "team": ticket.team_id,
            "org_unit": ticket.org_unit_id,
            "assignee": ticket.assignee_id,
        }
        ticket.team = team
        ticket.org_unit_id = team.org_unit_id
        if (
            ticket.assignee_id is not None
            and not team.members.filter(pk=ticket.assignee_id).exists()
        ):
            ticket.assignee = None
        ticket.save(update_fields=["team", "org_unit", "assignee"])
        new = {"team": team.pk, "org_unit": team.org_unit_id, "assignee": ticket.assignee_id}
        record_activity(ticket, "ticket.escalated_to_team", actor=actor, old=old, new=new)
    return ticket


def raise_priority_from_sla(ticket: Ticket, *, priority: str, actor: Any = None) -> Ticket:
    """Raise the request's priority to the escalation's; never lower it."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if PRIORITY_RANK.get(ticket.priority, -1) >= PRIORITY_RANK.get(priority, -1):
            return ticket
        old = ticket.priority
        ticket.priority = priority
        ticket.save(update_fields=["priority"])
        record_activity(
            ticket,
            "ticket.priority_raised",
            actor=actor,
            old={"priority": old},
            new={"priority": priority},
        )
    return ticket
