"""Forms of the portal's incident pages: report a problem, reopen a resolved one.

Impact and urgency are asked in words a visitor knows ("How many people are affected?", "Can you
work?"); the answers are the same Impact and Urgency values the service desk uses.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.forms import AccessibleFormMixin
from khedmat.catalog.formbuilder.uploads import UploadField
from khedmat.catalog.models import Service
from khedmat.core.identifiers import normalize_mobile
from khedmat.itsm.choices import Impact, Urgency
from khedmat.itsm.services.incidents import ATTACHMENT_MAX_KB, ATTACHMENT_TYPES

TITLE_MAX = 300
DESCRIPTION_MAX = 4000
REASON_MAX = 2000

#: The impact question's answers, in a visitor's words.
IMPACT_CHOICES = [
    (Impact.LOW, _("Only me")),
    (Impact.MEDIUM, _("Some people: my office or a group")),
    (Impact.HIGH, _("Many people: everyone who uses this service")),
]
#: The urgency question's answers, in a visitor's words.
URGENCY_CHOICES = [
    (Urgency.HIGH, _("No, my work has stopped")),
    (Urgency.MEDIUM, _("Yes, but slowly or with difficulty")),
    (Urgency.LOW, _("Yes, it can wait")),
]


def reportable_services() -> QuerySet[Service]:
    """Published services a problem may be reported about, with their card in force."""
    return (
        Service.objects.filter(is_published=True, current_version__isnull=False)
        .select_related("current_version")
        .order_by("code")
    )


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        version = obj.current_version
        return str(version.title) if version is not None else str(obj.code)


class IncidentReportForm(AccessibleFormMixin):
    """What a signed-in person tells us about a service that does not work."""

    service = ServiceChoiceField(
        label=_("Which service is it about?"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("— Not sure, or none of these —"),
    )
    title = forms.CharField(
        label=_("What is not working?"),
        max_length=TITLE_MAX,
        help_text=_("In a few words, for example: the payment page does not open."),
    )
    description = forms.CharField(
        label=_("What happened?"),
        max_length=DESCRIPTION_MAX,
        help_text=_("What you did, what you saw (an error message?) and since when."),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": DESCRIPTION_MAX}),
    )
    impact = forms.ChoiceField(
        label=_("How many people are affected?"),
        choices=IMPACT_CHOICES,
        initial=Impact.LOW,
        widget=forms.RadioSelect,
    )
    urgency = forms.ChoiceField(
        label=_("Can you still work?"),
        choices=URGENCY_CHOICES,
        initial=Urgency.LOW,
        widget=forms.RadioSelect,
    )
    mobile = forms.CharField(
        label=_("Mobile for updates"),
        max_length=40,
        required=False,
        help_text=_("We send the tracking code and each change by SMS to this number."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "dir": "ltr", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mail (optional)"),
        required=False,
        widget=forms.EmailInput(attrs={"dir": "ltr", "autocomplete": "email"}),
    )
    screenshot = UploadField(
        label=_("Screenshot (optional)"),
        allowed_types=list(ATTACHMENT_TYPES),
        max_size_kb=ATTACHMENT_MAX_KB,
        max_count=1,
        required=False,
        help_text=_("A picture of the screen (PNG, JPEG or WebP) or a PDF, at most 5 MB."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = reportable_services()  # type: ignore[attr-defined]
        self.fields["service"].widget.attrs["class"] = "form-select form-select-lg"
        for name in ("impact", "urgency"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
        self.fields["screenshot"].widget.attrs["class"] = "form-control"

    def clean_mobile(self) -> str:
        value = str(self.cleaned_data.get("mobile") or "").strip()
        return normalize_mobile(value) if value else ""

    def upload(self) -> Any:
        """The uploaded screenshot (validated by its first bytes), or None."""
        return self.files.get(self.add_prefix("screenshot")) if self.files else None


class ReopenForm(AccessibleFormMixin):
    """The reporter says the problem is not fixed."""

    reason = forms.CharField(
        label=_("What is still wrong?"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": REASON_MAX}),
    )

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data.get("reason") or "").strip()
        if not reason:
            raise ValidationError(_("Say what is still wrong."), code="required")
        return reason
