"""Use cases of complaints: file, route, review, answer or reject; each writes its Activity row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from khedmat.accounts.models import OrgUnit, User
from khedmat.calendars.queries import calendar_for_unit
from khedmat.calendars.worktime import add_working_days
from khedmat.catalog.models import Service
from khedmat.complaints.choices import ComplaintChannel, ComplaintStatus
from khedmat.complaints.errors import (
    AnswerEmptyError,
    ComplaintSubjectMissingError,
    ComplaintTransitionError,
    RequestNotYoursError,
)
from khedmat.complaints.models import CODE_LENGTH, Complaint
from khedmat.core.services import record_activity
from khedmat.core.tracking import generate_tracking_code
from khedmat.notifications.choices import MessageKind
from khedmat.notifications.errors import TemplateMissingError
from khedmat.notifications.services import notify
from khedmat.tickets.models import Ticket
from khedmat.tickets.services import can_follow


@dataclass(frozen=True)
class Complainant:
    """Who complains: a signed-in account (optional for a walk-in) and who they are."""

    name: str
    national_code: str
    mobile: str = ""
    user: User | None = None


def public_link(complaint: Complaint) -> str:
    """The address the complainant follows the complaint at (sent by SMS)."""
    base = settings.KHEDMAT_PUBLIC_URL.rstrip("/")
    return f"{base}/complaints/track/?code={complaint.tracking_code}"


def complaints_unit(service: Service | None, ticket: Ticket | None) -> OrgUnit | None:
    """The unit complaints go to: KHEDMAT_COMPLAINTS_UNIT, else the service's responsible unit."""
    code = settings.KHEDMAT_COMPLAINTS_UNIT
    if code:
        unit = OrgUnit.objects.filter(code=code, is_active=True).first()
        if unit is not None:
            return unit
    if ticket is not None and ticket.org_unit_id is not None:
        return ticket.org_unit
    version = service.current_version if service is not None else None
    if version is not None:
        return version.responsible_unit or version.agency
    return None


def answer_deadline(unit: OrgUnit | None, start: dt.datetime) -> dt.datetime:
    """The answer deadline: KHEDMAT_COMPLAINTS_ANSWER_DAYS working days in the unit's calendar."""
    days = settings.KHEDMAT_COMPLAINTS_ANSWER_DAYS
    return add_working_days(calendar_for_unit(unit), start, days)


def _check_request(ticket: Ticket, complainant: Complainant) -> None:
    """A complaint about a request: a signed-in complainant follows it (their account's national
    code counts only once verified); a walk-in's national code, read by staff, matches it."""
    if complainant.user is not None:
        if not can_follow(ticket, complainant.user):
            raise RequestNotYoursError()
        return
    codes = {ticket.principal_national_code, ticket.representative_national_code} - {""}
    if complainant.national_code not in codes:
        raise RequestNotYoursError()


def file_complaint(
    *,
    complainant: Complainant,
    subject: str,
    text: str,
    service: Service | None = None,
    ticket: Ticket | None = None,
    channel: str = ComplaintChannel.PORTAL,
    filed_by: User | None = None,
    language: str = "fa",
    now: dt.datetime | None = None,
) -> Complaint:
    """File a complaint about a service or a request: code, routing, deadline, Activity and SMS."""
    if ticket is not None:
        _check_request(ticket, complainant)
        service = service or ticket.service
    if service is None:
        raise ComplaintSubjectMissingError()
    now = now or timezone.now()
    unit = complaints_unit(service, ticket)
    with transaction.atomic():
        code = generate_tracking_code(
            CODE_LENGTH,
            exists=lambda candidate: Complaint.objects.filter(tracking_code=candidate).exists(),
        )
        complaint = Complaint.objects.create(
            tracking_code=code,
            service=service,
            ticket=ticket,
            complainant=complainant.user,
            complainant_name=complainant.name,
            complainant_national_code=complainant.national_code,
            complainant_mobile=complainant.mobile,
            language=(language or "fa")[:2],
            subject=subject.strip(),
            text=text.strip(),
            channel=channel,
            filed_by=filed_by,
            org_unit=unit,
            submitted_at=now,
            status_changed_at=now,
            deadline_at=answer_deadline(unit, now),
        )
        record_activity(
            complaint,
            "complaint.filed",
            actor=filed_by or complainant.user,
            new=ComplaintStatus.SUBMITTED,
            data={"channel": channel, "org_unit": unit.pk if unit else None},
            public=True,
        )
        tell_complainant(complaint, "complaint_filed", key="filed")
    return complaint


def tell_complainant(complaint: Complaint, event: str, *, key: str) -> bool:
    """Queue the complainant's SMS for an event; False when there is no mobile or no template."""
    if not complaint.complainant_mobile:
        return False
    deadline = timezone.localtime(complaint.deadline_at).date()
    values: dict[str, Any] = {
        "tracking_code": complaint.tracking_code,
        "deadline": deadline,
        "due_date": deadline,
        "link": public_link(complaint),
        "name": complaint.complainant_name,
    }
    try:
        notify(
            event,
            record=complaint,
            recipient=complaint.complainant_mobile,
            language=complaint.language,
            context=values,
            kind=MessageKind.TRANSACTIONAL,
            idempotency_key=f"complaint:{complaint.pk}:{key}",
        )
    except TemplateMissingError:
        record_activity(complaint, "message.template_missing", data={"event": event})
        return False
    return True


def change_complaint_status(
    complaint: Complaint,
    status: str,
    *,
    actor: User | None,
    answer: str | None = None,
    now: dt.datetime | None = None,
) -> Complaint:
    """Move a complaint along the transition table (the one place its status changes)."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
        old = complaint.status
        if status == old:
            return complaint
        if not complaint.can_move_to(status):
            raise ComplaintTransitionError()
        complaint.status, complaint.status_changed_at = status, now
        if answer is not None:
            complaint.answer = answer
            complaint.answered_by, complaint.answered_at = actor, now
        complaint.save()
        record_activity(
            complaint,
            "complaint.status_changed",
            actor=actor,
            old=old,
            new=status,
            data={"answer": answer} if answer is not None else None,
            public=True,
        )
        if answer is not None:
            tell_complainant(
                complaint, "complaint_answered", key=f"decided:{status}:{int(now.timestamp())}"
            )
    return complaint


def start_review(complaint: Complaint, *, actor: User) -> Complaint:
    """Take a complaint into review (or review again one rejected as invalid)."""
    return change_complaint_status(complaint, ComplaintStatus.IN_REVIEW, actor=actor)


def answer_complaint(complaint: Complaint, *, text: str, actor: User) -> Complaint:
    """Answer a complaint: the outcome the complainant reads; final; the complainant gets an SMS."""
    if not text.strip():
        raise AnswerEmptyError()
    return change_complaint_status(
        complaint, ComplaintStatus.ANSWERED, actor=actor, answer=text.strip()
    )


def reject_complaint(complaint: Complaint, *, text: str, actor: User) -> Complaint:
    """Reject a complaint as invalid, with the reason the complainant reads (and an SMS)."""
    if not text.strip():
        raise AnswerEmptyError()
    return change_complaint_status(
        complaint, ComplaintStatus.REJECTED, actor=actor, answer=text.strip()
    )
