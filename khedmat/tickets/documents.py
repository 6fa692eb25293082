"""Required documents the applicant uploads (R-10, R-11): one upload field per document; and the
uploaded files of a submission matched to the files its answers and documents describe."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext

from khedmat.catalog.formbuilder.engine import InvalidAnswers
from khedmat.catalog.formbuilder.uploads import UploadField, extension_of, sniff_matches
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


# --- uploaded files and their descriptions ----------------------------------------------------


def file_problem(upload: UploadedFile, descriptor: Mapping[str, Any]) -> str | None:
    """Why an uploaded file is not the file its description names, or None."""
    name = str(descriptor.get("name", ""))
    if upload.size != descriptor.get("size"):
        return gettext("%(name)s: the file is not the size its description gives.") % {"name": name}
    head = upload.read(16)
    upload.seek(0)
    extension = extension_of(name)
    if not sniff_matches(head, extension):
        message = gettext("%(name)s: the file's content is not a %(type)s file.")
        return message % {"name": name, "type": extension}
    return None


def match_uploads(
    version: ServiceVersion,
    answers: Mapping[str, Any],
    documents: Mapping[str, Any],
    uploads: Mapping[str, Sequence[UploadedFile]],
) -> dict[str, list[UploadedFile]]:
    """Each described file's upload, by the answer path or document key it is filed under.

    Files are matched to descriptions by SHA-256 (whatever part they came in), so every
    description needs its file and every file its description; the size must agree and the
    first bytes must fit the named type. The answers and documents are validated first.
    Raises InvalidAnswers with every problem, by path (by part for a file nobody described).
    """
    from khedmat.tickets import services  # services imports this module

    if not uploads and not services.described_files([answers, documents]):
        return {}
    clean_answers, clean_documents = services.validate_submission(version, answers, documents)
    described = {**services.described_files(clean_answers), **clean_documents}
    pool: dict[str, list[tuple[str, UploadedFile]]] = {}
    for part, files in uploads.items():
        for upload in files:
            pool.setdefault(services.file_sha256(upload), []).append((part, upload))
    errors: dict[str, list[str]] = {}
    matched: dict[str, list[UploadedFile]] = {}
    for path, descriptors in described.items():
        for descriptor in descriptors:
            candidates = pool.get(descriptor["sha256"]) or []
            if not candidates:
                message = gettext("%(name)s: the file is described but was not uploaded.")
                errors.setdefault(path, []).append(message % {"name": descriptor["name"]})
                continue
            upload = candidates.pop(0)[1]
            problem = file_problem(upload, descriptor)
            if problem:
                errors.setdefault(path, []).append(problem)
            else:
                matched.setdefault(path, []).append(upload)
    for leftovers in pool.values():
        for part, upload in leftovers:
            message = gettext("%(name)s: no file description has this file's SHA-256.")
            errors.setdefault(part, []).append(message % {"name": upload.name})
    if errors:
        raise InvalidAnswers(errors)
    return matched
