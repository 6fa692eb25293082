"""Reads for complaint pages: the desk list (keyset), one complaint, follow-up, overdue report."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import OrgUnit
from khedmat.catalog.models import Service
from khedmat.complaints.choices import ComplaintStatus
from khedmat.complaints.models import Complaint
from khedmat.core.models import Activity
from khedmat.core.verbs import verb_label
from khedmat.tickets.models import Ticket

PAGE_SIZE = 25
RELATED = ("service__current_version", "ticket", "org_unit", "answered_by")


#: The desk's complaint list: newest first (a keyset page, see core.pagination).
COMPLAINT_ORDER = ("-id",)


def complaint_rows(complaints: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """The complaints of a list with what its rows show loaded (one query a page)."""
    return complaints.select_related(*RELATED)


def desk_complaint(user: Any, code: str) -> Complaint | None:
    """The complaint with this code if the staff member may see it."""
    return (
        Complaint.objects.visible_to_staff(user)
        .select_related(*RELATED, "complainant", "filed_by")
        .filter(tracking_code=code)
        .first()
    )


#: The verbs complaints writes, with their timeline labels (registered in ComplaintsConfig.ready()).
ACTIVITY_LABELS: dict[str, Promise] = {
    "complaint.filed": _("Complaint filed"),
    "complaint.status_changed": _("Status changed"),
}


@dataclass(frozen=True)
class TimelineEntry:
    at: Any
    label: str
    actor: Any
    new_status: str


def _status_label(statuses: dict[str, Any], verb: str, value: Any) -> str:
    if not verb.startswith("complaint.") or not isinstance(value, str):
        return ""
    return str(statuses.get(value, ""))


def complaint_timeline(complaint: Complaint) -> list[TimelineEntry]:
    """The complaint's history, newest first, with readable labels (one query)."""
    statuses = dict(ComplaintStatus.choices)
    return [
        TimelineEntry(
            at=row.created_at,
            label=verb_label(row.verb),
            actor=row.actor,
            new_status=_status_label(statuses, row.verb, row.new_value),
        )
        for row in Activity.objects.for_target(complaint).select_related("actor")
    ]


def _same(given: str, expected: str) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(given, expected)


def follow_up_complaint(code: str, *, national_code: str, user: Any) -> Complaint | None:
    """The complaint with `code` if the visitor proves its national code or filed it, else None.

    One query whatever the outcome, so a wrong national code and an unknown code look alike.
    """
    complaint = Complaint.objects.filter(tracking_code=code).first()
    expected = complaint.complainant_national_code if complaint is not None else "0" * 10
    matches = _same(national_code, expected)
    if complaint is None:
        return None
    if matches or can_follow(complaint, user):
        return complaint
    return None


def can_follow(complaint: Complaint, user: Any) -> bool:
    """Whether a signed-in person filed the complaint (as its complainant)."""
    return bool(getattr(user, "is_authenticated", False)) and complaint.complainant_id == user.pk


def complaint_for_tracking(code: str) -> Complaint | None:
    return (
        Complaint.objects.select_related("service__current_version", "ticket", "org_unit")
        .filter(tracking_code=code)
        .first()
    )


def applicant_complaints(user: Any, *, limit: int = 20) -> list[Complaint]:
    """A signed-in person's own complaints, newest first."""
    return list(
        Complaint.objects.of_complainant(user)
        .select_related("service__current_version")
        .order_by("-id")[:limit]
    )


def complaint_services() -> QuerySet[Service]:
    """Published services a complaint may be about, with their card in force."""
    return (
        Service.objects.filter(is_published=True, current_version__isnull=False)
        .select_related("current_version")
        .order_by("code")
    )


def applicant_requests(user: Any) -> QuerySet[Ticket]:
    """The requests a signed-in applicant follows (a complaint may be about one of them)."""
    return (
        Ticket.objects.visible_to_applicant(user)
        .select_related("service_version")
        .order_by("-submitted_at", "-id")
    )


@dataclass
class UnitOverdue:
    unit: OrgUnit | None
    count: int
    complaints: list[Complaint] = field(default_factory=list)


def overdue_report(complaints: QuerySet[Complaint], *, now: Any = None) -> list[UnitOverdue]:
    """Open complaints past their deadline, grouped per unit (two queries whatever the size)."""
    now = now or timezone.now()
    overdue = complaints.overdue(now)  # type: ignore[attr-defined]
    counts = {
        row["org_unit"]: row["count"]
        for row in overdue.order_by().values("org_unit").annotate(count=Count("id"))
    }
    groups: dict[int | None, UnitOverdue] = {}
    for complaint in overdue.select_related(*RELATED).order_by("org_unit__name", "deadline_at"):
        group = groups.get(complaint.org_unit_id)
        if group is None:
            group = groups[complaint.org_unit_id] = UnitOverdue(
                complaint.org_unit, counts.get(complaint.org_unit_id, 0)
            )
        group.complaints.append(complaint)
    return list(groups.values())
