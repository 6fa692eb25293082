"""Desk pages of assets, licences, contracts and suppliers: lists with filters and keyset pages,
one record each, the forms. Writes go through the use cases of cmdb.assets."""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khedmat.cmdb import asset_queries as queries
from khedmat.cmdb import assets
from khedmat.cmdb import saved_lists as lists
from khedmat.cmdb.asset_forms import (
    AssetActionForm,
    AssetFilterForm,
    AssetForm,
    ContactFormSet,
    ContractFilterForm,
    ContractForm,
    LicenceFilterForm,
    LicenceForm,
    SeatForm,
    SupplierFilterForm,
    SupplierForm,
)
from khedmat.cmdb.models import Asset, Contract, Licence, LicenceAssignment, Supplier
from khedmat.core.errors import DomainError
from khedmat.core.pagination import view_page
from khedmat.core.saved_views import saved_views_context

GET_POST = ["GET", "HEAD", "POST"]


def _list(
    request: HttpRequest, kind: str, form: Any, rows: Any, order: tuple[str, ...]
) -> HttpResponse:
    """A list page `cmdb/<kind minus s>_list.html`: keyset pages and the saved-views bar."""
    page = view_page(request, rows, order=order, size=queries.PAGE_SIZE)
    context = {
        "form": form,
        "page": page,
        "after": request.GET.get("after", ""),
        **saved_views_context(request.user, kind, request.GET.urlencode()),
    }
    return render(request, f"cmdb/{kind[:-1]}_list.html", context)


# --- assets ------------------------------------------------------------------------------------


@require_GET
@permission_required("cmdb.view_asset", raise_exception=True)
def asset_list(request: HttpRequest) -> HttpResponse:
    """Assets by name, filtered by status, kind, supplier and words."""
    form = AssetFilterForm(request.GET or None)
    rows = queries.asset_rows(form.filters())
    return _list(request, lists.ASSETS, form, rows, queries.ASSET_ORDER)


def _asset_context(asset: Asset, action_form: AssetActionForm | None = None) -> dict[str, Any]:
    return {
        "asset": asset,
        "warranty": queries.warranty_state(asset),
        "history": queries.history(asset),
        "action_form": action_form or AssetActionForm(),
        "disposed": asset.status == "disposed",
    }


@require_GET
@permission_required("cmdb.view_asset", raise_exception=True)
def asset_detail(request: HttpRequest, tag: str) -> HttpResponse:
    """One asset: its CI, holder, warranty, licence seats, history, and its actions."""
    asset = queries.asset_detail(tag)
    return render(request, "cmdb/asset_detail.html", _asset_context(asset))


def _asset_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in ("tag", "name", "kind")}


@require_http_methods(GET_POST)
@permission_required("cmdb.add_asset", raise_exception=True)
def asset_new(request: HttpRequest) -> HttpResponse:
    """Register an asset (in stock)."""
    form = AssetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            asset = assets.register_asset(
                tag=data["tag"],
                name=data["name"],
                kind=data["kind"],
                actor=request.user,
                **_asset_fields(data),
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, _("The asset was registered."))
            return redirect("cmdb:asset_detail", tag=asset.tag)
    return render(request, "cmdb/asset_form.html", {"form": form}, status=_status(request, form))


@require_http_methods(GET_POST)
@permission_required("cmdb.change_asset", raise_exception=True)
def asset_edit(request: HttpRequest, tag: str) -> HttpResponse:
    """Change an asset's description."""
    asset = get_object_or_404(Asset.objects.select_related("configuration_item"), tag=tag)
    form = AssetForm(request.POST or None, instance=asset)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assets.update_asset(
                asset,
                actor=request.user,
                name=data["name"],
                kind=data["kind"],
                **_asset_fields(data),
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, _("The asset was saved."))
            return redirect("cmdb:asset_detail", tag=tag)
    context = {"form": form, "asset": asset}
    return render(request, "cmdb/asset_form.html", context, status=_status(request, form))


@require_POST
@permission_required("cmdb.change_asset", raise_exception=True)
def asset_act(request: HttpRequest, tag: str) -> HttpResponse:
    """Assign, return or dispose of the asset (the `action` field)."""
    asset = get_object_or_404(Asset, tag=tag)
    form = AssetActionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == form.ASSIGN:
                assets.assign_asset(
                    asset, user=data["user"], org_unit=data["org_unit"], actor=request.user
                )
            elif data["action"] == form.RETURN:
                assets.return_asset(asset, actor=request.user)
            else:
                assets.dispose_asset(asset, reason=data["reason"], actor=request.user)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, _("The asset was saved."))
            return redirect("cmdb:asset_detail", tag=tag)
    context = _asset_context(queries.asset_detail(tag), form)
    return render(request, "cmdb/asset_detail.html", context, status=400)


