"""Django form fields and widgets the form builder needs beyond the stock ones."""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from hijridate import Gregorian
from persiantools.jdatetime import JalaliDate

from khedmat.catalog.choices import DateCalendar
from khedmat.core.dates import parse_local_date
from khedmat.core.digits import fold_digits

_DIGIT_CLASS = "[0-9۰-۹٠-٩]"
DATE_INPUT_PATTERN = f"{_DIGIT_CLASS}{{4}}[/\\-]{_DIGIT_CLASS}{{1,2}}[/\\-]{_DIGIT_CLASS}{{1,2}}"
_SHA256 = re.compile(r"[0-9a-f]{64}")


# --- dates ------------------------------------------------------------------------------------


def format_local_date(value: dt.date, calendar: str) -> str:
    """`1405/01/31` in the field's calendar (ASCII digits; the browser shows them as typed)."""
    if calendar == DateCalendar.JALALI:
        jalali = JalaliDate(value)
        return f"{jalali.year:04d}/{jalali.month:02d}/{jalali.day:02d}"
    if calendar == DateCalendar.HIJRI:
        try:
            hijri = Gregorian(value.year, value.month, value.day).to_hijri()
        except (OverflowError, ValueError):
            return value.isoformat()
        return f"{hijri.year:04d}/{hijri.month:02d}/{hijri.day:02d}"
    return value.isoformat()


def _date_bound(value: Any) -> dt.date | None:
    if value is None:
        return None
    if value == "today":
        return timezone.localdate()
    return dt.date.fromisoformat(str(value))


class LocalDateField(forms.Field):
    """A date typed in the Jalali, Hijri or Gregorian calendar; cleans to a Gregorian date."""

    default_error_messages = {
        "invalid": _("Enter a real date such as %(example)s."),
        "min": _("The date must not be before %(date)s."),
        "max": _("The date must not be after %(date)s."),
    }
    examples: ClassVar[dict[str, str]] = {
        DateCalendar.JALALI: "1405/01/31",
        DateCalendar.HIJRI: "1447/10/01",
        DateCalendar.GREGORIAN: "2026-04-20",
    }

    def __init__(
        self,
        *,
        calendar: str = DateCalendar.JALALI,
        min_date: Any = None,
        max_date: Any = None,
        **kwargs: Any,
    ) -> None:
        self.calendar = calendar
        self.min_date, self.max_date = min_date, max_date
        attrs = {
            "dir": "ltr",
            "inputmode": "numeric",
            "autocomplete": "off",
            "pattern": DATE_INPUT_PATTERN,
            "placeholder": self.examples[calendar],
            "data-calendar": calendar,
        }
        if calendar == DateCalendar.JALALI:
            attrs["data-jdp"] = ""
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return format_local_date(value, self.calendar) if isinstance(value, dt.date) else value

    def to_python(self, value: Any) -> dt.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return parse_local_date(str(value), self.calendar)
        except (ValueError, OverflowError) as error:
            raise ValidationError(
                self.error_messages["invalid"],
                code="invalid",
                params={"example": self.examples[self.calendar]},
            ) from error

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is None:
            return
        low, high = _date_bound(self.min_date), _date_bound(self.max_date)
        if low and value < low:
            raise ValidationError(
                self.error_messages["min"],
                code="min",
                params={"date": format_local_date(low, self.calendar)},
            )
        if high and value > high:
            raise ValidationError(
                self.error_messages["max"],
                code="max",
                params={"date": format_local_date(high, self.calendar)},
            )


class LocalTimeField(forms.TimeField):
    """A time of day as HH:MM, typed in any digits."""

    input_formats = ["%H:%M", "%H:%M:%S"]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", forms.TimeInput(format="%H:%M", attrs={"type": "time", "dir": "ltr"})
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.time | None:
        if isinstance(value, str):
            value = fold_digits(value).strip()
        return super().to_python(value)


# --- numbers and places -----------------------------------------------------------------------


