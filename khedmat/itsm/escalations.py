"""What an SLA escalation does to an incident: the sweep moves its clocks, these move the incident.

Registered in ``ItsmConfig.ready()`` with ``khedmat.sla.handlers.register_escalation_handler``;
the SLA sweep calls them inside its own transaction (``escalate_clock``, which has locked the
incident before its clock), so the incident, its clocks and both Activity rows change together.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import Team
from khedmat.core.services import record_activity
from khedmat.itsm.models import Incident
from khedmat.sla.choices import PRIORITY_RANK

#: The verbs written here, with their timeline labels (registered in ItsmConfig.ready()).
ESCALATION_LABELS: dict[str, Promise] = {
    "incident.escalated_to_team": _("Escalated to another team (SLA)"),
    "incident.priority_raised": _("Priority raised (SLA)"),
}


def reassign_incident_from_sla(incident: Incident, *, team: Team, actor: Any = None) -> Incident:
    """Hand the incident to the escalation's team: its unit and its queue.

    The handler keeps the incident only when they belong to the new team; otherwise it waits in
    the team's queue, where the team lead (or a member) takes it.
    """
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if incident.team_id == team.pk:
            return incident
        old = {
            "team": incident.team_id,
            "org_unit": incident.org_unit_id,
            "assignee": incident.assignee_id,
        }
        incident.team = team
        incident.org_unit_id = team.org_unit_id
        if (
            incident.assignee_id is not None
            and not team.members.filter(pk=incident.assignee_id).exists()
        ):
            incident.assignee = None
        incident.save(update_fields=["team", "org_unit", "assignee"])
        new = {"team": team.pk, "org_unit": team.org_unit_id, "assignee": incident.assignee_id}
        record_activity(incident, "incident.escalated_to_team", actor=actor, old=old, new=new)
    return incident


def raise_incident_priority_from_sla(
    incident: Incident, *, priority: str, actor: Any = None
) -> Incident:
    """Raise the incident's priority to the escalation's, as its clocks were; never lower it.

    Impact and urgency stay as assessed: the matrix applies again on the next reassessment.
    """
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if PRIORITY_RANK.get(incident.priority, -1) >= PRIORITY_RANK.get(priority, -1):
            return incident
        old = incident.priority
        incident.priority = priority
        incident.save(update_fields=["priority"])
        record_activity(
            incident,
            "incident.priority_raised",
            actor=actor,
            old={"priority": old},
            new={"priority": priority},
        )
    return incident
