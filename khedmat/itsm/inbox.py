"""Incidents in the staff inbox (processes.inbox_sources): the same tabs, sort, filters, saved
views and bulk claim/release/assign as request tasks, registered in ItsmConfig.ready()."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import User
from khedmat.catalog.models import Service
from khedmat.itsm import queries, services
from khedmat.itsm.errors import ItsmError
from khedmat.itsm.models import Incident
from khedmat.processes.inbox import code_prefix
from khedmat.processes.inbox_sources import BulkOutcome, InboxSource
from khedmat.processes.queries import SORT_DUE, SORT_NEWEST, VIEW_MINE, VIEW_TEAM
from khedmat.sla.queries import sla_state_for

#: The inbox's tabs as incident queues: held by me, my teams' open ones, the open unassigned ones.
TAB_QUEUES = {
    VIEW_MINE: queries.QUEUE_MINE,
    VIEW_TEAM: queries.QUEUE_TEAM,
}


def open_incidents(user: User, tab: str) -> QuerySet[Incident]:
    return queries.incident_queue(user, TAB_QUEUES.get(tab, queries.QUEUE_UNASSIGNED))


def narrow(incidents: QuerySet[Incident], params: Mapping[str, str]) -> QuerySet[Incident]:
    """By the affected service's code and by the start of the tracking code."""
    if params.get("service"):
        incidents = incidents.filter(service__code=params["service"])
    code = code_prefix(params)
    if code:
        incidents = incidents.filter(tracking_code__startswith=code)
    return incidents


def bulk(user: User, ids: Sequence[int], operation: str, assignee: User | None) -> BulkOutcome:
    """Claim (not from a colleague), release (one's own) or assign within each incident's team."""
    outcome = BulkOutcome()
    for incident in Incident.objects.visible_to_staff(user).filter(pk__in=ids).order_by("pk"):
        try:
            if operation == "claim":
                services.claim_incident(incident, actor=user, take_over=False)
            elif operation == "release":
                services.release_incident(incident, actor=user)
            else:
                services.assign_incident(
                    incident, team=incident.team, assignee=assignee, actor=user
                )
        except ItsmError as error:
            outcome.refused.append(
                (f"{incident.title} ({incident.tracking_code})", str(error.message))
            )
        else:
            outcome.done += 1
    return outcome


def rows(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    """What the inbox's rows show: the list's relations and the service's current title."""
    return queries.incident_rows(incidents).select_related("service__current_version")


def _services() -> QuerySet[Service]:
    return (
        Service.objects.filter(current_version__isnull=False)
        .select_related("current_version")
        .order_by("code")
    )


def _may_assign(user: User) -> bool:
    """As on the incident's page: whoever works incidents may refer one to a colleague."""
    return user.has_perm("itsm.change_incident")


def _context(user: User, incidents: list[Incident]) -> dict[str, Any]:
    return {"states": sla_state_for(incidents)}


INCIDENT_SOURCE = InboxSource(
    key="incidents",
    label=_("Incidents"),
    permission="itsm.change_incident",
    items=open_incidents,
    narrow=narrow,
    rows=rows,
    orders={SORT_NEWEST: queries.INCIDENT_ORDER, SORT_DUE: ("promised_at", "id")},
    nulls_last=("promised_at",),
    template="itsm/_inbox_incidents.html",
    bulk=bulk,
    services=_services,
    may_assign=_may_assign,
    context=_context,
)