class NumberField(forms.DecimalField):
    """A number typed in any digits, with or without thousands separators."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "dir": "ltr"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, str):
            value = fold_digits(value).replace(",", "").replace(" ", "").strip()
        if isinstance(value, float):
            value = str(value)
        return super().to_python(value)


class LocationField(forms.Field):
    """A place on the map as "latitude, longitude" (decimal degrees)."""

    default_error_messages = {
        "invalid": _("Enter latitude and longitude, e.g. 35.6892, 51.3890."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"dir": "ltr", "inputmode": "decimal", "placeholder": "35.6892, 51.3890"}
            ),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            return f"{value.get('lat')}, {value.get('lng')}"
        return value

    def to_python(self, value: Any) -> dict[str, float] | None:
        if value in self.empty_values:
            return None
        try:
            if isinstance(value, Mapping):
                lat, lng = float(value["lat"]), float(value["lng"])
            else:
                parts = re.split(r"[,،\s]+", fold_digits(str(value)).strip())
                lat, lng = (float(part) for part in parts)
        except (KeyError, TypeError, ValueError) as error:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return {"lat": round(lat, 6), "lng": round(lng, 6)}


# --- lists ------------------------------------------------------------------------------------


def option_label(option: Mapping[str, Any], language: str) -> str:
    """An option's label in `language`, else Persian, else its value."""
    return str(option.get(f"label_{language}") or option.get("label_fa") or option.get("value"))


def _own_attrs(widget: forms.Widget) -> forms.Widget:
    copied = copy.copy(widget)
    copied.attrs = widget.attrs.copy()
    return copied


class CascadingSelectWidget(forms.MultiWidget):
    """One select per level; a level's options are grouped under their parent's label."""

    template_name = "catalog/widgets/cascading_select.html"

    def __init__(self, level_choices: Sequence[list[Any]], level_labels: Sequence[str]) -> None:
        self.level_labels = list(level_labels)
        widgets = [
            forms.Select(choices=choices, attrs={"class": "form-select"})
            for choices in level_choices
        ]
        super().__init__(widgets)

    def __deepcopy__(self, memo: dict[int, Any]) -> CascadingSelectWidget:
        """A copy for one form (Django copies a field's widget for each form) that shares the
        levels' choices: they never change after the widget is made, and copying them makes
        Django normalise every option of the tree again (a province and city list: about 1 ms
        per form). Each level's attributes are its own."""
        copied = copy.copy(self)
        copied.attrs = self.attrs.copy()
        copied.widgets = [_own_attrs(widget) for widget in self.widgets]
        memo[id(self)] = copied
        return copied

    def decompress(self, value: Any) -> list[Any]:
        """Stored path ["tehran", "shemiranat"] → the select values ["tehran", "tehran/shemiranat"]."""
        if not value:
            return [None] * len(self.widgets)
        return ["/".join(value[: index + 1]) for index in range(len(value))]

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        for subwidget, label in zip(
            context["widget"]["subwidgets"], self.level_labels, strict=False
        ):
            subwidget["level_label"] = label
        return context


