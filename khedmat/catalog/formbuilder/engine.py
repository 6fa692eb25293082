"""Field rows become form fields; answers are validated against the rows, conditions included."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import RegexValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from khedmat.catalog.choices import DateCalendar, FieldType, ShowIfOperator
from khedmat.catalog.formbuilder.definition import (
    DEFAULT_FILE_TYPES,
    DEFAULT_IMAGE_TYPES,
    DEFAULT_MAX_ROWS,
    DEFAULT_MAX_SIZE_KB,
    ordered_rows,
)
from khedmat.catalog.formbuilder.fields import (
    CascadingSelectField,
    LocalDateField,
    LocalTimeField,
    LocationField,
    NumberField,
    RepeatingGroupField,
    option_label,
)
from khedmat.catalog.formbuilder.uploads import UploadField
from khedmat.catalog.models import FormField, ServiceVersion
from khedmat.core.forms import (
    LegalIdField,
    MobileField,
    NationalCodeField,
    PostalCodeField,
)
from khedmat.core.translated import active_text_language, translated_text

EMPTY_VALUES: tuple[Any, ...] = (None, "", [], (), {})
_INVALID = object()


class InvalidAnswers(Exception):
    """The answers do not fit the form; `errors` maps field paths (group.0.child) to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


# --- rows -> form fields ----------------------------------------------------------------------

FieldBuilder = Callable[[FormField, dict[str, Any], str, Sequence[FormField]], forms.Field]


def _text(
    row: FormField, common: dict[str, Any], language: str, _c: Sequence[FormField]
) -> forms.Field:
    long = row.field_type == FieldType.LONG_TEXT
    validators = []
    if row.option("pattern"):
        validators.append(
            RegexValidator(row.option("pattern"), _("Enter a value in the expected format."))
        )
    attrs = {"placeholder": row.option("placeholder")} if row.option("placeholder") else {}
    return forms.CharField(
        max_length=row.option("max_length", 5000 if long else 500),
        min_length=row.option("min_length") or None,
        validators=validators,
        widget=forms.Textarea(attrs={"rows": 4, **attrs}) if long else forms.TextInput(attrs=attrs),
        **common,
    )


def _number(
    row: FormField, common: dict[str, Any], language: str, _c: Sequence[FormField]
) -> forms.Field:
    return NumberField(
        min_value=row.option("min"),
        max_value=row.option("max"),
        decimal_places=row.option("decimal_places", 0),
        **common,
    )


def _date(
    row: FormField, common: dict[str, Any], language: str, _c: Sequence[FormField]
) -> forms.Field:
    return LocalDateField(
        calendar=row.option("calendar", DateCalendar.JALALI),
        min_date=row.option("min"),
        max_date=row.option("max"),
        **common,
    )


def _select(
    row: FormField, common: dict[str, Any], language: str, _c: Sequence[FormField]
) -> forms.Field:
    choices = [
        (option["value"], option_label(option, language)) for option in row.option("options", [])
    ]
    if row.option("widget") == "radio":
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    return forms.ChoiceField(choices=[("", "—"), *choices], **common)


def _cascading(
    row: FormField, common: dict[str, Any], language: str, _c: Sequence[FormField]
) -> forms.Field:
    return CascadingSelectField(
        options=row.option("options", []),
        levels=row.option("levels", []),
        language=language,
        **common,
    )


def _upload(
    row: FormField, common: dict[str, Any], language: str, _c: Sequence[FormField]
) -> forms.Field:
    default = DEFAULT_IMAGE_TYPES if row.field_type == FieldType.IMAGE else DEFAULT_FILE_TYPES
    return UploadField(
        allowed_types=list(row.option("allowed_types", default)),
        max_size_kb=row.option("max_size_kb", DEFAULT_MAX_SIZE_KB),
        max_count=row.option("max_count", 1),
        **common,
    )


def _group(
    row: FormField, common: dict[str, Any], language: str, children: Sequence[FormField]
) -> forms.Field:
    child_fields = [
        (
            child.key,
            translated_text(child, "label", language),
            form_field_for(child, language=language),
        )
        for child in children
    ]
    return RepeatingGroupField(
        children=child_fields,
        min_rows=row.option("min_rows", 0),
        max_rows=row.option("max_rows", DEFAULT_MAX_ROWS),
        **common,
    )


def _simple(field_class: type[forms.Field]) -> FieldBuilder:
    def build(
        row: FormField, common: dict[str, Any], language: str, _c: Sequence[FormField]
    ) -> forms.Field:
        return field_class(**common)

    return build


