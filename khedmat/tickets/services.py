"""Use cases of requests: submit, move between statuses, correct, object, keep files for a retry."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from khedmat.accounts.models import User
from khedmat.calendars.queries import calendar_for_unit
from khedmat.calendars.worktime import add_working_days, add_working_minutes
from khedmat.catalog.choices import DurationUnit
from khedmat.catalog.formbuilder.engine import InvalidAnswers, validate_answers
from khedmat.catalog.models import ServiceVersion
from khedmat.core import services as core_services
from khedmat.core.dates import format_datetime
from khedmat.core.digits import localize_digits
from khedmat.core.errors import DomainError
from khedmat.core.models import Activity
from khedmat.core.services import record_activity
from khedmat.core.sql import ReusedQuery
from khedmat.core.tracking import generate_tracking_code
from khedmat.core.translated import translated_text
from khedmat.notifications.choices import Channel, MessageKind
from khedmat.notifications.errors import TemplateMissingError
from khedmat.notifications.services import notify
from khedmat.sla.choices import TargetKind
from khedmat.sla.queries import PolicyContext, unit_calendars
from khedmat.sla.services import (
    pause_record_clocks,
    resume_record_clocks,
    start_clocks,
    stop_record_clocks,
)
from khedmat.tickets import workflow
from khedmat.tickets.choices import (
    CLOSED_STATUSES,
    WAITING_STATUSES,
    IntakeChannel,
    PrincipalKind,
    Status,
    TicketKind,
)
from khedmat.tickets.documents import document_key, upload_documents, validate_documents
from khedmat.tickets.errors import (
    DailyLimitError,
    NotAllowedError,
    NoteEmptyError,
    ProcessRunningError,
    ServiceClosedError,
    TicketError,
    TransitionError,
)
from khedmat.tickets.models import Attachment, StagedUpload, Ticket

#: A file written to storage in a transaction that has not committed yet: (storage, name).
StoredFile = tuple[Storage, str]
#: The window KHEDMAT_MAX_REQUESTS_PER_DAY counts filings in.
DAY = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Principal:
    """Whom a request is for: a person (national code) or a company (national ID)."""

    name: str
    national_code: str
    mobile: str = ""
    kind: str = PrincipalKind.PERSON


@dataclass(frozen=True)
class Representation:
    """Who files for the principal, and in what capacity (R-13)."""

    capacity: str
    name: str
    national_code: str


def public_link(ticket: Ticket) -> str:
    """The address the applicant follows the request at (sent by SMS)."""
    return f"{settings.KHEDMAT_PUBLIC_URL.rstrip('/')}/track/?code={ticket.tracking_code}"


# --- submit ------------------------------------------------------------------------------------


def submit_request(
    version: ServiceVersion,
    *,
    answers: Mapping[str, Any],
    documents: Mapping[str, Any] | None = None,
    files: Mapping[str, Sequence[File[bytes]]] | None = None,
    requester: User,
    filed_by: User,
    principal: Principal,
    representation: Representation | None = None,
    channel: str = IntakeChannel.ONLINE,
    submission_key: str = "",
    language: str = "fa",
    now: dt.datetime | None = None,
) -> Ticket:
    """File a request (DESIGN.md §3 Submit): all of it in one transaction, or none of it.

    The transaction holds what must be atomic: the request, its answers and files, its tracking
    code, its Activity row, its SLA clocks (the receipt shows their promise) and one job row
    (`after_submission_task`: the SMS, the process start and the search entry, after the commit).

    `answers` are validated against the card version and `documents` against its required
    documents (file descriptors by "doc-<id>"); `files` are the uploaded files by answer path
    ("photo", "heirs.0.id_card") or document key. The same `submission_key` from the same filer returns the
    request already made (a double click or a retry files once).

    Online and API filers file at most KHEDMAT_MAX_REQUESTS_PER_DAY requests in 24 hours
    (DailyLimitError); the files together weigh at most KHEDMAT_MAX_SUBMISSION_MB. Files written
    before a later step fails are deleted again: storage keeps no file of a request not filed.
    """
    files = files or {}
    try:
        service = version.service
        if not service.is_published or service.current_version_id != version.pk:
            raise ServiceClosedError()
        if channel != IntakeChannel.IN_PERSON and not version.takes_online_requests():
            raise ServiceClosedError()
        clean, clean_documents = validate_submission(version, answers, documents or {})
        _check_files_sent(clean, clean_documents, files)
        check_total_size(files)
        filing = Filing(
            version=version,
            answers=clean,
            documents=clean_documents,
            requester=requester,
            filed_by=filed_by,
            principal=principal,
            representation=representation,
            channel=channel,
            submission_key=submission_key,
            language=language,
            now=now or timezone.now(),
        )
        return _file_with_a_free_code(filing, files)
    except (TicketError, InvalidAnswers):
        # A retry of a request filed already (the same key) gets that request, whatever changed
        # since (the service closed, the daily cap reached by that very request...). Looked up
        # only here: on the way in, the key's unique constraint catches a retry (_file).
        existing = _already_submitted(filed_by, submission_key) if submission_key else None
        if existing is not None:
            return existing
        raise


def _file_with_a_free_code(filing: Filing, files: Mapping[str, Sequence[File[bytes]]]) -> Ticket:
    """File the request; a unique constraint that fails is the same key filed already (a double
    click, a retry: that request is the answer) or a tracking code taken meanwhile (file again
    with a new one, up to CODE_ATTEMPTS times)."""
    key, filed_by = filing.submission_key, filing.filed_by
    for attempt in range(1, CODE_ATTEMPTS + 1):
        try:
            return _file(filing, files)
        except IntegrityError:
            existing = _already_submitted(filed_by, key) if key else None
            if existing is not None:
                return existing
            if attempt == CODE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


#: Tries to file a request whose random tracking code was taken meanwhile (1 in 10^11 each).
CODE_ATTEMPTS = 3


@dataclass(frozen=True)
class Filing:
    """One request being filed, validated: what its row is made of."""

    version: ServiceVersion
    answers: dict[str, Any]
    documents: dict[str, Any]
    requester: User
    filed_by: User
    principal: Principal
    representation: Representation | None
    channel: str
    submission_key: str
    language: str
    now: dt.datetime


def _file(filing: Filing, files: Mapping[str, Sequence[File[bytes]]]) -> Ticket:
    """The submission's transaction: the request, its files, its Activity row, its clocks and
    the after-submission job."""
    version, filed_by, now = filing.version, filing.filed_by, filing.now
    with _deleted_on_failure() as written, transaction.atomic():
        if filing.channel != IntakeChannel.IN_PERSON:
            check_daily_limit(filed_by, now=now)
        ticket = _create_ticket(filing)
        _store_files(ticket, files, actor=filed_by, written=written)
        record_activity(
            ticket,
            "ticket.submitted",
            actor=filed_by,
            new=Status.SUBMITTED,
            public=True,
            data={"channel": filing.channel, "version": version.number},
        )
        _start_promise(ticket, version, now=now, actor=filed_by)
        _queue_follow_up(ticket)
        return ticket


def _queue_follow_up(ticket: Ticket) -> None:
    """The SMS, the process start and the search entry run as a job: its row commits with the
    request."""
    from khedmat.tickets.tasks import after_submission_task

    after_submission_task.enqueue(ticket.pk)


def finish_submission(ticket_id: int) -> str:
    """Queue the applicant's "request filed" SMS, start the service's process and index the
    request (the after-submission job). Idempotent: the SMS has an idempotency key, a process
    starts only for a request that never had one, the search entry is replaced."""
    ticket = (
        Ticket.objects.select_related("service", "service_version", "requester", "filed_by")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        return "missing"
    with transaction.atomic():
        _send_submitted_message(ticket)
        if ticket.status == Status.SUBMITTED:  # staff did not decide by hand meanwhile
            _start_process_or_say_why(ticket)
        _index(ticket)
    return "done"


def _start_process_or_say_why(ticket: Ticket) -> None:
    """Start the request's process; one the engine refuses (a definition that cannot start) leaves
    the request filed for staff to handle by hand, with the reason on its timeline."""
    try:
        with transaction.atomic():
            _start_process(ticket, actor=ticket.filed_by)
    except DomainError as error:
        record_activity(ticket, "ticket.process_not_started", data={"error": str(error.message)})


def _index(ticket: Ticket) -> None:
    """Keep the staff search's entry of the request current (tickets indexes itself)."""
    from khedmat.tickets.indexing import index_request

    index_request(ticket)


