"""Requests under /api/v1/requests/: file one (JSON or multipart), follow yours, track any (R-14-R-17).

- `POST /`: a signed-in applicant files a request (session and CSRF); `Idempotency-Key` files it
  once. Staff holding `tickets.add_ticket` file for a walk-in: `channel: "in_person"` and `applicant`.
- `GET /`: the caller's requests, newest first, `limit` at a time; pass `next` as `after`.
- `GET /{code}`: one request the caller follows: status, stage, dates, handler, public history.
- `POST /track`: public, the same with the tracking code and a national code; failures are
  rate-limited like the /track/ page.

Errors are JSON `{"detail": message}` in the request's language; answers that do not fit the
form give 422 `{"detail": ..., "errors": {path: [messages]}}` with the paths of the web form.
"""

from __future__ import annotations

import copy
import datetime as dt
import hmac
from dataclasses import asdict
from typing import Any

import pydantic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import F
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from ninja import Field, Header, Query, Router, Schema, Status

from khedmat.accounts.models import User
from khedmat.accounts.otp import profile_is_complete
from khedmat.catalog.formbuilder.engine import InvalidAnswers
from khedmat.catalog.formbuilder.uploads import extension_of, sniff_matches
from khedmat.catalog.models import Service, ServiceVersion
from khedmat.core.digits import fold_digits
from khedmat.core.http import client_ip, load_json
from khedmat.core.identifiers import normalize_mobile, normalize_national_code
from khedmat.core.tracking import is_valid_tracking_code, normalize_tracking_code
from khedmat.core.translated import translated_text
from khedmat.tickets import queries, ratelimit, receipts, services, walkin
from khedmat.tickets.choices import IntakeChannel, PrincipalKind
from khedmat.tickets.choices import Status as TicketStatus
from khedmat.tickets.errors import DailyLimitError, NotAllowedError, TicketError
from khedmat.tickets.forms.apply import RepresentationForm
from khedmat.tickets.models import Ticket

router = Router(tags=["requests"])

PAGE_LIMIT_DEFAULT = 20
PAGE_LIMIT_MAX = 100
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


# --- schemas ----------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class InvalidOut(Schema):
    detail: str
    errors: dict[str, list[str]]


class PrincipalIn(Schema):
    """Whom the request is for, when not the caller (R-12, R-13)."""

    kind: str = Field(PrincipalKind.PERSON, description="person or legal")
    name: str
    national_code: str = Field(description="10-digit national code, or 11-digit national ID")
    mobile: str = Field(
        "",
        description="Kept for staff to call; not verified, so SMS go to the caller's own mobile.",
    )


class RepresentationIn(Schema):
    """In what capacity the caller files for the principal; the caller is the representative."""

    capacity: str = Field(description="attorney, guardian, company_representative or other")


class WalkInApplicantIn(Schema):
    """Staff only: who came to the desk; their account is found, or made, by mobile."""

    mobile: str
    national_code: str
    first_name: str
    last_name: str


class SubmissionIn(Schema):
    """A request: answers by field key and files described by {name, size, sha256}."""

    service_code: str
    answers: dict[str, Any] = Field(
        default_factory=dict,
        description="Answers by field key; a file field holds a list of {name, size, sha256}.",
    )
    documents: dict[str, Any] = Field(
        default_factory=dict,
        description='Required documents by "doc-<id>": lists of {name, size, sha256}.',
    )
    principal: PrincipalIn | None = None
    representation: RepresentationIn | None = None
    submission_key: str = Field("", description="Same as the Idempotency-Key header.")
    language: str | None = Field(None, description="Language of the SMS; default the request's.")
    channel: str = Field(IntakeChannel.API, description='"in_person" for a walk-in (staff).')
    applicant: WalkInApplicantIn | None = None


class SubmissionOut(Schema):
    tracking_code: str
    status: str
    status_label: str
    stage: str
    submitted_at: dt.datetime
    promised_at: dt.datetime | None
    receipt_url: str
    track_url: str


class ServiceRefOut(Schema):
    code: str
    title: str


class RequestOut(Schema):
    tracking_code: str
    service: ServiceRefOut
    status: str
    status_label: str
    stage: str
    submitted_at: dt.datetime
    promised_at: dt.datetime | None
    receipt_url: str


