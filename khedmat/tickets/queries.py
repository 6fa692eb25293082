"""Reads of requests for the public follow-up page (R-17): look-up, history, handler, dates."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import User
from khedmat.accounts.queries import unit_and_descendant_ids
from khedmat.catalog.choices import FieldType
from khedmat.catalog.formbuilder import (
    split_rows,
)
from khedmat.catalog.formbuilder.fields import option_label
from khedmat.catalog.models import FormField, RequiredDocument, Service, ServiceVersion
from khedmat.core import ratelimit
from khedmat.core.dates import format_date
from khedmat.core.models import PERSONAL_DATA_VIEWED, Activity
from khedmat.core.sql import ReusedQuery
from khedmat.core.translated import active_text_language, translated_text
from khedmat.core.verbs import verb_label
from khedmat.sla.choices import PauseReason
from khedmat.sla.queries import SlaState, sla_state_for_record
from khedmat.tickets.choices import WAITING_STATUSES, HandlerDisplay, Status
from khedmat.tickets.documents import document_key, upload_documents
from khedmat.tickets.models import Attachment, Ticket
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
    """The request with `code`, with what its tracking page shows, in one query.

    `has_process` says whether a process ever ran for it (its step list is read only then).
    """
    process_model = Ticket.process_instances.rel.related_model  # processes builds on tickets
    assert not isinstance(process_model, str)  # a model class once the apps are loaded
    instances = process_model._default_manager.filter(ticket=OuterRef("pk"))
    return (
        Ticket.objects.filter(tracking_code=code)
        .select_related(
            "service_version__responsible_unit", "org_unit", "team", "assignee__org_unit"
        )
        .annotate(has_process=Exists(instances))
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
    kind: str = ""  # "reply" for the agency's written reply to the applicant


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
    if activity.verb == "ticket.reply":
        return HistoryEntry(
            at=activity.created_at,
            title=gettext("Reply from the agency"),
            note=str(data.get("text") or ""),
            kind="reply",
        )
    return HistoryEntry(
        at=activity.created_at,
        title=gettext("Request updated"),
        stage=str(data.get("stage") or ""),
    )


def _public_steps(type_id: int, target_id: str) -> QuerySet[Activity]:
    return (
        Activity.objects.filter(target_type_id=type_id, target_id=target_id, is_public=True)
        .order_by("created_at", "id")
        .only("verb", "new_value", "data", "created_at")
    )


# Read on the first tracking look-up of each request revision: compiled once (core.sql).
_PUBLIC_STEPS = ReusedQuery(_public_steps, "tickets.public_history")


def public_history(ticket: Ticket) -> list[HistoryEntry]:
    """Every public step of the request, oldest first, in one query."""
    ticket_type = ContentType.objects.get_for_model(Ticket, for_concrete_model=False)
    activities = _PUBLIC_STEPS.objects(ticket_type.pk, str(ticket.pk))
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


#: What a request's detail reads (track_page and the API's RequestOut): a narrow row, because
#: compiling and loading the full select_related of the tracking page costs more than the query.
DETAIL_FIELDS = (
    "tracking_code",
    "status",
    "stage_title",
    "submitted_at",
    "promised_at",
    "requester",
    "principal_national_code",
    "representative_national_code",
    "service__code",
    "service_version__title_fa",
    "service_version__title_ar",
    "service_version__title_en",
    "service_version__responsible_unit__name",
    "org_unit__name",
    "team__name",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__org_unit__name",
)


def with_detail(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """`tickets` with what their detail shows (DETAIL_FIELDS), joined in the same query."""
    return tickets.select_related(
        "service",
        "service_version__responsible_unit",
        "org_unit",
        "team",
        "assignee__org_unit",
    ).only(*DETAIL_FIELDS)


@dataclass(frozen=True)
class TrackedRequest:
    """What a tracking look-up reads before its answer: the request, the national codes that
    prove it, its revision (changes with every change of what the answer shows) and the open
    rate-limit windows of the counters asked for (core.ratelimit)."""

    pk: int
    national_codes: tuple[str, str]  # the principal's and the representative's ("" when none)
    revision: str
    windows: dict[str, ratelimit.Window] = field(default_factory=dict)


#: The columns whose change a tracking answer shows, beside the last Activity row.
_REVISION_FIELDS = ("status", "stage_title", "promised_at", "assignee_id", "team_id", "org_unit_id")
_TRACKED_FIELDS = ("pk", "principal_national_code", "representative_national_code")


def _tracked_rows(code: str, limited_by: Sequence[str]) -> QuerySet[Any]:
    ticket_type = ContentType.objects.get_for_model(Ticket, for_concrete_model=False)
    newest = (
        Activity.objects.filter(
            target_type=ticket_type, target_id=Cast(OuterRef("pk"), CharField())
        )
        # Staff opening the record or its files change nothing the applicant sees.
        .exclude(verb__endswith=PERSONAL_DATA_VIEWED)
        .exclude(verb="ticket.file_opened")
        .order_by("-created_at", "-id")
        .values("id")[:1]
    )
    windows = ratelimit.window_columns(limited_by)
    return (
        Ticket.objects.filter(tracking_code=code)
        .annotate(newest_change=Subquery(newest), **windows)
        .values_list(*_TRACKED_FIELDS, *_REVISION_FIELDS, "newest_change", *windows)
        .order_by()[:1]
    )


_TRACKED = ReusedQuery(_tracked_rows, "tickets.tracked_request")


def tracked_request(code: str, limited_by: Sequence[str] = ()) -> TrackedRequest | None:
    """The request with `code`, its revision and the open windows of the rate-limit counters
    `limited_by`, in one narrow query (what the answer shows is read only when this process has
    no answer for that revision: `api.requests.detail_ticket`). The revision is its state
    columns and the id of its newest Activity row (every change of a request writes one:
    AGENTS.md, STYLE.md). The SQL is compiled once per process (core.sql)."""
    rows = _TRACKED.rows(code, list(limited_by))
    if not rows:
        return None
    row = rows[0]
    state = row[len(_TRACKED_FIELDS) : len(_TRACKED_FIELDS) + len(_REVISION_FIELDS) + 1]
    digest = hashlib.blake2b("\x1f".join(map(str, state)).encode(), digest_size=12).hexdigest()
    windows = row[len(_TRACKED_FIELDS) + len(state) :]
    return TrackedRequest(
        pk=row[0],
        national_codes=(row[1], row[2]),
        revision=digest,
        windows=ratelimit.windows_in(windows, limited_by),
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


# --- the staff workspace --------------------------------------------------------------------

PAGE_SIZE = 50

# --- reads ------------------------------------------------------------------------------------


#: The desk's request list: newest first (a keyset page, see core.pagination).
TICKET_ORDER = ("-submitted_at", "-id")


#: The columns the desk's request list reads (tickets/desk_request_list.html, the SLA badge's
#: record key, the keyset position): a request's answers and documents and a service version's
#: seventy columns stay in the database.
DESK_LIST_FIELDS = (
    "id",
    "tracking_code",
    "status",
    "stage_title",
    "channel",
    "submitted_at",
    "principal_name",
    "representative_name",
    "service__code",
    "service_version__title_fa",
    "service_version__title_ar",
    "service_version__title_en",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


def ticket_rows(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """The requests of the desk's list with what its rows show, and nothing else, loaded."""
    return tickets.select_related("service", "service_version", "assignee").only(*DESK_LIST_FIELDS)