BUILDERS: dict[str, FieldBuilder] = {
    FieldType.TEXT: _text,
    FieldType.LONG_TEXT: _text,
    FieldType.NUMBER: _number,
    FieldType.DATE: _date,
    FieldType.TIME: _simple(LocalTimeField),
    FieldType.SELECT: _select,
    FieldType.CASCADING_SELECT: _cascading,
    FieldType.CHECKBOX: _simple(forms.BooleanField),
    FieldType.NATIONAL_CODE: _simple(NationalCodeField),
    FieldType.LEGAL_ID: _simple(LegalIdField),
    FieldType.MOBILE: _simple(MobileField),
    FieldType.POSTAL_CODE: _simple(PostalCodeField),
    FieldType.EMAIL: _simple(forms.EmailField),
    FieldType.FILE: _upload,
    FieldType.IMAGE: _upload,
    FieldType.LOCATION: _simple(LocationField),
    FieldType.GROUP: _group,
}


def form_field_for(
    row: FormField, *, children: Sequence[FormField] = (), language: str | None = None
) -> forms.Field:
    """The Django form field for one row (a group's field holds its children's fields)."""
    language = language or active_text_language()
    common = {
        "label": translated_text(row, "label", language),
        "help_text": translated_text(row, "help", language),
        "required": row.is_required,
    }
    form_field = BUILDERS[row.field_type](row, common, language, children)
    style_widget(form_field.widget)
    return form_field


def style_widget(widget: forms.Widget) -> None:
    """Bootstrap classes on the stock widgets."""
    if isinstance(widget, forms.MultiWidget):
        for subwidget in widget.widgets:
            style_widget(subwidget)
        return
    if isinstance(widget, forms.RadioSelect):
        return  # its class would land on the wrapper too; the stylesheet styles the buttons
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select):
        css = "form-select"
    else:
        css = "form-control"
    widget.attrs.setdefault("class", css)


# --- conditions -------------------------------------------------------------------------------


def _same(answer: Any, expected: Any) -> bool:
    if isinstance(answer, bool) or isinstance(expected, bool):
        truthy = expected in (True, "true", "1", 1, "on", "yes")
        return bool(answer) == truthy
    if isinstance(answer, list):
        return str(expected) in [str(item) for item in answer]
    return str(answer) == str(expected)


def condition_holds(condition: Mapping[str, Any], answer: Any) -> bool:
    """Whether a show-if condition holds for the controlling field's (cleaned) answer."""
    operator = condition.get("op", ShowIfOperator.EQUALS)
    expected = condition.get("value")
    filled = answer not in EMPTY_VALUES and answer is not False
    if operator == ShowIfOperator.CHECKED:
        return filled
    if operator == ShowIfOperator.EMPTY:
        return not filled
    if not filled:
        return operator == ShowIfOperator.NOT_EQUALS
    if operator == ShowIfOperator.IN:
        return any(_same(answer, item) for item in expected or [])
    same = _same(answer, expected)
    return not same if operator == ShowIfOperator.NOT_EQUALS else same


# --- answers ----------------------------------------------------------------------------------


@dataclass
class _Run:
    """One validation pass: errors by path, uploaded files by path, fields built once per row."""

    language: str
    strict: bool
    errors: dict[str, list[str]] = field(default_factory=dict)
    uploads: dict[str, list[UploadedFile]] = field(default_factory=dict)
    fields: dict[int, forms.Field] = field(default_factory=dict)

    def field_for(self, row: FormField) -> forms.Field:
        built = self.fields.get(id(row))
        if built is None:
            built = self.fields[id(row)] = form_field_for(row, language=self.language)
        return built


def rows_of(source: ServiceVersion | Iterable[FormField]) -> list[FormField]:
    """The form rows of a version (its prefetched rows when there are) or the rows given."""
    if isinstance(source, ServiceVersion):
        return ordered_rows(source.form_fields.all())
    return ordered_rows(source)


def split_rows(rows: Sequence[FormField]) -> tuple[list[FormField], dict[str, list[FormField]]]:
    """Top-level rows, and the rows of each repeating group by the group's key."""
    top = [row for row in rows if not row.group_key]
    children: dict[str, list[FormField]] = {}
    for row in rows:
        if row.group_key:
            children.setdefault(row.group_key, []).append(row)
    return top, children


def validate_answers(
    source: ServiceVersion | Iterable[FormField],
    answers: Any,
    *,
    language: str | None = None,
) -> dict[str, Any]:
    """The cleaned JSON answer document, or InvalidAnswers; hidden fields are dropped."""
    if not isinstance(answers, Mapping):
        raise InvalidAnswers({"__all__": [gettext("The answers must be a JSON object.")]})
    top, children = split_rows(rows_of(source))
    run = _Run(language=language or active_text_language(), strict=True)
    cleaned = _clean_level(top, children, answers, context={}, prefix="", run=run)
    if run.errors:
        raise InvalidAnswers(run.errors)
    return cleaned


