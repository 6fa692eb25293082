"""Form fields for numeric identifiers (any digits in, the stored ASCII form out), and a plain
select widget."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, ClassVar, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from khedmat.core.dates import JALALI, parse_local_date
from khedmat.core.digits import fold_digits, is_ascii_digits
from khedmat.core.identifiers import (
    normalize_legal_id,
    normalize_mobile,
    normalize_national_code,
    normalize_postal_code,
    postal_code_looks_valid,
)
from khedmat.core.tracking import normalize_tracking_code


class DigitsField(forms.CharField):
    """Text field for digits typed in any script; cleans to ASCII digits."""

    default_error_messages: ClassVar[dict[str, Any]] = {"invalid": _("Enter digits only.")}
    input_mode: ClassVar[str] = "numeric"
    autocomplete: ClassVar[str | None] = None

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        """Numeric keypad, left-to-right entry and an autocomplete hint where one fits."""
        attrs = super().widget_attrs(widget)
        hints = {"inputmode": self.input_mode, "dir": "ltr", "autocomplete": self.autocomplete}
        for name, hint in hints.items():
            if hint and name not in widget.attrs:
                attrs[name] = hint
        return attrs

    def to_python(self, value: Any) -> str | None:
        """The submitted text with Persian and Arabic-Indic digits folded to ASCII."""
        text = super().to_python(value)
        return fold_digits(text) if text else text

    def normalize(self, value: str) -> str:
        """The stored form of a non-empty value, or ValidationError; here: ASCII digits only."""
        if not is_ascii_digits(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return value

    def clean(self, value: Any) -> str | None:
        """The normalised value, or the empty value when the field is optional and left empty."""
        value = super().clean(value)
        if value in self.empty_values:
            return cast("str | None", value)
        try:
            return self.normalize(value)
        except ValidationError as error:
            raise self._with_own_messages(error) from error

    def _with_own_messages(self, error: ValidationError) -> ValidationError:
        """The error, with the message replaced when the field overrides that error code."""
        code = getattr(error, "code", None)
        if code and code in self.error_messages:
            return ValidationError(self.error_messages[code], code=code)
        return error


class NationalCodeField(DigitsField):
    """National code (کد ملی); cleans to 10 ASCII digits."""

    def normalize(self, value: str) -> str:
        """The national code as 10 ASCII digits."""
        return normalize_national_code(value)


class LegalIdField(DigitsField):
    """Legal national ID (شناسه ملی); cleans to 11 ASCII digits."""

    def normalize(self, value: str) -> str:
        """The legal national ID as 11 ASCII digits."""
        return normalize_legal_id(value)


class MobileField(DigitsField):
    """Iranian mobile number; cleans to E.164 (+989XXXXXXXXX)."""

    input_mode = "tel"  # a phone keypad, which also offers "+"
    autocomplete = "tel"

    def normalize(self, value: str) -> str:
        """The mobile number in E.164 form."""
        return normalize_mobile(value)


class TrackingCodeField(DigitsField):
    """Request tracking code; cleans to ASCII digits, rejecting a mistyped code without lookup."""

    autocomplete = "off"

    def normalize(self, value: str) -> str:
        """The tracking code as ASCII digits."""
        return normalize_tracking_code(value)


class PostalCodeField(DigitsField):
    """Postal code; cleans to 10 ASCII digits and only warns when it looks implausible."""

    autocomplete = "postal-code"
    warning_message: ClassVar[Promise] = _(
        "This postal code does not look like an Iranian postal code. Please check it."
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.warning: Promise | None = None

    def normalize(self, value: str) -> str:
        """The postal code as 10 ASCII digits."""
        return normalize_postal_code(value)

    def clean(self, value: Any) -> str | None:
        """The 10-digit postal code; sets `warning` when the §5.3 heuristic doubts it."""
        cleaned = super().clean(value)
        self.warning = self.warning_for(cleaned)
        return cleaned

    def warning_for(self, value: str | None) -> Promise | None:
        """A soft warning for a postal code that fails the heuristic, else None."""
        if not value or postal_code_looks_valid(value):
            return None
        return self.warning_message


TYPED_DATE_SHAPE = re.compile(r"^\s*\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s*$")


class LocalDateField(forms.DateField):
    """A date typed as YYYY-MM-DD or YYYY/MM/DD: Jalali below core.dates.GREGORIAN_FROM_YEAR."""

    def to_python(self, value: Any) -> dt.date | None:
        """The Gregorian date, whatever the calendar and digits it was typed in."""
        if isinstance(value, dt.date) or value in self.empty_values:
            return super().to_python(value)
        text = str(value)
        if not TYPED_DATE_SHAPE.match(fold_digits(text)):
            raise ValidationError(_("Enter a date such as 1405/01/26 or 2026-04-15."), "invalid")
        try:
            return parse_local_date(text, JALALI)
        except ValueError as error:
            raise ValidationError(_("This date does not exist."), "invalid") from error

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        """Left-to-right entry, with the expected shape as a hint."""
        return {**super().widget_attrs(widget), "dir": "ltr", "placeholder": "1405/01/26"}


class PlainSelect(forms.Select):
    """A `<select>` of flat choices written in Python: Django's own renders a template per option,
    which on a list page's filter (a service per option) costs more than the page's query. The
    markup is Django's: the same attributes, `selected` options, escaped values and labels."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = {str(item) for item in self.format_value(value)}
        final = self.build_attrs(self.attrs, attrs)
        options = format_html_join(
            "",
            '\n  <option value="{}"{}>{}</option>\n',
            (
                (str(key), mark_safe(" selected") if str(key) in chosen else "", label)
                for key, label in self.choices
            ),
        )
        return format_html('<select name="{}"{}>{}\n</select>', name, _attrs(final), options)


def _attrs(attrs: dict[str, Any]) -> str:
    """Attributes as Django's widget templates write them: `name` alone for True, none for
    False."""
    return format_html_join(
        "",
        " {}{}",
        (
            (name, format_html('="{}"', value) if value is not True else "")
            for name, value in attrs.items()
            if value is not False
        ),
    )