def desk_list_tickets(user: User) -> QuerySet[Ticket]:
    """The requests the desk's list shows: the rows of `Ticket.objects.visible_to_staff(user)`
    (tests/tickets/test_desk_list.py compares them), with "has an open task of theirs or of
    their units" asked of each request as it is read, through processes_workitem_ticket_idx
    (a scalar subquery with LIMIT 1). visible_to_staff's `pk IN (open tasks)` makes PostgreSQL
    hash every open task of the units before it reads the first request: 30 ms at 100,000
    requests, ten times that at 1,000,000, on every page."""
    if not user.is_authenticated:
        return Ticket.objects.none()
    if user.is_administrator:
        return Ticket.objects.all()
    condition = Q(filed_by=user) | Q(assignee=user)
    tasks = Q(assignee=user)
    if user.org_unit_id is not None:
        units = sorted(unit_and_descendant_ids([user.org_unit_id]))
        condition |= Q(org_unit_id__in=units)
        tasks |= Q(org_unit_id__in=units)
    work_item = Ticket._meta.get_field("work_items").related_model  # processes builds on tickets
    assert work_item is not None and not isinstance(work_item, str)
    task = work_item._default_manager.filter(tasks, status="open", ticket=OuterRef("pk"))
    return Ticket.objects.alias(open_task=Subquery(task.order_by().values("pk")[:1])).filter(
        condition | Q(open_task__isnull=False)
    )


