"""Suppliers (with their contacts) and contracts in the API: lists, one record, adding and
changing them, through the use cases of `khedmat.cmdb.assets` (each writes the Activity row); a
refusal answers with its translated message and status, a code in the body that names nothing with
422 naming the field. Dates are ISO 8601 both ways."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Schema, Status
from ninja.pagination import paginate

from khedmat.cmdb import assets
from khedmat.cmdb.api.common import (
    READ_ERRORS,
    SLUG,
    WRITE_ERRORS,
    Email,
    Money,
    PatchIn,
    caller_with,
    records_named,
    router,
)
from khedmat.cmdb.choices import ContractKind
from khedmat.cmdb.models import (
    Contract,
    Supplier,
    SupplierContact,
)
from khedmat.core.pagination import KeysetPagination

# --- schemas: suppliers -------------------------------------------------------------------------


class SupplierOut(Schema):
    code: str
    name: str
    phone: str
    email: str
    is_active: bool


class ContactIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    role: str = Field("", max_length=200)
    phone: str = Field("", max_length=30)
    email: Email = ""


class ContactOut(Schema):
    name: str
    role: str
    phone: str
    email: str


class SupplierDetailOut(SupplierOut):
    national_id: str
    address: str
    note: str
    created_at: dt.datetime
    contacts: list[ContactOut]

    @staticmethod
    def resolve_contacts(supplier: Supplier) -> list[SupplierContact]:
        return list(supplier.contacts.all())


class SupplierIn(Schema):
    code: str = Field(..., min_length=1, max_length=64, pattern=SLUG)
    name: str = Field(..., min_length=1, max_length=200)
    national_id: str = Field("", max_length=20)
    phone: str = Field("", max_length=30)
    email: Email = ""
    address: str = ""
    note: str = ""
    is_active: bool = True
    contacts: list[ContactIn] = Field(default_factory=list, max_length=20)


class SupplierPatch(PatchIn):
    """Only the fields sent change; `contacts`, when sent, replaces every contact."""

    NOT_NULL = ("name", "national_id", "phone", "email", "address", "note", "is_active", "contacts")

    name: str | None = Field(None, min_length=1, max_length=200)
    national_id: str | None = Field(None, max_length=20)
    phone: str | None = Field(None, max_length=30)
    email: Email | None = None
    address: str | None = None
    note: str | None = None
    is_active: bool | None = None
    contacts: list[ContactIn] | None = Field(None, max_length=20)


# --- schemas: contracts -------------------------------------------------------------------------


class ContractOut(Schema):
    code: str
    title: str
    kind: str
    supplier: str
    starts_on: dt.date
    ends_on: dt.date
    value: int | None
    currency: str

    @staticmethod
    def resolve_supplier(contract: Contract) -> str:
        return contract.supplier.code


class ContractDetailOut(ContractOut):
    sla_policy: int | None = Field(description="The id of the supplier's SLA policy.")
    items: list[str] = Field(description="Codes of the CIs the contract covers.")
    note: str
    created_at: dt.datetime

    @staticmethod
    def resolve_sla_policy(contract: Contract) -> int | None:
        return contract.sla_policy_id

    @staticmethod
    def resolve_items(contract: Contract) -> list[str]:
        return sorted(item.code for item in contract.items.all())


class ContractIn(Schema):
    code: str = Field(..., min_length=1, max_length=64, pattern=SLUG)
    title: str = Field(..., min_length=1, max_length=300)
    kind: ContractKind
    supplier: str = Field(..., min_length=1, description="The supplier's code.")
    starts_on: dt.date
    ends_on: dt.date = Field(..., description="Not before starts_on.")
    value: Money | None = None
    currency: str = Field("IRR", min_length=3, max_length=3)
    sla_policy: int | None = Field(
        None, description="The id of an SLA policy (policies have no code)."
    )
    items: list[str] = Field(
        default_factory=list, max_length=1000, description="Codes of the CIs covered."
    )
    note: str = ""


class ContractPatch(PatchIn):
    """Only the fields sent change; `items`, when sent, are the CIs covered from now on."""

    NOT_NULL = ("title", "kind", "supplier", "starts_on", "ends_on", "currency", "items", "note")

    title: str | None = Field(None, min_length=1, max_length=300)
    kind: ContractKind | None = None
    supplier: str | None = Field(None, min_length=1, description="The supplier's code.")
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    value: Money | None = None
    currency: str | None = Field(None, min_length=3, max_length=3)
    sla_policy: int | None = Field(None, description="The id of an SLA policy; null for none.")
    items: list[str] | None = Field(None, max_length=1000, description="Codes of the CIs covered.")
    note: str | None = None


# --- reading one record ----------------------------------------------------------------------


def _supplier(code: str) -> Supplier:
    return get_object_or_404(Supplier.objects.prefetch_related("contacts"), code=code)


def _contract(code: str) -> Contract:
    rows = Contract.objects.select_related("supplier").prefetch_related("items")
    return get_object_or_404(rows, code=code)


# --- suppliers ----------------------------------------------------------------------------------


@router.get("/suppliers/", response=list[SupplierOut], summary="Suppliers", tags=["suppliers"])
@paginate(KeysetPagination, order=("name", "id"))
def list_suppliers(request: HttpRequest) -> QuerySet[Supplier]:
    caller_with(request, "view_supplier")
    return Supplier.objects.all()


@router.post(
    "/suppliers/",
    response={201: SupplierDetailOut, **WRITE_ERRORS},
    summary="Add a supplier",
    tags=["suppliers"],
)
def create_supplier(request: HttpRequest, body: SupplierIn) -> Status[Any]:
    """With its contacts. A code in use answers 422."""
    user = caller_with(request, "add_supplier")
    data = body.model_dump()
    supplier = assets.add_supplier(
        code=data.pop("code"),
        name=data.pop("name"),
        contacts=data.pop("contacts"),
        actor=user,
        **data,
    )
    return Status(201, _supplier(supplier.code))


@router.get(
    "/suppliers/{code}/",
    response={200: SupplierDetailOut, **READ_ERRORS},
    summary="A supplier",
    tags=["suppliers"],
)
def read_supplier(request: HttpRequest, code: str) -> Supplier:
    caller_with(request, "view_supplier")
    return _supplier(code)


@router.patch(
    "/suppliers/{code}/",
    response={200: SupplierDetailOut, **WRITE_ERRORS},
    summary="Change a supplier",
    tags=["suppliers"],
)
def update_supplier(request: HttpRequest, code: str, body: SupplierPatch) -> Supplier:
    """Only the fields sent; `contacts`, when sent, replaces the supplier's contacts."""
    user = caller_with(request, "change_supplier")
    supplier = get_object_or_404(Supplier, code=code)
    assets.update_supplier(supplier, actor=user, **body.model_dump(exclude_unset=True))
    return _supplier(code)


