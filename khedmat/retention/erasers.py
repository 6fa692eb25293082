"""Each class of data: which rows it covers, the moment its period counts from, which rows a legal
hold protects, and how one batch of them is erased (anonymised or deleted).

Erasing assigns blank values through the ORM and saves the model (never raw SQL), so a field
that encrypts or hashes its value on save stays consistent. Files leave the storage before their
rows, inside the batch's transaction: a batch that fails after that leaves rows whose files are
gone, and the next run finishes them (deleting a missing file is harmless), never the reverse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from khedmat.accounts.models import LoginCode, LoginFailure
from khedmat.complaints.choices import DECIDED_STATUSES
from khedmat.complaints.models import Complaint
from khedmat.core.models import RateLimitCounter
from khedmat.integrations.models import InquiryLog, InquiryRequest
from khedmat.itsm.choices import IncidentStatus
from khedmat.itsm.indexing import index_incident
from khedmat.itsm.models import Incident, IncidentAttachment
from khedmat.notifications.models import Message
from khedmat.processes.locks import lock_ticket
from khedmat.processes.models import ServiceCall
from khedmat.retention.choices import DataClass
from khedmat.retention.models import AnonymisedRecord, DestructionRecord
from khedmat.surveys.models import SurveyResponse
from khedmat.tickets.choices import CLOSED_STATUSES
from khedmat.tickets.indexing import index_request
from khedmat.tickets.models import Attachment, Ticket

#: Records a hold may name (the admin's choice of record type).
HOLDABLE_MODELS: tuple[type[models.Model], ...] = (Ticket, Complaint, Incident)


@dataclass(frozen=True)
class Holds:
    """The active legal holds, read once per run: record ids per model, and held services."""

    records: dict[type[models.Model], frozenset[int]] = field(default_factory=dict)
    services: frozenset[int] = frozenset()

    def ids(self, model: type[models.Model]) -> frozenset[int]:
        return self.records.get(model, frozenset())


@dataclass(frozen=True)
class Eraser:
    """How one class of data is found and erased."""

    data_class: str
    model: type[models.Model]
    anchor: str
    rows: Callable[[], QuerySet[Any]]
    held: Callable[[Holds], Q]
    erase: Callable[[Sequence[Any], DestructionRecord], int]
    service: Callable[[Iterable[int]], Q] | None = None


# --- the rows each class covers and what a hold protects ----------------------------------------


def _nothing(holds: Holds) -> Q:
    return Q(pk__in=[])


def _service_of(prefix: str) -> Callable[[Iterable[int]], Q]:
    def condition(ids: Iterable[int]) -> Q:
        return Q(**{f"{prefix}service_id__in": list(ids)})

    return condition


def _complaint_service(ids: Iterable[int]) -> Q:
    """A complaint belongs to its own service, else to its request's."""
    ids = list(ids)
    return Q(service_id__in=ids) | Q(service__isnull=True, ticket__service_id__in=ids)


def _ticket_held(prefix: str) -> Callable[[Holds], Q]:
    def condition(holds: Holds) -> Q:
        return Q(**{f"{prefix}pk__in": list(holds.ids(Ticket))}) | Q(
            **{f"{prefix}service_id__in": list(holds.services)}
        )

    return condition


def _complaint_held(holds: Holds) -> Q:
    return (
        Q(pk__in=list(holds.ids(Complaint)))
        | Q(ticket_id__in=list(holds.ids(Ticket)))
        | _complaint_service(holds.services)
    )


def _incident_held(holds: Holds) -> Q:
    return Q(pk__in=list(holds.ids(Incident))) | Q(service_id__in=list(holds.services))


def _about_held(type_field: str, id_field: str) -> Callable[[Holds], Q]:
    """Rows that name a held record (or a record of a held service) by content type and text id."""

    def condition(holds: Holds) -> Q:
        found = Q(pk__in=[])
        for model in HOLDABLE_MODELS:
            content_type = ContentType.objects.get_for_model(model)
            ids = [str(pk) for pk in holds.ids(model)]
            if holds.services:
                service = _complaint_service if model is Complaint else _service_of("")
                of_services = model._default_manager.filter(service(holds.services))
                ids_of_services = of_services.annotate(text_id=Cast("pk", CharField()))
                found |= Q(
                    **{
                        type_field: content_type,
                        f"{id_field}__in": ids_of_services.values("text_id"),
                    }
                )
            if ids:
                found |= Q(**{type_field: content_type, f"{id_field}__in": ids})
        return found

    return condition


