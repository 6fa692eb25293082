"""Staff pages of requests under /desk/requests/: the list, one request and its actions, its files,
and the walk-in form an operator files for an applicant at the desk (R-14).

A small, correct workspace until the process-driven one arrives: the action buttons come from the
transition table and call the request services; every page checks a permission and the record's
visibility (the staff member's unit and the units below it, what they filed or hold; all of it for
administrators).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khedmat.accounts.models import User
from khedmat.catalog.formbuilder import (
    AnswerForm,
    InvalidAnswers,
    rows_of,
)
from khedmat.catalog.models import Service, ServiceVersion
from khedmat.catalog.queries import search_services
from khedmat.core.access import access_log_page, personal_data_view
from khedmat.core.dates import format_date
from khedmat.core.digits import localize_digits
from khedmat.core.files import PREVIEW_TYPES, stored_file_response
from khedmat.core.pagination import view_page
from khedmat.processes.queries import process_panel
from khedmat.sla.queries import sla_state_for, sla_state_for_record
from khedmat.tickets import services, walkin
from khedmat.tickets.documents import document_key, upload_documents
from khedmat.tickets.errors import ServiceClosedError, TicketError
from khedmat.tickets.forms.apply import (
    KeptUpload,
    close_kept,
    kept_for_row,
    kept_uploads,
    stage_valid_uploads,
    with_kept,
)
from khedmat.tickets.forms.desk import (
    ACTIONS_BY_NAME,
    ActionForm,
    ApplicantForm,
    DocumentsForm,
    RequestFilterForm,
    ServiceChoiceForm,
    actions_for,
    correction_choices,
)
from khedmat.tickets.models import Attachment, StagedUpload, Ticket
from khedmat.tickets.queries import (
    PAGE_SIZE,
    TICKET_ORDER,
    answer_items,
    desk_list_tickets,
    desk_ticket,
    document_items,
    ticket_rows,
    ticket_timeline,
)

# --- pages ------------------------------------------------------------------------------------


def _staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # permission_required let a signed-in user through
    return user


def _visible_ticket(user: User, code: str) -> Ticket:
    ticket = desk_ticket(user, code)
    if ticket is None:
        raise Http404("no such request for this staff member")
    return ticket


@require_GET
@permission_required("tickets.view_ticket", raise_exception=True)
def request_list(request: HttpRequest) -> HttpResponse:
    """Requests of the staff member's units, newest first, filtered, keyset-paginated."""
    form = RequestFilterForm(request.GET or None)
    visible = form.apply(desk_list_tickets(_staff(request)))
    page = view_page(request, ticket_rows(visible), order=TICKET_ORDER, size=PAGE_SIZE)
    _list_rows(page.items)
    context = {
        "form": form,
        "page": page,
        "states": sla_state_for(page.items),
        "after": request.GET.get("after", ""),
    }
    return render(request, "tickets/desk_request_list.html", context)


#: Stands for the tracking code in the one reversed link of the list (see _list_rows).
_CODE_SLOT = "tracking-code-slot"


def _list_rows(tickets: list[Ticket]) -> None:
    """What each row of tickets/desk_request_list.html prints, worked out once per page rather
    than by a template tag per row: the link (one `reverse`, the code put in its place), the
    code and the filing date in the language's digits and calendar, the handler's name."""
    language = (translation.get_language() or "fa")[:2]
    link = reverse("tickets:desk_request_detail", args=[_CODE_SLOT])
    for ticket in tickets:
        row: Any = ticket  # the attributes below are for the template only
        code = ticket.tracking_code
        plain = code.isascii() and code.isalnum()  # nothing for reverse to quote
        row.detail_url = (
            link.replace(_CODE_SLOT, code)
            if plain
            else reverse("tickets:desk_request_detail", args=[code])
        )
        row.code_text = localize_digits(code, language)
        row.submitted_text = format_date(ticket.submitted_at, language)
        holder = ticket.assignee
        row.holder_name = (holder.get_full_name() or holder.username) if holder else ""


