"""Planning an import: every row of the sheets checked against the CMDB, and what importing them
would create, update or leave alone, with each row's errors (row numbers as a spreadsheet shows
them: the header is row 1). Nothing is written here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from khedmat.cmdb.choices import CiStatus, RelationKind
from khedmat.cmdb.models import CiRelation, ConfigurationItem
from khedmat.cmdb.transfer.attributes import check_references, plan_attributes
from khedmat.cmdb.transfer.layout import ITEMS, RELATION_COLUMNS, RELATIONS
from khedmat.cmdb.transfer.plan import (
    Catalogue,
    ImportPlan,
    ItemChange,
    RelationChange,
    read_catalogue,
)
from khedmat.cmdb.transfer.reading import Cell, Sheet, code_of, text_of


def plan_import(sheets: dict[str, Sheet]) -> ImportPlan:
    """Check every row of the sheets against the CMDB and say what importing them would do."""
    plan = ImportPlan()
    items = sheets.get(ITEMS)
    relations = sheets.get(RELATIONS)
    codes = {code_of(values.get("code")) for _number, values in items.rows} if items else set()
    if relations:
        for _number, values in relations.rows:
            codes |= {code_of(values.get("source")), code_of(values.get("target"))}
    catalogue = read_catalogue(codes - {""})
    in_file: dict[str, str] = {}  # code -> type code, for references and relations
    if items:
        _check_columns(plan, ITEMS, items.header, ("code", "name", "type"))
        if not plan.errors:
            for number, values in items.rows:
                _plan_item(plan, catalogue, in_file, number, values, items.header)
            check_references(plan, catalogue, in_file)
    if relations:
        _check_columns(plan, RELATIONS, relations.header, RELATION_COLUMNS)
        if not any(error.sheet == RELATIONS for error in plan.errors):
            _plan_relations(plan, catalogue, in_file, relations.rows)
    return plan


def _check_columns(plan: ImportPlan, sheet: str, header: list[str], needed: Sequence[str]) -> None:
    for name in needed:
        if name not in header:
            plan.error(sheet, 1, _("The column “%(column)s” is missing."), column=name)


def _plan_item(
    plan: ImportPlan,
    catalogue: Catalogue,
    in_file: dict[str, str],
    number: int,
    values: dict[str, Cell],
    header: list[str],
) -> None:
    before = len(plan.errors)
    code, name, type_code = (
        code_of(values.get("code")),
        text_of(values.get("name")),
        text_of(values.get("type")),
    )
    if not code:
        plan.error(ITEMS, number, _("The code is missing."))
    elif code in in_file:
        plan.error(ITEMS, number, _("The code “%(code)s” appears twice in the file."), code=code)
    elif not _is_slug(code):
        plan.error(
            ITEMS,
            number,
            _("The code “%(code)s” may contain only Latin letters, digits, - and _."),
            code=code,
        )
    if not name:
        plan.error(ITEMS, number, _("The name is missing."))
    ci_type = catalogue.types.get(type_code)
    if ci_type is None:
        plan.error(ITEMS, number, _("Unknown CI type “%(type)s”."), type=type_code)
    fields: dict[str, Any] = {"name": name[:200]}
    if code and code not in in_file:
        in_file[code] = type_code
    status = text_of(values.get("status")) if "status" in header else ""
    if "status" in header:
        fields["status"] = status or CiStatus.LIVE
        if fields["status"] not in CiStatus.values:
            plan.error(ITEMS, number, _("Unknown status “%(status)s”."), status=status)
    if "owner_team" in header:
        team_code = text_of(values.get("owner_team"))
        team = catalogue.teams.get(team_code) if team_code else None
        if team_code and team is None:
            plan.error(ITEMS, number, _("Unknown team “%(team)s”."), team=team_code)
        fields["owner_team"] = team
    for column in ("location", "description"):
        if column in header:
            fields[column] = text_of(values.get(column))
    stored = catalogue.stored.get(code)
    if ci_type is not None and stored is not None and stored.ci_type_id != ci_type.pk:
        plan.error(
            ITEMS,
            number,
            _("“%(code)s” is a %(type)s: an import cannot change its type."),
            code=code,
            type=stored.ci_type.code,
        )
    elif ci_type is not None:
        fields["ci_type"] = ci_type
        old = dict(stored.attributes) if stored else {}
        fields["attributes"] = plan_attributes(
            plan, catalogue, number, values, header, ci_type, old
        )
    if len(plan.errors) == before:
        plan.items.append(_item_change(number, code, fields, catalogue.stored.get(code)))


def _is_slug(code: str) -> bool:
    return (
        code.isascii() and all(char.isalnum() or char in "-_" for char in code) and len(code) <= 64
    )


def _item_change(
    number: int, code: str, fields: dict[str, Any], stored: ConfigurationItem | None
) -> ItemChange:
    if stored is None:
        return ItemChange(number, code, "create", fields)
    changes = {
        name: (getattr(stored, name), value)
        for name, value in fields.items()
        if getattr(stored, name) != value
    }
    return ItemChange(number, code, "update" if changes else "unchanged", fields, changes)


def _plan_relations(
    plan: ImportPlan,
    catalogue: Catalogue,
    in_file: dict[str, str],
    rows: list[tuple[int, dict[str, Cell]]],
) -> None:
    stored_ids = {item.pk: code for code, item in catalogue.stored.items()}
    existing = {
        (stored_ids[source], kind, stored_ids[target])
        for source, kind, target in CiRelation.objects.filter(
            source_id__in=stored_ids, target_id__in=stored_ids
        ).values_list("source_id", "kind", "target_id")
    }
    seen: set[tuple[str, str, str]] = set()
    for number, values in rows:
        source, kind, target = (
            code_of(values.get("source")),
            text_of(values.get("kind")),
            code_of(values.get("target")),
        )
        before = len(plan.errors)
        if kind not in RelationKind.values:
            plan.error(RELATIONS, number, _("Unknown relation kind “%(kind)s”."), kind=kind)
        for code in (source, target):
            if code not in in_file and code not in catalogue.stored:
                plan.error(RELATIONS, number, _("Unknown CI “%(code)s”."), code=code)
        if source and source == target:
            plan.error(RELATIONS, number, _("A CI cannot be related to itself."))
        key = (source, kind, target)
        if key in seen:
            plan.error(RELATIONS, number, _("This relation appears twice in the file."))
        seen.add(key)
        if len(plan.errors) == before:
            action = "unchanged" if key in existing else "create"
            plan.relations.append(RelationChange(number, source, kind, target, action))
