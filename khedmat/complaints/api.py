"""The complaints API (/api/v1/complaints/): file one, list mine, track one by code + national code."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from khedmat.accounts.models import User
from khedmat.accounts.otp import profile_is_complete
from khedmat.complaints import queries, services
from khedmat.complaints.choices import ComplaintChannel
from khedmat.complaints.errors import ComplaintError
from khedmat.complaints.limits import complaint_limits
from khedmat.complaints.models import CODE_LENGTH, Complaint
from khedmat.core.digits import fold_digits
from khedmat.core.http import client_ip
from khedmat.core.pagination import KeysetPagination
from khedmat.core.tracking import is_valid_tracking_code, normalize_tracking_code
from khedmat.tickets.api.track import too_many_response
from khedmat.tickets.models import Ticket

router = Router(tags=["complaints"])


class ErrorOut(Schema):
    detail: str


class ComplaintIn(Schema):
    service_code: str | None = Field(None, description="The service the complaint is about.")
    request_code: str | None = Field(
        None, description="Or the tracking code of one of the caller's requests."
    )
    subject: str = Field(..., min_length=1, max_length=200)
    text: str = Field(..., min_length=1, max_length=4000)


# A Complaint, with its service and request.
class ComplaintOut(Schema):
    tracking_code: str
    status: str
    status_label: str
    subject: str
    service_code: str | None
    request_code: str | None
    submitted_at: dt.datetime
    deadline_at: dt.datetime
    is_overdue: bool
    answer: str | None
    answered_at: dt.datetime | None

    @staticmethod
    def resolve_status_label(complaint: Complaint) -> str:
        return str(complaint.get_status_display())

    @staticmethod
    def resolve_service_code(complaint: Complaint) -> str | None:
        return complaint.service.code if complaint.service else None

    @staticmethod
    def resolve_request_code(complaint: Complaint) -> str | None:
        return complaint.ticket.tracking_code if complaint.ticket else None

    @staticmethod
    def resolve_answer(complaint: Complaint) -> str | None:
        return complaint.answer if complaint.is_decided else None

    @staticmethod
    def resolve_answered_at(complaint: Complaint) -> dt.datetime | None:
        return complaint.answered_at if complaint.is_decided else None


class ComplaintPageQuery(KeysetPagination.Input):
    limit: int = Field(20, ge=1, le=100, description="Rows per page.")


class ComplaintPages(KeysetPagination):
    """The caller's complaints a page at a time (core.pagination): 20 by default, at most 100."""

    Input = ComplaintPageQuery


class TrackIn(Schema):
    tracking_code: str = Field(..., max_length=40)
    national_code: str = Field(..., max_length=40)


def _error(status: int, message: object) -> Status[Any]:
    return Status(status, {"detail": str(message)})


@router.post(
    "/",
    response={201: ComplaintOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="File a complaint",
    url_name="complaint_file",
)
def file_complaint(request: HttpRequest, body: ComplaintIn) -> Status[Any]:
    """A signed-in applicant files a complaint about a service, or about one of their requests."""
    user = request.user
    assert isinstance(user, User)
    if user.is_staff_member or not profile_is_complete(user):
        return _error(403, gettext("Complete your profile (name and national code) first."))
    service = ticket = None
    if body.request_code:
        code = fold_digits(body.request_code).strip()
        ticket = Ticket.objects.visible_to_applicant(user).filter(tracking_code=code).first()
        if ticket is None:
            return _error(404, gettext("There is no request with this tracking code for you."))
    elif body.service_code:
        service = queries.complaint_services().filter(code=body.service_code).first()
        if service is None:
            return _error(404, gettext("There is no published service with this code."))
    else:
        return _error(422, gettext("Choose the service or the request the complaint is about."))
    try:
        complaint = services.file_complaint(
            complainant=services.Complainant(
                name=user.get_full_name(),
                national_code=user.national_code or "",
                mobile=user.mobile or "",
                user=user,
            ),
            subject=body.subject,
            text=body.text,
            service=service,
            ticket=ticket,
            channel=ComplaintChannel.PORTAL,
            filed_by=user,
            language=translation.get_language() or "fa",
        )
    except ComplaintError as error:
        return _error(422, error.message)
    return Status(201, complaint)


@router.get("/", response=list[ComplaintOut], summary="My complaints", url_name="complaint_list")
@paginate(ComplaintPages, order=("-id",))
def list_complaints(request: HttpRequest) -> QuerySet[Complaint]:
    """The caller's own complaints, newest first, `limit` at a time; pass `next` as `after`.
    One query a page."""
    return Complaint.objects.of_complainant(request.user).select_related("service", "ticket")


@router.post(
    "/track",
    auth=None,
    response={200: ComplaintOut, 404: ErrorOut, 429: ErrorOut},
    summary="Track a complaint with its code and national code",
    url_name="complaint_track",
)
def track_complaint(request: HttpRequest, body: TrackIn) -> Status[Any] | JsonResponse:
    """Public: a complaint by its code and the complainant's national code. An unknown code, a
    wrong national code and a bad check digit give the same 404; failures are rate-limited."""
    code = None
    if is_valid_tracking_code(body.tracking_code, CODE_LENGTH):
        code = normalize_tracking_code(body.tracking_code, CODE_LENGTH)
    limits = complaint_limits(client_ip(request))
    wait = limits.wait(code)
    if wait:
        return too_many_response(wait)
    national_code = "".join(fold_digits(body.national_code).split()).replace("-", "")
    complaint = None
    if code:
        complaint = queries.follow_up_complaint(code, national_code=national_code, user=None)
    if complaint is None:
        limits.fail(code)
        return _error(404, gettext("No complaint matches this code and national code."))
    complaint = Complaint.objects.select_related("service", "ticket").filter(pk=complaint.pk).get()
    return Status(200, complaint)