def _clean_level(
    rows: Sequence[FormField],
    children: Mapping[str, Sequence[FormField]],
    raw: Mapping[str, Any],
    *,
    context: Mapping[str, Any],
    prefix: str,
    run: _Run,
) -> dict[str, Any]:
    if run.strict:
        known = {row.key for row in rows}
        for key in raw:
            if key not in known:
                run.errors[f"{prefix}{key}"] = [gettext("This form has no such field.")]
    cleaned: dict[str, Any] = {}
    answers = dict(context)
    hidden: set[str] = set()
    for row in rows:
        condition = row.show_if if isinstance(row.show_if, dict) else {}
        target = condition.get("field")
        if target and (target in hidden or not condition_holds(condition, answers.get(target))):
            hidden.add(row.key)
            answers.pop(row.key, None)
            continue
        path = f"{prefix}{row.key}"
        if row.field_type == FieldType.GROUP:
            value = _clean_group(
                row, children.get(row.key, []), raw.get(row.key), answers, path, run
            )
        else:
            value = _clean_value(row, raw.get(row.key), path, run)
        if value is _INVALID:
            answers[row.key] = None
            continue
        answers[row.key] = value
        if value is not None:
            cleaned[row.key] = value
    return cleaned


def _clean_value(row: FormField, raw: Any, path: str, run: _Run) -> Any:
    form_field = run.field_for(row)
    try:
        value = form_field.clean(raw)
    except ValidationError as error:
        run.errors[path] = [str(message) for message in error.messages]
        return _INVALID
    if row.field_type in (FieldType.FILE, FieldType.IMAGE) and value:
        uploads = [item for item in _as_list(raw) if isinstance(item, UploadedFile)]
        if uploads:
            run.uploads[path] = uploads
    return to_json(row, value)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _blank_row(row: Mapping[str, Any]) -> bool:
    return all(value in EMPTY_VALUES or value is False for value in row.values())


def _clean_group(
    row: FormField,
    child_rows: Sequence[FormField],
    raw: Any,
    context: Mapping[str, Any],
    path: str,
    run: _Run,
) -> Any:
    items = [] if raw in EMPTY_VALUES else raw
    if not isinstance(items, list) or not all(isinstance(item, Mapping) for item in items):
        run.errors[path] = [gettext("Give the rows as a list.")]
        return _INVALID
    items = [item for item in items if not _blank_row(item)]
    low = max(row.option("min_rows", 0), 1 if row.is_required else 0)
    high = row.option("max_rows", DEFAULT_MAX_ROWS)
    if not items and low:
        run.errors[path] = [gettext("This field is required.")]
        return _INVALID
    if len(items) < low:
        run.errors[path] = [gettext("Add at least %(count)d rows.") % {"count": low}]
        return _INVALID
    if len(items) > high:
        run.errors[path] = [gettext("Add at most %(count)d rows.") % {"count": high}]
        return _INVALID
    cleaned = [
        _clean_level(child_rows, {}, item, context=context, prefix=f"{path}.{index}.", run=run)
        for index, item in enumerate(items)
    ]
    return cleaned or None


def to_json(row: FormField, value: Any) -> Any:
    """A cleaned Python value as the answer document stores it (None when empty)."""
    if value in EMPTY_VALUES and row.field_type != FieldType.CHECKBOX:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, Decimal):
        return int(value) if row.option("decimal_places", 0) == 0 else str(value)
    if row.field_type == FieldType.CHECKBOX:
        return bool(value)
    return value


# --- the web form -----------------------------------------------------------------------------


class AnswerForm(forms.Form):
    """The application form of a card version; `answers` is the validated JSON document."""

    def __init__(
        self, rows: Iterable[FormField], *args: Any, language: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.language = language or active_text_language()
        self.rows = ordered_rows(rows)
        self.top_rows, self.group_rows = split_rows(self.rows)
        self.row_by_key = {row.key: row for row in self.rows}
        for row in self.top_rows:
            self.fields[row.key] = form_field_for(
                row, children=self.group_rows.get(row.key, ()), language=self.language
            )
        self.answers: dict[str, Any] = {}
        self.uploads: dict[str, list[UploadedFile]] = {}
        self.answer_errors: dict[str, list[str]] = {}

    def _clean_fields(self) -> None:
        raw = {name: self[name].data for name in self.fields}
        run = _Run(language=self.language, strict=False)
        self.answers = _clean_level(
            self.top_rows, self.group_rows, raw, context={}, prefix="", run=run
        )
        self.cleaned_data = dict(self.answers)
        self.uploads, self.answer_errors = run.uploads, run.errors
        for path, messages in run.errors.items():
            key, _dot, rest = path.partition(".")
            if rest:
                messages = [self._row_message(key, rest, message) for message in messages]
            self.add_error(key if key in self.fields else None, messages)

    def _row_message(self, group_key: str, rest: str, message: str) -> str:
        index, _dot, child_key = rest.partition(".")
        child = self.row_by_key.get(child_key)
        label = translated_text(child, "label", self.language) if child else child_key
        return gettext("Row %(row)s, %(label)s: %(message)s") % {
            "row": int(index) + 1,
            "label": label,
            "message": message,
        }

    def visible_rows(self) -> list[dict[str, Any]]:
        """Top-level fields for the template: bound field, row and its condition as JSON."""
        return [
            {
                "bound": self[row.key],
                "row": row,
                "show_if": json.dumps(row.show_if, ensure_ascii=False) if row.show_if else "",
            }
            for row in self.top_rows
        ]
