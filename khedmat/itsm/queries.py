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

from khedmat.accounts.models import Team
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
    "incident.referred_to_supplier": _("Referred to a supplier"),
    "incident.back_from_supplier": _("Back from the supplier"),
    "incident.supplier_referral_withdrawn": _("Taken back from the supplier"),
    "incident.resumed": _("Work resumed"),
    "incident.resolved": _("Resolved"),
    "incident.closed": _("Closed"),
    "incident.reopened": _("Reopened"),
    "incident.reprioritised": _("Priority changed"),
    "incident.ci_set": _("Configuration item set"),
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
    "incident.file_attached": _("File attached"),
    "incident.file_opened": _("File opened"),
    "problem.logged": _("Problem logged"),
    "problem.incident_linked": _("Incident linked"),
    "problem.root_cause_found": _("Root cause found"),
    "problem.known_error_recorded": _("Known error recorded"),
    "problem.resolved": _("Problem resolved"),
    "problem.closed": _("Problem closed"),
    "known_error.recorded": _("Known error recorded"),
    "known_error.retired": _("Known error retired"),
    "incident_view.saved": _("Incident view saved"),
    "incident_view.deleted": _("Incident view deleted"),
    "problem_view.saved": _("Problem view saved"),
    "problem_view.deleted": _("Problem view deleted"),
}

INCIDENT_RELATED = ("service", "category", "team", "assignee", "org_unit")


def _queue(visible: Any, user: Any, queue: str) -> Any:
    """One queue of incidents or problems the staff member may see: theirs, their teams', the
    unassigned ones, all open ones (open), or every one."""
    if queue == QUEUE_MINE:
        return visible.filter(assignee=user).open()
    if queue == QUEUE_TEAM:
        teams = Team.members.through.objects.filter(user_id=user.pk).values("team_id")
        return visible.filter(team_id__in=teams).open()
    if queue == QUEUE_UNASSIGNED:
        return visible.filter(assignee__isnull=True).open()
    if queue == QUEUE_OPEN:
        return visible.open()
    return visible


def incident_queue(user: Any, queue: str) -> QuerySet[Incident]:
    """The incidents of one queue that the staff member may see."""
    visible = Incident.objects.visible_to_staff(user)
    if queue == QUEUE_MAJOR:
        return visible.filter(is_major=True)
    return _queue(visible, user, queue)  # type: ignore[no-any-return]


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
            "ci__ci_type",
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


PROBLEM_QUEUES: dict[str, Promise] = {
    QUEUE_OPEN: _("All open"),
    QUEUE_MINE: _("Mine"),
    QUEUE_TEAM: _("My teams'"),
    QUEUE_ALL: _("All"),
}


@dataclass(frozen=True)
class ProblemFilters:
    """What the desk's problem list is narrowed to; every part optional."""

    status: str = ""
    priority: str = ""
    service: Any = None
    team: Any = None
    text: str = ""


def problem_queue(user: Any, queue: str) -> QuerySet[Problem]:
    """The problems of one queue that the staff member may see."""
    return _queue(Problem.objects.visible_to_staff(user), user, queue)  # type: ignore[no-any-return]


def problem_rows(
    user: Any, queue: str = QUEUE_ALL, filters: ProblemFilters | None = None
) -> QuerySet[Problem]:
    """One queue narrowed by the filters (words through the search index), rows loaded."""
    filters = filters or ProblemFilters()
    problems = problem_queue(user, queue)
    exact = {
        "status": filters.status,
        "priority": filters.priority,
        "service": filters.service,
        "team": filters.team,
    }
    problems = problems.filter(**{name: value for name, value in exact.items() if value})
    if filters.text:
        from khedmat.itsm.indexing import problem_search

        found = problem_search(filters.text, user)
        problems = problems.filter(pk__in=[hit.record.pk for hit in found])
    return problems.select_related("service", "assignee", "team").annotate(
        incident_count=Count("incidents")
    )


def desk_problem(user: Any, code: str) -> Problem | None:
    return (
        Problem.objects.visible_to_staff(user)
        .select_related("service", "assignee", "team", "created_by", "ci")
        .filter(tracking_code=code)
        .first()
    )


def known_errors(*, active_only: bool = True) -> QuerySet[KnownError]:
    rows = KnownError.objects.select_related("problem", "service")
    return rows.active() if active_only else rows


def active_notices() -> list[PublicNotice]:
    """The status notices the portal shows now, newest first."""
    return list(PublicNotice.objects.active().select_related("incident").order_by("-published_at"))


# --- the staff desk pages (views.desk) ---------------------------------------------------------
# Appended for the desk: the list's filters, the timeline with readable details, the records
# around one incident, problem or known error, and the priority matrix as a table.


@dataclass(frozen=True)
class IncidentFilters:
    """What the desk list is narrowed to; every part optional."""

    status: str = ""
    priority: str = ""
    service: Any = None
    category: Any = None
    age: int | None = None
    text: str = ""


