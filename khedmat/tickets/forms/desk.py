"""Forms of the staff workspace: the list filter, the actions on a request, the walk-in form."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from khedmat.catalog.formbuilder import (
    condition_holds,
    rows_of,
    split_rows,
)
from khedmat.catalog.formbuilder.engine import style_widget
from khedmat.catalog.models import FormField, RequiredDocument, Service
from khedmat.core.forms import MobileField, NationalCodeField, PlainSelect
from khedmat.core.translated import TEXT_LANGUAGES, active_text_language, translated_text
from khedmat.tickets import walkin
from khedmat.tickets.choices import Status
from khedmat.tickets.documents import document_field, document_key, upload_documents
from khedmat.tickets.models import Ticket


class RequestFilterForm(forms.Form):
    """What the staff list is narrowed to."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Status.choices],
        widget=PlainSelect(attrs={"class": "form-select form-select-sm"}),
    )
    service = forms.ModelChoiceField(
        label=_("Service"),
        required=False,
        to_field_name="code",
        empty_label=_("Any service"),
        queryset=Service.objects.filter(current_version__isnull=False)
        .select_related("current_version")
        # what an option shows (Service.__str__: the code and the title): a service version is
        # some seventy columns, read on every page of the list otherwise
        .only("code", *(f"current_version__title_{code}" for code in TEXT_LANGUAGES))
        .order_by("code"),
        widget=PlainSelect(attrs={"class": "form-select form-select-sm"}),
    )

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
    version, language = ticket.service_version, active_text_language()
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
        label=_("Fields and documents to correct"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Note to the applicant"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )

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
        label=_("Service"),
        to_field_name="code",
        empty_label=_("Choose a service"),
        queryset=Service.objects.published().select_related("current_version").order_by("code"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )


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
            style_widget(bound.widget)

    def applicant(self) -> walkin.WalkInApplicant:
        data = self.cleaned_data
        return walkin.WalkInApplicant(
            mobile=data["mobile"],
            national_code=data["national_code"],
            first_name=data["first_name"],
            last_name=data["last_name"],
        )


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
