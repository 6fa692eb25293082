"""Assets and licences in the API: lists, one record, adding and changing them; an asset's
assignment, return to stock and disposal; a licence's seats. Every write goes through a use case of
`khedmat.cmdb.assets` (which writes the Activity row); a refusal answers with its translated
message and status, a code in the body that names nothing with 422 naming the field. Dates are ISO
8601 (`2026-03-01`) both ways."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Schema, Status
from ninja.pagination import paginate

from khedmat.accounts.models import OrgUnit
from khedmat.cmdb import assets
from khedmat.cmdb.api.common import (
    READ_ERRORS,
    SLUG,
    WRITE_ERRORS,
    Money,
    PatchIn,
    caller_with,
    named,
    records_named,
    router,
    staff_member,
)
from khedmat.cmdb.choices import AssetKind
from khedmat.cmdb.models import (
    Asset,
    Licence,
    LicenceAssignment,
)
from khedmat.core.pagination import KeysetPagination

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


# --- reading one record ----------------------------------------------------------------------


def _asset(tag: str) -> Asset:
    rows = Asset.objects.select_related("configuration_item", "supplier", "assigned_to", "org_unit")
    return get_object_or_404(rows, tag=tag)


def _licence(code: str) -> Licence:
    seats = LicenceAssignment.objects.select_related("user", "asset")
    rows = Licence.objects.select_related("supplier").prefetch_related(
        Prefetch("assignments", queryset=seats)
    )
    return get_object_or_404(rows, code=code)


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
    data = records_named(body.model_dump())
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
    assets.update_asset(asset, actor=user, **records_named(body.model_dump(exclude_unset=True)))
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
    data = records_named(body.model_dump())
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
    assets.update_licence(licence, actor=user, **records_named(body.model_dump(exclude_unset=True)))
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
