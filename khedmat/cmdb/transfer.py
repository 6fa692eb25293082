"""Import and export of configuration items and their relations, as CSV or XLSX.

The layout (what export writes and import reads):

* **items** (a CSV file, or the `items` sheet of a workbook): `code`, `name`, `type`, `status`,
  `owner_team` (a team code), `location`, `description`, then one `attr:<code>` column per
  attribute of the exported types (the union when several types are exported: a cell is empty when
  the row's type has no such attribute). Numbers are numbers, dates ISO (`2026-03-21`; Jalali or
  Hijri `Y/M/D` are read too), a reference is the referenced CI's code.
* **relations** (a CSV file, or the `relations` sheet): `source`, `kind`, `target` (CI codes).

CSV files are UTF-8 with a byte-order mark, so that Excel shows Persian text right.

Import is two steps: `plan_import` reads and checks every row and says what would be created,
updated or left alone, with each row's errors (row numbers as a spreadsheet shows them: the header
is row 1); `apply_import` writes a plan without errors in one transaction, with Activity rows. An
import changes only what the file names: a missing `attr:` column keeps the stored value; an empty
cell in a present column clears it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import Team
from khedmat.cmdb.choices import AttributeKind, CiStatus, RelationKind
from khedmat.cmdb.models import CiAttribute, CiRelation, CiType, ConfigurationItem
from khedmat.cmdb.services import create_ci, relate, update_ci
from khedmat.core.actors import Actor
from khedmat.core.dates import parse_local_date
from khedmat.core.digits import fold_digits
from khedmat.core.errors import DomainError

ITEMS, RELATIONS = "items", "relations"
SHEETS = (ITEMS, RELATIONS)
ITEM_COLUMNS = ("code", "name", "type", "status", "owner_team", "location", "description")
RELATION_COLUMNS = ("source", "kind", "target")
ATTRIBUTE_PREFIX = "attr:"

#: The largest file accepted, and the most rows a sheet may have.
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
#: A workbook may not unpack to more than this (a zip bomb is refused before it is read).
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
XLSX_ENTRIES = ("[Content_Types].xml", "xl/workbook.xml")
CSV_BOM = "\ufeff"


class TransferError(DomainError):
    """An import refused as a whole (the file, not a row)."""

    status_code = 422


class BadFileError(TransferError):
    default_message = _("The file is not a CSV file in UTF-8 or an Excel workbook (.xlsx).")


class FileTooLargeError(TransferError):
    default_message = _("The file is too large.")


class TooManyRowsError(TransferError):
    default_message = _("The file has too many rows; split it into smaller files.")


class ImportHasErrorsError(TransferError):
    default_message = _("Correct the rows with errors and upload the file again.")


class ImportConflictError(TransferError):
    default_message = _("The CMDB changed while importing; nothing was written. Try again.")


# --- reading files -----------------------------------------------------------------------------

Cell = str | int | float | Decimal | dt.date | dt.datetime | None


@dataclass
class Sheet:
    """The rows of one sheet: the header (lower-cased names) and data rows with their numbers."""

    header: list[str]
    rows: list[tuple[int, dict[str, Cell]]]


def is_xlsx(content: bytes) -> bool:
    """Whether `content` is an OOXML workbook: a zip with the workbook's entries (not the name)."""
    if not content.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        return False
    return all(entry in names for entry in XLSX_ENTRIES) and unpacked <= MAX_UNPACKED_BYTES


def read_upload(content: bytes, *, sheet: str = ITEMS) -> dict[str, Sheet]:
    """The sheets of an uploaded file: a workbook's `items`/`relations`, or one CSV as `sheet`."""
    if len(content) > MAX_BYTES:
        raise FileTooLargeError()
    if content.startswith(b"PK"):
        if not is_xlsx(content):
            raise BadFileError()
        return _read_xlsx(content)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadFileError() from error
    if "\x00" in text:
        raise BadFileError()
    return {sheet: _sheet_of(csv.reader(io.StringIO(text, newline="")))}