def desk_ticket(user: User, code: str) -> Ticket | None:
    """The request with this tracking code if the staff member may see it."""
    related = ("service", "service_version", "requester", "filed_by", "assignee", "org_unit")
    ticket = (
        Ticket.objects.visible_to_staff(user)
        .select_related(*related, "team")
        .prefetch_related("service_version__form_fields", "service_version__documents")
        .filter(tracking_code=code)
        .first()
    )
    return ticket


#: The verbs tickets writes, with their timeline labels (registered in TicketsConfig.ready()).
ACTIVITY_LABELS: dict[str, Promise] = {
    "ticket.submitted": _("Request submitted"),
    "ticket.status_changed": _("Status changed"),
    "ticket.corrected": _("Corrected by the applicant"),
    "ticket.note": _("Internal note"),
    "ticket.reply": _("Reply to the applicant"),
    "ticket.process_not_started": _("The service's process could not start"),
    "ticket.file_opened": _("File opened"),
}

#: Decisions on a task, as the timeline names them.
DECISION_LABELS: dict[str, Promise] = {
    "approve": _("approved"),
    "reject": _("rejected"),
    "return": _("returned to the applicant"),
    "done": _("done"),
}


def _timeline_detail(verb: str, data: Mapping[str, Any]) -> str:
    """What a row says besides its label: the task or step, the decision, the note or error."""
    if verb in ("ticket.note", "ticket.reply"):
        return str(data.get("text") or "")
    if verb == "ticket.process_not_started":
        return str(data.get("error") or "")
    if verb == "ticket.file_opened":
        return str(data.get("name") or "")
    if not verb.startswith("process."):
        return ""
    parts = [str(data.get("title") or "")]
    decision = data.get("decision")
    if isinstance(decision, str) and decision in DECISION_LABELS:
        parts.append(str(DECISION_LABELS[decision]))
    if verb == "process.service_call_failed":
        parts.append(str(data.get("error") or ""))
    if verb == "process.cancelled":
        parts.append(str(data.get("reason") or ""))
    return " — ".join(part for part in parts if part)


def ticket_timeline(ticket: Ticket) -> list[Activity]:
    """Every Activity row of the request, oldest first, with a readable `label`."""
    rows = list(
        Activity.objects.for_target(ticket).select_related("actor").order_by("created_at", "id")
    )
    for row in rows:
        label = verb_label(row.verb)
        if row.verb.startswith("message."):
            label = gettext("Message to the applicant: %(state)s") % {"state": label}
        row.label = label  # type: ignore[attr-defined]
        data = row.data if isinstance(row.data, dict) else {}
        row.detail = _timeline_detail(row.verb, data)  # type: ignore[attr-defined]
        row.old_status = _status_label(row.old_value)  # type: ignore[attr-defined]
        row.new_status = _status_label(row.new_value)  # type: ignore[attr-defined]
    return rows


def _status_label(value: Any) -> str:
    return str(Status(value).label) if isinstance(value, str) and value in Status.values else ""


@dataclass
class AnswerItem:
    """One answer as the desk shows it: its label, a text, its files, and rows of a group."""

    key: str
    label: str
    text: str = ""
    files: list[Attachment] = field(default_factory=list)
    rows: list[list[AnswerItem]] = field(default_factory=list)


def answer_items(
    ticket: Ticket, rows: Sequence[FormField], attachments: Sequence[Attachment]
) -> list[AnswerItem]:
    """The request's answers under the labels of its version's form fields, in form order."""
    language = active_text_language()
    top, children = split_rows(rows)
    return _answer_level(top, children, ticket.answers, "", attachments, language)