def _status(request: HttpRequest, form: Any) -> int:
    return 400 if request.method == "POST" and form.errors else 200


# --- licences ----------------------------------------------------------------------------------


@require_GET
@permission_required("cmdb.view_licence", raise_exception=True)
def licence_list(request: HttpRequest) -> HttpResponse:
    """Licences by product, with seats used of seats bought."""
    form = LicenceFilterForm(request.GET or None)
    rows = queries.licence_rows(form.filters())
    return _list(request, lists.LICENCES, form, rows, queries.LICENCE_ORDER)


def _licence_page(
    request: HttpRequest, code: str, seat_form: SeatForm | None = None, status: int = 200
) -> HttpResponse:
    licence = queries.licence_detail(code)
    seats = list(licence.assignments.all())
    context = {
        "licence": licence,
        "seats": seats,
        "free": max(licence.seats - len(seats), 0),
        "days_left": queries.days_left(licence.expires_on),
        "seat_form": seat_form or SeatForm(),
        "history": queries.history(licence),
    }
    return render(request, "cmdb/licence_detail.html", context, status=status)


@require_GET
@permission_required("cmdb.view_licence", raise_exception=True)
def licence_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One licence: seats used and free, who holds them, expiry."""
    return _licence_page(request, code)


@require_http_methods(GET_POST)
@permission_required("cmdb.add_licence", raise_exception=True)
def licence_new(request: HttpRequest) -> HttpResponse:
    """Add a licence."""
    form = LicenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            licence = assets.add_licence(
                code=data.pop("code"),
                product=data.pop("product"),
                seats=data.pop("seats"),
                actor=request.user,
                **data,
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, _("The licence was added."))
            return redirect("cmdb:licence_detail", code=licence.code)
    return render(request, "cmdb/licence_form.html", {"form": form}, status=_status(request, form))


@require_POST
@permission_required("cmdb.add_licenceassignment", raise_exception=True)
def licence_seat(request: HttpRequest, code: str) -> HttpResponse:
    """Give a seat to a person or an asset."""
    licence = get_object_or_404(Licence, code=code)
    form = SeatForm(request.POST)
    if form.is_valid():
        try:
            assets.assign_seat(
                licence,
                user=form.cleaned_data["user"],
                asset=form.cleaned_data["asset"],
                actor=request.user,
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, _("The seat was given."))
            return redirect("cmdb:licence_detail", code=code)
    return _licence_page(request, code, form, status=400)


@require_POST
@permission_required("cmdb.delete_licenceassignment", raise_exception=True)
def licence_release(request: HttpRequest, code: str, seat: int) -> HttpResponse:
    """Take a seat back."""
    assignment = get_object_or_404(
        LicenceAssignment.objects.select_related("licence"), pk=seat, licence__code=code
    )
    assets.release_seat(assignment, actor=request.user)
    flash.success(request, _("The seat was released."))
    return redirect("cmdb:licence_detail", code=code)


# --- contracts ---------------------------------------------------------------------------------


@require_GET
@permission_required("cmdb.view_contract", raise_exception=True)
def contract_list(request: HttpRequest) -> HttpResponse:
    """Contracts, the soonest to end first; filter by kind, supplier, ending within N days."""
    form = ContractFilterForm(request.GET or None)
    rows = queries.contract_rows(form.filters())
    return _list(request, lists.CONTRACTS, form, rows, queries.CONTRACT_ORDER)


@require_GET
@permission_required("cmdb.view_contract", raise_exception=True)
def contract_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One contract: supplier, dates and days left, the CIs it covers."""
    contract = queries.contract_detail(code)
    context = {
        "contract": contract,
        "items": list(contract.items.all()),
        "days_left": queries.days_left(contract.ends_on),
        "history": queries.history(contract),
    }
    return render(request, "cmdb/contract_detail.html", context)


def _contract_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in ("code", "item_codes")}


@require_http_methods(GET_POST)
@permission_required("cmdb.add_contract", raise_exception=True)
def contract_new(request: HttpRequest) -> HttpResponse:
    """Add a contract over some CIs."""
    form = ContractForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contract = assets.add_contract(
                code=data["code"],
                items=data["item_codes"],
                actor=request.user,
                **_contract_fields(data),
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, _("The contract was added."))
            return redirect("cmdb:contract_detail", code=contract.code)
    return render(request, "cmdb/contract_form.html", {"form": form}, status=_status(request, form))