def _read_xlsx(content: bytes) -> dict[str, Sheet]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged workbook
        raise BadFileError() from error
    sheets: dict[str, Sheet] = {}
    try:
        for worksheet in workbook.worksheets:
            name = str(worksheet.title).strip().lower()
            if name in SHEETS:
                sheets[name] = _sheet_of(worksheet.iter_rows(values_only=True))
    finally:
        workbook.close()
    if not sheets:
        raise BadFileError(_("The workbook has no sheet named “items” or “relations”."))
    return sheets


def _sheet_of(rows: Iterable[Sequence[Any]]) -> Sheet:
    iterator = iter(rows)
    header = [_header_name(cell) for cell in next(iterator, [])]
    data: list[tuple[int, dict[str, Cell]]] = []
    for number, row in enumerate(iterator, start=2):
        values = {name: _cell(value) for name, value in zip(header, row, strict=False) if name}
        if all(value in (None, "") for value in values.values()):
            continue
        if len(data) >= MAX_ROWS:
            raise TooManyRowsError()
        data.append((number, values))
    return Sheet(header=header, rows=data)


def _header_name(cell: Any) -> str:
    return str(cell or "").strip().lstrip(CSV_BOM).lower()


def _cell(value: Any) -> Cell:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal | dt.date | dt.datetime) or value is None:
        return value
    return str(value)


#: A text cell starting with one of these is a formula to a spreadsheet: exports put a `'` before.
FORMULA_STARTS = ("=", "+", "-", "@")


def _code(value: Cell) -> str:
    return _text(value).lower()


def _text(value: Cell) -> str:
    if isinstance(value, str) and value[:1] == "'" and value[1:2] in FORMULA_STARTS:
        return value[1:].strip()
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- the plan ----------------------------------------------------------------------------------


@dataclass
class RowError:
    """Why one row cannot be imported."""

    sheet: str
    row: int
    message: str


@dataclass
class ItemChange:
    """A CI the import creates or updates (`changes`: field -> (old, new)), or leaves as it is."""

    row: int
    code: str
    action: str  # "create", "update", "unchanged"
    values: dict[str, Any]
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class RelationChange:
    row: int
    source: str
    kind: str
    target: str
    action: str  # "create", "unchanged"


@dataclass
class ImportPlan:
    """What an import would do, and every row error; nothing is written until it is applied."""

    items: list[ItemChange] = field(default_factory=list)
    relations: list[RelationChange] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        actions = [change.action for change in self.items]
        actions += [change.action for change in self.relations]
        return actions.count(action)

    def error(self, sheet: str, row: int, message: Promise | str, **values: Any) -> None:
        self.errors.append(RowError(sheet, row, str(message) % values if values else str(message)))


@dataclass
class _Catalogue:
    """What the rows are checked against, read once."""

    types: dict[str, CiType]
    attributes: dict[int, list[CiAttribute]]
    teams: dict[str, Team]
    stored: dict[str, ConfigurationItem]


def _catalogue(codes: set[str]) -> _Catalogue:
    attributes: dict[int, list[CiAttribute]] = {}
    for attribute in CiAttribute.objects.select_related("reference_type"):
        attributes.setdefault(attribute.ci_type_id, []).append(attribute)
    stored = ConfigurationItem.objects.filter(code__in=codes).select_related(
        "ci_type", "owner_team"
    )
    return _Catalogue(
        types={ci_type.code: ci_type for ci_type in CiType.objects.all()},
        attributes=attributes,
        teams={team.code: team for team in Team.objects.all()},
        stored={item.code: item for item in stored},
    )


