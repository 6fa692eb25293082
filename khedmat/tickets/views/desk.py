"""Staff pages of requests under /desk/requests/: the list, one request and its actions, its files,
and the walk-in form an operator files for an applicant at the desk (R-14).

A small, correct workspace until the process-driven one arrives: the action buttons come from the
transition table and call the request services; every page checks a permission and the record's
visibility (the staff member's unit and the units below it, what they filed or hold; all of it for
administrators).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khedmat.accounts.models import User
from khedmat.accounts.queries import unit_and_descendant_ids
from khedmat.catalog.choices import FieldType
from khedmat.catalog.formbuilder import (
    AnswerForm,
    InvalidAnswers,
    condition_holds,
    rows_of,
    split_rows,
)
from khedmat.catalog.formbuilder.fields import option_label
from khedmat.catalog.models import FormField, RequiredDocument, Service, ServiceVersion
from khedmat.catalog.models.base import active_card_language, translated_text
from khedmat.catalog.queries import search_services
from khedmat.core.dates import format_date
from khedmat.core.forms import MobileField, NationalCodeField
from khedmat.core.models import Activity
from khedmat.notifications.choices import ACTIVITY_LABELS as MESSAGE_ACTIVITY_LABELS
from khedmat.sla.queries import sla_state_for, sla_state_for_record
from khedmat.tickets import services, walkin
from khedmat.tickets.choices import Status
from khedmat.tickets.documents import document_field, document_key, upload_documents
from khedmat.tickets.errors import ServiceClosedError, TicketError
from khedmat.tickets.models import Attachment, Ticket

PAGE_SIZE = 50

# --- reads ------------------------------------------------------------------------------------


def desk_tickets(user: User) -> QuerySet[Ticket]:
    """Requests a staff member may see: their unit's and below, filed by or assigned to them."""
    if user.is_administrator:
        return Ticket.objects.all()
    condition = Q(filed_by=user) | Q(assignee=user)
    if user.org_unit_id is not None:
        condition |= Q(org_unit_id__in=unit_and_descendant_ids([user.org_unit_id]))
    return Ticket.objects.filter(condition)


@dataclass(frozen=True)
class TicketPage:
    """One page of the list, newest first, and the cursor of the next page (None at the end)."""

    tickets: list[Ticket]
    next_after: int | None


def ticket_page(tickets: QuerySet[Ticket], *, after: int | None) -> TicketPage:
    """A keyset page on (submitted_at, id), newest first, with what its rows show loaded."""
    if after is not None:
        position = tickets.filter(pk=after).values_list("submitted_at", flat=True).first()
        if position is not None:
            tickets = tickets.filter(
                Q(submitted_at__lt=position) | Q(submitted_at=position, pk__lt=after)
            )
    rows = list(
        tickets.select_related("service", "service_version", "assignee").order_by(
            "-submitted_at", "-id"
        )[: PAGE_SIZE + 1]
    )
    next_after = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
    return TicketPage(tickets=rows[:PAGE_SIZE], next_after=next_after)