@require_http_methods(GET_POST)
@permission_required("cmdb.change_contract", raise_exception=True)
def contract_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Change a contract and the CIs it covers."""
    contract = get_object_or_404(Contract, code=code)
    form = ContractForm(request.POST or None, instance=contract)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assets.update_contract(
                contract, items=data["item_codes"], actor=request.user, **_contract_fields(data)
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, _("The contract was saved."))
            return redirect("cmdb:contract_detail", code=code)
    context = {"form": form, "contract": contract}
    return render(request, "cmdb/contract_form.html", context, status=_status(request, form))


# --- suppliers ---------------------------------------------------------------------------------


@require_GET
@permission_required("cmdb.view_supplier", raise_exception=True)
def supplier_list(request: HttpRequest) -> HttpResponse:
    """Suppliers by name."""
    form = SupplierFilterForm(request.GET or None)
    rows = queries.supplier_rows(form.filters())
    return _list(request, lists.SUPPLIERS, form, rows, queries.SUPPLIER_ORDER)


@require_GET
@permission_required("cmdb.view_supplier", raise_exception=True)
def supplier_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One supplier: contacts, contracts, assets, licences."""
    supplier = queries.supplier_detail(code)
    context = {"supplier": supplier, "history": queries.history(supplier)}
    return render(request, "cmdb/supplier_detail.html", context)


def _supplier_form(request: HttpRequest, supplier: Supplier | None) -> HttpResponse:
    form = SupplierForm(request.POST or None, instance=supplier)
    initial = list(supplier.contacts.values("name", "role", "phone", "email")) if supplier else []
    contacts = ContactFormSet(request.POST or None, initial=initial, prefix="contacts")
    if request.method == "POST" and form.is_valid() and contacts.is_valid():
        data = dict(form.cleaned_data)
        people = [row for row in contacts.cleaned_data if row.get("name")]
        try:
            if supplier is None:
                supplier = assets.add_supplier(
                    code=data.pop("code"),
                    name=data.pop("name"),
                    contacts=people,
                    actor=request.user,
                    **data,
                )
            else:
                data.pop("code")
                assets.update_supplier(supplier, contacts=people, actor=request.user, **data)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            flash.success(request, _("The supplier was saved."))
            return redirect("cmdb:supplier_detail", code=supplier.code)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "contacts": contacts, "supplier": supplier}
    return render(request, "cmdb/supplier_form.html", context, status=status)


@require_http_methods(GET_POST)
@permission_required("cmdb.add_supplier", raise_exception=True)
def supplier_new(request: HttpRequest) -> HttpResponse:
    """Add a supplier with its contacts."""
    return _supplier_form(request, None)


@require_http_methods(GET_POST)
@permission_required("cmdb.change_supplier", raise_exception=True)
def supplier_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Change a supplier and its contacts."""
    return _supplier_form(request, get_object_or_404(Supplier, code=code))


urlpatterns: list[URLPattern] = [
    path("assets/", asset_list, name="asset_list"),
    path("assets/new/", asset_new, name="asset_new"),
    path("assets/<slug:tag>/", asset_detail, name="asset_detail"),
    path("assets/<slug:tag>/edit/", asset_edit, name="asset_edit"),
    path("assets/<slug:tag>/act/", asset_act, name="asset_act"),
    path("licences/", licence_list, name="licence_list"),
    path("licences/new/", licence_new, name="licence_new"),
    path("licences/<slug:code>/", licence_detail, name="licence_detail"),
    path("licences/<slug:code>/seats/", licence_seat, name="licence_seat"),
    path("licences/<slug:code>/seats/<int:seat>/release/", licence_release, name="licence_release"),
    path("contracts/", contract_list, name="contract_list"),
    path("contracts/new/", contract_new, name="contract_new"),
    path("contracts/<slug:code>/", contract_detail, name="contract_detail"),
    path("contracts/<slug:code>/edit/", contract_edit, name="contract_edit"),
    path("suppliers/", supplier_list, name="supplier_list"),
    path("suppliers/new/", supplier_new, name="supplier_new"),
    path("suppliers/<slug:code>/", supplier_detail, name="supplier_detail"),
    path("suppliers/<slug:code>/edit/", supplier_edit, name="supplier_edit"),
]
