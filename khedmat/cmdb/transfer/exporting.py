"""Export: the items and relations sheets, as CSV (UTF-8 with a byte-order mark, so that Excel
shows Persian text right) or one XLSX workbook; text a spreadsheet would run is kept as text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from khedmat.cmdb.models import CiAttribute, CiRelation, ConfigurationItem
from khedmat.cmdb.transfer.layout import (
    ATTRIBUTE_PREFIX,
    CSV_BOM,
    FORMULA_STARTS,
    ITEM_COLUMNS,
    ITEMS,
    RELATION_COLUMNS,
    RELATIONS,
    SHEETS,
)


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
