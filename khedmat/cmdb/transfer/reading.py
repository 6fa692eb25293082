"""Reading an uploaded file: a CSV (UTF-8, with or without a byte-order mark) or an XLSX workbook,
into sheets of rows of cells; and the text of a cell as the import reads it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from khedmat.cmdb.transfer.errors import BadFileError, FileTooLargeError, TooManyRowsError
from khedmat.cmdb.transfer.layout import (
    CSV_BOM,
    FORMULA_STARTS,
    ITEMS,
    MAX_BYTES,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    SHEETS,
    XLSX_ENTRIES,
)

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


def code_of(value: Cell) -> str:
    """A cell read as a CI code: its text, lower-cased."""
    return text_of(value).lower()


def text_of(value: Cell) -> str:
    """A cell read as text: dates ISO, whole numbers without `.0`, an export's `'` taken off."""
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
