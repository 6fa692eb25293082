"""The form that proves a code with a national code (/track/, complaint tracking)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.forms import AccessibleFormMixin
from khedmat.core.identifiers import normalize_legal_id, normalize_national_code
from khedmat.core.tracking import normalize_tracking_code


def normalize_person_or_company_code(value: str) -> str:
    """A national code (10 digits) or a company's national ID (11 digits), normalised."""
    for normalize in (normalize_national_code, normalize_legal_id):
        try:
            return normalize(value)
        except ValidationError:
            continue
    raise ValidationError(
        _("Enter the 10-digit national code or the 11-digit national ID."), code="invalid"
    )


class CodeLookupForm(AccessibleFormMixin):
    """A record's code and a national code; the national code is optional for a signed-in
    person looking at their own records. Subclasses set the labels and the code's length."""

    code_length: int | None = None
    code_label: Any = _("Tracking code")
    code_help: Any = _("The digits on your receipt or in the SMS; spaces and dashes are fine.")
    identity_help: Any = ""
    own_records_help: Any = ""

    code = forms.CharField(
        max_length=40,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "dir": "ltr", "autocomplete": "off", "autofocus": True}
        ),
    )
    national_code = forms.CharField(
        label=_("National code"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, identity_required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.identity_required = identity_required
        self.fields["code"].label = self.code_label
        self.fields["code"].help_text = self.code_help
        help_text = self.identity_help if identity_required else self.own_records_help
        self.fields["national_code"].help_text = help_text

    def clean_code(self) -> str | None:
        """The code as ASCII digits, or None when it cannot be one of ours (no look-up then)."""
        try:
            return normalize_tracking_code(self.cleaned_data["code"], self.code_length)
        except ValidationError:
            return None

    def clean_national_code(self) -> str:
        """A national code or national ID; optional when signed in."""
        value = self.cleaned_data["national_code"]
        if not value:
            if self.identity_required:
                raise ValidationError(self.fields["national_code"].error_messages["required"])
            return ""
        return normalize_person_or_company_code(value)
