"""`POST /`: file a request, as a signed-in applicant or, for a walk-in, as staff; JSON, or
multipart with the JSON in the part `payload` and the files (matched by tickets.documents)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pydantic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext
from ninja import Header, Status

from khedmat.accounts.models import User
from khedmat.accounts.otp import profile_is_complete
from khedmat.catalog.formbuilder.engine import InvalidAnswers
from khedmat.catalog.models import ServiceVersion
from khedmat.core.http import load_json
from khedmat.core.identifiers import normalize_mobile, normalize_national_code
from khedmat.tickets import services, walkin
from khedmat.tickets.api.requests import caller
from khedmat.tickets.api.schemas import (
    SubmissionIn,
    WalkInApplicantIn,
    error_status,
    receipt_url,
    status_label,
)
from khedmat.tickets.choices import IntakeChannel
from khedmat.tickets.documents import match_uploads
from khedmat.tickets.errors import DailyLimitError, NotAllowedError, TicketError
from khedmat.tickets.forms.apply import RepresentationForm
from khedmat.tickets.models import Ticket
from khedmat.tickets.queries import open_version

SUBMISSION_KEY_MAX = 64
#: Fields of the web form's RepresentationForm -> paths in the JSON payload.
PARTY_PATHS = {
    "on_behalf": "principal",
    "principal_kind": "principal.kind",
    "principal_name": "principal.name",
    "principal_code": "principal.national_code",
    "principal_mobile": "principal.mobile",
    "capacity": "representation.capacity",
}


class _Refusal(Exception):
    """Stop the submission with this status and message."""

    def __init__(self, status: int, message: object) -> None:
        super().__init__(str(message))
        self.status, self.message = status, str(message)


def _read_submission(request: HttpRequest) -> tuple[SubmissionIn, dict[str, list[UploadedFile]]]:
    """The JSON payload (the body, or the multipart part "payload") and the uploaded files."""
    files: dict[str, list[UploadedFile]] = {}
    if request.content_type == "multipart/form-data":
        raw: str | bytes | None = request.POST.get("payload")
        if raw is None:
            raise InvalidAnswers(
                {"payload": [gettext("Send the request as JSON in a part named payload.")]}
            )
        files = {name: request.FILES.getlist(name) for name in request.FILES}
    else:
        raw = request.body
    try:
        data = load_json(raw)
    except ValueError:  # not JSON, not UTF-8, or nested too deeply
        raise InvalidAnswers({"__all__": [gettext("The request is not valid JSON.")]}) from None
    try:
        return SubmissionIn.model_validate(data), files
    except pydantic.ValidationError as error:
        raise InvalidAnswers(_schema_errors(error)) from None


def _schema_errors(error: pydantic.ValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"]) or "__all__"
        missing = item["type"] == "missing"
        message = gettext("This field is required.") if missing else gettext("Enter a valid value.")
        errors.setdefault(path, []).append(message)
    return errors


def _submission_key(header: str | None, payload: SubmissionIn) -> str:
    key = (header or payload.submission_key or "").strip()
    if len(key) > SUBMISSION_KEY_MAX or not key.isprintable():
        message = gettext("Use a key of at most %(count)d printable characters.")
        raise InvalidAnswers({"Idempotency-Key": [message % {"count": SUBMISSION_KEY_MAX}]})
    return key


#: Card versions and their rows are insert-only (catalog InsertOnlyModel): a version loaded with
#: its form, documents and stages serves this process's later submissions without reloading them.
#: Keyed by id and creation time, so a reused id (a test database rolled back) is never mistaken.


def _form_errors(form: Any, paths: dict[str, str]) -> dict[str, list[str]]:
    return {
        paths.get(name, name): [str(message) for message in messages]
        for name, messages in form.errors.items()
    }


def _parties(
    user: User, payload: SubmissionIn
) -> tuple[services.Principal, services.Representation | None]:
    """The principal and representation, checked as the web form checks them (R-12, R-13)."""
    principal, representation = payload.principal, payload.representation
    if principal is None and representation is not None:
        raise InvalidAnswers({"principal": [gettext("Say whom you file for.")]})
    data: dict[str, str] = {}
    if principal is not None:
        data = {
            "on_behalf": "on",
            "principal_kind": principal.kind,
            "principal_name": principal.name,
            "principal_code": principal.national_code,
            "principal_mobile": principal.mobile,
            "capacity": representation.capacity if representation else "",
        }
    form = RepresentationForm({f"rep-{name}": value for name, value in data.items()}, user=user)
    if not form.is_valid():
        raise InvalidAnswers(_form_errors(form, PARTY_PATHS))
    return form.principal(), form.representation()


def _language(payload: SubmissionIn) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    if payload.language in codes:
        return str(payload.language)
    return (translation.get_language() or settings.LANGUAGE_CODE)[:2]


def _check_may_file(user: User, *, walk_in: bool) -> None:
    """Applicants with a complete profile file online; staff with tickets.add_ticket, walk-ins."""
    if walk_in:
        if not user.has_perm("tickets.add_ticket"):
            raise _Refusal(403, NotAllowedError.default_message)
    elif user.is_staff_member:
        message = gettext(
            'Staff file requests for walk-in applicants: send "channel": "in_person".'
        )
        raise _Refusal(403, message)
    elif not profile_is_complete(user):
        message = gettext("Complete your profile (name and national code) before applying.")
        raise _Refusal(403, message)


def _file_online(
    user: User,
    version: ServiceVersion,
    payload: SubmissionIn,
    files: dict[str, list[UploadedFile]],
    key: str,
) -> Ticket:
    """The applicant files for themselves or as a representative, as on the web form."""
    principal, representation = _parties(user, payload)
    return services.submit_request(
        version,
        answers=payload.answers,
        documents=payload.documents,
        files=files,
        requester=user,
        filed_by=user,
        principal=principal,
        representation=representation,
        channel=IntakeChannel.API,
        submission_key=key,
        language=_language(payload),
    )


def _walk_in_applicant(given: WalkInApplicantIn) -> walkin.WalkInApplicant:
    """The walk-in applicant with a valid mobile and national code and a name, or InvalidAnswers."""
    errors: dict[str, list[str]] = {}
    checks = {"mobile": normalize_mobile, "national_code": normalize_national_code}
    values = given.model_dump()
    for name, normalize in checks.items():
        try:
            values[name] = normalize(values[name])
        except ValidationError as error:
            errors[f"applicant.{name}"] = [str(message) for message in error.messages]
    for name in ("first_name", "last_name"):
        values[name] = values[name].strip()[:150]
        if not values[name]:
            errors[f"applicant.{name}"] = [gettext("This field is required.")]
    if errors:
        raise InvalidAnswers(errors)
    return walkin.WalkInApplicant(**values)


def _file_walk_in(
    user: User,
    version: ServiceVersion,
    payload: SubmissionIn,
    files: dict[str, list[UploadedFile]],
    key: str,
) -> Ticket:
    """Staff file for a walk-in applicant (R-14), as on the desk's walk-in form."""
    errors: dict[str, list[str]] = {}
    if payload.channel != IntakeChannel.IN_PERSON:
        errors["channel"] = [gettext('A walk-in request is filed with "channel": "in_person".')]
    if payload.applicant is None:
        errors["applicant"] = [
            gettext("Give the walk-in applicant's mobile, national code and name.")
        ]
    if payload.principal is not None or payload.representation is not None:
        errors["principal"] = [gettext("A walk-in request is for the applicant at the desk.")]
    if errors or payload.applicant is None:
        raise InvalidAnswers(errors)
    applicant = _walk_in_applicant(payload.applicant)
    try:
        return walkin.submit_walk_in(
            version,
            applicant=applicant,
            answers=payload.answers,
            documents=payload.documents,
            files=files,
            operator=user,
            submission_key=key,
            language=_language(payload),
        )
    except walkin.WalkInError as error:
        raise InvalidAnswers({"applicant": [str(error.message)]}) from None
    except ValidationError as error:
        raise InvalidAnswers({"applicant": [str(message) for message in error.messages]}) from None


