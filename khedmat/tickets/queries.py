"""Reads of requests for the public follow-up page (R-17): look-up, history, handler, dates."""

from __future__ import annotations

import copy
import datetime as dt
import hmac
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext

from khedmat.catalog.models import FormField, RequiredDocument
from khedmat.core.models import Activity
from khedmat.sla.choices import PauseReason
from khedmat.sla.queries import SlaState, sla_state_for_record
from khedmat.tickets.choices import WAITING_STATUSES, HandlerDisplay, Status
from khedmat.tickets.documents import document_key, upload_documents
from khedmat.tickets.models import Ticket
from khedmat.tickets.services import can_follow

#: What the look-up reads: enough to check the second factor and who follows the request.
IDENTITY_FIELDS = (
    "id",
    "tracking_code",
    "requester_id",
    "principal_national_code",
    "representative_national_code",
)
#: Statuses whose history entry shows the agency's note (what to correct, why it was rejected).
NOTE_STATUSES = frozenset({Status.WAITING_APPLICANT, Status.REJECTED})
APPLICANT_LIST_SIZE = 20


def applicant_requests(user: Any, *, limit: int = APPLICANT_LIST_SIZE) -> list[Ticket]:
    """The signed-in applicant's latest requests (filed by them or for them), newest first."""
    tickets = Ticket.objects.visible_to_applicant(user).select_related("service_version")
    return list(tickets[:limit])


def _same_code(given: str, stored: str) -> bool:
    """Constant-time comparison; an empty stored code (no representative) never matches."""
    equal = hmac.compare_digest(given.encode(), stored.encode())
    return equal and bool(stored)


def follow_up_ticket(code: str, *, national_code: str, user: Any) -> Ticket | None:
    """The request with `code` if the visitor may follow it, else None.

    Allowed: the national code (or national ID) is the principal's or the representative's, or
    the signed-in applicant follows the request (then the code alone is enough). One query runs
    whatever the outcome, so a wrong national code and an unknown code cannot be told apart.
    """
    ticket = Ticket.objects.filter(tracking_code=code).only(*IDENTITY_FIELDS).first()
    principal = ticket.principal_national_code if ticket is not None else ""
    representative = ticket.representative_national_code if ticket is not None else ""
    matches = _same_code(national_code, principal) | _same_code(national_code, representative)
    if ticket is None:
        return None
    if (national_code and matches) or can_follow(ticket, user):
        return ticket
    return None


def ticket_for_tracking(code: str) -> Ticket | None:
    """The request with `code`, with what its tracking page shows, in one query."""
    return (
        Ticket.objects.filter(tracking_code=code)
        .select_related(
            "service_version__responsible_unit", "org_unit", "team", "assignee__org_unit"
        )
        .first()
    )


# --- the tracking page -------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    """One public step of a request's history, as the applicant reads it."""

    at: dt.datetime
    title: str  # the status reached, or what happened
    status: str = ""  # the Status value after this step, or ""
    stage: str = ""  # the process step, when it says more than the status
    note: str = ""  # the agency's note for returns and rejections
    detail: str = ""  # e.g. why the time count is on hold
    due_at: dt.datetime | None = None  # the answer date this step set


@dataclass(frozen=True)
class TrackPage:
    """What /track/<code>/ shows besides the request itself."""

    history: list[HistoryEntry]
    handler: str
    sla: SlaState | None
    pause_reason: str
    expected_at: dt.datetime | None
    promised_at: dt.datetime | None


def status_label(value: Any) -> str:
    """The translated label of a status value, or "" for anything else."""
    return str(Status(value).label) if value in Status.values else ""


def _status_entry(activity: Activity, data: dict[str, Any]) -> HistoryEntry:
    status = str(activity.new_value) if activity.new_value in Status.values else ""
    title = status_label(status) or gettext("Request updated")
    stage = str(data.get("stage") or "")
    return HistoryEntry(
        at=activity.created_at,
        title=title,
        status=status,
        stage="" if stage == title else stage,
        note=str(data.get("note") or "") if status in NOTE_STATUSES else "",
    )


