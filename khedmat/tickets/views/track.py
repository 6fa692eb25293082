"""Public follow-up (R-17): /track/ looks a request up by tracking code and national code.

A visitor who proves both (or a signed-in applicant who follows the request) sees its stage,
dated history, handler and dates, corrects what the agency returned and objects to a rejection.
Proven codes live in the session; failed look-ups are rate-limited per client and per client and
code (tickets.ratelimit.TrackLimits).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from khedmat.accounts.models import User
from khedmat.catalog.choices import FieldType
from khedmat.catalog.formbuilder.engine import AnswerForm, InvalidAnswers
from khedmat.catalog.models import FormField, RequiredDocument
from khedmat.core.http import client_ip
from khedmat.core.tracking import normalize_tracking_code
from khedmat.processes.queries import applicant_steps
from khedmat.tickets import queries, ratelimit, services
from khedmat.tickets.documents import document_field, document_key
from khedmat.tickets.errors import TicketError, TransitionError
from khedmat.tickets.forms.lookup import CodeLookupForm
from khedmat.tickets.models import Ticket

#: Session key of the tracking codes this visitor proved (they expire with the session).
VERIFIED_SESSION_KEY = "tickets.track_verified"
MAX_VERIFIED_CODES = 20

NOT_FOUND = _(
    "We found no request with this tracking code and national code. Check both and try again."
)


# --- forms ------------------------------------------------------------------------------------


class TrackForm(CodeLookupForm):
    """Tracking code and the second factor: the principal's or the representative's code."""

    identity_help = _(
        "The applicant's national code (a company's national ID), or the national code of "
        "the representative who filed the request."
    )
    own_records_help = _(
        "Not needed for your own requests. For someone else's request: the applicant's "
        "or the representative's national code."
    )


class DocumentForm(forms.Form):
    """One upload field per required document the agency asked for again."""

    def __init__(self, documents: list[RequiredDocument], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in documents:
            field = document_field(item)
            field.widget.attrs.setdefault("class", "form-control")
            self.fields[document_key(item.pk)] = field


def _initial_answers(ticket: Ticket, rows: list[FormField]) -> dict[str, Any]:
    """The current answers of the named rows, to start the correction from."""
    initial: dict[str, Any] = {}
    for row in rows:
        value = ticket.answers.get(row.key)
        if row.group_key or value is None or row.field_type in (FieldType.FILE, FieldType.IMAGE):
            continue
        if row.field_type == FieldType.DATE and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = dt.date.fromisoformat(value)
        initial[row.key] = value
    return initial


class CorrectionForms:
    """The answers and documents the agency named (ticket.correction_fields), and nothing else."""

    def __init__(self, ticket: Ticket, data: Any = None, files: Any = None) -> None:
        field_rows, documents = queries.correction_rows(ticket)
        self.answer_keys = [row.key for row in field_rows if not row.group_key]
        self.document_keys = [document_key(item.pk) for item in documents]
        self.answers = (
            AnswerForm(
                field_rows, data=data, files=files, initial=_initial_answers(ticket, field_rows)
            )
            if field_rows
            else None
        )
        self.documents = DocumentForm(documents, data=data, files=files) if documents else None
        self.files = files

    @property
    def forms(self) -> list[forms.Form]:
        return [form for form in (self.answers, self.documents) if form is not None]

    def is_valid(self) -> bool:
        results = [form.is_valid() for form in self.forms]  # every form, to show every error
        return bool(results) and all(results)

    def changes(self) -> dict[str, Any]:
        """The keyword arguments of services.correct_request: named answers, documents, files."""
        answers = self.answers.answers if self.answers is not None else {}
        uploads: dict[str, list[UploadedFile]] = dict(
            self.answers.uploads if self.answers is not None else {}
        )
        documents: dict[str, Any] = {}
        if self.documents is not None:
            for key in self.document_keys:
                documents[key] = self.documents.cleaned_data.get(key)
                if documents[key] and self.files is not None:
                    uploads[key] = self.files.getlist(key)
        return {
            "answers": {key: answers.get(key) for key in self.answer_keys},
            "documents": documents,
            "files": uploads,
        }

    def add_errors(self, errors: dict[str, list[str]]) -> None:
        """Put the service's errors ({path: messages}) on the fields they belong to."""
        for path_, messages_ in errors.items():
            key = path_.split(".", 1)[0]
            if self.answers is not None and key in self.answers.fields:
                self.answers.add_error(key, messages_)
            elif self.documents is not None and key in self.documents.fields:
                self.documents.add_error(key, messages_)
            else:
                self.forms[0].add_error(None, messages_)

    @property
    def non_field_errors(self) -> list[str]:
        return [str(error) for form in self.forms for error in form.non_field_errors()]


class ObjectionForm(forms.Form):
    """The applicant's objection to a rejection (ثبت اعتراض)."""

    text = forms.CharField(
        label=_("Your objection"),
        max_length=2000,
        help_text=_("Explain why the decision should be reviewed (at most 2000 characters)."),
        widget=forms.Textarea(attrs={"rows": 5, "class": "form-control", "maxlength": 2000}),
    )


# --- helpers ----------------------------------------------------------------------------------


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _form_url(code: str) -> str:
    return f"{reverse('tickets:track')}?{urlencode({'code': code[:40]})}"


