"""The layout of an import or export file: sheet and column names, and the limits on a file."""

from __future__ import annotations

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

#: A text cell starting with one of these is a formula to a spreadsheet: exports put a `'` before.
FORMULA_STARTS = ("=", "+", "-", "@")
