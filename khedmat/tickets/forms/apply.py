"""Forms of the application page: answers, documents, whom the request is for, kept files.

`ApplicationForms` bundles the four forms of `/services/<code>/apply/`: the card's `AnswerForm`,
one upload field per required document (R-10, R-11), the "I am filing for someone else" section
(R-13) and the hidden submission key that makes a double click file once. Files of a form that
came back with errors are kept as `StagedUpload` rows; the page carries their tokens in hidden
`kept-<field name>` inputs and the retry reads them back (`kept_uploads`, `with_kept`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import User
from khedmat.catalog.choices import FieldType
from khedmat.catalog.formbuilder import AnswerForm, rows_of
from khedmat.catalog.formbuilder.engine import style_widget
from khedmat.catalog.models import FormField, RequiredDocument, ServiceVersion
from khedmat.core.forms import DigitsField, LegalIdField, MobileField, NationalCodeField
from khedmat.core.translated import translated_text
from khedmat.tickets.choices import Capacity, PrincipalKind
from khedmat.tickets.documents import document_field, document_key, upload_documents
from khedmat.tickets.models import StagedUpload
from khedmat.tickets.services import Principal, Representation, stage_upload, total_size_error

KEPT_PREFIX = "kept-"
KEPT_REMOVE = "kept-remove"


# --- whom the request is for (R-13) -----------------------------------------------------------


class RepresentationForm(forms.Form):
    """Filing for someone else: the principal (a person or a company) and the capacity."""

    prefix = "rep"

    on_behalf = forms.BooleanField(
        label=_("I am filing for someone else"),
        required=False,
        help_text=_(
            "As their legal representative: an attorney, a parent or guardian, or a company's "
            "authorised signatory."
        ),
    )
    principal_kind = forms.ChoiceField(
        label=_("The request is for"),
        choices=PrincipalKind.choices,
        initial=PrincipalKind.PERSON,
        required=False,
        widget=forms.RadioSelect,
    )
    principal_name = forms.CharField(
        label=_("Their full name, or the company's registered name"),
        max_length=300,
        required=False,
    )
    principal_code = DigitsField(
        label=_("Their national code, or the company's national ID"),
        max_length=16,
        required=False,
        help_text=_("10 digits for a person, 11 digits for a company."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    principal_mobile = MobileField(
        label=_("Their mobile number (optional)"),
        max_length=32,
        required=False,
        help_text=_(
            "For the agency to call them if needed. This number is not verified, so the "
            "messages about the request go to your own mobile number."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    capacity = forms.ChoiceField(
        label=_("In what capacity you act"),
        choices=[("", "—"), *Capacity.choices],
        required=False,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        for form_field in self.fields.values():
            style_widget(form_field.widget)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("on_behalf"):
            return data
        for name in ("principal_name", "principal_code", "capacity"):
            if not data.get(name) and name not in self.errors:
                self.add_error(name, self.fields[name].error_messages["required"])
        kind = data.get("principal_kind") or PrincipalKind.PERSON
        data["principal_kind"] = kind
        if data.get("principal_code"):
            self._clean_code(data, kind)
        if kind == PrincipalKind.LEGAL and data.get("capacity") == Capacity.GUARDIAN:
            self.add_error(
                "capacity",
                _("A company has no guardian: choose the capacity in which you act for it."),
            )
        return data

    def _clean_code(self, data: dict[str, Any], kind: str) -> None:
        """A person's national code or a company's national ID, checksum included."""
        checker = LegalIdField() if kind == PrincipalKind.LEGAL else NationalCodeField()
        try:
            data["principal_code"] = checker.clean(data["principal_code"])
        except ValidationError as error:
            self.add_error("principal_code", error)
            return
        if data["principal_code"] == self.user.national_code:
            self.add_error(
                "principal_code",
                _(
                    "This is your own national code. To file for yourself, untick "
                    '"I am filing for someone else".'
                ),
            )

    @property
    def is_representative(self) -> bool:
        return bool(self.cleaned_data.get("on_behalf"))

    def principal(self) -> Principal:
        """Whom the request is for: the person or company given, else the signed-in applicant."""
        user, data = self.user, self.cleaned_data
        if not self.is_representative:
            return Principal(
                name=user.get_full_name(),
                national_code=user.national_code or "",
                mobile=user.mobile or "",
            )
        return Principal(
            name=data["principal_name"],
            national_code=data["principal_code"],
            mobile=data.get("principal_mobile") or "",
            kind=data["principal_kind"],
        )

    def representation(self) -> Representation | None:
        """The signed-in applicant as the representative, in the capacity chosen (R-13)."""
        if not self.is_representative:
            return None
        return Representation(
            capacity=self.cleaned_data["capacity"],
            name=self.user.get_full_name(),
            national_code=self.user.national_code or "",
        )


# --- submission key and documents -------------------------------------------------------------


class SubmissionForm(forms.Form):
    """The hidden key made when the page is shown: the same key files the request once."""

    prefix = "apply"

    submission_key = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("This form has expired. Check your answers and send it again."),
            "invalid": _("This form has expired. Check your answers and send it again."),
        },
    )

    @classmethod
    def fresh(cls) -> SubmissionForm:
        return cls(initial={"submission_key": uuid.uuid4()})


class DocumentForm(forms.Form):
    """One upload field per required document the applicant uploads, named "doc-<id>"."""

    def __init__(self, documents: Iterable[RequiredDocument], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.documents = {document_key(item.pk): item for item in documents}
        for name, document in self.documents.items():
            upload_field = document_field(document)
            upload_field.widget.attrs.setdefault("class", "form-control")
            self.fields[name] = upload_field

    def descriptors(self) -> dict[str, Any]:
        """The cleaned file descriptors of each document that has files."""
        return {name: value for name, value in self.cleaned_data.items() if value}

    def uploads_of(self, name: str) -> list[UploadedFile]:
        """The files sent (or kept) for one document."""
        value = self[name].data
        items = value if isinstance(value, list | tuple) else [value]
        return [item for item in items if isinstance(item, UploadedFile)]


# --- the page's forms together ----------------------------------------------------------------


def _path_to_name(path: str) -> str:
    """An answer path ("heirs.0.id_card") as its input name ("heirs-0-id_card")."""
    return path.replace(".", "-")


@dataclass
class ApplicationForms:
    """The forms of the application page, validated and reported together."""

    answers: AnswerForm
    documents: DocumentForm
    representation: RepresentationForm
    submission: SubmissionForm
    rejected: set[str] = field(default_factory=set)

    @classmethod
    def build(
        cls,
        version: ServiceVersion,
        user: User,
        data: Mapping[str, Any] | None = None,
        files: MultiValueDict[str, Any] | None = None,
    ) -> ApplicationForms:
        """Blank forms (and a new submission key) without data, bound forms with it."""
        rows = rows_of(version)
        documents = upload_documents(version)
        if data is None:
            return cls(
                answers=AnswerForm(rows),
                documents=DocumentForm(documents),
                representation=RepresentationForm(user=user),
                submission=SubmissionForm.fresh(),
            )
        return cls(
            answers=AnswerForm(rows, data, files),
            documents=DocumentForm(documents, data, files),
            representation=RepresentationForm(data, user=user),
            submission=SubmissionForm(data),
        )

    @property
    def all(self) -> list[forms.Form]:
        return [self.submission, self.answers, self.documents, self.representation]

    def is_valid(self) -> bool:
        results = [form.is_valid() for form in self.all]  # every form, for every error
        if self.submission.errors:
            # The key of a tampered or truncated page: say so at the top, and give a new one.
            for messages in self.submission.errors.values():
                self.answers.add_error(None, list(messages))
            self.submission = SubmissionForm.fresh()
        too_large = total_size_error(self.files())
        if too_large:
            self.answers.add_error(None, too_large)
        return all(results) and not too_large

    @property
    def submission_key(self) -> str:
        return str(self.submission.cleaned_data["submission_key"])

    def files(self) -> dict[str, list[UploadedFile]]:
        """The files to store, by answer path or document key."""
        files: dict[str, list[UploadedFile]] = dict(self.answers.uploads)
        for name in self.documents.descriptors():
            files[name] = self.documents.uploads_of(name)
        return files

    def add_service_errors(self, errors: Mapping[str, Sequence[str]]) -> None:
        """The errors `submit_request` found, each on its field (a group's row errors on the group)."""
        for path, messages in errors.items():
            self.rejected.add(path)
            key, _dot, rest = path.partition(".")
            if key in self.documents.fields:
                self.documents.add_error(key, list(messages))
            elif key in self.answers.fields:
                shown = (
                    [self._row_message(key, rest, item) for item in messages] if rest else messages
                )
                self.answers.add_error(key, list(shown))
            else:
                self.answers.add_error(None, list(messages))

    def _row_message(self, group_key: str, rest: str, message: str) -> str:
        index, _dot, child_key = rest.partition(".")
        child = self.answers.row_by_key.get(child_key)
        label = translated_text(child, "label", self.answers.language) if child else child_key
        row = int(index) + 1 if index.isdigit() else index
        return gettext("Row %(row)s, %(label)s: %(message)s") % {
            "row": row,
            "label": label,
            "message": message,
        }

    def add_error(self, message: object) -> None:
        """An error about the whole request, shown at the top."""
        self.answers.add_error(None, str(message))

    def valid_uploads(self) -> dict[str, list[UploadedFile]]:
        """Files of the fields without errors, by input name: they are kept for the retry."""
        valid: dict[str, list[UploadedFile]] = {}
        for path, uploads in self.answers.uploads.items():
            if path not in self.rejected and uploads:
                valid[_path_to_name(path)] = list(uploads)
        for name in self.documents.fields:
            if name in self.documents.errors or name in self.rejected:
                continue
            uploads = self.documents.uploads_of(name)
            if uploads:
                valid[name] = uploads
        return valid

    def mark_invalid(self) -> None:
        """Bootstrap's `is-invalid` on every control with an error."""
        for form in self.all:
            for name in form.errors:
                if name in form.fields:
                    _add_class(form.fields[name].widget, "is-invalid")

    def error_summary(self) -> list[dict[str, str]]:
        """Every error once, with the anchor of its field, for the list at the top (WCAG 3.3.1)."""
        summary: list[dict[str, str]] = []
        for form in self.all:
            summary += [
                {"target": "", "label": "", "message": str(item)}
                for item in form.non_field_errors()
            ]
            for name in form.fields:
                bound = form[name]
                if bound.is_hidden:
                    continue
                target = (
                    f"field-{bound.html_name}"
                    if bound.use_fieldset or not bound.id_for_label
                    else bound.id_for_label
                )
                summary += [
                    {"target": target, "label": str(bound.label), "message": str(error)}
                    for error in bound.errors
                ]
        return summary


def _add_class(widget: forms.Widget, css: str) -> None:
    if isinstance(widget, forms.MultiWidget):
        for subwidget in widget.widgets:
            _add_class(subwidget, css)
        return
    classes = widget.attrs.get("class", "")
    if css not in classes.split():
        widget.attrs["class"] = f"{classes} {css}".strip()


# --- files kept for a retry -------------------------------------------------------------------


class KeptUpload(UploadedFile):
    """A file kept from an earlier attempt, read back from storage; `staged` is its row."""

    def __init__(self, staged: StagedUpload) -> None:
        handle = staged.file.open("rb")
        super().__init__(file=handle, name=staged.original_name, size=staged.size)
        self.staged = staged


def _token(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def kept_uploads(data: Any, owner: User) -> dict[str, list[KeptUpload]]:
    """The kept files the form names, by input name; only the owner's tokens for that input count.

    A token of another person, of another input, unknown or removed ("kept-remove") is ignored.
    """
    removed = set(data.getlist(KEPT_REMOVE))
    wanted: dict[str, list[uuid.UUID]] = {}
    for key in data:
        if not key.startswith(KEPT_PREFIX) or key == KEPT_REMOVE:
            continue
        for value in data.getlist(key):
            token = None if value in removed else _token(value)
            if token is not None:
                wanted.setdefault(key.removeprefix(KEPT_PREFIX), []).append(token)
    if not wanted:
        return {}
    tokens = [token for items in wanted.values() for token in items]
    rows = {row.token: row for row in StagedUpload.objects.filter(owner=owner, token__in=tokens)}
    kept: dict[str, list[KeptUpload]] = {}
    for name, items in wanted.items():
        for token in dict.fromkeys(items):
            row = rows.get(token)
            if row is None or row.field_key != name:
                continue
            try:
                kept.setdefault(name, []).append(KeptUpload(row))
            except FileNotFoundError:
                continue
    return kept


def with_kept(
    files: MultiValueDict[str, Any], kept: Mapping[str, Sequence[UploadedFile]]
) -> MultiValueDict[str, Any]:
    """The uploaded files, with the kept ones for each input that got no new file."""
    merged = files.copy()
    for name, uploads in kept.items():
        if not any(files.getlist(name)):
            merged.setlist(name, list(uploads))
    return merged


def close_kept(kept: Mapping[str, Sequence[UploadedFile]]) -> None:
    for uploads in kept.values():
        for upload in uploads:
            upload.close()


def stage_valid_uploads(
    valid: Mapping[str, Sequence[UploadedFile]], owner: User
) -> dict[str, list[StagedUpload]]:
    """Stage each valid new file (a file already kept keeps its row) for the retry."""
    return {
        name: [
            upload.staged
            if isinstance(upload, KeptUpload)
            else stage_upload(upload, field_key=name, owner=owner)
            for upload in uploads
        ]
        for name, uploads in valid.items()
    }


def kept_for_row(row: FormField, kept: Mapping[str, list[StagedUpload]]) -> list[StagedUpload]:
    """A field's kept files; a repeating group's are its rows' ("<group>-<row>-<child>")."""
    if row.field_type != FieldType.GROUP:
        return list(kept.get(row.key, []))
    prefix = f"{row.key}-"
    return [staged for name, rows in kept.items() if name.startswith(prefix) for staged in rows]
