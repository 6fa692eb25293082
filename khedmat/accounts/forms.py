"""Login, code and enrolment forms: Bootstrap classes, autocomplete hints, per-field errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from khedmat.core.digits import fold_digits

FORM_ERRORS_ID = "form-errors"


class AccessibleFormMixin(forms.Form):
    """Marks invalid controls (`is-invalid`) and ties form-wide errors to every control."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-lg")

    def add_error(self, field: str | None, error: ValidationError | str | Any) -> None:
        super().add_error(field, error)
        names = list(self.fields) if field is None else [field]
        for name in names:
            if name not in self.fields:
                continue
            attrs = self.fields[name].widget.attrs
            if "is-invalid" not in attrs.get("class", ""):
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
            if field is None:
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = FORM_ERRORS_ID


class LoginForm(AccessibleFormMixin):
    """Username and password, the first step of a login."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "autocapitalize": "none",
                "autocorrect": "off",
                "spellcheck": "false",
                "autofocus": True,
                "dir": "ltr",
            }
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "dir": "ltr"}),
    )


class OneTimeCodeField(forms.CharField):
    """A code of a few digits typed on a phone: Persian and Arabic digits, spaces and dashes go."""

    def __init__(self, *, lengths: tuple[int, ...] = (6,), **kwargs: Any) -> None:
        self.lengths = lengths
        attrs = {
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "pattern": "[0-9۰-۹٠-٩ ]*",
            "autofocus": True,
            "dir": "ltr",
            "class": "form-control form-control-lg text-center font-monospace",
        }
        super().__init__(max_length=16, widget=forms.TextInput(attrs=attrs), **kwargs)

    def clean(self, value: Any) -> str:
        code = fold_digits(super().clean(value)).replace(" ", "").replace("-", "")
        if not code.isascii() or not code.isdigit() or len(code) not in self.lengths:
            raise ValidationError(_("Enter the 6-digit code, digits only."), code="format")
        return code


class CodeForm(AccessibleFormMixin):
    """A six-digit code from an authenticator app (8-digit backup codes too)."""

    code = OneTimeCodeField(
        label=_("Code from your authenticator app"),
        help_text=_("Open the app on your phone and enter the 6-digit code it shows now."),
        lengths=(6, 8),
    )


class ReplaceDeviceForm(CodeForm):
    """Replacing an authenticator: a code from the current app too, so a session alone cannot."""

    current_code = OneTimeCodeField(
        label=_("Code from your current authenticator app"),
        help_text=_("To replace it, first prove you still have it: enter the code it shows now."),
        lengths=(6, 8),
    )
    field_order = ["current_code", "code"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Code from the new app")
        self.fields["code"].help_text = _("The 6-digit code the new app shows after you scan it.")
        self.fields["code"].widget.attrs.pop("autofocus", None)