# --- contracts ----------------------------------------------------------------------------------


@router.get("/contracts/", response=list[ContractOut], summary="Contracts", tags=["suppliers"])
@paginate(KeysetPagination, order=("ends_on", "id"))
def list_contracts(request: HttpRequest, supplier: str = "") -> QuerySet[Contract]:
    """Soonest ending first; by supplier code."""
    caller_with(request, "view_contract")
    rows = Contract.objects.select_related("supplier")
    return rows.filter(supplier__code=supplier) if supplier else rows


@router.post(
    "/contracts/",
    response={201: ContractDetailOut, **WRITE_ERRORS},
    summary="Add a contract",
    tags=["suppliers"],
)
def create_contract(request: HttpRequest, body: ContractIn) -> Status[Any]:
    """With a supplier (by code) over some CIs (by code). A supplier, CI or SLA policy that does
    not exist, an end before the start or a code in use answers 422."""
    user = caller_with(request, "add_contract")
    data = records_named(body.model_dump())
    contract = assets.add_contract(
        code=data.pop("code"),
        title=data.pop("title"),
        kind=data.pop("kind"),
        supplier=data.pop("supplier"),
        starts_on=data.pop("starts_on"),
        ends_on=data.pop("ends_on"),
        items=data.pop("items"),
        actor=user,
        **data,
    )
    return Status(201, _contract(contract.code))


@router.get(
    "/contracts/{code}/",
    response={200: ContractDetailOut, **READ_ERRORS},
    summary="A contract",
    tags=["suppliers"],
)
def read_contract(request: HttpRequest, code: str) -> Contract:
    caller_with(request, "view_contract")
    return _contract(code)


@router.patch(
    "/contracts/{code}/",
    response={200: ContractDetailOut, **WRITE_ERRORS},
    summary="Change a contract",
    tags=["suppliers"],
)
def update_contract(request: HttpRequest, code: str, body: ContractPatch) -> Contract:
    """Only the fields sent; `items`, when sent, are the CIs covered from now on."""
    user = caller_with(request, "change_contract")
    contract = get_object_or_404(Contract, code=code)
    changes = records_named(body.model_dump(exclude_unset=True))
    assets.update_contract(contract, items=changes.pop("items", None), actor=user, **changes)
    return _contract(code)