def _detail_url(ticket: Ticket) -> str:
    return reverse("tickets:track_detail", args=[ticket.tracking_code])


def _verified_codes(request: HttpRequest) -> list[str]:
    codes = request.session.get(VERIFIED_SESSION_KEY)
    return [str(code) for code in codes] if isinstance(codes, list) else []


def _remember(request: HttpRequest, code: str) -> None:
    codes = [item for item in _verified_codes(request) if item != code]
    request.session[VERIFIED_SESSION_KEY] = [*codes, code][-MAX_VERIFIED_CODES:]


def followed_ticket(request: HttpRequest, code: str) -> Ticket | None:
    """The request if this visitor proved its code in this session or follows it; else None."""
    try:
        code = normalize_tracking_code(code)
    except ValidationError:
        return None
    ticket = queries.ticket_for_tracking(code)
    if ticket is None:
        return None
    if code in _verified_codes(request) or services.can_follow(ticket, request.user):
        return ticket
    return None


def _acting_as(request: HttpRequest, ticket: Ticket) -> tuple[User, bool]:
    """Who acts on the request: the signed-in follower, else its applicant account, verified."""
    if services.can_follow(ticket, request.user):
        return request.user, False  # type: ignore[return-value]
    return ticket.requester, True


def _form_page(request: HttpRequest, form: TrackForm, *, status: int = 200) -> HttpResponse:
    context = {"form": form, "own_requests": queries.applicant_requests(request.user)}
    return render(request, "tickets/track.html", context, status=status)


def _detail_page(
    request: HttpRequest,
    ticket: Ticket,
    *,
    correction: CorrectionForms | None = None,
    objection: ObjectionForm | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {
        "ticket": ticket,
        "version": ticket.service_version,
        "page": queries.track_page(ticket),
        "steps": applicant_steps(ticket) if getattr(ticket, "has_process", True) else [],
    }
    if ticket.can_correct():
        context["correction"] = correction or CorrectionForms(ticket)
    if ticket.can_object():
        context["objection"] = objection or ObjectionForm()
    return render(request, "tickets/track_detail.html", context)


# --- views ------------------------------------------------------------------------------------


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """The follow-up form (prefilled from ?code=), and a signed-in applicant's own requests."""
    identity_required = not request.user.is_authenticated
    if request.method != "POST":
        initial = {"code": request.GET.get("code", "")[:40]}
        return _form_page(request, TrackForm(initial=initial, identity_required=identity_required))
    form = TrackForm(request.POST, identity_required=identity_required)
    lookup = ratelimit.limited_lookup(
        form,
        ratelimit.TrackLimits(client_ip(request)),
        lambda code, national_code: queries.follow_up_ticket(
            code, national_code=national_code, user=request.user
        ),
        not_found=NOT_FOUND,
    )
    ticket = lookup.found
    if ticket is None:
        return _form_page(request, form, status=lookup.status)
    _remember(request, ticket.tracking_code)
    return _see_other(_detail_url(ticket))


@login_not_required
@never_cache
@require_safe
def track_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Stage, dated history, handler and dates of a request this visitor may follow."""
    ticket = followed_ticket(request, code)
    if ticket is None:
        return HttpResponseRedirect(_form_url(code))
    return _detail_page(request, ticket)


@login_not_required
@never_cache
@require_POST
def track_correct(request: HttpRequest, code: str) -> HttpResponse:
    """Send the corrected fields and documents of a request returned to the applicant."""
    ticket = followed_ticket(request, code)
    if ticket is None:
        return _see_other(_form_url(code))
    if not ticket.can_correct():
        messages.error(request, TransitionError.default_message)
        return _see_other(_detail_url(ticket))
    correction = CorrectionForms(ticket, request.POST, request.FILES)
    if correction.is_valid():
        actor, verified = _acting_as(request, ticket)
        try:
            services.correct_request(ticket, **correction.changes(), actor=actor, verified=verified)
        except InvalidAnswers as error:
            correction.add_errors(error.errors)
        except TicketError as error:
            messages.error(request, str(error.message))
            return _see_other(_detail_url(ticket))
        else:
            messages.success(
                request, _("Thank you. Your corrections were sent and the request is under review.")
            )
            return _see_other(_detail_url(ticket))
    return _detail_page(request, ticket, correction=correction)


@login_not_required
@never_cache
@require_POST
def track_object(request: HttpRequest, code: str) -> HttpResponse:
    """Object to the rejection of a request (ثبت اعتراض)."""
    ticket = followed_ticket(request, code)
    if ticket is None:
        return _see_other(_form_url(code))
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, ticket, objection=form)
    actor, verified = _acting_as(request, ticket)
    try:
        services.object_to_rejection(
            ticket, text=form.cleaned_data["text"], actor=actor, verified=verified
        )
    except TicketError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Your objection was registered. We will review the decision."))
    return _see_other(_detail_url(ticket))


urlpatterns = [
    path("track/", track, name="track"),
    path("track/<str:code>/", track_detail, name="track_detail"),
    path("track/<str:code>/correct/", track_correct, name="track_correct"),
    path("track/<str:code>/object/", track_object, name="track_object"),
]
