"""Forms of complaint pages: the portal's complaint, tracking, the desk's walk-in, answer, filter."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.forms import AccessibleFormMixin
from khedmat.catalog.models import Service
from khedmat.complaints.choices import ComplaintStatus
from khedmat.complaints.models import CODE_LENGTH
from khedmat.complaints.queries import complaint_services
from khedmat.core.identifiers import normalize_mobile
from khedmat.core.tracking import normalize_tracking_code
from khedmat.tickets.forms.lookup import CodeLookupForm, normalize_person_or_company_code
from khedmat.tickets.models import Ticket

SUBJECT_MAX = 200
TEXT_MAX = 4000


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        version = obj.current_version
        return str(version.title) if version is not None else obj.code


class RequestChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.tracking_code} — {obj.service_version.title}"


class _ComplaintText(AccessibleFormMixin):
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    text = forms.CharField(
        label=_("Your complaint"),
        max_length=TEXT_MAX,
        help_text=_("What happened, when and where (at most 4000 characters)."),
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": TEXT_MAX}),
    )


class PortalComplaintForm(_ComplaintText):
    """A signed-in applicant's complaint: about a service, or about one of their requests.

    While they type the subject, the knowledge base suggests articles that may already answer it.
    """

    service = ServiceChoiceField(
        label=_("Service"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("— Choose a service —"),
    )
    ticket = RequestChoiceField(
        label=_("Or one of your requests"),
        queryset=Ticket.objects.none(),
        required=False,
        empty_label=_("— No request —"),
    )
    field_order = ["service", "ticket", "subject", "text"]

    def __init__(self, *args: Any, requests: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].widget.attrs.update(
            {
                "hx-get": reverse("knowledge:article_suggest"),
                "hx-trigger": "input changed delay:400ms",
                "hx-target": "#subject-suggestions",
                "hx-swap": "innerHTML",
            }
        )
        self.fields["service"].queryset = complaint_services()  # type: ignore[attr-defined]
        self.fields["ticket"].queryset = requests  # type: ignore[attr-defined]
        for name in ("service", "ticket"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-lg"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("service") and not cleaned.get("ticket"):
            raise ValidationError(
                _("Choose the service or the request the complaint is about."), code="required"
            )
        return cleaned


class DeskComplaintForm(_ComplaintText):
    """A complaint an operator files for a walk-in complainant."""

    complainant_name = forms.CharField(label=_("Complainant's full name"), max_length=200)
    national_code = forms.CharField(
        label=_("National code"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr"}),
    )
    mobile = forms.CharField(
        label=_("Mobile"),
        max_length=40,
        required=False,
        help_text=_("The complaint's code and the answer are sent to this number by SMS."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "dir": "ltr"}),
    )
    language = forms.ChoiceField(
        label=_("Language of the messages"),
        choices=[("fa", "فارسی"), ("ar", "العربية"), ("en", "English")],
    )
    service = ServiceChoiceField(
        label=_("Service"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("— Choose a service —"),
    )
    request_code = forms.CharField(
        label=_("Or the request's tracking code"),
        max_length=40,
        required=False,
        help_text=_("A complaint about a request needs the applicant's national code above."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr"}),
    )
    field_order = [
        "complainant_name",
        "national_code",
        "mobile",
        "language",
        "service",
        "request_code",
        "subject",
        "text",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = complaint_services()  # type: ignore[attr-defined]
        for name in ("service", "language"):
            self.fields[name].widget.attrs["class"] = "form-select"
        for name, field in self.fields.items():
            if name not in ("service", "language"):
                field.widget.attrs["class"] = "form-control"

    def clean_national_code(self) -> str:
        return normalize_person_or_company_code(self.cleaned_data["national_code"])

    def clean_mobile(self) -> str:
        value = self.cleaned_data["mobile"]
        return normalize_mobile(value) if value else ""

    def clean_request_code(self) -> str:
        value = self.cleaned_data["request_code"]
        return normalize_tracking_code(value) if value else ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("service") and not cleaned.get("request_code") and not self.errors:
            raise ValidationError(
                _("Choose the service or the request the complaint is about."), code="required"
            )
        return cleaned


class TrackComplaintForm(CodeLookupForm):
    """The complaint's code and the complainant's national code."""

    code_length = CODE_LENGTH
    code_label = _("Complaint code")
    code_help = _("The 11 digits on your receipt or in the SMS; spaces and dashes are fine.")
    identity_help = _("The complainant's national code.")
    own_records_help = _("Not needed for your own complaints.")


class AnswerForm(forms.Form):
    """What staff decide: review, answer, or reject as invalid, with the text the complainant reads."""

    ACTIONS = {
        "review": _("Take into review"),
        "answer": _("Send the answer"),
        "reject": _("Reject as invalid"),
    }
    action = forms.ChoiceField(choices=list(ACTIONS.items()), widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Answer to the complainant"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "class": "form-control", "maxlength": TEXT_MAX}),
    )


class ComplaintFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *ComplaintStatus.choices],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    overdue = forms.BooleanField(
        label=_("Only overdue"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def apply(self, complaints: Any) -> Any:
        if not self.is_bound or not self.is_valid():
            return complaints
        if self.cleaned_data.get("status"):
            complaints = complaints.filter(status=self.cleaned_data["status"])
        if self.cleaned_data.get("overdue"):
            complaints = complaints.overdue()
        return complaints
