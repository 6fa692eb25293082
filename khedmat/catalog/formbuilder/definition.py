"""What a form field row may say: its configuration per type and its show-if condition."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from khedmat.catalog.choices import DateCalendar, FieldType, ShowIfOperator
from khedmat.catalog.models import FormField

# File types an administrator can allow, with the magic bytes that prove them (None: no check).
FILE_SIGNATURES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    "webp": ("image/webp", (b"RIFF",)),
    "tif": ("image/tiff", (b"II*\x00", b"MM\x00*")),
    "tiff": ("image/tiff", (b"II*\x00", b"MM\x00*")),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", (b"PK\x03\x04",)),
    "zip": ("application/zip", (b"PK\x03\x04",)),
    "txt": ("text/plain", None),
    "csv": ("text/csv", None),
}
IMAGE_TYPES = frozenset({"jpg", "jpeg", "png", "gif", "webp"})
DEFAULT_FILE_TYPES = ["pdf", "jpg", "png"]
DEFAULT_IMAGE_TYPES = ["jpg", "png"]
DEFAULT_MAX_SIZE_KB = 5120
DEFAULT_MAX_ROWS = 10

# Configuration keys each field type understands; anything else is a typo worth reporting.
CONFIG_KEYS: dict[str, frozenset[str]] = {
    FieldType.TEXT: frozenset({"max_length", "min_length", "pattern", "placeholder"}),
    FieldType.LONG_TEXT: frozenset({"max_length", "min_length", "placeholder"}),
    FieldType.NUMBER: frozenset({"min", "max", "decimal_places"}),
    FieldType.DATE: frozenset({"calendar", "min", "max"}),
    FieldType.TIME: frozenset(),
    FieldType.SELECT: frozenset({"options", "widget"}),
    FieldType.CASCADING_SELECT: frozenset({"levels", "options"}),
    FieldType.CHECKBOX: frozenset(),
    FieldType.NATIONAL_CODE: frozenset(),
    FieldType.LEGAL_ID: frozenset(),
    FieldType.MOBILE: frozenset(),
    FieldType.POSTAL_CODE: frozenset(),
    FieldType.EMAIL: frozenset(),
    FieldType.FILE: frozenset({"allowed_types", "max_size_kb", "max_count"}),
    FieldType.IMAGE: frozenset({"allowed_types", "max_size_kb", "max_count"}),
    FieldType.LOCATION: frozenset(),
    FieldType.GROUP: frozenset({"min_rows", "max_rows"}),
}
_OPTION_VALUE = re.compile(r"[^/\s][^/]{0,99}")


def ordered_rows(rows: Iterable[FormField]) -> list[FormField]:
    """Rows in form order: by position, then as given (unsaved rows have no id yet)."""
    indexed = list(enumerate(rows))
    indexed.sort(key=lambda pair: (pair[1].position, pair[0]))
    return [row for _, row in indexed]


def check_field_definition(row: FormField) -> None:
    """ValidationError unless the row's configuration and condition suit its type."""
    config = row.config if isinstance(row.config, dict) else None
    if config is None:
        raise ValidationError({"config": _("Give the options as a JSON object.")})
    unknown = sorted(set(config) - CONFIG_KEYS.get(row.field_type, frozenset()))
    if unknown:
        raise ValidationError(
            {"config": _("This type does not use: %(keys)s.") % {"keys": ", ".join(unknown)}}
        )
    try:
        _check_config(row.field_type, config)
    except ValidationError as error:
        raise ValidationError({"config": error.messages}) from error
    if row.show_if:
        try:
            _check_condition(row.show_if)
        except ValidationError as error:
            raise ValidationError({"show_if": error.messages}) from error
    if row.group_key and row.field_type == FieldType.GROUP:
        raise ValidationError({"group_key": _("A repeating group cannot be inside another.")})


def check_form_definition(rows: Sequence[FormField]) -> None:
    """ValidationError unless the rows make one form: unique keys, real groups, earlier conditions."""
    rows = ordered_rows(rows)
    errors: list[str] = []
    by_key: dict[str, FormField] = {}
    for row in rows:
        if row.key in by_key:
            errors.append(str(_("The key %(key)s is used twice.") % {"key": row.key}))
        by_key[row.key] = row
    seen: set[str] = set()
    for row in rows:
        if row.group_key:
            group = by_key.get(row.group_key)
            if group is None or group.field_type != FieldType.GROUP:
                errors.append(
                    str(
                        _("%(key)s: %(group)s is not a repeating group of this form.")
                        % {"key": row.key, "group": row.group_key}
                    )
                )
            elif row.group_key not in seen:
                errors.append(
                    str(
                        _("%(key)s must come after its group %(group)s.")
                        % {"key": row.key, "group": row.group_key}
                    )
                )
        target = row.show_if.get("field") if isinstance(row.show_if, dict) else None
        if target:
            controller = by_key.get(target)
            reachable = controller is not None and target in seen
            same_scope = controller is not None and controller.group_key in ("", row.group_key)
            if not (reachable and same_scope) or target == row.key:
                errors.append(
                    str(
                        _("%(key)s: its condition must refer to an earlier field, not %(target)s.")
                        % {"key": row.key, "target": target}
                    )
                )
        seen.add(row.key)
    if errors:
        raise ValidationError(errors)


