"""Planning the `attr:<code>` cells of an items row: each value checked against its attribute's
kind, required attributes present, and references pointing at a known CI of the right type."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from khedmat.cmdb.choices import AttributeKind
from khedmat.cmdb.models import CiAttribute, CiType, ConfigurationItem
from khedmat.cmdb.transfer.layout import ATTRIBUTE_PREFIX, ITEMS
from khedmat.cmdb.transfer.plan import Catalogue, ImportPlan
from khedmat.cmdb.transfer.reading import Cell, text_of
from khedmat.core.dates import parse_local_date
from khedmat.core.digits import fold_digits


def plan_attributes(
    plan: ImportPlan,
    catalogue: Catalogue,
    number: int,
    values: dict[str, Cell],
    header: list[str],
    ci_type: CiType,
    old: dict[str, Any],
) -> dict[str, Any]:
    """The attributes a row stores: `old` with the row's present columns applied."""
    own = {attribute.code: attribute for attribute in catalogue.attributes.get(ci_type.pk, [])}
    result = {code: value for code, value in old.items() if code in own}
    for column in header:
        if not column.startswith(ATTRIBUTE_PREFIX):
            continue
        code = column.removeprefix(ATTRIBUTE_PREFIX)
        raw = values.get(column)
        attribute = own.get(code)
        if attribute is None:
            if text_of(raw):
                plan.error(
                    ITEMS,
                    number,
                    _("The type “%(type)s” has no attribute “%(attribute)s”."),
                    type=ci_type.code,
                    attribute=code,
                )
            continue
        if text_of(raw) == "":
            result.pop(code, None)
            continue
        try:
            result[code] = _attribute_value(attribute, raw)
        except ValueError as error:
            plan.error(ITEMS, number, str(error))
    for attribute in own.values():
        if attribute.required and result.get(attribute.code) in (None, ""):
            plan.error(
                ITEMS,
                number,
                _("The required attribute “%(attribute)s” is missing."),
                attribute=attribute.code,
            )
    return result


def _attribute_value(attribute: CiAttribute, raw: Cell) -> Any:
    """The stored value of a cell for an attribute, or ValueError with the reason for people."""
    text = fold_digits(text_of(raw))
    if attribute.kind == AttributeKind.NUMBER:
        if isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
            number = Decimal(str(raw))
        else:
            try:
                number = Decimal(text.replace(",", ""))
            except InvalidOperation:
                number = Decimal("NaN")
        if not number.is_finite():
            raise ValueError(_not_a("number", attribute, text))
        return int(number) if number == number.to_integral_value() else float(number)
    if attribute.kind == AttributeKind.DATE:
        if isinstance(raw, dt.datetime):
            return raw.date().isoformat()
        if isinstance(raw, dt.date):
            return raw.isoformat()
        try:
            return parse_local_date(text).isoformat()
        except ValueError:
            raise ValueError(_not_a("date", attribute, text)) from None
    if attribute.kind == AttributeKind.CHOICE:
        allowed = {str(choice).lower(): str(choice) for choice in attribute.choices}
        if text.lower() not in allowed:
            raise ValueError(_not_a("choice", attribute, text))
        return allowed[text.lower()]
    if attribute.kind == AttributeKind.REFERENCE:
        return text.lower()  # a CI code, checked once every row is read
    return text


def _not_a(kind: str, attribute: CiAttribute, text: str) -> str:
    messages = {
        "number": _("“%(value)s” is not a number (attribute “%(attribute)s”)."),
        "date": _("“%(value)s” is not a date (attribute “%(attribute)s”); write 2026-03-21."),
        "choice": _("“%(value)s” is not one of the choices of “%(attribute)s”: %(choices)s."),
    }
    choices = ", ".join(str(choice) for choice in attribute.choices)
    return str(messages[kind]) % {"value": text, "attribute": attribute.code, "choices": choices}


def check_references(plan: ImportPlan, catalogue: Catalogue, in_file: dict[str, str]) -> None:
    """Refuse the rows whose reference names no CI (in the file or stored) of the right type."""
    references = [
        attribute
        for attributes in catalogue.attributes.values()
        for attribute in attributes
        if attribute.kind == AttributeKind.REFERENCE
    ]
    if not references:
        return
    wanted = {
        str(change.values["attributes"][attribute.code])
        for change in plan.items
        for attribute in references
        if attribute.ci_type_id == change.values["ci_type"].pk
        and change.values["attributes"].get(attribute.code)
    }
    known = dict(in_file)
    for code, type_code in ConfigurationItem.objects.filter(
        code__in=wanted - set(in_file)
    ).values_list("code", "ci_type__code"):
        known[code] = type_code
    for change in list(plan.items):
        for attribute in references:
            value = change.values["attributes"].get(attribute.code)
            if attribute.ci_type_id != change.values["ci_type"].pk or not value:
                continue
            target_type = known.get(str(value))
            expected = attribute.reference_type.code if attribute.reference_type else None
            if target_type is None or (expected and target_type != expected):
                plan.error(
                    ITEMS,
                    change.row,
                    _("“%(value)s” is not a known CI for “%(attribute)s”."),
                    value=value,
                    attribute=attribute.code,
                )
                plan.items.remove(change)
                break