class RequestPage(Schema):
    items: list[RequestOut]
    next: str | None


class PageQuery(Schema):
    after: str | None = None
    limit: int = PAGE_LIMIT_DEFAULT


class HistoryOut(Schema):
    at: dt.datetime
    title: str
    status: str
    stage: str
    note: str


class RequestDetailOut(RequestOut):
    expected_at: dt.datetime | None
    pause_reason: str
    handler: str
    history: list[HistoryOut]


class TrackIn(Schema):
    tracking_code: str = ""
    national_code: str = Field("", description="The applicant's or representative's")


# --- OpenAPI of the submission body (read by hand: JSON, or multipart with a JSON part) ------


def _inline_schema(model: type[pydantic.BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its `$defs` inlined (the body is described by hand)."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                rest = {key: value for key, value in node.items() if key != "$ref"}
                return resolve({**definitions[ref.rsplit("/", 1)[-1]], **rest})
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return dict(resolve(schema))


SUBMISSION_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _inline_schema(SubmissionIn)},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["payload"],
                    "properties": {
                        "payload": {
                            "type": "string",
                            "contentMediaType": "application/json",
                            "description": "The request as in application/json.",
                        }
                    },
                    "additionalProperties": {
                        "type": "array",
                        "items": {"type": "string", "format": "binary"},
                        "description": "Files, each part named by its answer path or "
                        '"doc-<id>"; every file matches a description by SHA-256.',
                    },
                },
                "encoding": {"payload": {"contentType": "application/json"}},
            },
        },
    }
}


# --- reading the submission -------------------------------------------------------------------


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
_open_versions: dict[tuple[int, dt.datetime], ServiceVersion] = {}
OPEN_VERSIONS_MAX = 256


def _open_version(code: str) -> ServiceVersion | None:
    """The card in force of a published service, with its form, documents and stages."""
    service = (
        Service.objects.published()
        .filter(code=code)
        .annotate(version_created_at=F("current_version__created_at"))
        .order_by()
        .first()
    )
    if service is None or service.current_version_id is None:
        return None
    key = (service.current_version_id, service.version_created_at)  # type: ignore[attr-defined]  # annotated
    version = _open_versions.get(key)
    if version is None:
        version = (
            ServiceVersion.objects.select_related("responsible_unit", "agency")
            .prefetch_related("form_fields", "documents", "stages")
            .get(pk=service.current_version_id)
        )
        if len(_open_versions) >= OPEN_VERSIONS_MAX:
            _open_versions.clear()
        _open_versions[key] = version
    version = copy.copy(version)  # shares the loaded rows; this request's own service row
    version.service = service
    return version


def _file_problem(upload: UploadedFile, descriptor: dict[str, Any]) -> str | None:
    """Why an uploaded file is not the file its description names, or None."""
    name = str(descriptor.get("name", ""))
    if upload.size != descriptor.get("size"):
        return gettext("%(name)s: the file is not the size its description gives.") % {"name": name}
    head = upload.read(16)
    upload.seek(0)
    extension = extension_of(name)
    if not sniff_matches(head, extension):
        message = gettext("%(name)s: the file's content is not a %(type)s file.")
        return message % {"name": name, "type": extension}
    return None


def _matched_files(
    version: ServiceVersion, payload: SubmissionIn, uploads: dict[str, list[UploadedFile]]
) -> dict[str, list[UploadedFile]]:
    """Each described file's upload, by the answer path or document key it is filed under.

    Files are matched to descriptions by SHA-256, so every description needs its file and every
    file its description; the size must agree and the first bytes must fit the named type.
    """
    if not uploads and not services.described_files([payload.answers, payload.documents]):
        return {}
    answers, documents = services.validate_submission(version, payload.answers, payload.documents)
    described = {**services.described_files(answers), **documents}
    pool: dict[str, list[tuple[str, UploadedFile]]] = {}
    for part, files in uploads.items():
        for upload in files:
            pool.setdefault(services.file_sha256(upload), []).append((part, upload))
    errors: dict[str, list[str]] = {}
    matched: dict[str, list[UploadedFile]] = {}
    for path, descriptors in described.items():
        for descriptor in descriptors:
            candidates = pool.get(descriptor["sha256"]) or []
            if not candidates:
                message = gettext("%(name)s: the file is described but was not uploaded.")
                errors.setdefault(path, []).append(message % {"name": descriptor["name"]})
                continue
            upload = candidates.pop(0)[1]
            problem = _file_problem(upload, descriptor)
            if problem:
                errors.setdefault(path, []).append(problem)
            else:
                matched.setdefault(path, []).append(upload)
    for leftovers in pool.values():
        for part, upload in leftovers:
            message = gettext("%(name)s: no file description has this file's SHA-256.")
            errors.setdefault(part, []).append(message % {"name": upload.name})
    if errors:
        raise InvalidAnswers(errors)
    return matched


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


