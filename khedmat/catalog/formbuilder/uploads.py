"""Uploaded files in answers (R-11): allowed types proved by their first bytes, size, count."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from khedmat.catalog.formbuilder.definition import FILE_SIGNATURES
from khedmat.core import malware

logger = logging.getLogger(__name__)

_SHA256 = re.compile(r"[0-9a-f]{64}")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


def sniff_matches(head: bytes, extension: str) -> bool:
    """Whether the first bytes of a file are what its extension promises."""
    _, signatures = FILE_SIGNATURES.get(extension, ("", ()))
    if signatures is None:
        return b"\x00" not in head
    if extension == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    return any(head.startswith(signature) for signature in signatures)


def file_descriptor(upload: UploadedFile) -> dict[str, Any]:
    """What the answers keep of an uploaded file: name, size, type and SHA-256."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    extension = extension_of(upload.name or "")
    return {
        "name": upload.name,
        "size": upload.size,
        "content_type": FILE_SIGNATURES.get(extension, ("application/octet-stream",))[0],
        "sha256": digest.hexdigest(),
    }


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


class UploadField(forms.Field):
    """One or more files of allowed types (checked by their first bytes), size and count (R-11).

    Takes uploaded files (the web form) or descriptors {name, size, sha256} (the JSON API) and
    cleans to descriptors; the uploaded files themselves stay with the form for saving.
    """

    default_error_messages = {
        "type": _("%(name)s: files of this type are not accepted; allowed: %(types)s."),
        "content": _("%(name)s: the file's content is not a %(type)s file."),
        "size": _("%(name)s is larger than %(size)s KB."),
        "count": _("Upload at most %(count)s files."),
        "invalid": _("The file description is incomplete."),
        "malware": _("%(name)s carries malware (%(signature)s) and was refused."),
        "unscanned": _("%(name)s could not be checked for malware just now; try again later."),
    }

    def __init__(
        self, *, allowed_types: list[str], max_size_kb: int, max_count: int, **kwargs: Any
    ) -> None:
        self.allowed_types, self.max_size_kb, self.max_count = allowed_types, max_size_kb, max_count
        accept = ",".join(f".{extension}" for extension in allowed_types)
        attrs: dict[str, Any] = {"accept": accept}
        widget = (
            MultipleFileInput(attrs=attrs)
            if max_count > 1
            else forms.ClearableFileInput(attrs=attrs)
        )
        kwargs.setdefault("widget", widget)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[Any] | None:
        if value in self.empty_values or value is False:
            return None
        items = list(value) if isinstance(value, list | tuple) else [value]
        items = [item for item in items if item not in self.empty_values]
        return items or None

    def validate(self, value: Any) -> None:
        super().validate(value)
        if not value:
            return
        if len(value) > self.max_count:
            raise ValidationError(
                self.error_messages["count"], code="count", params={"count": self.max_count}
            )
        errors = [error for item in value for error in self._problems(item)]
        if errors:
            raise ValidationError(errors)

    def _problems(self, item: Any) -> list[ValidationError]:
        if isinstance(item, UploadedFile):
            name, size = item.name or "", item.size or 0
        elif isinstance(item, Mapping) and _looks_like_descriptor(item):
            name, size = str(item["name"]), int(item["size"])
        else:
            return [ValidationError(self.error_messages["invalid"], code="invalid")]
        extension = extension_of(name)
        params = {"name": name, "types": ", ".join(self.allowed_types), "type": extension}
        if extension not in self.allowed_types:
            return [ValidationError(self.error_messages["type"], code="type", params=params)]
        problems = []
        if size > self.max_size_kb * 1024:
            problems.append(
                ValidationError(
                    self.error_messages["size"],
                    code="size",
                    params={"name": name, "size": self.max_size_kb},
                )
            )
        if isinstance(item, UploadedFile):
            head = item.read(16)
            item.seek(0)
            if not sniff_matches(head, extension):
                problems.append(
                    ValidationError(self.error_messages["content"], code="content", params=params)
                )
            elif not problems and malware.scanning_enabled():
                problems += self._malware_problems(item, name)
        return problems

    def _malware_problems(self, item: UploadedFile, name: str) -> list[ValidationError]:
        """clamd's verdict on a file that passed every other check (core.malware)."""
        try:
            verdict = malware.scan_chunks(item.chunks())
        except malware.ScannerUnavailable as error:
            if malware.fails_open():
                logger.warning("upload %r accepted unscanned: %s", name, error)
                return []
            logger.error("upload %r refused unscanned: %s", name, error)
            return [
                ValidationError(
                    self.error_messages["unscanned"], code="unscanned", params={"name": name}
                )
            ]
        finally:
            item.seek(0)
        if verdict.clean:
            return []
        logger.warning("upload %r refused: malware %s", name, verdict.signature)
        params = {"name": name, "signature": verdict.signature}
        return [ValidationError(self.error_messages["malware"], code="malware", params=params)]

    def clean(self, value: Any) -> list[dict[str, Any]] | None:
        items = super().clean(value)
        if not items:
            return None
        return [
            file_descriptor(item) if isinstance(item, UploadedFile) else _descriptor(item)
            for item in items
        ]


def _looks_like_descriptor(item: Mapping[str, Any]) -> bool:
    size = item.get("size")
    return (
        isinstance(item.get("name"), str)
        and isinstance(size, int)
        and not isinstance(size, bool)
        and size >= 0
        and isinstance(item.get("sha256"), str)
        and _SHA256.fullmatch(item["sha256"]) is not None
    )


def _descriptor(item: Mapping[str, Any]) -> dict[str, Any]:
    extension = extension_of(str(item["name"]))
    return {
        "name": str(item["name"]),
        "size": int(item["size"]),
        "content_type": FILE_SIGNATURES.get(extension, ("application/octet-stream",))[0],
        "sha256": str(item["sha256"]),
    }
