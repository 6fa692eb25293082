"""Serving a stored upload back to staff: a download, or a picture shown inline in a sandbox."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse

#: Files shown in the page (pictures, checked by their content at upload); the rest download.
PREVIEW_TYPES = frozenset({"image/png", "image/jpeg", "image/webp", "image/gif"})


def stored_file_response(
    file: FieldFile, *, name: str, content_type: str, inline: bool = False
) -> FileResponse:
    """The file as a download, or inline when asked and it is a picture; either way the browser
    must not guess its type and the response may run nothing (CSP sandbox)."""
    shown = inline and content_type in PREVIEW_TYPES
    response = FileResponse(
        file.open("rb"),
        as_attachment=not shown,
        filename=name,
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