# --- shaping ----------------------------------------------------------------------------------


def _receipt_url(ticket: Ticket) -> str:
    return reverse("tickets:receipt", args=[ticket.tracking_code])


def _status_label(ticket: Ticket) -> str:
    return str(TicketStatus(ticket.status).label)


def _submitted(ticket: Ticket) -> dict[str, Any]:
    return {
        "tracking_code": ticket.tracking_code,
        "status": ticket.status,
        "status_label": _status_label(ticket),
        "stage": ticket.stage,
        "submitted_at": ticket.submitted_at,
        "promised_at": ticket.promised_at,
        "receipt_url": _receipt_url(ticket),
        "track_url": services.public_link(ticket),
    }


def _summary(ticket: Ticket) -> dict[str, Any]:
    return {
        "tracking_code": ticket.tracking_code,
        "service": {
            "code": ticket.service.code,
            "title": translated_text(ticket.service_version, "title"),
        },
        "status": ticket.status,
        "status_label": _status_label(ticket),
        "stage": ticket.stage,
        "submitted_at": ticket.submitted_at,
        "promised_at": ticket.promised_at,
        "receipt_url": _receipt_url(ticket),
    }


#: What a request's detail reads (queries.track_page and the summary): a narrow row, because
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


def _detail_ticket(code: str) -> Ticket | None:
    """The request with `code` and what its detail shows, in one query."""
    rows = (
        Ticket.objects.filter(tracking_code=code)
        .select_related(
            "service",
            "service_version__responsible_unit",
            "org_unit",
            "team",
            "assignee__org_unit",
        )
        .only(*DETAIL_FIELDS)
        .order_by()[:1]
    )
    return next(iter(rows), None)


def _detail(ticket: Ticket) -> dict[str, Any]:
    page = queries.track_page(ticket)
    return {
        **_summary(ticket),
        "expected_at": page.expected_at,
        "pause_reason": page.pause_reason,
        "handler": page.handler,
        "history": [asdict(entry) for entry in page.history],
    }