def _detail_context(user: User, ticket: Ticket, form: ActionForm | None) -> dict[str, Any]:
    version = ticket.service_version
    attachments = list(ticket.attachments.order_by("field_key", "id"))
    can_act = user.has_perm("tickets.change_ticket")
    choices = correction_choices(ticket)
    labels = dict(choices)
    panel = process_panel(ticket, user)
    if panel is not None and panel.is_active:
        can_act = False  # the process drives the status: its tasks replace the manual actions
    return {
        "process": panel,
        "correction_choices": choices,
        "can_change_ticket": user.has_perm("tickets.change_ticket"),
        "ticket": ticket,
        "version": version,
        "answers": answer_items(ticket, rows_of(version), attachments),
        "documents": document_items(version.documents.all(), attachments),
        "timeline": ticket_timeline(ticket),
        "sla": sla_state_for_record(ticket),
        "actions": actions_for(ticket) if can_act else [],
        "action_form": form or ActionForm(ticket=ticket),
        "correction_labels": [labels.get(key, key) for key in ticket.correction_fields],
        "preview_types": PREVIEW_TYPES,
    }


@require_http_methods(["GET", "HEAD", "POST"])  # POST: the reason asked before the page
@permission_required("tickets.view_ticket", raise_exception=True)
def request_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One request: answers, documents, who it is for, its timeline, SLA and actions. Opening
    it is recorded in its access log (with a reason first, when the settings ask one)."""
    user = _staff(request)
    ticket = _visible_ticket(user, code)
    asked = personal_data_view(request, ticket, assigned=lambda: _assigned_to(user, ticket))
    if asked is not None:
        return asked
    return render(
        request, "tickets/desk_request_detail.html", _detail_context(user, ticket, form=None)
    )


def _assigned_to(user: User, ticket: Ticket) -> bool:
    """Whether the request is the staff member's or their team's (one query for the team)."""
    if ticket.assignee_id == user.pk:
        return True
    return ticket.team_id is not None and user.teams.filter(pk=ticket.team_id).exists()


@require_GET
@permission_required("core.view_access_log", raise_exception=True)
def request_access_log(request: HttpRequest, code: str) -> HttpResponse:
    """Who opened the request's personal data, when and why (a request the staff may see)."""
    ticket = _visible_ticket(_staff(request), code)
    back = reverse("tickets:desk_request_detail", args=[ticket.tracking_code])
    title = _("Request %(code)s") % {"code": ticket.tracking_code}
    return access_log_page(request, ticket, title=str(title), back_url=back)


@require_GET
@permission_required("tickets.view_ticket", raise_exception=True)
def attachment_download(request: HttpRequest, code: str, attachment_id: int) -> FileResponse:
    """A file of a request the staff member may see: a download, or a picture shown inline
    (`?inline=1`) in a sandbox that runs nothing. Each opening is recorded (who, when, which)."""
    user = _staff(request)
    ticket = _visible_ticket(user, code)
    attachment = get_object_or_404(Attachment, pk=attachment_id, ticket=ticket)
    inline = request.GET.get("inline") == "1"
    response = stored_file_response(
        attachment.file,
        name=attachment.original_name,
        content_type=attachment.content_type,
        inline=inline,
    )
    services.record_file_opened(ticket, attachment, actor=user, inline=inline)
    return response


@require_POST
@permission_required("tickets.change_ticket", raise_exception=True)
def request_act(request: HttpRequest, code: str) -> HttpResponse:
    """Start the review, return for correction, reject or complete, through the services."""
    user = _staff(request)
    ticket = _visible_ticket(user, code)
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


@require_POST
@permission_required("tickets.change_ticket", raise_exception=True)
def request_note(request: HttpRequest, code: str) -> HttpResponse:
    """Write an internal note, or (public) a reply the applicant reads on /track/."""
    user = _staff(request)
    ticket = _visible_ticket(user, code)
    public = request.POST.get("public") == "1"
    try:
        services.add_note(ticket, request.POST.get("text", "")[:4000], actor=user, public=public)
    except TicketError as error:
        flash.error(request, str(error.message))
    else:
        flash.success(
            request,
            _("Your reply was sent to the applicant.") if public else _("The note was added."),
        )
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
    rejected: set[str] = field(default_factory=set)

    def is_valid(self) -> bool:
        return all([self.applicant.is_valid(), self.answers.is_valid(), self.documents.is_valid()])

    def add_submission_errors(self, errors: Mapping[str, list[str]]) -> None:
        for answer_path, messages in errors.items():
            self.rejected.add(answer_path)
            key = answer_path.split(".")[0]
            target = self.documents if key in self.documents.fields else self.answers
            target.add_error(key if key in target.fields else None, messages)

    def valid_uploads(self) -> dict[str, list[UploadedFile]]:
        """Files of the fields without errors, by input name: they are kept for the retry."""
        valid = {
            path.replace(".", "-"): list(uploads)
            for path, uploads in self.answers.uploads.items()
            if uploads and path not in self.rejected
        }
        for name in self.documents.fields:
            if name in self.documents.errors or name in self.rejected:
                continue
            uploads = [item for item in self.documents.files.getlist(name) if item]
            if uploads:
                valid[name] = uploads
        return valid


