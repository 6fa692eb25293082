"""Required documents the applicant uploads (R-10, R-11): one upload field per document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from khedmat.catalog.formbuilder.engine import InvalidAnswers
from khedmat.catalog.formbuilder.uploads import UploadField
from khedmat.catalog.models import RequiredDocument, ServiceVersion

DOCUMENT_KEY_PREFIX = "doc-"


def document_key(document_id: int) -> str:
    """The key of a required document's files in a request: "doc-<document id>"."""
    return f"{DOCUMENT_KEY_PREFIX}{document_id}"


def upload_documents(version: ServiceVersion) -> list[RequiredDocument]:
    """The documents the applicant uploads; those obtained by inquiry are never asked (R-10)."""
    return [item for item in version.documents.all() if not item.is_by_inquiry]


def document_field(document: RequiredDocument, **kwargs: Any) -> UploadField:
    """The upload field of one required document: its types, size and count."""
    return UploadField(
        allowed_types=[str(item).lower() for item in (document.allowed_types or ["pdf"])],
        max_size_kb=document.max_size_kb,
        max_count=document.max_count,
        required=document.is_mandatory,
        label=document.title,
        help_text=document.description,
        **kwargs,
    )


def validate_documents(version: ServiceVersion, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The cleaned file descriptors of each uploaded document, or InvalidAnswers by key."""
    documents = {document_key(item.pk): item for item in upload_documents(version)}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for key in raw:
        if key not in documents:
            errors[key] = [gettext("This service asks for no such document.")]
    for key, document in documents.items():
        try:
            value = document_field(document).clean(raw.get(key))
        except ValidationError as error:
            errors[key] = [str(message) for message in error.messages]
            continue
        if value:
            cleaned[key] = value
    if errors:
        raise InvalidAnswers(errors)
    return cleaned