# --- erasing ---------------------------------------------------------------------------------------


def _delete_files(rows: QuerySet[Any]) -> None:
    """Remove the stored files of these rows (their `file` field) from the storage."""
    for stored in rows.values_list("file", flat=True):
        if stored:
            rows.model._meta.get_field("file").storage.delete(stored)  # type: ignore[union-attr]


def _mark(model: type[models.Model], ids: Iterable[int], record: DestructionRecord) -> None:
    content_type = ContentType.objects.get_for_model(model)
    AnonymisedRecord.objects.bulk_create(
        [
            AnonymisedRecord(content_type=content_type, object_id=pk, destruction=record)
            for pk in ids
        ]
    )


def _delete(model: type[models.Model]) -> Callable[[Sequence[Any], DestructionRecord], int]:
    def erase(ids: Sequence[Any], record: DestructionRecord) -> int:
        _deleted, per_model = model._default_manager.filter(pk__in=ids).delete()
        return per_model.get(model._meta.label, 0)

    return erase


def _delete_attachments(ids: Sequence[Any], record: DestructionRecord) -> int:
    rows = Attachment.objects.filter(pk__in=ids)
    _delete_files(rows)
    _deleted, per_model = rows.delete()
    return per_model.get(Attachment._meta.label, 0)


#: A request's personal data: who it is for and who acted for them, what they typed and uploaded.
#: Kept: tracking code, service and version, channel, status, stage, unit, team, handler,
#: dates, promised date (the SLA figures), and the accounts (their retention is the user's own).
REQUEST_BLANKS: dict[str, Any] = {
    "principal_name": "",
    "principal_national_code": "",
    "principal_mobile": "",
    "representative_name": "",
    "representative_national_code": "",
    "answers": {},
    "documents": {},
    "correction_fields": [],
    "correction_note": "",
    "decision_note": "",
    "objection_text": "",
    "submission_key": "",
}


def _assign(record: models.Model, blanks: dict[str, Any]) -> None:
    for name, value in blanks.items():
        setattr(record, name, value() if callable(value) else value)


def _anonymise_requests(ids: Sequence[Any], record: DestructionRecord) -> int:
    done = []
    for ticket_id in sorted(ids):
        ticket = lock_ticket(ticket_id)  # the first lock of every path (processes.locks)
        if ticket.status not in CLOSED_STATUSES:
            continue  # reopened (an objection) since it was chosen
        _delete_files(Attachment.objects.filter(ticket=ticket))
        Attachment.objects.filter(ticket=ticket).delete()
        _assign(ticket, REQUEST_BLANKS)
        ticket.save()
        for call in ServiceCall.objects.filter(ticket=ticket):
            call.params, call.result, call.error = {}, {}, ""
            call.save(update_fields=["params", "result", "error"])
        _blank_inquiries(ticket)
        index_request(ticket)  # found by its code and service only
        done.append(ticket_id)
    _mark(Ticket, done, record)
    return len(done)


def _blank_inquiries(record: models.Model) -> None:
    """The answers other agencies gave about the record (names, addresses…)."""
    content_type = ContentType.objects.get_for_model(record)
    for inquiry in InquiryRequest.objects.filter(
        record_type=content_type, record_id=str(record.pk)
    ):
        inquiry.result, inquiry.error = {}, ""
        inquiry.save(update_fields=["result", "error"])


COMPLAINT_BLANKS: dict[str, Any] = {
    "complainant_name": "",
    "complainant_national_code": "",
    "complainant_mobile": "",
    "subject": "",
    "text": "",
    "answer": "",
}


def _anonymise_complaints(ids: Sequence[Any], record: DestructionRecord) -> int:
    rows = Complaint.objects.select_for_update(of=("self",)).filter(
        pk__in=ids, status__in=DECIDED_STATUSES
    )
    done = []
    for complaint in rows.order_by("pk"):
        _assign(complaint, COMPLAINT_BLANKS)
        complaint.save()
        done.append(complaint.pk)
    _mark(Complaint, done, record)
    return len(done)


INCIDENT_BLANKS: dict[str, Any] = {
    "reporter_name": "",
    "reporter_mobile": "",
    "reporter_email": "",
    "description": "",
}