def _walk_in_forms(
    request: HttpRequest, version: ServiceVersion, kept: Mapping[str, list[KeptUpload]]
) -> WalkInForms:
    data, files = (
        (request.POST, with_kept(request.FILES, kept)) if request.method == "POST" else (None, None)
    )
    language = translation.get_language() or "fa"
    return WalkInForms(
        applicant=ApplicantForm(data, initial={"language": language[:2]}),
        answers=AnswerForm(rows_of(version), data, files),
        documents=DocumentsForm(upload_documents(version), data, files),
    )


@require_http_methods(["GET", "POST"])
@permission_required("tickets.add_ticket", raise_exception=True)
def walk_in(request: HttpRequest) -> HttpResponse:
    """File a request for a walk-in applicant: choose the service, then fill its form (R-14).

    A form sent back with errors keeps the files of the fields without errors (staged, owned by
    the operator), as the applicant's own form does: nobody scans the papers twice."""
    code = request.GET.get("service", "").strip()
    if not code:
        return _choose_service(request)
    version = _walk_in_version(code)
    if version is None:
        raise Http404
    operator = _staff(request)
    kept = kept_uploads(request.POST, operator) if request.method == "POST" else {}
    try:
        return _walk_in_step(request, version, operator, kept)
    finally:
        close_kept(kept)


def _walk_in_step(
    request: HttpRequest,
    version: ServiceVersion,
    operator: User,
    kept: Mapping[str, list[KeptUpload]],
) -> HttpResponse:
    parts = _walk_in_forms(request, version, kept)
    submission_key = request.POST.get("submission_key", "")[:64] or uuid.uuid4().hex
    if request.method == "POST" and parts.is_valid():
        try:
            ticket = walkin.submit_walk_in(
                version,
                applicant=parts.applicant.applicant(),
                operator=operator,
                answers=parts.answers.answers,
                documents=parts.documents.descriptors(),
                files={**parts.answers.uploads, **parts.documents.uploads()},
                submission_key=submission_key,
                language=parts.applicant.cleaned_data["language"],
            )
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
            services.discard_staged_uploads(
                [upload.staged for uploads in kept.values() for upload in uploads], owner=operator
            )
            flash.success(
                request, _("The request was filed; the applicant was sent its tracking code.")
            )
            return redirect("tickets:receipt", code=ticket.tracking_code)
    staged = (
        stage_valid_uploads(parts.valid_uploads(), operator) if request.method == "POST" else {}
    )
    return _render_walk_in(request, version, parts, submission_key, staged)


def _render_walk_in(
    request: HttpRequest,
    version: ServiceVersion,
    parts: WalkInForms,
    submission_key: str,
    kept: Mapping[str, list[StagedUpload]],
) -> HttpResponse:
    documents = {document_key(document.pk): document for document in upload_documents(version)}
    context = {
        "service": version.service,
        "version": version,
        "forms": parts,
        "submission_key": submission_key,
        "answer_items": [
            {**item, "kept": kept_for_row(item["row"], kept)}
            for item in parts.answers.visible_rows()
        ],
        "document_items": [
            {"bound": parts.documents[name], "document": document, "kept": kept.get(name, [])}
            for name, document in documents.items()
        ],
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "tickets/desk_walk_in.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("desk/requests/", request_list, name="desk_request_list"),
    path("desk/requests/new/", walk_in, name="walk_in"),
    path("desk/requests/<str:code>/", request_detail, name="desk_request_detail"),
    path("desk/requests/<str:code>/act/", request_act, name="desk_request_act"),
    path(
        "desk/requests/<str:code>/access-log/",
        request_access_log,
        name="desk_request_access_log",
    ),
    path("desk/requests/<str:code>/notes/", request_note, name="desk_request_note"),
    path(
        "desk/requests/<str:code>/files/<int:attachment_id>/",
        attachment_download,
        name="desk_attachment",
    ),
]