def _start_process(ticket: Ticket, *, actor: User) -> None:
    """Start the service's BPMN process, if it has one (through tickets.workflow)."""
    workflow.start_process(ticket, actor=actor)


def _refuse_while_process_runs(ticket: Ticket, *, by_process: bool) -> None:
    """A request its process drives moves by the process's tasks, not by hand: refuse a manual
    decision while the process runs, after locking the request so none starts meanwhile.
    `by_process`: the process itself decides (its end, or a task's decision)."""
    if by_process:
        return
    list(Ticket.objects.select_for_update().filter(pk=ticket.pk).values_list("pk", flat=True))
    if workflow.process_running(ticket):
        raise ProcessRunningError()


def _tell_process(ticket: Ticket, message: str, *, actor: User | None) -> None:
    """Hand a message (request_corrected) to the request's process, if one waits for it."""
    workflow.deliver_message(ticket, message, actor=actor)


def validate_submission(
    version: ServiceVersion, answers: Mapping[str, Any], documents: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Cleaned answers and documents, or one InvalidAnswers with every field's errors."""
    errors: dict[str, list[str]] = {}
    clean_answers: dict[str, Any] = {}
    clean_documents: dict[str, Any] = {}
    try:
        clean_answers = validate_answers(version, dict(answers))
    except InvalidAnswers as error:
        errors.update(error.errors)
    try:
        clean_documents = validate_documents(version, documents)
    except InvalidAnswers as error:
        errors.update(error.errors)
    if errors:
        raise InvalidAnswers(errors)
    return clean_answers, clean_documents


def _already_submitted(filed_by: User, submission_key: str) -> Ticket | None:
    """The request this filer made with this key, if any: a narrow look-up first, since nearly
    every key is new and loading the whole row costs more than finding it."""
    found = _SUBMITTED.rows(filed_by.pk, submission_key)
    return Ticket.objects.get(pk=found[0][0]) if found else None


def _submitted_rows(filed_by_id: int, submission_key: str) -> QuerySet[Ticket]:
    made = Ticket.objects.filter(filed_by_id=filed_by_id, submission_key=submission_key)
    return made.values_list("pk").order_by()[:1]  # type: ignore[return-value]


# Read on every submission with a key (nearly all): compiled once per process (core.sql).
_SUBMITTED = ReusedQuery(_submitted_rows, "tickets.already_submitted")


def check_daily_limit(filed_by: User, *, now: dt.datetime) -> None:
    """Refuse a filer who filed KHEDMAT_MAX_REQUESTS_PER_DAY requests in the last 24 hours.

    Runs in the submitting transaction: the filer's row is locked, so parallel submissions
    count one after another. One indexed query (tickets_filed_by_day_idx) finds the oldest
    filing that still counts: the filer may file again 24 hours after it. 0 turns the cap off.
    """
    limit = settings.KHEDMAT_MAX_REQUESTS_PER_DAY
    if limit <= 0:
        return
    rows = _DAILY_COUNT.rows(filed_by.pk, now - DAY, variant=limit)
    oldest = rows[0][0] if rows else None
    if oldest is None:
        return
    retry_at = oldest + DAY
    language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    message = ngettext(
        "You have filed %(count)s request in the last 24 hours, the most one account may file. "
        "You can file again after %(time)s.",
        "You have filed %(count)s requests in the last 24 hours, the most one account may file. "
        "You can file again after %(time)s.",
        limit,
    ) % {"count": localize_digits(str(limit), language), "time": format_datetime(retry_at)}
    raise DailyLimitError(message, retry_at=retry_at)


def _daily_count_rows(filed_by_id: int, since: dt.datetime, *, variant: int) -> QuerySet[Any]:
    """The filer's row locked (FOR UPDATE OF the users row) and, read in the same statement,
    the `variant`-th newest filing since `since` (None when fewer were filed)."""
    counted = (
        Ticket.objects.filter(filed_by_id=filed_by_id, submitted_at__gt=since)
        .order_by("-submitted_at")
        .values("submitted_at")[variant - 1 : variant]
    )
    return (
        User.objects.select_for_update(of=("self",))
        .filter(pk=filed_by_id)
        .annotate(oldest=Subquery(counted))
        .values_list("oldest")
    )


# Read in every online submission's transaction: compiled once per process and cap (core.sql).
_DAILY_COUNT = ReusedQuery(_daily_count_rows, "tickets.daily_count")


def total_size_error(files: Mapping[str, Sequence[File[bytes]]]) -> str | None:
    """Why the files together are too large for one submission (KHEDMAT_MAX_SUBMISSION_MB), or None."""
    limit_mb = settings.KHEDMAT_MAX_SUBMISSION_MB
    total = sum(upload.size or 0 for uploads in files.values() for upload in uploads)
    if total <= limit_mb * 1024 * 1024:
        return None
    language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    message = gettext(
        "The files of one request may weigh at most %(limit)s MB together; these weigh "
        "%(total)s MB. Remove some files or send smaller ones."
    )
    return message % {
        "limit": localize_digits(str(limit_mb), language),
        "total": localize_digits(f"{total / (1024 * 1024):.1f}", language),
    }


def check_total_size(files: Mapping[str, Sequence[File[bytes]]]) -> None:
    """InvalidAnswers (on the whole form) when the files pass KHEDMAT_MAX_SUBMISSION_MB."""
    message = total_size_error(files)
    if message:
        raise InvalidAnswers({"__all__": [message]})


@contextmanager
def _deleted_on_failure() -> Iterator[list[StoredFile]]:
    """Collect the files a block writes; delete them when the block raises.

    Wrap the `transaction.atomic()` that stores the files (this outside it): when a later step
    fails the rows roll back, and their files go too, so storage keeps no file no row names.
    """
    written: list[StoredFile] = []
    try:
        yield written
    except BaseException:
        for storage, name in written:
            storage.delete(name)
        raise


def _create_ticket(filing: Filing) -> Ticket:
    """The request's row, with a new random tracking code (a code taken meanwhile fails the
    insert: submit_request retries) and the card's promise."""
    version, principal, representation = filing.version, filing.principal, filing.representation
    unit_id = version.responsible_unit_id or version.agency_id
    return Ticket.objects.create(
        tracking_code=generate_tracking_code(),
        kind=TicketKind.SERVICE_REQUEST,
        service=version.service,
        service_version=version,
        requester=filing.requester,
        filed_by=filing.filed_by,
        channel=filing.channel,
        principal_kind=principal.kind,
        principal_name=principal.name,
        principal_national_code=principal.national_code,
        principal_mobile=principal.mobile or (filing.requester.mobile or ""),
        representative_name=representation.name if representation else "",
        representative_national_code=representation.national_code if representation else "",
        representative_capacity=representation.capacity if representation else "",
        answers=filing.answers,
        documents=filing.documents,
        language=filing.language[:2],
        org_unit_id=unit_id,
        submission_key=filing.submission_key,
        submitted_at=filing.now,
        status_changed_at=filing.now,
        promised_at=card_promise(version, unit_id, filing.now),
    )


def _check_files_sent(
    answers: Mapping[str, Any],
    documents: Mapping[str, Any],
    files: Mapping[str, Sequence[File[bytes]]],
) -> None:
    """Every described file must come with its content: a description alone stores nothing."""
    errors = {
        path: [gettext("Upload the file again: its content did not arrive.")]
        for path, descriptors in described_files({**answers, **documents}).items()
        if len(files.get(path, ())) != len(descriptors)
    }
    if errors:
        raise InvalidAnswers(errors)


def described_files(value: Any, path: str = "") -> dict[str, list[dict[str, Any]]]:
    """File descriptors ({..., "sha256"}) in an answer document, by answer path ("a.0.b")."""
    if isinstance(value, dict):
        if "sha256" in value:
            return {path: [value]}
        found: dict[str, list[dict[str, Any]]] = {}
        for key, item in value.items():
            found.update(described_files(item, f"{path}.{key}" if path else str(key)))
        return found
    if isinstance(value, list):
        if value and all(isinstance(item, dict) and "sha256" in item for item in value):
            return {path: value}
        found = {}
        for index, item in enumerate(value):
            found.update(described_files(item, f"{path}.{index}"))
        return found
    return {}


def _store_files(
    ticket: Ticket,
    files: Mapping[str, Sequence[File[bytes]]],
    *,
    actor: User,
    written: list[StoredFile],
) -> None:
    """Save each file under a random name; its hash must match the descriptor it was cleaned to.

    Each file saved is added to `written` (see `_deleted_on_failure`)."""
    documents = {document_key(item.pk): item for item in upload_documents(ticket.service_version)}
    for path, uploads in files.items():
        descriptors = descriptors_at(ticket.answers, ticket.documents, path)
        for index, upload in enumerate(uploads):
            digest = file_sha256(upload)
            descriptor = descriptors[index] if index < len(descriptors) else {}
            if descriptor.get("sha256") != digest:
                message = gettext("The file's content does not match its description.")
                raise InvalidAnswers({path: [message]})
            attachment = Attachment(
                ticket=ticket,
                field_key=path,
                document=documents.get(path),
                original_name=_safe_name(upload.name or "file"),
                size=upload.size or 0,
                content_type=descriptor.get("content_type", "application/octet-stream"),
                sha256=digest,
                uploaded_by=actor,
            )
            attachment.file.save(attachment.original_name, upload, save=False)
            written.append((attachment.file.storage, str(attachment.file.name)))
            attachment.save()


def descriptors_at(
    answers: Mapping[str, Any], documents: Mapping[str, Any], path: str
) -> list[dict[str, Any]]:
    """The file descriptors stored at an answer path ("a", "group.0.b") or a document key."""
    if path.startswith("doc-"):
        return list(documents.get(path) or [])
    value: Any = answers
    for part in path.split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return []
    return list(value) if isinstance(value, list) else []


def file_sha256(upload: File[bytes]) -> str:
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _safe_name(name: str) -> str:
    """The file's own name without any folder part or control characters, at most 200 chars."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(char for char in base if char.isprintable()).strip(" .")
    return (cleaned or "file")[-200:]


def _start_promise(
    ticket: Ticket, version: ServiceVersion, *, now: dt.datetime, actor: User
) -> None:
    """Start the SLA clocks; the promise is the resolution target's, else the card's (set at insert)."""
    if ticket.org_unit_id is None:
        return
    context = PolicyContext.for_requester(
        ticket.requester,
        service_key=ticket.service.code,
        record_kind=TicketKind.SERVICE_REQUEST,
        priority=ticket.priority,
    )
    clocks = start_clocks(
        ticket, policy_context=context, org_unit=ticket.org_unit_id, started_at=now, actor=actor
    )
    promised = next(
        (clock.promised_at for clock in clocks if clock.kind == TargetKind.RESOLUTION), None
    )
    if promised is not None and promised != ticket.promised_at:
        ticket.promised_at = promised
        ticket.save(update_fields=["promised_at"])


def card_promise(version: ServiceVersion, unit_id: int | None, start: dt.datetime) -> dt.datetime:
    """The answer date the card's average duration gives, counted in the unit's working time."""
    amount, unit_name = version.duration_amount, version.duration_unit
    if unit_name in (DurationUnit.DAYS, DurationUnit.MONTHS):
        days = amount * (30 if unit_name == DurationUnit.MONTHS else 1)
        return start + dt.timedelta(days=days)
    calendar = unit_calendars([unit_id])[unit_id] if unit_id else calendar_for_unit(None)
    if unit_name == DurationUnit.WORKING_DAYS:
        return add_working_days(calendar, start, amount)
    minutes = amount * (60 if unit_name == DurationUnit.HOURS else 1)
    return add_working_minutes(calendar, start, minutes)


def message_mobile(ticket: Ticket) -> str:
    """The mobile a request's SMS go to: its account's, proven by the OTP login (or by the
    operator with the applicant at the desk). A mobile typed for a principal (R-13) is not
    verified: it is kept for staff to call, never messaged."""
    return ticket.requester.mobile or ""


def tell_applicant(
    ticket: Ticket, event: str, *, key: str, channel: str = Channel.SMS, **context: Any
) -> bool:
    """Queue the applicant's SMS (or email) for an event, in their language; False when they
    have no mobile (or email address) to send it to."""
    address = message_mobile(ticket) if channel == Channel.SMS else (ticket.requester.email or "")
    if not address:
        return False
    with translation.override(ticket.language):
        title = translated_text(ticket.service_version, "title", ticket.language)
        stage = str(ticket.stage)  # a status label in the applicant's language, not the actor's
    values = {
        "tracking_code": ticket.tracking_code,
        "service_title": title,
        "stage": stage,
        "link": public_link(ticket),
        **context,
    }
    try:
        notify(
            event,
            record=ticket,
            recipient=address,
            language=ticket.language,
            context=values,
            kind=MessageKind.TRANSACTIONAL,
            channel=channel,
            idempotency_key=f"ticket:{ticket.pk}:{key}"
            + ("" if channel == Channel.SMS else f":{channel}"),
        )
    except TemplateMissingError:
        record_activity(ticket, "message.template_missing", data={"event": event})
        return False
    return True


def _send_submitted_message(ticket: Ticket) -> None:
    tell_applicant(
        ticket,
        "request_submitted",
        key="submitted",
        due_date=timezone.localtime(ticket.promised_at).date() if ticket.promised_at else None,
    )


# --- status ------------------------------------------------------------------------------------


def change_status(
    ticket: Ticket,
    status: str,
    *,
    actor: User | None,
    stage_title: str | None = None,
    note: str = "",
    data: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Move a request along the transition table: Activity, SLA clocks and the applicant's SMS."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        old_status, old_stage = ticket.status, ticket.stage
        if status == old_status and (stage_title is None or stage_title == ticket.stage_title):
            return ticket
        if status != old_status and not ticket.can_move_to(status):
            raise TransitionError()
        ticket.status, ticket.status_changed_at = status, now
        if stage_title is not None:
            ticket.stage_title = stage_title
        elif status in CLOSED_STATUSES:
            ticket.stage_title = ""  # a decided request shows its decision, not a process step
        ticket.closed_at = now if status in CLOSED_STATUSES else None
        ticket.save()
        record_activity(
            ticket,
            "ticket.status_changed",
            actor=actor,
            old=old_status,
            new=status,
            data={"stage": ticket.stage, "old_stage": old_stage, "note": note, **(data or {})},
            public=True,
        )
        _move_clocks(ticket, old_status, status, actor=actor, now=now)
        if status == Status.WAITING_APPLICANT:
            tell_applicant(ticket, "request_returned", key=f"returned:{now.timestamp()}")
        else:
            tell_applicant(
                ticket,
                "stage_changed",
                key=f"status:{status}:{now.timestamp()}",
                due_date=_due_date(ticket),
            )
        return ticket


def _due_date(ticket: Ticket) -> dt.date | None:
    if ticket.is_closed or ticket.promised_at is None:
        return None
    return timezone.localtime(ticket.promised_at).date()


def _move_clocks(
    ticket: Ticket, old: str, new: str, *, actor: User | None, now: dt.datetime
) -> None:
    if new in CLOSED_STATUSES:
        stop_record_clocks(ticket, actor=actor, at=now)
    elif new in WAITING_STATUSES:
        pause_record_clocks(ticket, reason=WAITING_STATUSES[new], actor=actor, at=now)
    elif old in WAITING_STATUSES:
        resume_record_clocks(ticket, actor=actor, at=now)


def start_review(ticket: Ticket, *, actor: User | None, stage_title: str | None = None) -> Ticket:
    """An agent takes the request up (by hand: refused while a process drives the request)."""
    with transaction.atomic():
        _refuse_while_process_runs(ticket, by_process=False)
        return change_status(ticket, Status.IN_PROGRESS, actor=actor, stage_title=stage_title)


def return_for_correction(
    ticket: Ticket,
    *,
    fields: Iterable[str],
    note: str,
    actor: User | None,
    by_process: bool = False,
) -> Ticket:
    """Send the request back to the applicant naming the fields and documents to fix (R-17)."""
    keys = _correctable_keys(ticket)
    fields = [key for key in fields if key in keys]
    if not fields:
        raise TransitionError()
    with transaction.atomic():
        _refuse_while_process_runs(ticket, by_process=by_process)
        ticket.correction_fields, ticket.correction_note = fields, note
        ticket.save(update_fields=["correction_fields", "correction_note"])
        return change_status(
            ticket, Status.WAITING_APPLICANT, actor=actor, note=note, data={"fields": fields}
        )


def _correctable_keys(ticket: Ticket) -> set[str]:
    version = ticket.service_version
    keys = {row.key for row in version.form_fields.all()}
    keys |= {document_key(item.pk) for item in version.documents.all() if not item.is_by_inquiry}
    return keys


def correct_request(
    ticket: Ticket,
    *,
    answers: Mapping[str, Any],
    documents: Mapping[str, Any] | None = None,
    files: Mapping[str, Sequence[File[bytes]]] | None = None,
    actor: User,
    verified: bool = False,
) -> Ticket:
    """The applicant fixes the named fields and documents; nothing else can change.

    `verified`: the visitor proved the tracking code and national code on /track/ instead of
    following the request with their account (the Activity rows say so).
    """
    if not ticket.can_correct():
        raise TransitionError()
    if not verified and not can_follow(ticket, actor):
        raise NotAllowedError()
    via = {"via": "tracking_code"} if verified else {}
    allowed = set(ticket.correction_fields)
    changed = {key: value for key, value in answers.items() if key in allowed}
    changed_documents = {key: value for key, value in (documents or {}).items() if key in allowed}
    clean, clean_documents = validate_submission(
        ticket.service_version,
        {**ticket.answers, **changed},
        {**ticket.documents, **changed_documents},
    )
    replaced = {
        path: uploads for path, uploads in (files or {}).items() if path.split(".")[0] in allowed
    }
    _check_files_sent(
        {key: value for key, value in clean.items() if key in changed},
        {key: value for key, value in clean_documents.items() if key in changed_documents},
        replaced,
    )
    check_total_size(replaced)
    with _deleted_on_failure() as written, transaction.atomic():
        old = {key: ticket.answers.get(key) or ticket.documents.get(key) for key in allowed}
        Attachment.objects.filter(ticket=ticket, field_key__in=list(replaced)).update(
            is_current=False
        )
        _retire_dropped_files(ticket, allowed, clean, clean_documents)
        ticket.answers, ticket.documents = clean, clean_documents
        ticket.correction_fields, ticket.correction_note = [], ""
        ticket.save(update_fields=["answers", "documents", "correction_fields", "correction_note"])
        _store_files(ticket, replaced, actor=actor, written=written)
        new = {key: clean.get(key) or clean_documents.get(key) for key in allowed}
        record_activity(
            ticket,
            "ticket.corrected",
            actor=actor,
            old=old,
            new=new,
            data={"fields": sorted(allowed), **via},
            public=True,
        )
        _index(ticket)
        _tell_process(ticket, "request_corrected", actor=actor)
        ticket.refresh_from_db(fields=["stage_title"])
        return change_status(
            ticket, Status.IN_PROGRESS, actor=actor, data=via, stage_title=ticket.stage_title
        )


def _retire_dropped_files(
    ticket: Ticket, keys: set[str], answers: Mapping[str, Any], documents: Mapping[str, Any]
) -> None:
    """Files of corrected fields that the new answers no longer describe stop being current."""
    stale = [
        attachment.pk
        for attachment in Attachment.objects.filter(ticket=ticket, is_current=True)
        if attachment.field_key.split(".")[0] in keys
        and attachment.sha256
        not in {
            item.get("sha256") for item in descriptors_at(answers, documents, attachment.field_key)
        }
    ]
    Attachment.objects.filter(pk__in=stale).update(is_current=False)


def reject_request(
    ticket: Ticket, *, reason: str, actor: User | None, by_process: bool = False
) -> Ticket:
    """Turn the request down, with the reason the applicant reads."""
    with transaction.atomic():
        _refuse_while_process_runs(ticket, by_process=by_process)
        ticket.decision_note = reason
        ticket.save(update_fields=["decision_note"])
        _stop_process(ticket, actor=actor, reason=reason)
        return change_status(ticket, Status.REJECTED, actor=actor, note=reason)


def _stop_process(ticket: Ticket, *, actor: User | None, reason: str) -> None:
    """A decided request's process stops where it is (a rejection ends it early)."""
    workflow.cancel_process(ticket, actor=actor, reason=reason)


def complete_request(
    ticket: Ticket, *, note: str = "", actor: User | None, by_process: bool = False
) -> Ticket:
    """The service was delivered (by hand only when no process drives the request)."""
    with transaction.atomic():
        _refuse_while_process_runs(ticket, by_process=by_process)
        ticket.decision_note = note
        ticket.save(update_fields=["decision_note"])
        _stop_process(ticket, actor=actor, reason=note)
        return change_status(ticket, Status.COMPLETED, actor=actor, note=note)


def object_to_rejection(
    ticket: Ticket, *, text: str, actor: User, verified: bool = False
) -> Ticket:
    """The applicant objects to a rejection (ثبت اعتراض, R-17); `verified` as in correct_request."""
    if not ticket.can_object():
        raise TransitionError()
    if not verified and not can_follow(ticket, actor):
        raise NotAllowedError()
    with transaction.atomic():
        ticket.objection_text = text
        ticket.save(update_fields=["objection_text"])
        return change_status(
            ticket,
            Status.OBJECTED,
            actor=actor,
            note=text,
            data={"via": "tracking_code"} if verified else None,
        )


def can_follow(ticket: Ticket, user: Any) -> bool:
    """Whether a signed-in applicant may see and act on the request: they filed it, or it is for
    their national code and that code is verified (a typed code proves nothing)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if ticket.requester_id == user.pk:
        return True
    national_code = getattr(user, "verified_national_code", None)
    return bool(national_code) and national_code == ticket.principal_national_code


def tell_applicant_new_due_date(ticket: Ticket, *, due_at: dt.datetime, actor: Any = None) -> None:
    """SLA handler: a closure moved the promised date; tell the applicant once per new date."""
    tell_applicant(
        ticket,
        "stage_changed",
        key=f"due:{due_at.isoformat()}",
        due_date=timezone.localtime(due_at).date(),
    )


# --- files kept for a retry --------------------------------------------------------------------


def stage_upload(upload: File[bytes], *, field_key: str, owner: User) -> StagedUpload:
    """Keep a valid file of a form that came back with errors, for the same person's retry."""
    staged = StagedUpload(
        owner=owner,
        field_key=field_key,
        original_name=_safe_name(upload.name or "file"),
        size=upload.size or 0,
        sha256=file_sha256(upload),
    )
    staged.file.save("staged.bin", upload, save=False)
    staged.save()
    return staged


def discard_staged_uploads(staged: Iterable[StagedUpload], *, owner: User) -> int:
    """Delete kept files a successful submission used (only the owner's)."""
    count = 0
    for item in staged:
        if item.owner_id != owner.pk:
            continue
        item.file.delete(save=False)
        item.delete()
        count += 1
    return count


def prune_staged_uploads(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Delete kept files nobody came back for."""
    cutoff = timezone.now() - older_than
    count = 0
    for staged in StagedUpload.objects.filter(created_at__lt=cutoff).iterator():
        staged.file.delete(save=False)
        staged.delete()
        count += 1
    return count


def add_note(ticket: Ticket, text: str, *, actor: User, public: bool = False) -> Activity:
    """An internal note for staff, or (public) a reply the applicant reads on /track/."""
    text = text.strip()
    if not text:
        raise NoteEmptyError()
    return record_activity(
        ticket,
        "ticket.reply" if public else "ticket.note",
        actor=actor,
        data={"text": text[:4000]},
        public=public,
    )


def record_file_opened(
    ticket: Ticket, attachment: Attachment, *, actor: User, inline: bool
) -> None:
    """Who opened which file of a request, and when: staff reading a citizen's documents leave
    an audit row on the request's timeline (never shown to the applicant)."""
    core_services.record_file_opened(
        ticket, "ticket.file_opened", attachment, actor=actor, inline=inline
    )