def _answer_level(
    rows: Sequence[FormField],
    children: Mapping[str, Sequence[FormField]],
    answers: Mapping[str, Any],
    prefix: str,
    attachments: Sequence[Attachment],
    language: str,
) -> list[AnswerItem]:
    items = []
    for row in rows:
        value = answers.get(row.key) if isinstance(answers, Mapping) else None
        if value in (None, "", [], {}):
            continue
        path = f"{prefix}{row.key}"
        item = AnswerItem(key=path, label=translated_text(row, "label", language))
        if row.field_type == FieldType.GROUP and isinstance(value, list):
            item.rows = [
                _answer_level(
                    children.get(row.key, []), {}, entry, f"{path}.{index}.", attachments, language
                )
                for index, entry in enumerate(value)
            ]
        elif row.field_type in (FieldType.FILE, FieldType.IMAGE):
            item.files = [file for file in attachments if file.field_key == path]
        else:
            item.text = answer_text(row, value, language)
        items.append(item)
    return items


def answer_text(row: FormField, value: Any, language: str) -> str:
    """One stored answer as text: option labels, dates in the reader's calendar, yes or no."""
    kind = row.field_type
    if kind == FieldType.CHECKBOX:
        return str(_("Yes") if value else _("No"))
    if kind == FieldType.SELECT:
        options = {option["value"]: option for option in row.option("options", [])}
        return option_label(options[value], language) if value in options else str(value)
    if kind == FieldType.CASCADING_SELECT and isinstance(value, list):
        return " › ".join(_cascade_labels(row.option("options", []), value, language))
    if kind == FieldType.DATE and isinstance(value, str):
        try:
            return format_date(dt.date.fromisoformat(value), language)
        except ValueError:
            return value
    if kind == FieldType.LOCATION and isinstance(value, Mapping):
        return f"{value.get('lat')}, {value.get('lng')}"
    return str(value)


def _cascade_labels(options: list[dict[str, Any]], values: list[Any], language: str) -> list[str]:
    labels = []
    for value in values:
        match = next((option for option in options if option.get("value") == value), None)
        labels.append(option_label(match, language) if match else str(value))
        options = (match or {}).get("children") or []
    return labels


@dataclass
class DocumentItem:
    """A required document of the version and the request's files for it."""

    key: str
    title: str
    is_by_inquiry: bool
    provider: str
    files: list[Attachment]


def document_items(
    documents: Iterable[RequiredDocument], attachments: Sequence[Attachment]
) -> list[DocumentItem]:
    """Each required document with its files (those obtained by inquiry have none)."""
    return [
        DocumentItem(
            key=document_key(document.pk),
            title=document.title,
            is_by_inquiry=document.is_by_inquiry,
            provider=document.inquiry_provider,
            files=[item for item in attachments if item.field_key == document_key(document.pk)],
        )
        for document in documents
    ]


# --- the card a request is filed under -------------------------------------------------------

#: Card versions in force, by (version id, created at): a version is never changed once written,
#: so each process keeps the ones it loaded (with their form, documents, stages and fees).
_open_versions: dict[tuple[int, dt.datetime], ServiceVersion] = {}
OPEN_VERSIONS_MAX = 256


_SERVICE_FIELDS = [field.attname for field in Service._meta.concrete_fields]


def _open_service_rows(code: str) -> QuerySet[Any]:
    return (
        Service.objects.published()
        .filter(code=code)
        .values_list(*_SERVICE_FIELDS, "current_version__created_at")
        .order_by()[:1]
    )


# Read on every application page and submission: compiled once per process (core.sql).
_OPEN_SERVICE = ReusedQuery(_open_service_rows, "tickets.open_version")


def open_version(code: str) -> ServiceVersion | None:
    """The card in force of a published service, with its form, documents, stages and fees
    (one query when this process has loaded that version before); None for no such service."""
    rows = _OPEN_SERVICE.rows(code)
    if not rows:
        return None
    *values, version_created_at = rows[0]
    service = Service.from_db("default", _SERVICE_FIELDS, values)
    if service.current_version_id is None:
        return None
    key = (service.current_version_id, version_created_at)
    version = _open_versions.get(key)
    if version is None:
        version = (
            ServiceVersion.objects.select_related("responsible_unit", "agency")
            .prefetch_related("form_fields", "documents", "stages", "fees")
            .get(pk=service.current_version_id)
        )
        if len(_open_versions) >= OPEN_VERSIONS_MAX:
            _open_versions.clear()
        _open_versions[key] = version
    version = copy.copy(version)  # shares the loaded rows; this request's own service row
    version.service = service
    return version