def _submitted(ticket: Ticket) -> dict[str, Any]:
    return {
        "tracking_code": ticket.tracking_code,
        "status": ticket.status,
        "status_label": status_label(ticket),
        "stage": ticket.stage,
        "submitted_at": ticket.submitted_at,
        "promised_at": ticket.promised_at,
        "receipt_url": receipt_url(ticket),
        "track_url": services.public_link(ticket),
    }


def submit_request(
    request: HttpRequest, idempotency_key: str | None = Header(None, alias="Idempotency-Key")
) -> Status[Any] | JsonResponse:
    """File a request for a published service: 201 with its tracking code, or 200 with the
    request the same `Idempotency-Key` (or `submission_key`) already filed.

    Send `application/json`, or `multipart/form-data` with the JSON in the part `payload` and
    each file in a part named by its answer path or `doc-<id>`; files are matched to their
    descriptions by SHA-256. Answers that do not fit the form: 422 with `errors` by path.
    An account files at most KHEDMAT_MAX_REQUESTS_PER_DAY requests in 24 hours: 429 with
    Retry-After; the files of one request weigh at most KHEDMAT_MAX_SUBMISSION_MB together.
    """
    user = caller(request)
    started = timezone.now()
    try:
        payload, uploads = _read_submission(request)
        services.check_total_size(uploads)  # before hashing them
        key = _submission_key(idempotency_key, payload)
        walk_in = payload.applicant is not None or payload.channel == IntakeChannel.IN_PERSON
        _check_may_file(user, walk_in=walk_in)
        version = open_version(payload.service_code)
        if version is None:
            return error_status(404, gettext("There is no published service with this code."))
        files = match_uploads(version, payload.answers, payload.documents, uploads)
        file_request = _file_walk_in if walk_in else _file_online
        ticket = file_request(user, version, payload, files, key)
    except InvalidAnswers as error:
        detail = gettext("Some answers need your attention.")
        return Status(422, {"detail": detail, "errors": error.errors})
    except _Refusal as refusal:
        return error_status(refusal.status, refusal.message)
    except DailyLimitError as error:
        return _daily_limit_response(error, now=started)
    except TicketError as error:
        return error_status(403, error.message)
    return Status(201 if ticket.submitted_at >= started else 200, _submitted(ticket))


def _daily_limit_response(error: DailyLimitError, *, now: dt.datetime) -> JsonResponse:
    """429 with the translated message and Retry-After (seconds until the filer may file)."""
    response = JsonResponse({"detail": str(error.message)}, status=429)
    if error.retry_at is not None:
        response["Retry-After"] = str(max(1, int((error.retry_at - now).total_seconds()) + 1))
    return response