class CascadingSelectField(forms.Field):
    """A path through a tree of options, one choice per level; cleans to the list of values."""

    default_error_messages = {
        "invalid_choice": _("Choose one of the listed options at every level."),
    }

    def __init__(
        self,
        *,
        options: list[dict[str, Any]],
        levels: list[dict[str, Any]],
        language: str,
        **kwargs: Any,
    ) -> None:
        self.options, self.depth = options, len(levels)
        level_choices: list[list[Any]] = [[("", "—")] for _ in levels]
        self._collect(options, [], [], level_choices, language)
        labels = [option_label(level, language) for level in levels]
        kwargs.setdefault("widget", CascadingSelectWidget(level_choices, labels))
        super().__init__(**kwargs)

    def _collect(
        self,
        options: list[dict[str, Any]],
        path: list[str],
        names: list[str],
        level_choices: list[list[Any]],
        language: str,
    ) -> None:
        depth = len(path)
        entries = [
            ("/".join([*path, option["value"]]), option_label(option, language))
            for option in options
        ]
        if depth == 0:
            level_choices[0].extend(entries)
        else:
            level_choices[depth].append((" › ".join(names), entries))
        if depth + 1 < self.depth:
            for option in options:
                self._collect(
                    option.get("children") or [],
                    [*path, option["value"]],
                    [*names, option_label(option, language)],
                    level_choices,
                    language,
                )

    def to_python(self, value: Any) -> list[str] | None:
        if value in self.empty_values or (
            isinstance(value, list | tuple) and all(item in self.empty_values for item in value)
        ):
            return None
        if not isinstance(value, list | tuple):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        path: list[str] = []
        for item in value:
            parts = str(item or "").split("/")
            if parts[:-1] and parts[:-1] != path:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
            path.append(parts[-1])
        return path

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is None:
            return
        options = self.options
        if len(value) != self.depth:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        for item in value:
            match = next((option for option in options if option["value"] == item), None)
            if match is None:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
            options = match.get("children") or []


# --- repeating groups -------------------------------------------------------------------------


class RepeatingGroupWidget(forms.Widget):
    """Rows of child widgets named <group>-<row>-<child>, plus <group>-rows with the row count."""

    template_name = "catalog/widgets/repeating_group.html"
    use_fieldset = True

    def __init__(
        self,
        children: Sequence[tuple[str, str, forms.Field]],
        *,
        min_rows: int,
        max_rows: int,
    ) -> None:
        self.children = list(children)  # (key, label, field)
        self.min_rows, self.max_rows = min_rows, max_rows
        super().__init__()

    def __deepcopy__(self, memo: dict[int, Any]) -> RepeatingGroupWidget:
        copy = super().__deepcopy__(memo)
        copy.children = list(self.children)
        return copy

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[dict[str, Any]]:
        try:
            count = min(int(fold_digits(str(data.get(f"{name}-rows", "0")))), self.max_rows + 5)
        except ValueError:
            count = 0
        rows = []
        for index in range(max(count, 0)):
            row = {
                key: field.widget.value_from_datadict(data, files, f"{name}-{index}-{key}")
                for key, _label, field in self.children
            }
            rows.append(row)
        return rows

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return f"{name}-rows" not in data

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        rows = value if isinstance(value, list) else []
        shown = min(max(len(rows) + (0 if len(rows) else 1), self.min_rows, 1), self.max_rows)
        rendered = []
        for index in range(shown):
            row = rows[index] if index < len(rows) and isinstance(rows[index], dict) else {}
            rendered.append(self._render_row(name, index, row))
        template_row = self._render_row(name, "__index__", {})
        context["widget"].update(
            {
                "rows": rendered,
                "row_count": shown,
                "template_row": template_row,
                "max_rows": self.max_rows,
                "min_rows": self.min_rows,
            }
        )
        return context

    def _render_row(self, name: str, index: int | str, row: dict[str, Any]) -> list[dict[str, Any]]:
        cells = []
        for key, label, field in self.children:
            child_name = f"{name}-{index}-{key}"
            value = field.prepare_value(row.get(key))
            attrs = {"id": f"id_{child_name}"}
            cells.append(
                {
                    "key": key,
                    "label": label,
                    "id": attrs["id"],
                    "required": field.required,
                    "html": field.widget.render(child_name, value, attrs=attrs),
                }
            )
        return cells


class RepeatingGroupField(forms.Field):
    """Rows of the group's child fields; the form builder's engine cleans each row."""

    def __init__(
        self,
        *,
        children: Sequence[tuple[str, str, forms.Field]],
        min_rows: int,
        max_rows: int,
        **kwargs: Any,
    ) -> None:
        self.min_rows, self.max_rows = min_rows, max_rows
        kwargs.setdefault(
            "widget", RepeatingGroupWidget(children, min_rows=min_rows, max_rows=max_rows)
        )
        super().__init__(**kwargs)
