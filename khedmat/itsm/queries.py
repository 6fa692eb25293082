"""Reads for the ITSM pages: lists by queue, one incident with its related records, the timeline,
the supervisor's open incidents by priority and age, problems, known errors, portal notices."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from khedmat.core.models import Activity
from khedmat.core.verbs import verb_label
from khedmat.itsm.choices import OPEN_INCIDENT_STATUSES, IncidentStatus
from khedmat.itsm.models import Incident, KnownError, Problem, PublicNotice
from khedmat.sla.choices import Priority

PAGE_SIZE = 50
INCIDENT_ORDER = ("-created_at", "-id")
PROBLEM_ORDER = ("-created_at", "-id")

QUEUE_MINE, QUEUE_TEAM, QUEUE_UNASSIGNED, QUEUE_OPEN, QUEUE_MAJOR, QUEUE_ALL = (
    "mine",
    "team",
    "unassigned",
    "open",
    "major",
    "all",
)
QUEUES: dict[str, Promise] = {
    QUEUE_MINE: _("Mine"),
    QUEUE_TEAM: _("My teams'"),
    QUEUE_UNASSIGNED: _("Unassigned"),
    QUEUE_OPEN: _("All open"),
    QUEUE_MAJOR: _("Major"),
    QUEUE_ALL: _("All"),
}

#: The verbs ITSM writes, with their timeline labels (registered in ItsmConfig.ready()).
ACTIVITY_LABELS: dict[str, Promise] = {
    "incident.reported": _("Incident reported"),
    "incident.assigned": _("Assigned"),
    "incident.started": _("Work started"),
    "incident.held": _("Put on hold"),
    "incident.resumed": _("Work resumed"),
    "incident.resolved": _("Resolved"),
    "incident.closed": _("Closed"),
    "incident.reopened": _("Reopened"),
    "incident.reprioritised": _("Priority changed"),
    "incident.note": _("Internal note"),
    "incident.reply": _("Reply to the reporter"),
    "incident.declared_major": _("Declared a major incident"),
    "incident.major_ended": _("No longer a major incident"),
    "incident.stakeholder_added": _("Stakeholder added"),
    "incident.update_posted": _("Update sent"),
    "incident.linked_to_parent": _("Linked to a parent incident"),
    "incident.child_linked": _("Child incident linked"),
    "incident.unlinked_from_parent": _("Unlinked from its parent"),
    "incident.duplicate_merged": _("Duplicate merged into it"),
    "incident.problem_linked": _("Linked to a problem"),
    "incident.known_error_applied": _("Known error applied"),
    "problem.logged": _("Problem logged"),
    "problem.incident_linked": _("Incident linked"),
    "problem.root_cause_found": _("Root cause found"),
    "problem.known_error_recorded": _("Known error recorded"),
    "problem.resolved": _("Problem resolved"),
    "problem.closed": _("Problem closed"),
    "known_error.recorded": _("Known error recorded"),
    "known_error.retired": _("Known error retired"),
}

INCIDENT_RELATED = ("service", "category", "team", "assignee", "org_unit")


def incident_queue(user: Any, queue: str) -> QuerySet[Incident]:
    """The incidents of one queue that the staff member may see."""
    visible = Incident.objects.visible_to_staff(user)
    if queue == QUEUE_MINE:
        return visible.filter(assignee=user).open()
    if queue == QUEUE_TEAM:
        return visible.filter(team__members=user).open()
    if queue == QUEUE_UNASSIGNED:
        return visible.filter(assignee__isnull=True).open()
    if queue == QUEUE_MAJOR:
        return visible.filter(is_major=True)
    if queue == QUEUE_OPEN:
        return visible.open()
    return visible


def incident_rows(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    """An incident list's rows with what they show loaded."""
    return incidents.select_related(*INCIDENT_RELATED)


def desk_incident(user: Any, code: str) -> Incident | None:
    """The incident with this code if the staff member may see it, with its relations."""
    return (
        Incident.objects.visible_to_staff(user)
        .select_related(
            *INCIDENT_RELATED,
            "reporter",
            "parent",
            "duplicate_of",
            "problem",
            "known_error",
            "notice",
        )
        .filter(tracking_code=code)
        .first()
    )


