"""The errors that refuse an import as a whole (the file, not a row)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from khedmat.core.errors import DomainError


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