def desk_incident_list(
    user: Any, queue: str, filters: IncidentFilters, *, now: dt.datetime | None = None
) -> QuerySet[Incident]:
    """One queue narrowed by the filters (words through the search index), rows loaded."""
    incidents = incident_queue(user, queue)
    exact = {
        "status": filters.status,
        "priority": filters.priority,
        "service": filters.service,
        "category": filters.category,
    }
    incidents = incidents.filter(**{name: value for name, value in exact.items() if value})
    if filters.age is not None and 0 <= filters.age < len(AGE_BUCKETS):
        now = now or timezone.now()
        bucket = AGE_BUCKETS[filters.age]
        if bucket.newer_than is not None:
            incidents = incidents.filter(created_at__gt=now - bucket.newer_than)
        if bucket.older_than is not None:
            incidents = incidents.filter(created_at__lte=now - bucket.older_than)
    if filters.text:
        from khedmat.itsm.indexing import incident_search

        found = incident_search(filters.text, user)
        incidents = incidents.filter(pk__in=[hit.record.pk for hit in found])
    return incident_rows(incidents)


@dataclass(frozen=True)
class DeskTimelineEntry:
    at: dt.datetime
    verb: str
    label: str
    actor: Any
    text: str
    detail: str
    is_public: bool


def desk_timeline(record: Any) -> list[DeskTimelineEntry]:
    """The record's Activity rows, oldest first, each with a readable detail (statuses, hold
    reason, resolution, priority, who it was assigned to). One query, two more when assigned."""
    rows = list(
        Activity.objects.for_target(record).select_related("actor").order_by("created_at", "id")
    )
    names = _assignment_names(rows)
    entries = []
    for row in rows:
        data = row.data if isinstance(row.data, dict) else {}
        text = data.get("text") or data.get("note") or data.get("reason") or ""
        text = text or data.get("root_cause") or data.get("fix") or ""
        label, detail = verb_label(row.verb), ""
        if row.verb.startswith("message."):  # a message about the record: its state, its channel
            label = str(_("Message: %(state)s")) % {"state": label}
            detail = _channel_label(data.get("channel"))
        elif row.verb.startswith("sla."):  # a clock of the record: why it paused
            detail = _pause_label(row.new_value)
        entries.append(
            DeskTimelineEntry(
                at=row.created_at,
                verb=row.verb,
                label=label,
                actor=row.actor,
                text=str(text),
                detail=detail or _timeline_detail(row.old_value, row.new_value, data, names),
                is_public=row.is_public,
            )
        )
    return entries


def _pause_label(value: Any) -> str:
    from khedmat.sla.choices import PauseReason

    reason = value.get("reason") if isinstance(value, dict) else None
    return str(PauseReason(reason).label) if reason in PauseReason.values else ""


def _channel_label(channel: Any) -> str:
    from khedmat.notifications.choices import Channel

    return str(Channel(channel).label) if channel in Channel.values else ""


def _assignment_names(rows: list[Activity]) -> dict[str, dict[int, str]]:
    """The names of the teams and people the rows assigned to (a query per kind, if any)."""
    from khedmat.accounts.models import Team, User

    assigned: list[dict[str, Any]] = [
        row.new_value
        for row in rows
        if row.verb == "incident.assigned" and isinstance(row.new_value, dict)
    ]
    team_ids = {value["team"] for value in assigned if value.get("team")}
    user_ids = {value["assignee"] for value in assigned if value.get("assignee")}
    teams = Team.objects.in_bulk(team_ids) if team_ids else {}
    users = User.objects.in_bulk(user_ids) if user_ids else {}
    return {
        "team": {pk: team.name for pk, team in teams.items()},
        "user": {pk: user.get_full_name() or user.username for pk, user in users.items()},
    }


def _timeline_detail(old: Any, new: Any, data: dict[str, Any], names: dict[str, Any]) -> str:
    from khedmat.itsm.choices import Audience, HoldReason, ProblemStatus, ResolutionCode

    statuses = {**dict(IncidentStatus.choices), **dict(ProblemStatus.choices)}
    parts: list[str] = []
    if isinstance(new, str) and new in statuses:
        if isinstance(old, str) and old in statuses and old != new:
            parts.append(
                str(_("from “%(old)s” to “%(new)s”")) % {"old": statuses[old], "new": statuses[new]}
            )
        else:
            parts.append(str(statuses[new]))
    if isinstance(old, dict) and isinstance(new, dict) and "priority" in new:
        priorities = dict(Priority.choices)
        before, after = str(old.get("priority", "")), str(new["priority"])
        parts.append(
            str(_("from “%(old)s” to “%(new)s”"))
            % {"old": priorities.get(before, before), "new": priorities.get(after, after)}
        )
    if isinstance(new, dict) and "assignee" in new:
        team = names["team"].get(new.get("team"), "")
        person = names["user"].get(new.get("assignee"), "")
        parts.append(" — ".join(part for part in (team, person) if part) or str(_("Nobody")))
    labels = {**dict(HoldReason.choices), **dict(ResolutionCode.choices)}
    for key in ("reason", "code"):
        if data.get(key) in labels:
            parts.append(str(labels[data[key]]))
    if data.get("audience") in Audience.values:
        parts.append(str(Audience(data["audience"]).label))
    return " · ".join(parts)