def desk_ticket(user: User, code: str) -> Ticket:
    """The request with this tracking code if the staff member may see it, else 404."""
    related = ("service", "service_version", "requester", "filed_by", "assignee", "org_unit")
    ticket = (
        desk_tickets(user)
        .select_related(*related, "team")
        .prefetch_related("service_version__form_fields", "service_version__documents")
        .filter(tracking_code=code)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


ACTIVITY_LABELS: dict[str, Promise] = {
    **MESSAGE_ACTIVITY_LABELS,
    "ticket.submitted": _("Request submitted"),
    "ticket.status_changed": _("Status changed"),
    "ticket.corrected": _("Corrected by the applicant"),
    "message.template_missing": _("No message template for the applicant's SMS"),
}


def ticket_timeline(ticket: Ticket) -> list[Activity]:
    """Every Activity row of the request, oldest first, with a readable `label`."""
    rows = list(
        Activity.objects.for_target(ticket).select_related("actor").order_by("created_at", "id")
    )
    for row in rows:
        label = ACTIVITY_LABELS.get(row.verb, row.verb)
        if row.verb.startswith("message."):
            label = gettext("Message to the applicant: %(state)s") % {"state": label}
        row.label = label  # type: ignore[attr-defined]
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
    language = active_card_language()
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


# --- forms ------------------------------------------------------------------------------------


class RequestFilterForm(forms.Form):
    """What the staff list is narrowed to."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Status.choices],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )  # fmt: skip
    service = forms.ModelChoiceField(
        label=_("Service"), required=False, to_field_name="code", empty_label=_("Any service"),
        queryset=Service.objects.filter(current_version__isnull=False)
        .select_related("current_version").order_by("code"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )  # fmt: skip

    def apply(self, tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
        if not self.is_bound or not self.is_valid():
            return tickets
        if self.cleaned_data["status"]:
            tickets = tickets.filter(status=self.cleaned_data["status"])
        if self.cleaned_data["service"] is not None:
            tickets = tickets.filter(service=self.cleaned_data["service"])
        return tickets


@dataclass(frozen=True)
class Action:
    """A button on a request: the status it moves to and what it asks for."""

    name: str
    status: str
    label: Promise
    css: str


ACTIONS = (
    Action("start_review", Status.IN_PROGRESS, _("Start the review"), "btn-primary"),
    Action("return", Status.WAITING_APPLICANT, _("Return for correction"), "btn-warning"),
    Action("reject", Status.REJECTED, _("Reject"), "btn-outline-danger"),
    Action("complete", Status.COMPLETED, _("Complete"), "btn-success"),
)
ACTIONS_BY_NAME = {action.name: action for action in ACTIONS}


def actions_for(ticket: Ticket) -> list[Action]:
    """The actions the transition table allows from the request's status."""
    return [action for action in ACTIONS if ticket.can_move_to(action.status)]


def correction_choices(ticket: Ticket) -> list[tuple[str, str]]:
    """Fields the applicant was shown, and uploaded documents, they can be asked to correct."""
    version, language = ticket.service_version, active_card_language()
    top, _children = split_rows(rows_of(version))
    choices = [
        (row.key, translated_text(row, "label", language))
        for row in top
        if _shown(row, ticket.answers)
    ]
    choices += [(document_key(item.pk), item.title) for item in upload_documents(version)]
    return choices


def _shown(row: FormField, answers: Mapping[str, Any]) -> bool:
    condition = row.show_if if isinstance(row.show_if, dict) else {}
    target = condition.get("field")
    return not target or condition_holds(condition, answers.get(target))


class ActionForm(forms.Form):
    """One action on a request: which one, the fields to correct, and the note or reason."""

    action = forms.ChoiceField(choices=[(action.name, action.label) for action in ACTIONS])
    to_correct = forms.MultipleChoiceField(
        label=_("Fields and documents to correct"), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    note = forms.CharField(
        label=_("Note to the applicant"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )  # fmt: skip

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        choices = self.fields["to_correct"]
        assert isinstance(choices, forms.MultipleChoiceField)
        choices.choices = correction_choices(ticket)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action == "return" and not data.get("to_correct"):
            self.add_error("to_correct", _("Choose at least one field or document to correct."))
        if action in ("return", "reject") and not (data.get("note") or "").strip():
            self.add_error("note", _("Write what the applicant should know."))
        return data


class ServiceChoiceForm(forms.Form):
    """Step 1 of the walk-in form: the service the applicant came for."""

    service = forms.ModelChoiceField(
        label=_("Service"), to_field_name="code", empty_label=_("Choose a service"),
        queryset=Service.objects.published().select_related("current_version").order_by("code"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )  # fmt: skip


class ApplicantForm(forms.Form):
    """Who came to the desk; their account is found, or made, by mobile number."""

    mobile = MobileField(
        label=_("Mobile number"),
        help_text=_("The tracking code is sent to this number, and it signs the applicant in."),
    )
    national_code = NationalCodeField(label=_("National code"))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    language = forms.ChoiceField(label=_("Language of the SMS"), choices=settings.LANGUAGES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "applicant")
        super().__init__(*args, **kwargs)
        for bound in self.fields.values():
            css = "form-select" if isinstance(bound.widget, forms.Select) else "form-control"
            bound.widget.attrs.setdefault("class", css)

    def applicant(self) -> walkin.WalkInApplicant:
        data = self.cleaned_data
        return walkin.WalkInApplicant(
            mobile=data["mobile"], national_code=data["national_code"],
            first_name=data["first_name"], last_name=data["last_name"],
        )  # fmt: skip


class DocumentsForm(forms.Form):
    """One upload field per required document the applicant brings (R-10, R-11)."""

    def __init__(self, documents: Iterable[RequiredDocument], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for document in documents:
            upload = document_field(document)
            upload.widget.attrs.setdefault("class", "form-control")
            self.fields[document_key(document.pk)] = upload

    def descriptors(self) -> dict[str, Any]:
        return {key: value for key, value in self.cleaned_data.items() if value}

    def uploads(self) -> dict[str, list[UploadedFile]]:
        return {key: self.files.getlist(key) for key in self.descriptors()}


# --- pages ------------------------------------------------------------------------------------


def _staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # permission_required let a signed-in user through
    return user


def _after(request: HttpRequest) -> int | None:
    value = request.GET.get("after", "")
    return int(value) if value.isascii() and value.isdigit() else None


@require_GET
@permission_required("tickets.view_ticket", raise_exception=True)
def request_list(request: HttpRequest) -> HttpResponse:
    """Requests of the staff member's units, newest first, filtered, keyset-paginated."""
    form = RequestFilterForm(request.GET or None)
    page = ticket_page(form.apply(desk_tickets(_staff(request))), after=_after(request))
    context = {
        "form": form,
        "page": page,
        "states": sla_state_for(page.tickets),
        "after": _after(request),
    }
    return render(request, "tickets/desk_request_list.html", context)


def _detail_context(user: User, ticket: Ticket, form: ActionForm | None) -> dict[str, Any]:
    version = ticket.service_version
    attachments = list(ticket.attachments.order_by("field_key", "id"))
    can_act = user.has_perm("tickets.change_ticket")
    labels = dict(correction_choices(ticket))
    return {
        "ticket": ticket,
        "version": version,
        "answers": answer_items(ticket, rows_of(version), attachments),
        "documents": document_items(version.documents.all(), attachments),
        "timeline": ticket_timeline(ticket),
        "sla": sla_state_for_record(ticket),
        "actions": actions_for(ticket) if can_act else [],
        "action_form": form or ActionForm(ticket=ticket),
        "correction_labels": [labels.get(key, key) for key in ticket.correction_fields],
    }


@require_GET
@permission_required("tickets.view_ticket", raise_exception=True)
def request_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One request: answers, documents, who it is for, its timeline, SLA and actions."""
    user = _staff(request)
    ticket = desk_ticket(user, code)
    return render(
        request, "tickets/desk_request_detail.html", _detail_context(user, ticket, form=None)
    )


@require_GET
@permission_required("tickets.view_ticket", raise_exception=True)
def attachment_download(request: HttpRequest, code: str, attachment_id: int) -> FileResponse:
    """A file of a request the staff member may see, always as a download."""
    ticket = desk_ticket(_staff(request), code)
    attachment = get_object_or_404(Attachment, pk=attachment_id, ticket=ticket)
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
        content_type=attachment.content_type or "application/octet-stream",
    )  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
@permission_required("tickets.change_ticket", raise_exception=True)
def request_act(request: HttpRequest, code: str) -> HttpResponse:
    """Start the review, return for correction, reject or complete, through the services."""
    user = _staff(request)
    ticket = desk_ticket(user, code)
    form = ActionForm(request.POST, ticket=ticket)
    if not form.is_valid():
        context = _detail_context(user, ticket, form)
        return render(request, "tickets/desk_request_detail.html", context, status=400)
    action, note = ACTIONS_BY_NAME[form.cleaned_data["action"]], form.cleaned_data["note"].strip()
    try:
        if action.name == "start_review":
            services.start_review(ticket, actor=user)
        elif action.name == "return":
            fields = form.cleaned_data["to_correct"]
            services.return_for_correction(ticket, fields=fields, note=note, actor=user)
        elif action.name == "reject":
            services.reject_request(ticket, reason=note, actor=user)
        else:
            services.complete_request(ticket, note=note, actor=user)
    except TicketError as error:
        flash.error(request, str(error.message))
    else:
        flash.success(request, _("The request was updated and the applicant informed."))
    return redirect("tickets:desk_request_detail", code=ticket.tracking_code)


# --- the walk-in form -------------------------------------------------------------------------


def _walk_in_version(code: str) -> ServiceVersion | None:
    service = (
        Service.objects.published()
        .select_related("current_version")
        .prefetch_related("current_version__form_fields", "current_version__documents")
        .filter(code=code)
        .first()
    )
    return service.current_version if service is not None else None


def _choose_service(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    context = {
        "form": ServiceChoiceForm(),
        "query": query,
        "results": search_services(query, limit=30) if query else None,
    }
    return render(request, "tickets/desk_walk_in_service.html", context)


@dataclass
class WalkInForms:
    """The three parts of step 2: the applicant, the service's form and its documents."""

    applicant: ApplicantForm
    answers: AnswerForm
    documents: DocumentsForm

    def is_valid(self) -> bool:
        return all([self.applicant.is_valid(), self.answers.is_valid(), self.documents.is_valid()])

    def add_submission_errors(self, errors: Mapping[str, list[str]]) -> None:
        for answer_path, messages in errors.items():
            key = answer_path.split(".")[0]
            target = self.documents if key in self.documents.fields else self.answers
            target.add_error(key if key in target.fields else None, messages)


def _walk_in_forms(request: HttpRequest, version: ServiceVersion) -> WalkInForms:
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    language = translation.get_language() or "fa"
    return WalkInForms(
        applicant=ApplicantForm(data, initial={"language": language[:2]}),
        answers=AnswerForm(rows_of(version), data, files),
        documents=DocumentsForm(upload_documents(version), data, files),
    )


@require_http_methods(["GET", "POST"])
@permission_required("tickets.add_ticket", raise_exception=True)
def walk_in(request: HttpRequest) -> HttpResponse:
    """File a request for a walk-in applicant: choose the service, then fill its form (R-14)."""
    code = request.GET.get("service", "").strip()
    if not code:
        return _choose_service(request)
    version = _walk_in_version(code)
    if version is None:
        raise Http404
    parts = _walk_in_forms(request, version)
    submission_key = request.POST.get("submission_key", "")[:64] or uuid.uuid4().hex
    if request.method == "POST" and parts.is_valid():
        try:
            ticket = walkin.submit_walk_in(
                version, applicant=parts.applicant.applicant(), operator=_staff(request),
                answers=parts.answers.answers, documents=parts.documents.descriptors(),
                files={**parts.answers.uploads, **parts.documents.uploads()},
                submission_key=submission_key,
                language=parts.applicant.cleaned_data["language"],
            )  # fmt: skip
        except ServiceClosedError as error:
            flash.error(request, str(error.message))
            return redirect("tickets:walk_in")
        except TicketError as error:
            parts.applicant.add_error(None, str(error.message))
        except ValidationError as error:
            parts.applicant.add_error(None, error)
        except InvalidAnswers as error:
            parts.add_submission_errors(error.errors)
        else:
            flash.success(
                request, _("The request was filed; the applicant was sent its tracking code.")
            )
            return redirect("tickets:receipt", code=ticket.tracking_code)
    context = {
        "service": version.service,
        "version": version,
        "forms": parts,
        "submission_key": submission_key,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "tickets/desk_walk_in.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("desk/requests/", request_list, name="desk_request_list"),
    path("desk/requests/new/", walk_in, name="walk_in"),
    path("desk/requests/<str:code>/", request_detail, name="desk_request_detail"),
    path("desk/requests/<str:code>/act/", request_act, name="desk_request_act"),
    path(
        "desk/requests/<str:code>/files/<int:attachment_id>/",
        attachment_download,
        name="desk_attachment",
    ),
]