def _moment(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _clock_entry(activity: Activity) -> HistoryEntry:
    """A change of the answer clock (R-41): on hold and why, resumed, a new answer date."""
    new = activity.new_value if isinstance(activity.new_value, dict) else {}
    titles = {
        "sla.started": gettext("Answer date set"),
        "sla.paused": gettext("Time count on hold"),
        "sla.resumed": gettext("Time count resumed"),
        "sla.due_changed": gettext("Expected answer date changed"),
    }
    reason = str(new.get("reason") or "")
    return HistoryEntry(
        at=activity.created_at,
        title=titles.get(activity.verb, gettext("Time count stopped")),
        detail=str(PauseReason(reason).label) if reason in PauseReason.values else "",
        due_at=_moment(new.get("due_at")),
    )


def _history_entry(activity: Activity) -> HistoryEntry:
    data = activity.data if isinstance(activity.data, dict) else {}
    if activity.verb in ("ticket.submitted", "ticket.status_changed"):
        return _status_entry(activity, data)
    if activity.verb.startswith("sla."):
        return _clock_entry(activity)
    if activity.verb == "ticket.corrected":
        return HistoryEntry(at=activity.created_at, title=gettext("Corrected by the applicant"))
    return HistoryEntry(
        at=activity.created_at,
        title=gettext("Request updated"),
        stage=str(data.get("stage") or ""),
    )


def public_history(ticket: Ticket) -> list[HistoryEntry]:
    """Every public step of the request, oldest first, in one query."""
    activities = (
        Activity.objects.for_target(ticket)
        .filter(is_public=True)
        .order_by("created_at", "id")
        .only("verb", "new_value", "data", "created_at")
    )
    return [_history_entry(activity) for activity in activities]


def handler_label(ticket: Ticket) -> str:
    """Who handles the request (KHEDMAT_TRACK_HANDLER): a name, else a team or unit."""
    assignee = ticket.assignee
    if assignee is not None and settings.KHEDMAT_TRACK_HANDLER == HandlerDisplay.NAME:
        name = assignee.get_full_name()
        if name:
            return name
    if ticket.team is not None:
        return ticket.team.name
    if assignee is not None and assignee.org_unit is not None:
        return assignee.org_unit.name
    unit = ticket.org_unit or ticket.service_version.responsible_unit
    return unit.name if unit is not None else ""


def track_page(ticket: Ticket) -> TrackPage:
    """History, handler, SLA state, pause reason and the next expected date of a request."""
    state = sla_state_for_record(ticket)
    pause_reason = state.pause_reason_label if state is not None else ""
    if not pause_reason and ticket.status in WAITING_STATUSES:
        pause_reason = str(PauseReason(WAITING_STATUSES[ticket.status]).label)
    expected_at = None
    if not ticket.is_closed and not pause_reason:
        expected_at = (state.expected_at if state is not None else None) or ticket.promised_at
    return TrackPage(
        history=public_history(ticket),
        handler=handler_label(ticket),
        sla=state,
        pause_reason=pause_reason,
        expected_at=expected_at,
        promised_at=ticket.promised_at,
    )


def correction_rows(ticket: Ticket) -> tuple[list[FormField], list[RequiredDocument]]:
    """The form rows and documents the agency asked to correct (only those).

    A named row is shown whatever its show-if condition: the agent saw it was needed, and
    `correct_request` validates the whole answer document, conditions included.
    """
    named = set(ticket.correction_fields or [])
    rows: list[FormField] = []
    for row in ticket.service_version.form_fields.all():
        if row.group_key:
            if row.group_key in named:
                rows.append(row)
        elif row.key in named:
            shown = copy.copy(row)
            shown.show_if = {}
            rows.append(shown)
    documents = [
        item for item in upload_documents(ticket.service_version) if document_key(item.pk) in named
    ]
    return rows, documents