@dataclass(frozen=True)
class CiImpact:
    """What else the failure of an incident's CI affects: services, CIs, other open incidents."""

    services: list[Any]
    items: list[Any]
    item_count: int
    incidents: list[Incident]


@dataclass(frozen=True)
class IncidentRelations:
    """What hangs off one incident on its desk page."""

    children: list[Incident]
    duplicates: list[Incident]
    attachments: list[Any]
    impact: CiImpact | None = None


IMPACT_SHOWN = 12


def ci_impact(incident: Incident, user: Any) -> CiImpact | None:
    """The CMDB's impact analysis of the incident's CI (a fixed number of queries), None without
    a CI: the services reached, the nearest CIs, other open incidents on any of them."""
    if incident.ci_id is None:
        return None
    from khedmat.cmdb.impact import impacted_ids, nearest_items, services_among

    reached = impacted_ids([incident.ci_id])
    items = nearest_items(reached, IMPACT_SHOWN)
    services = services_among(reached)
    others = (
        incidents_on_cis(user, {incident.ci_id, *reached})
        .exclude(pk=incident.pk)
        .select_related("ci")[:IMPACT_SHOWN]
    )
    return CiImpact(services=services, items=items, item_count=len(reached), incidents=list(others))


def incidents_on_cis(user: Any, ci_ids: set[int]) -> QuerySet[Incident]:
    """Open incidents on these CIs that the staff member may see, newest first."""
    return (
        Incident.objects.visible_to_staff(user)
        .open()
        .filter(ci_id__in=ci_ids)
        .order_by("-created_at", "-id")
    )


def incident_relations(incident: Incident, user: Any) -> IncidentRelations:
    """The incident's children and duplicates the staff member may see, its files, and what
    else its CI's failure affects."""
    visible = Incident.objects.visible_to_staff(user).select_related("assignee")
    return IncidentRelations(
        children=list(visible.filter(parent=incident).order_by("created_at", "id")),
        duplicates=list(visible.filter(duplicate_of=incident).order_by("created_at", "id")),
        attachments=list(incident.attachments.order_by("id")),
        impact=ci_impact(incident, user),
    )


@dataclass(frozen=True)
class MajorIncidentLog:
    """A major incident's communications: updates sent, stakeholders, children, the next due."""

    updates: list[Any]
    stakeholders: list[Any]
    children: list[Incident]
    update_overdue: bool


def major_incident_log(
    incident: Incident, user: Any, *, now: dt.datetime | None = None
) -> MajorIncidentLog:
    """The major-incident page's records: three queries."""
    now = now or timezone.now()
    subscriptions = incident.subscriptions.select_related("user").order_by("created_at", "id")
    visible = Incident.objects.visible_to_staff(user).select_related("assignee", "team")
    return MajorIncidentLog(
        updates=list(incident.updates.select_related("author").order_by("-created_at", "-id")),
        stakeholders=[subscription.user for subscription in subscriptions],
        children=list(visible.filter(parent=incident).order_by("created_at", "id")),
        update_overdue=bool(
            incident.is_major
            and incident.next_update_due is not None
            and incident.next_update_due < now
        ),
    )


@dataclass(frozen=True)
class ProblemRelations:
    incidents: list[Incident]
    known_errors: list[KnownError]


def problem_relations(problem: Problem, user: Any) -> ProblemRelations:
    """The problem's incidents the staff member may see, and its known errors (two queries)."""
    visible = Incident.objects.visible_to_staff(user).select_related("assignee", "team")
    return ProblemRelations(
        incidents=list(visible.filter(problem=problem).order_by("-created_at", "-id")),
        known_errors=list(problem.known_errors.order_by("-created_at", "-id")),
    )


def desk_known_error(code: str) -> KnownError | None:
    """The known error with this code (retired ones too), with its problem and service."""
    return (
        KnownError.objects.select_related("problem", "service__current_version", "created_by", "ci")
        .filter(code=code)
        .first()
    )


def priority_matrix() -> list[tuple[str, list[tuple[str, str]]]]:
    """The impact × urgency matrix for a table: per impact (highest first), the priority value
    and label of each urgency (highest first). One query; a missing cell reads the default."""
    from khedmat.itsm.choices import Impact, Urgency
    from khedmat.itsm.models import PriorityRule
    from khedmat.itsm.services.common import DEFAULT_MATRIX

    stored = {(rule.impact, rule.urgency): rule.priority for rule in PriorityRule.objects.all()}
    labels = dict(Priority.choices)
    rows = []
    for impact in Impact.values:
        cells = []
        for urgency in Urgency.values:
            value = stored.get((impact, urgency)) or DEFAULT_MATRIX.get((impact, urgency), "")
            cells.append((value, str(labels.get(value, value))))
        rows.append((impact, cells))
    return rows