def _caller(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # django_auth let a signed-in user through
    return user


def _error(status: int, message: object) -> Status[Any]:
    return Status(status, {"detail": str(message)})


def _no_such_request() -> Status[Any]:
    return _error(404, gettext("There is no request with this tracking code for you to follow."))


# --- endpoints --------------------------------------------------------------------------------


@router.post(
    "/",
    response={
        200: SubmissionOut,
        201: SubmissionOut,
        403: ErrorOut,
        404: ErrorOut,
        422: InvalidOut,
        429: ErrorOut,
    },
    summary="File a request",
    openapi_extra=SUBMISSION_OPENAPI,
)
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
    user = _caller(request)
    started = timezone.now()
    try:
        payload, uploads = _read_submission(request)
        services.check_total_size(uploads)  # before hashing them
        key = _submission_key(idempotency_key, payload)
        walk_in = payload.applicant is not None or payload.channel == IntakeChannel.IN_PERSON
        _check_may_file(user, walk_in=walk_in)
        version = _open_version(payload.service_code)
        if version is None:
            return _error(404, gettext("There is no published service with this code."))
        files = _matched_files(version, payload, uploads)
        file_request = _file_walk_in if walk_in else _file_online
        ticket = file_request(user, version, payload, files, key)
    except InvalidAnswers as error:
        detail = gettext("Some answers need your attention.")
        return Status(422, {"detail": detail, "errors": error.errors})
    except _Refusal as refusal:
        return _error(refusal.status, refusal.message)
    except DailyLimitError as error:
        return _daily_limit_response(error, now=started)
    except TicketError as error:
        return _error(403, error.message)
    return Status(201 if ticket.submitted_at >= started else 200, _submitted(ticket))


def _daily_limit_response(error: DailyLimitError, *, now: dt.datetime) -> JsonResponse:
    """429 with the translated message and Retry-After (seconds until the filer may file)."""
    response = JsonResponse({"detail": str(error.message)}, status=429)
    if error.retry_at is not None:
        response["Retry-After"] = str(max(1, int((error.retry_at - now).total_seconds()) + 1))
    return response


@router.get(
    "/", response={200: RequestPage, 400: ErrorOut}, summary="My requests", url_name="request_list"
)
def list_requests(request: HttpRequest, params: Query[PageQuery]) -> Status[Any]:
    """The requests the caller filed or that were filed for them, newest first, `limit` at a
    time (at most 100); pass `next` as `after`. A constant number of queries per page."""
    if not 1 <= params.limit <= PAGE_LIMIT_MAX:
        message = gettext("The limit must be between 1 and %(max)d.") % {"max": PAGE_LIMIT_MAX}
        return _error(400, message)
    if params.after and receipts.parse_cursor(params.after) is None:
        return _error(400, gettext("This page cursor is not valid."))
    page = receipts.applicant_requests(_caller(request), after=params.after, limit=params.limit)
    return Status(
        200,
        {
            "items": [_summary(ticket) for ticket in page.tickets],
            "next": page.next_cursor or None,
        },
    )


def too_many_response(seconds: int) -> JsonResponse:
    """429 with a translated wait and Retry-After (the complaints API shares it)."""
    count = ratelimit.minutes(seconds)
    message = ngettext(
        "Too many failed attempts. Try again in %(count)d minute.",
        "Too many failed attempts. Try again in %(count)d minutes.",
        count,
    )
    response = JsonResponse({"detail": message % {"count": count}}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def _national_code(value: str) -> str:
    return "".join(fold_digits(value).split()).replace("-", "")


def _proves(ticket: Ticket | None, national_code: str) -> bool:
    """The rule of queries.follow_up_ticket on the row already read (one query, not two): the
    principal's or the representative's code, compared in constant time; "" never matches."""
    stored = (
        (ticket.principal_national_code, ticket.representative_national_code)
        if ticket is not None
        else ("", "")
    )
    given = national_code.encode()
    matches = [hmac.compare_digest(given, code.encode()) and bool(code) for code in stored]
    return ticket is not None and bool(national_code) and any(matches)


@router.post(
    "/track",
    auth=None,
    response={200: RequestDetailOut, 404: ErrorOut, 429: ErrorOut},
    summary="Track a request with its code and national code",
    url_name="request_track",
)
def track_request(request: HttpRequest, body: TrackIn) -> Status[Any] | JsonResponse:
    """Public (R-17): a request by tracking code and the national code of its applicant or
    representative. An unknown code, a wrong national code and a bad check digit give the same
    404; failed attempts are counted per client and per client and code, then refused for a
    while (429): tickets.ratelimit.TrackLimits, shared with /track/."""
    code = None
    if is_valid_tracking_code(body.tracking_code):
        code = normalize_tracking_code(body.tracking_code)
    limits = ratelimit.TrackLimits(client_ip(request))
    wait = limits.wait(code)
    if wait:
        return too_many_response(wait)
    ticket = _detail_ticket(code) if code else None
    if ticket is None or not _proves(ticket, _national_code(body.national_code)):
        limits.fail(code)
        return _error(404, gettext("No request matches this tracking code and national code."))
    return Status(200, _detail(ticket))


# Registered after /track, whose path "{code}" would otherwise catch.
@router.get(
    "/{code}",
    response={200: RequestDetailOut, 404: ErrorOut},
    summary="One of my requests",
    url_name="request_detail",
)
def get_request(request: HttpRequest, code: str) -> Status[Any]:
    """A request the caller follows: status, stage, promised and expected dates, pause reason,
    handler and its public history. 404 for a request of someone else, as for an unknown code."""
    if not is_valid_tracking_code(code):
        return _no_such_request()
    ticket = _detail_ticket(normalize_tracking_code(code))
    if ticket is None or not services.can_follow(ticket, _caller(request)):
        return _no_such_request()
    return Status(200, _detail(ticket))