def plan_import(sheets: dict[str, Sheet]) -> ImportPlan:
    """Check every row of the sheets against the CMDB and say what importing them would do."""
    plan = ImportPlan()
    items = sheets.get(ITEMS)
    relations = sheets.get(RELATIONS)
    codes = {_code(values.get("code")) for _number, values in items.rows} if items else set()
    if relations:
        for _number, values in relations.rows:
            codes |= {_code(values.get("source")), _code(values.get("target"))}
    catalogue = _catalogue(codes - {""})
    in_file: dict[str, str] = {}  # code -> type code, for references and relations
    if items:
        _check_columns(plan, ITEMS, items.header, ("code", "name", "type"))
        if not plan.errors:
            for number, values in items.rows:
                _plan_item(plan, catalogue, in_file, number, values, items.header)
            _check_references(plan, catalogue, in_file)
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
    catalogue: _Catalogue,
    in_file: dict[str, str],
    number: int,
    values: dict[str, Cell],
    header: list[str],
) -> None:
    before = len(plan.errors)
    code, name, type_code = (
        _code(values.get("code")),
        _text(values.get("name")),
        _text(values.get("type")),
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
    status = _text(values.get("status")) if "status" in header else ""
    if "status" in header:
        fields["status"] = status or CiStatus.LIVE
        if fields["status"] not in CiStatus.values:
            plan.error(ITEMS, number, _("Unknown status “%(status)s”."), status=status)
    if "owner_team" in header:
        team_code = _text(values.get("owner_team"))
        team = catalogue.teams.get(team_code) if team_code else None
        if team_code and team is None:
            plan.error(ITEMS, number, _("Unknown team “%(team)s”."), team=team_code)
        fields["owner_team"] = team
    for column in ("location", "description"):
        if column in header:
            fields[column] = _text(values.get(column))
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
        fields["attributes"] = _plan_attributes(
            plan, catalogue, number, values, header, ci_type, old
        )
    if len(plan.errors) == before:
        plan.items.append(_item_change(number, code, fields, catalogue.stored.get(code)))


def _is_slug(code: str) -> bool:
    return (
        code.isascii() and all(char.isalnum() or char in "-_" for char in code) and len(code) <= 64
    )


def _plan_attributes(
    plan: ImportPlan,
    catalogue: _Catalogue,
    number: int,
    values: dict[str, Cell],
    header: list[str],
    ci_type: CiType,
    old: dict[str, Any],
) -> dict[str, Any]:
    own = {attribute.code: attribute for attribute in catalogue.attributes.get(ci_type.pk, [])}
    result = {code: value for code, value in old.items() if code in own}
    for column in header:
        if not column.startswith(ATTRIBUTE_PREFIX):
            continue
        code = column.removeprefix(ATTRIBUTE_PREFIX)
        raw = values.get(column)
        attribute = own.get(code)
        if attribute is None:
            if _text(raw):
                plan.error(
                    ITEMS,
                    number,
                    _("The type “%(type)s” has no attribute “%(attribute)s”."),
                    type=ci_type.code,
                    attribute=code,
                )
            continue
        if _text(raw) == "":
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
    text = fold_digits(_text(raw))
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


def _check_references(plan: ImportPlan, catalogue: _Catalogue, in_file: dict[str, str]) -> None:
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
    catalogue: _Catalogue,
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
            _code(values.get("source")),
            _text(values.get("kind")),
            _code(values.get("target")),
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


# --- applying ----------------------------------------------------------------------------------


def apply_import(plan: ImportPlan, *, actor: Actor) -> ImportPlan:
    """Write a plan without errors through the CI use cases (each writes its Activity row), all
    in one transaction: a row refused there undoes the whole import."""
    if not plan.is_valid:
        raise ImportHasErrorsError()
    change: ItemChange | RelationChange | None = None
    try:
        with transaction.atomic():
            items = {
                item.code: item
                for item in ConfigurationItem.objects.select_related("ci_type").filter(
                    code__in=_codes_of(plan)
                )
            }
            for change in _creation_order(plan.items):
                _apply_item(change, items, actor=actor)
            for change in plan.relations:
                if change.action == "create":
                    relate(items[change.source], items[change.target], change.kind, actor=actor)
    except (DomainError, IntegrityError, KeyError) as error:
        reason = (
            error.message if isinstance(error, DomainError) else ImportConflictError.default_message
        )
        row = change.row if change else 0
        raise ImportConflictError(
            _("Row %(row)s: %(reason)s Nothing was written.") % {"row": row, "reason": reason}
        ) from error
    return plan


def _codes_of(plan: ImportPlan) -> set[str]:
    codes = {change.code for change in plan.items}
    return codes | {code for change in plan.relations for code in (change.source, change.target)}


def _creation_order(changes: list[ItemChange]) -> list[ItemChange]:
    """Rows without references to other rows first, so that a reference finds its CI."""
    codes = {change.code for change in changes}

    def refers(change: ItemChange) -> bool:
        return any(str(value) in codes for value in change.values.get("attributes", {}).values())

    return sorted(changes, key=refers)


def _apply_item(change: ItemChange, items: dict[str, ConfigurationItem], *, actor: Actor) -> None:
    if change.action == "create":
        if change.code in items:
            raise ImportConflictError()
        items[change.code] = create_ci(code=change.code, actor=actor, **change.values)
    elif change.action == "update":
        fields = {name: value for name, value in change.values.items() if name != "ci_type"}
        items[change.code] = update_ci(items[change.code], actor=actor, **fields)


# --- export ------------------------------------------------------------------------------------


def export_items(items: QuerySet[ConfigurationItem]) -> tuple[list[str], Iterator[list[Any]]]:
    """The items sheet: the header and the rows (one `attr:` column per attribute of the types)."""
    items = items.select_related("ci_type", "owner_team").order_by("code")
    type_ids = set(items.values_list("ci_type_id", flat=True))
    codes: list[str] = []
    for code in (
        CiAttribute.objects.filter(ci_type_id__in=type_ids)
        .order_by("ci_type__position", "ci_type__code", "position", "code")
        .values_list("code", flat=True)
    ):
        if code not in codes:
            codes.append(code)
    header = [*ITEM_COLUMNS, *(ATTRIBUTE_PREFIX + code for code in codes)]

    def rows() -> Iterator[list[Any]]:
        for item in items.iterator(chunk_size=500):
            team = item.owner_team.code if item.owner_team else ""
            fixed = [
                item.code,
                item.name,
                item.ci_type.code,
                item.status,
                team,
                item.location,
                item.description,
            ]
            yield [*fixed, *(item.attributes.get(code, "") for code in codes)]

    return header, rows()


def export_relations(
    relations: QuerySet[CiRelation],
) -> tuple[list[str], Iterator[list[Any]]]:
    """The relations sheet: source code, kind, target code."""
    rows = relations.order_by("source__code", "kind", "target__code").values_list(
        "source__code", "kind", "target__code"
    )
    return list(RELATION_COLUMNS), (list(row) for row in rows.iterator(chunk_size=500))


def _sheet(name: str) -> tuple[list[str], Iterator[list[Any]]]:
    if name == RELATIONS:
        return export_relations(CiRelation.objects.all())
    return export_items(ConfigurationItem.objects.all())


def export_csv(sheet: str = ITEMS) -> bytes:
    """One sheet as CSV, UTF-8 with a byte-order mark."""
    header, rows = _sheet(sheet)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe_text(value) for value in row])
    return (CSV_BOM + buffer.getvalue()).encode("utf-8")


def export_xlsx() -> bytes:
    """A workbook with the `items` and `relations` sheets."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for name in SHEETS:
        worksheet = workbook.create_sheet(name)
        worksheet.sheet_view.rightToLeft = True
        header, rows = _sheet(name)
        worksheet.append(header)
        for row in rows:
            worksheet.append([_safe_text(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _safe_text(value: Any) -> Any:
    """A value a spreadsheet shows as text, never runs (`'=1+1`); import takes the `'` off."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value if isinstance(value, int | float | Decimal | str) else str(value)