def _check_config(field_type: str, config: dict[str, Any]) -> None:
    if field_type in (FieldType.TEXT, FieldType.LONG_TEXT):
        _check_lengths(config)
    elif field_type == FieldType.NUMBER:
        _check_number(config)
    elif field_type == FieldType.DATE:
        _check_date(config)
    elif field_type == FieldType.SELECT:
        _check_options(config.get("options"), depth=1)
        if config.get("widget", "select") not in ("select", "radio"):
            raise ValidationError(_('The widget is "select" or "radio".'))
    elif field_type == FieldType.CASCADING_SELECT:
        levels = config.get("levels")
        if (
            not isinstance(levels, list)
            or len(levels) < 2
            or not all(isinstance(level, dict) and level.get("label_fa") for level in levels)
        ):
            raise ValidationError(_('Give two or more "levels", each with a "label_fa".'))
        _check_options(config.get("options"), depth=len(levels))
    elif field_type in (FieldType.FILE, FieldType.IMAGE):
        _check_files(field_type, config)
    elif field_type == FieldType.GROUP:
        low = _non_negative_int(config, "min_rows", 0)
        high = _non_negative_int(config, "max_rows", DEFAULT_MAX_ROWS)
        if high < max(low, 1):
            raise ValidationError(_("max_rows must be at least min_rows and at least 1."))


def _non_negative_int(config: dict[str, Any], name: str, default: int) -> int:
    value = config.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(_("%(name)s must be a whole number.") % {"name": name})
    return value


def _check_lengths(config: dict[str, Any]) -> None:
    low = _non_negative_int(config, "min_length", 0)
    high = _non_negative_int(config, "max_length", 5000)
    if high < max(low, 1):
        raise ValidationError(_("max_length must be at least min_length and at least 1."))
    pattern = config.get("pattern")
    if pattern is not None:
        try:
            re.compile(str(pattern))
        except re.error as error:
            raise ValidationError(_("The pattern is not a valid regular expression.")) from error


def _check_number(config: dict[str, Any]) -> None:
    bounds: list[int | float] = []
    for name in ("min", "max"):
        value = config.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError(_("min and max must be numbers."))
        bounds.append(value)
    if len(bounds) == 2 and bounds[0] > bounds[1]:
        raise ValidationError(_("min must not be above max."))
    places = _non_negative_int(config, "decimal_places", 0)
    if places > 6:
        raise ValidationError(_("At most 6 decimal places."))


def _check_date(config: dict[str, Any]) -> None:
    if config.get("calendar", DateCalendar.JALALI) not in DateCalendar.values:
        raise ValidationError(_('The calendar is "jalali", "hijri" or "gregorian".'))
    for name in ("min", "max"):
        value = config.get(name)
        if value is None or value == "today":
            continue
        try:
            dt.date.fromisoformat(str(value))
        except ValueError as error:
            raise ValidationError(
                _('%(name)s is "today" or a date such as 2026-03-21.') % {"name": name}
            ) from error


def _check_options(options: Any, *, depth: int) -> None:
    if not isinstance(options, list) or not options:
        raise ValidationError(_('Give the "options" as a list.'))
    values: set[str] = set()
    for option in options:
        if not isinstance(option, dict) or not option.get("label_fa"):
            raise ValidationError(_('Each option needs a "value" and a "label_fa".'))
        value = option.get("value")
        if not isinstance(value, str) or _OPTION_VALUE.fullmatch(value) is None:
            raise ValidationError(
                _('Option values are short texts without "/": %(value)s') % {"value": value}
            )
        if value in values:
            raise ValidationError(_("The option value %(value)s is repeated.") % {"value": value})
        values.add(value)
        children = option.get("children")
        if depth > 1:
            _check_options(children, depth=depth - 1)
        elif children:
            raise ValidationError(_("The options are deeper than the levels."))


def _check_files(field_type: str, config: dict[str, Any]) -> None:
    default = DEFAULT_IMAGE_TYPES if field_type == FieldType.IMAGE else DEFAULT_FILE_TYPES
    types = config.get("allowed_types", default)
    known = IMAGE_TYPES if field_type == FieldType.IMAGE else frozenset(FILE_SIGNATURES)
    if not isinstance(types, list) or not types or not set(types) <= known:
        raise ValidationError(
            _("Allowed types are some of: %(types)s.") % {"types": ", ".join(sorted(known))}
        )
    if _non_negative_int(config, "max_size_kb", DEFAULT_MAX_SIZE_KB) < 1:
        raise ValidationError(_("max_size_kb must be at least 1."))
    if _non_negative_int(config, "max_count", 1) < 1:
        raise ValidationError(_("max_count must be at least 1."))


def _check_condition(condition: Any) -> None:
    if not isinstance(condition, dict) or not isinstance(condition.get("field"), str):
        raise ValidationError(_('A condition names a "field".'))
    operator = condition.get("op", ShowIfOperator.EQUALS)
    if operator not in ShowIfOperator.values:
        raise ValidationError(
            _("The operator is one of: %(ops)s.") % {"ops": ", ".join(ShowIfOperator.values)}
        )
    if operator in (ShowIfOperator.EQUALS, ShowIfOperator.NOT_EQUALS) and "value" not in condition:
        raise ValidationError(_('This condition needs a "value".'))
    if operator == ShowIfOperator.IN and not isinstance(condition.get("value"), list):
        raise ValidationError(_('"in" needs a list of values.'))
    if set(condition) - {"field", "op", "value"}:
        raise ValidationError(_('A condition has only "field", "op" and "value".'))
