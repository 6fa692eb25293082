"""Import and export of the CMDB: the form with export links, the preview of an upload (nothing
written), the confirm (all or nothing) and the download.

An upload is kept between preview and confirm as files under MEDIA_ROOT/cmdb-imports/ with a
random name, known only to the session that uploaded it; it is read and checked again on confirm
(the CMDB may have changed), and removed once imported. Files older than a day are swept on upload.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khedmat.cmdb import transfer
from khedmat.cmdb.transfer import ITEMS, RELATIONS, ImportPlan, TransferError

SESSION_KEY = "cmdb_imports"
KEEP_SECONDS = 24 * 3600


class ImportForm(forms.Form):
    """A workbook (both sheets), or a CSV of items or relations, with an optional second CSV."""

    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "An Excel workbook (.xlsx) with the sheets items and relations, or a CSV file."
        ),
    )
    sheet = forms.ChoiceField(
        label=_("A CSV file holds"),
        choices=[(ITEMS, _("Configuration items")), (RELATIONS, _("Relations"))],
        initial=ITEMS,
    )
    relations_file = forms.FileField(
        label=_("Relations (CSV, optional)"),
        required=False,
        help_text=_("With a CSV of items: the relations to import with them."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, bound in self.fields.items():
            css = "form-select" if name == "sheet" else "form-control"
            bound.widget.attrs["class"] = css
        self.fields["file"].widget.attrs["accept"] = ".csv,.xlsx"
        self.fields["relations_file"].widget.attrs["accept"] = ".csv"

    def parts(self) -> list[tuple[str, bytes]]:
        """(sheet, content) of each uploaded file, size checked before it is read."""
        result: list[tuple[str, bytes]] = []
        uploads = [(self.cleaned_data["sheet"], self.cleaned_data["file"])]
        if self.cleaned_data.get("relations_file"):
            uploads.append((RELATIONS, self.cleaned_data["relations_file"]))
        for sheet, upload in uploads:
            if upload.size > transfer.MAX_BYTES:
                raise transfer.FileTooLargeError()
            result.append((sheet, upload.read()))
        return result


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "cmdb-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sweep(folder: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for old in folder.glob("*.upload"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


def _store(request: HttpRequest, parts: list[tuple[str, bytes]]) -> str:
    folder = _folder()
    _sweep(folder)
    token = secrets.token_urlsafe(18)
    sheets = []
    for index, (sheet, content) in enumerate(parts):
        (folder / f"{token}-{index}.upload").write_bytes(content)
        sheets.append(sheet)
    uploads = dict(request.session.get(SESSION_KEY, {}))
    uploads[token] = {"sheets": sheets, "at": timezone.now().isoformat()}
    request.session[SESSION_KEY] = uploads
    return token


def _load(request: HttpRequest, token: str) -> dict[str, transfer.Sheet]:
    """The sheets of the session's upload `token` (404 when it is not this session's)."""
    stored = request.session.get(SESSION_KEY, {}).get(token)
    if stored is None:
        raise Http404("no such upload")
    sheets: dict[str, transfer.Sheet] = {}
    for index, sheet in enumerate(stored["sheets"]):
        file = _folder() / f"{token}-{index}.upload"
        if not file.exists():
            raise Http404("upload expired")
        sheets.update(transfer.read_upload(file.read_bytes(), sheet=sheet))
    return sheets


def _forget(request: HttpRequest, token: str) -> None:
    uploads = dict(request.session.get(SESSION_KEY, {}))
    stored = uploads.pop(token, None)
    request.session[SESSION_KEY] = uploads
    for index in range(len(stored["sheets"]) if stored else 0):
        (_folder() / f"{token}-{index}.upload").unlink(missing_ok=True)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("cmdb.add_configurationitem", raise_exception=True)
def transfer_page(request: HttpRequest) -> HttpResponse:
    """The import form (an upload goes to its preview) and the export links."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            parts = form.parts()
            for sheet, content in parts:
                transfer.read_upload(content, sheet=sheet)
        except TransferError as error:
            form.add_error("file", str(error.message))
        else:
            token = _store(request, parts)
            return redirect("cmdb:import_preview", token=token)
    status = 400 if request.method == "POST" else 200
    return render(request, "cmdb/transfer_form.html", {"form": form}, status=status)


def _preview(
    request: HttpRequest, token: str, plan: ImportPlan, *, status: int = 200
) -> HttpResponse:
    context = {
        "token": token,
        "plan": plan,
        "created": plan.count("create"),
        "updated": plan.count("update"),
        "unchanged": plan.count("unchanged"),
    }
    return render(request, "cmdb/transfer_preview.html", context, status=status)


@require_GET
@permission_required("cmdb.add_configurationitem", raise_exception=True)
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    """What the upload would create and update, and every row error; nothing is written."""
    try:
        plan = transfer.plan_import(_load(request, token))
    except TransferError as error:
        _forget(request, token)
        flash.error(request, str(error.message))
        return redirect("cmdb:transfer")
    return _preview(request, token, plan)


@require_POST
@permission_required("cmdb.add_configurationitem", raise_exception=True)
def import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Write the upload, checked again, in one transaction; refused while any row has an error."""
    plan = transfer.plan_import(_load(request, token))
    try:
        transfer.apply_import(plan, actor=request.user)
    except TransferError as error:
        flash.error(request, str(error.message))
        return _preview(request, token, plan, status=409)
    _forget(request, token)
    flash.success(
        request,
        _("Imported: %(created)s created, %(updated)s updated.")
        % {"created": plan.count("create"), "updated": plan.count("update")},
    )
    return redirect("cmdb:transfer")


@require_GET
@permission_required("cmdb.view_configurationitem", raise_exception=True)
def export(request: HttpRequest) -> HttpResponse:
    """Download the CMDB: ?format=xlsx (both sheets) or csv with ?sheet=items|relations."""
    stamp = timezone.localdate().strftime("%Y%m%d")
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            transfer.export_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = f"cmdb-{stamp}.xlsx"
    else:
        sheet = request.GET.get("sheet", ITEMS)
        sheet = sheet if sheet in transfer.SHEETS else ITEMS
        response = HttpResponse(transfer.export_csv(sheet), content_type="text/csv; charset=utf-8")
        name = f"cmdb-{sheet}-{stamp}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urlpatterns: list[URLPattern] = [
    path("transfer/", transfer_page, name="transfer"),
    path("transfer/<str:token>/", import_preview, name="import_preview"),
    path("transfer/<str:token>/confirm/", import_confirm, name="import_confirm"),
    path("export/", export, name="export"),
]
