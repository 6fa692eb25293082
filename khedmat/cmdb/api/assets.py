"""Suppliers, contracts, assets and licences in the API: lists, one record, adding and changing
them; an asset's assignment, return to stock and disposal; a licence's seats. Every write goes
through a use case of `khedmat.cmdb.assets` (which writes the Activity row); a refusal answers with
its translated message and status, a code in the body that names nothing with 422 naming the
field. Dates are ISO 8601 (`2026-03-01`) both ways."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Schema, Status
from ninja.pagination import paginate
from pydantic import AfterValidator

from khedmat.accounts.models import OrgUnit
from khedmat.cmdb import assets
from khedmat.cmdb.api.common import (
    WRITE_ERRORS,
    ErrorOut,
    PatchIn,
    caller_with,
    named,
    named_all,
    router,
    staff_member,
)
from khedmat.cmdb.choices import AssetKind, ContractKind
from khedmat.cmdb.models import (
    Asset,
    ConfigurationItem,
    Contract,
    Licence,
    LicenceAssignment,
    Supplier,
    SupplierContact,
)
from khedmat.core.pagination import KeysetPagination
from khedmat.sla.models import SlaPolicy

#: A record's code (or an asset's tag): a slug, as the models keep them.
SLUG = r"^[-a-zA-Z0-9_]+$"
READ_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut}


def _checked_email(value: str) -> str:
    if value:
        try:
            validate_email(value)
        except DjangoValidationError as error:
            raise ValueError("not an e-mail address") from error
    return value


Email = Annotated[str, Field(max_length=254), AfterValidator(_checked_email)]
Money = Annotated[int, Field(ge=0, lt=10**18)]


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


# --- schemas: assets ----------------------------------------------------------------------------


class AssetOut(Schema):
    tag: str
    name: str
    kind: str
    status: str
    configuration_item: str | None
    serial_number: str
    purchased_on: dt.date | None
    warranty_ends_on: dt.date | None
    location: str

    @staticmethod
    def resolve_configuration_item(asset: Asset) -> str | None:
        return asset.configuration_item.code if asset.configuration_item else None


class AssetDetailOut(AssetOut):
    model_name: str
    supplier: str | None = Field(description="The supplier's code.")
    cost: int | None
    assigned_to: str | None = Field(description="The holder's username.")
    org_unit: str | None = Field(description="The unit's code.")
    note: str
    created_at: dt.datetime

    @staticmethod
    def resolve_supplier(asset: Asset) -> str | None:
        return asset.supplier.code if asset.supplier else None

    @staticmethod
    def resolve_assigned_to(asset: Asset) -> str | None:
        return asset.assigned_to.username if asset.assigned_to else None

    @staticmethod
    def resolve_org_unit(asset: Asset) -> str | None:
        return asset.org_unit.code if asset.org_unit else None


class AssetIn(Schema):
    """A new asset, in stock until it is assigned."""

    tag: str = Field(..., min_length=1, max_length=64, pattern=SLUG)
    name: str = Field(..., min_length=1, max_length=200)
    kind: AssetKind
    configuration_item: str | None = Field(None, description="The CI's code.")
    model_name: str = Field("", max_length=200)
    serial_number: str = Field("", max_length=100)
    supplier: str | None = Field(None, description="The supplier's code.")
    purchased_on: dt.date | None = None
    cost: Money | None = None
    warranty_ends_on: dt.date | None = None
    location: str = Field("", max_length=200)
    note: str = ""


class AssetPatch(PatchIn):
    """Only the fields sent change (the status through assign, return and dispose)."""

    NOT_NULL = ("name", "kind", "model_name", "serial_number", "location", "note")

    name: str | None = Field(None, min_length=1, max_length=200)
    kind: AssetKind | None = None
    configuration_item: str | None = Field(None, description="The CI's code; null for none.")
    model_name: str | None = Field(None, max_length=200)
    serial_number: str | None = Field(None, max_length=100)
    supplier: str | None = Field(None, description="The supplier's code; null for none.")
    purchased_on: dt.date | None = None
    cost: Money | None = None
    warranty_ends_on: dt.date | None = None
    location: str | None = Field(None, max_length=200)
    note: str | None = None


class AssignIn(Schema):
    """A person, a unit, or both (one at least)."""

    user: str | None = Field(None, description="An active staff member's username.")
    org_unit: str | None = Field(None, description="The unit's code.")
    location: str | None = Field(None, max_length=200, description="Where it is now.")


class DisposeIn(Schema):
    reason: str = Field("", max_length=500)


# --- schemas: licences --------------------------------------------------------------------------


class LicenceOut(Schema):
    code: str
    product: str
    seats: int
    seats_used: int
    expires_on: dt.date | None

    @staticmethod
    def resolve_seats_used(licence: Licence) -> int:
        return len(licence.assignments.all())


class SeatOut(Schema):
    id: int
    user: str | None = Field(description="The holder's username, for a person's seat.")
    asset: str | None = Field(description="The asset's tag, for an asset's seat.")
    assigned_at: dt.datetime

    @staticmethod
    def resolve_user(seat: LicenceAssignment) -> str | None:
        return seat.user.username if seat.user else None

    @staticmethod
    def resolve_asset(seat: LicenceAssignment) -> str | None:
        return seat.asset.tag if seat.asset else None


class LicenceDetailOut(LicenceOut):
    supplier: str | None = Field(description="The supplier's code.")
    cost: int | None
    note: str
    created_at: dt.datetime
    assignments: list[SeatOut] = Field(description="The seats given, oldest first.")

    @staticmethod
    def resolve_supplier(licence: Licence) -> str | None:
        return licence.supplier.code if licence.supplier else None

    @staticmethod
    def resolve_assignments(licence: Licence) -> list[LicenceAssignment]:
        return list(licence.assignments.all())


class LicenceIn(Schema):
    code: str = Field(..., min_length=1, max_length=64, pattern=SLUG)
    product: str = Field(..., min_length=1, max_length=200)
    seats: int = Field(..., ge=1, le=1_000_000)
    supplier: str | None = Field(None, description="The supplier's code.")
    expires_on: dt.date | None = None
    cost: Money | None = None
    note: str = ""


class LicencePatch(PatchIn):
    """Only the fields sent change; fewer seats than are given is refused (409)."""

    NOT_NULL = ("product", "seats", "note")

    product: str | None = Field(None, min_length=1, max_length=200)
    seats: int | None = Field(None, ge=1, le=1_000_000)
    supplier: str | None = Field(None, description="The supplier's code; null for none.")
    expires_on: dt.date | None = None
    cost: Money | None = None
    note: str | None = None


class SeatIn(Schema):
    """A person or an asset (exactly one)."""

    user: str | None = Field(None, description="An active staff member's username.")
    asset: str | None = Field(None, description="The asset's tag.")


# --- reading one record -------------------------------------------------------------------------


def _supplier(code: str) -> Supplier:
    return get_object_or_404(Supplier.objects.prefetch_related("contacts"), code=code)


def _contract(code: str) -> Contract:
    rows = Contract.objects.select_related("supplier").prefetch_related("items")
    return get_object_or_404(rows, code=code)


def _asset(tag: str) -> Asset:
    rows = Asset.objects.select_related("configuration_item", "supplier", "assigned_to", "org_unit")
    return get_object_or_404(rows, tag=tag)


def _licence(code: str) -> Licence:
    seats = LicenceAssignment.objects.select_related("user", "asset")
    rows = Licence.objects.select_related("supplier").prefetch_related(
        Prefetch("assignments", queryset=seats)
    )
    return get_object_or_404(rows, code=code)


def _records(changes: dict[str, Any]) -> dict[str, Any]:
    """The codes a body names, as the records the use cases take (422 naming the field of one
    that names nothing, before anything is written)."""
    if "supplier" in changes:
        changes["supplier"] = named(Supplier, changes["supplier"], "supplier")
    if "configuration_item" in changes:
        code = changes["configuration_item"]
        changes["configuration_item"] = named(ConfigurationItem, code, "configuration_item")
    if "sla_policy" in changes:
        changes["sla_policy"] = named(SlaPolicy, changes["sla_policy"], "sla_policy", key="pk")
    if "items" in changes:
        changes["items"] = named_all(ConfigurationItem, changes["items"], "items")
    return changes


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
    data = _records(body.model_dump())
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
    changes = _records(body.model_dump(exclude_unset=True))
    assets.update_contract(contract, items=changes.pop("items", None), actor=user, **changes)
    return _contract(code)


# --- assets -------------------------------------------------------------------------------------


@router.get("/assets/", response=list[AssetOut], summary="Assets", tags=["assets"])
@paginate(KeysetPagination, order=("name", "id"))
def list_assets(request: HttpRequest, status: str = "") -> QuerySet[Asset]:
    caller_with(request, "view_asset")
    rows = Asset.objects.select_related("configuration_item")
    return rows.filter(status=status) if status else rows


@router.post(
    "/assets/",
    response={201: AssetDetailOut, **WRITE_ERRORS},
    summary="Register an asset",
    tags=["assets"],
)
def register_asset(request: HttpRequest, body: AssetIn) -> Status[Any]:
    """In stock. A CI or supplier that does not exist or a tag in use answers 422."""
    user = caller_with(request, "add_asset")
    data = _records(body.model_dump())
    asset = assets.register_asset(
        tag=data.pop("tag"), name=data.pop("name"), kind=data.pop("kind"), actor=user, **data
    )
    return Status(201, _asset(asset.tag))


@router.get(
    "/assets/{tag}/",
    response={200: AssetDetailOut, **READ_ERRORS},
    summary="An asset",
    tags=["assets"],
)
def read_asset(request: HttpRequest, tag: str) -> Asset:
    caller_with(request, "view_asset")
    return _asset(tag)


@router.patch(
    "/assets/{tag}/",
    response={200: AssetDetailOut, **WRITE_ERRORS},
    summary="Change an asset",
    tags=["assets"],
)
def update_asset(request: HttpRequest, tag: str, body: AssetPatch) -> Asset:
    """Only the fields sent. A disposed asset answers 409."""
    user = caller_with(request, "change_asset")
    asset = get_object_or_404(Asset, tag=tag)
    assets.update_asset(asset, actor=user, **_records(body.model_dump(exclude_unset=True)))
    return _asset(tag)


@router.post(
    "/assets/{tag}/assign/",
    response={200: AssetDetailOut, **WRITE_ERRORS},
    summary="Assign an asset",
    tags=["assets"],
)
def assign_asset(request: HttpRequest, tag: str, body: AssignIn) -> Asset:
    """To a person, a unit or both: it is in use. Neither answers 422, a disposed asset 409."""
    user = caller_with(request, "change_asset")
    asset = get_object_or_404(Asset, tag=tag)
    assets.assign_asset(
        asset,
        user=staff_member(body.user, "user"),
        org_unit=named(OrgUnit, body.org_unit, "org_unit"),
        location=body.location,
        actor=user,
    )
    return _asset(tag)


@router.post(
    "/assets/{tag}/return/",
    response={200: AssetDetailOut, **WRITE_ERRORS},
    summary="Return an asset to stock",
    tags=["assets"],
)
def return_asset(request: HttpRequest, tag: str) -> Asset:
    """No holder, no unit, in stock. A disposed asset answers 409."""
    user = caller_with(request, "change_asset")
    assets.return_asset(get_object_or_404(Asset, tag=tag), actor=user)
    return _asset(tag)


@router.post(
    "/assets/{tag}/dispose/",
    response={200: AssetDetailOut, **WRITE_ERRORS},
    summary="Dispose of an asset",
    tags=["assets"],
)
def dispose_asset(request: HttpRequest, tag: str, body: DisposeIn) -> Asset:
    """For a reason; its licence seats are released. Disposed already answers 409."""
    user = caller_with(request, "change_asset")
    assets.dispose_asset(get_object_or_404(Asset, tag=tag), reason=body.reason, actor=user)
    return _asset(tag)


# --- licences -----------------------------------------------------------------------------------


@router.get("/licences/", response=list[LicenceOut], summary="Licences", tags=["assets"])
@paginate(KeysetPagination, order=("product", "id"))
def list_licences(request: HttpRequest) -> QuerySet[Licence]:
    caller_with(request, "view_licence")
    return Licence.objects.prefetch_related("assignments")


@router.post(
    "/licences/",
    response={201: LicenceDetailOut, **WRITE_ERRORS},
    summary="Add a licence",
    tags=["assets"],
)
def create_licence(request: HttpRequest, body: LicenceIn) -> Status[Any]:
    """With its number of seats. A supplier that does not exist or a code in use answers 422."""
    user = caller_with(request, "add_licence")
    data = _records(body.model_dump())
    licence = assets.add_licence(
        code=data.pop("code"),
        product=data.pop("product"),
        seats=data.pop("seats"),
        actor=user,
        **data,
    )
    return Status(201, _licence(licence.code))


@router.get(
    "/licences/{code}/",
    response={200: LicenceDetailOut, **READ_ERRORS},
    summary="A licence",
    tags=["assets"],
)
def read_licence(request: HttpRequest, code: str) -> Licence:
    caller_with(request, "view_licence")
    return _licence(code)


@router.patch(
    "/licences/{code}/",
    response={200: LicenceDetailOut, **WRITE_ERRORS},
    summary="Change a licence",
    tags=["assets"],
)
def update_licence(request: HttpRequest, code: str, body: LicencePatch) -> Licence:
    """Only the fields sent. Fewer seats than are given answers 409."""
    user = caller_with(request, "change_licence")
    licence = get_object_or_404(Licence, code=code)
    assets.update_licence(licence, actor=user, **_records(body.model_dump(exclude_unset=True)))
    return _licence(code)


@router.post(
    "/licences/{code}/seats/",
    response={201: SeatOut, **WRITE_ERRORS},
    summary="Give a licence seat",
    tags=["assets"],
)
def assign_seat(request: HttpRequest, code: str, body: SeatIn) -> Status[Any]:
    """To a person or an asset (exactly one, else 422). An expired or full licence, a holder who
    has a seat already or a disposed asset answers 409."""
    user = caller_with(request, "add_licenceassignment")
    licence = get_object_or_404(Licence, code=code)
    seat = assets.assign_seat(
        licence,
        user=staff_member(body.user, "user"),
        asset=named(Asset, body.asset, "asset", key="tag"),
        actor=user,
    )
    return Status(201, LicenceAssignment.objects.select_related("user", "asset").get(pk=seat.pk))


@router.delete(
    "/licences/{code}/seats/{seat_id}/",
    response={204: None, **WRITE_ERRORS},
    summary="Release a licence seat",
    tags=["assets"],
)
def release_seat(request: HttpRequest, code: str, seat_id: int) -> Status[None]:
    """The seat is free for someone else (a supervisor's, as on the desk)."""
    user = caller_with(request, "delete_licenceassignment")
    seat = get_object_or_404(
        LicenceAssignment.objects.select_related("licence"), pk=seat_id, licence__code=code
    )
    assets.release_seat(seat, actor=user)
    return Status(204, None)