def _anonymise_incidents(ids: Sequence[Any], record: DestructionRecord) -> int:
    rows = Incident.objects.select_for_update(of=("self",)).filter(
        pk__in=ids, status=IncidentStatus.CLOSED
    )
    done = []
    for incident in rows.select_related("ci").order_by("pk"):
        files = IncidentAttachment.objects.filter(incident=incident)
        _delete_files(files)
        files.delete()
        _assign(incident, INCIDENT_BLANKS)
        incident.save()
        _blank_inquiries(incident)
        index_incident(incident)
        done.append(incident.pk)
    _mark(Incident, done, record)
    return len(done)


def _anonymise_survey_responses(ids: Sequence[Any], record: DestructionRecord) -> int:
    """Free text goes (the comment, text answers); the scores stay for the survey report."""
    rows = SurveyResponse.objects.select_for_update(of=("self",)).filter(pk__in=ids)
    done = []
    for response in rows.order_by("pk"):
        answers = response.answers if isinstance(response.answers, dict) else {}
        response.answers = {
            key: value
            for key, value in answers.items()
            if isinstance(value, int | float) and not isinstance(value, bool)
        }
        response.comment = ""
        response.save(update_fields=["answers", "comment"])
        done.append(response.pk)
    _mark(SurveyResponse, done, record)
    return len(done)


# --- the classes ---------------------------------------------------------------------------------

D = DataClass
ERASERS: dict[str, Eraser] = {
    D.REQUESTS: Eraser(
        D.REQUESTS,
        Ticket,
        "closed_at",
        lambda: Ticket.objects.filter(status__in=CLOSED_STATUSES, closed_at__isnull=False),
        _ticket_held(""),
        _anonymise_requests,
        _service_of(""),
    ),
    D.REQUEST_FILES: Eraser(
        D.REQUEST_FILES,
        Attachment,
        "ticket__closed_at",
        lambda: Attachment.objects.filter(
            ticket__status__in=CLOSED_STATUSES, ticket__closed_at__isnull=False
        ),
        _ticket_held("ticket__"),
        _delete_attachments,
        _service_of("ticket__"),
    ),
    D.COMPLAINTS: Eraser(
        D.COMPLAINTS,
        Complaint,
        "status_changed_at",
        lambda: Complaint.objects.filter(status__in=DECIDED_STATUSES),
        _complaint_held,
        _anonymise_complaints,
        _complaint_service,
    ),
    D.INCIDENTS: Eraser(
        D.INCIDENTS,
        Incident,
        "closed_at",
        lambda: Incident.objects.filter(status=IncidentStatus.CLOSED, closed_at__isnull=False),
        _incident_held,
        _anonymise_incidents,
        _service_of(""),
    ),
    D.SURVEY_RESPONSES: Eraser(
        D.SURVEY_RESPONSES,
        SurveyResponse,
        "created_at",
        lambda: SurveyResponse.objects.all(),
        _ticket_held("invitation__ticket__"),
        _anonymise_survey_responses,
        _service_of("invitation__"),
    ),
    D.MESSAGES: Eraser(
        D.MESSAGES,
        Message,
        "created_at",
        lambda: Message.objects.all(),
        _about_held("related_type", "related_id"),
        _delete(Message),
    ),
    D.LOGIN_CODES: Eraser(
        D.LOGIN_CODES,
        LoginCode,
        "created_at",
        lambda: LoginCode.objects.all(),
        _nothing,
        _delete(LoginCode),
    ),
    D.LOGIN_FAILURES: Eraser(
        D.LOGIN_FAILURES,
        LoginFailure,
        "created_at",
        lambda: LoginFailure.objects.all(),
        _nothing,
        _delete(LoginFailure),
    ),
    D.RATE_LIMIT_COUNTERS: Eraser(
        D.RATE_LIMIT_COUNTERS,
        RateLimitCounter,
        "window_ends_at",
        lambda: RateLimitCounter.objects.all(),
        _nothing,
        _delete(RateLimitCounter),
    ),
    D.INQUIRY_LOGS: Eraser(
        D.INQUIRY_LOGS,
        InquiryLog,
        "created_at",
        lambda: InquiryLog.objects.all(),
        _about_held("record_type", "record_id"),
        _delete(InquiryLog),
    ),
    D.FINISHED_JOBS: Eraser(
        D.FINISHED_JOBS,
        DBTaskResult,
        "finished_at",
        lambda: DBTaskResult.objects.filter(
            status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
            finished_at__isnull=False,
        ),
        _nothing,
        _delete(DBTaskResult),
    ),
}


def moment_before(value: dt.datetime, days: int) -> dt.datetime:
    """The moment `days` before `value`: a record counted from earlier has passed its period."""
    return value - dt.timedelta(days=days)