def reporter_incident(user: Any, code: str) -> Incident | None:
    """The incident with this code if `user` reported it (the portal's view)."""
    return (
        Incident.objects.reported_by(user)
        .select_related("service", "assignee", "team")
        .filter(tracking_code=code)
        .first()
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    label: str
    actor: Any
    text: str
    is_public: bool
    old: Any
    new: Any


def timeline(record: Any, *, public_only: bool = False) -> list[TimelineEntry]:
    """The record's Activity rows, oldest first, each with its label (one query)."""
    rows = Activity.objects.for_target(record).select_related("actor").order_by("created_at", "id")
    if public_only:
        rows = rows.filter(is_public=True)
    return [
        TimelineEntry(
            at=row.created_at,
            label=str(verb_label(row.verb)),
            actor=row.actor,
            text=str((row.data or {}).get("text") or (row.data or {}).get("note") or ""),
            is_public=row.is_public,
            old=row.old_value,
            new=row.new_value,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class AgeBucket:
    label: Promise
    newer_than: dt.timedelta | None
    older_than: dt.timedelta | None


AGE_BUCKETS = (
    AgeBucket(_("Under 4 hours"), dt.timedelta(hours=4), None),
    AgeBucket(_("4 to 24 hours"), dt.timedelta(hours=24), dt.timedelta(hours=4)),
    AgeBucket(_("1 to 3 days"), dt.timedelta(days=3), dt.timedelta(hours=24)),
    AgeBucket(_("Over 3 days"), None, dt.timedelta(days=3)),
)


def open_by_priority_and_age(
    user: Any, *, now: dt.datetime | None = None
) -> list[tuple[str, str, list[int], int]]:
    """Open incidents the supervisor may see, counted by priority (highest first) and age bucket:
    (priority, label, counts per bucket, total). One aggregate query."""
    now = now or timezone.now()
    aggregates: dict[str, Any] = {}
    for priority in Priority.values:
        for index, bucket in enumerate(AGE_BUCKETS):
            condition = Q(priority=priority)
            if bucket.newer_than is not None:
                condition &= Q(created_at__gt=now - bucket.newer_than)
            if bucket.older_than is not None:
                condition &= Q(created_at__lte=now - bucket.older_than)
            aggregates[f"{priority}_{index}"] = Count("pk", filter=condition)
    counts = Incident.objects.visible_to_staff(user).open().aggregate(**aggregates)
    rows = []
    for priority in reversed(Priority.values):
        cells = [counts[f"{priority}_{index}"] for index in range(len(AGE_BUCKETS))]
        rows.append((priority, str(Priority(priority).label), cells, sum(cells)))
    return rows


def open_counts(user: Any) -> dict[str, int]:
    """How many open incidents each status holds (for the list's header)."""
    counts = (
        Incident.objects.visible_to_staff(user)
        .filter(status__in=OPEN_INCIDENT_STATUSES)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["status"]: row["n"] for row in counts}


def problem_rows(user: Any, *, status: str = "") -> QuerySet[Problem]:
    problems = Problem.objects.visible_to_staff(user).select_related("service", "assignee", "team")
    if status:
        problems = problems.filter(status=status)
    return problems.annotate(incident_count=Count("incidents"))


def desk_problem(user: Any, code: str) -> Problem | None:
    return (
        Problem.objects.visible_to_staff(user)
        .select_related("service", "assignee", "team", "created_by")
        .filter(tracking_code=code)
        .first()
    )


def known_errors(*, active_only: bool = True) -> QuerySet[KnownError]:
    rows = KnownError.objects.select_related("problem", "service")
    return rows.active() if active_only else rows


def active_notices() -> list[PublicNotice]:
    """The status notices the portal shows now, newest first."""
    return list(PublicNotice.objects.active().select_related("incident").order_by("-published_at"))


def incident_statuses() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in IncidentStatus.choices]
