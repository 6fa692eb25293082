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

The modules: `layout` (sheet and column names, limits), `errors` (the TransferError family),
`reading` (files to sheets of cells), `plan` (the plan's data), `planning` and `attributes`
(checking rows), `applying` (writing a confirmed plan), `exporting` (CSV and XLSX out).
"""

from khedmat.cmdb.transfer.applying import apply_import
from khedmat.cmdb.transfer.errors import (
    BadFileError,
    FileTooLargeError,
    ImportConflictError,
    ImportHasErrorsError,
    TransferError,
)
from khedmat.cmdb.transfer.exporting import export_csv, export_xlsx
from khedmat.cmdb.transfer.layout import ITEMS, MAX_BYTES, RELATIONS, SHEETS
from khedmat.cmdb.transfer.plan import ImportPlan
from khedmat.cmdb.transfer.planning import plan_import
from khedmat.cmdb.transfer.reading import Sheet, is_xlsx, read_upload

__all__ = [
    "ITEMS",
    "MAX_BYTES",
    "RELATIONS",
    "SHEETS",
    "BadFileError",
    "FileTooLargeError",
    "ImportConflictError",
    "ImportHasErrorsError",
    "ImportPlan",
    "Sheet",
    "TransferError",
    "apply_import",
    "export_csv",
    "export_xlsx",
    "is_xlsx",
    "plan_import",
    "read_upload",
]
