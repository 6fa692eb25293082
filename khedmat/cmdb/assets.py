"""Use cases of assets, licences, suppliers and contracts: register, change, assign and dispose of
an asset; add or change a licence, give a seat to a person or an asset and take it back; add or
change a supplier with its contacts and a contract with the CIs it covers. Each writes an Activity
row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import OrgUnit, User
from khedmat.cmdb.choices import AssetStatus
from khedmat.cmdb.errors import CmdbError
from khedmat.cmdb.models import (
    Asset,
    ConfigurationItem,
    Contract,
    Licence,
    LicenceAssignment,
    Supplier,
    SupplierContact,
)
from khedmat.core.actors import Actor
from khedmat.core.services import record_activity


class AssetError(CmdbError):
    """A use case on an asset, licence, supplier or contract refused."""


class AssetDisposedError(AssetError):
    default_message = _("The asset was disposed of; it cannot change any more.")


class AssigneeMissingError(AssetError):
    default_message = _("Choose one person or one unit.")
    status_code = 422


class SeatHolderError(AssetError):
    default_message = _("A seat goes to one person or one asset.")
    status_code = 422


class SeatsFullError(AssetError):
    default_message = _("Every seat of this licence is taken; release one first.")


class LicenceExpiredError(AssetError):
    default_message = _("The licence has expired; its seats cannot be given.")


class SeatTakenError(AssetError):
    default_message = _("This person or asset already has a seat of the licence.")


class DuplicateRecordCodeError(AssetError):
    default_message = _("Another record has this code.")
    status_code = 422


class ContractDatesError(AssetError):
    default_message = _("The contract must not end before it starts.")
    status_code = 422


class SeatsBelowUsedError(AssetError):
    default_message = _("More seats of this licence are given than that; release some first.")


#: What update_asset may change (status through its own use cases: assign, dispose).
ASSET_FIELDS = (
    "name",
    "kind",
    "configuration_item",
    "model_name",
    "serial_number",
    "supplier",
    "purchased_on",
    "cost",
    "warranty_ends_on",
    "location",
    "note",
)
#: What update_licence may change (who holds the seats: assign_seat and release_seat).
LICENCE_FIELDS = ("product", "supplier", "seats", "expires_on", "cost", "note")
SUPPLIER_FIELDS = ("name", "national_id", "phone", "email", "address", "note", "is_active")
CONTRACT_FIELDS = (
    "title",
    "kind",
    "supplier",
    "starts_on",
    "ends_on",
    "value",
    "currency",
    "sla_policy",
    "note",
)
CONTACT_FIELDS = ("name", "role", "phone", "email")


def _user(actor: Actor) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _plain(value: Any) -> Any:
    """A JSON value of a field for the Activity row."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _apply(
    record: models.Model, fields: Sequence[str], changes: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Set the changed fields of `record`; (old, new) of those that changed."""
    unknown = set(changes) - set(fields)
    if unknown:
        raise AssetError(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for name, value in changes.items():
        if getattr(record, name) != value:
            old[name], new[name] = _plain(getattr(record, name)), _plain(value)
            setattr(record, name, value)
    return old, new


def _create(model: type[models.Model], **fields: Any) -> Any:
    try:
        with transaction.atomic():
            return model._default_manager.create(**fields)
    except IntegrityError as error:
        raise DuplicateRecordCodeError() from error


# --- assets ------------------------------------------------------------------------------------


def register_asset(
    *,
    tag: str,
    name: str,
    kind: str,
    actor: Actor,
    status: str = AssetStatus.IN_STOCK,
    **fields: Any,
) -> Asset:
    """Add an asset (in stock unless said otherwise)."""
    unknown = set(fields) - set(ASSET_FIELDS) - {"assigned_to", "org_unit"}
    if unknown:
        raise AssetError(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    with transaction.atomic():
        if Asset.objects.filter(tag=tag).exists():
            raise DuplicateRecordCodeError()
        asset: Asset = _create(Asset, tag=tag, name=name, kind=kind, status=status, **fields)
        record_activity(asset, "asset.registered", actor=_user(actor), new={"status": status})
    return asset


def update_asset(asset: Asset, *, actor: Actor, **changes: Any) -> Asset:
    """Change an asset's description; a disposed asset is refused."""
    with transaction.atomic():
        asset = Asset.objects.select_for_update().get(pk=asset.pk)
        if asset.status == AssetStatus.DISPOSED:
            raise AssetDisposedError()
        old, new = _apply(asset, ASSET_FIELDS, changes)
        if new:
            asset.save()
            record_activity(asset, "asset.updated", actor=_user(actor), old=old, new=new)
    return asset


def assign_asset(
    asset: Asset,
    *,
    actor: Actor,
    user: User | None = None,
    org_unit: OrgUnit | None = None,
    location: str | None = None,
) -> Asset:
    """Give the asset to a person or a unit (or both): it is in use."""
    if user is None and org_unit is None:
        raise AssigneeMissingError()
    with transaction.atomic():
        asset = Asset.objects.select_for_update().get(pk=asset.pk)
        if asset.status == AssetStatus.DISPOSED:
            raise AssetDisposedError()
        changes: dict[str, Any] = {"assigned_to": user, "org_unit": org_unit}
        changes["status"] = AssetStatus.IN_USE
        if location is not None:
            changes["location"] = location
        old, new = _apply(asset, ("assigned_to", "org_unit", "status", "location"), changes)
        if new:
            asset.save()
            record_activity(asset, "asset.assigned", actor=_user(actor), old=old, new=new)
    return asset


def return_asset(asset: Asset, *, actor: Actor) -> Asset:
    """The asset comes back to stock: no person, no unit."""
    with transaction.atomic():
        asset = Asset.objects.select_for_update().get(pk=asset.pk)
        if asset.status == AssetStatus.DISPOSED:
            raise AssetDisposedError()
        changes = {"assigned_to": None, "org_unit": None, "status": AssetStatus.IN_STOCK}
        old, new = _apply(asset, ("assigned_to", "org_unit", "status"), changes)
        if new:
            asset.save()
            record_activity(asset, "asset.returned", actor=_user(actor), old=old, new=new)
    return asset


def dispose_asset(asset: Asset, *, actor: Actor, reason: str = "") -> Asset:
    """The asset leaves the agency: no holder any more, its licence seats are released."""
    with transaction.atomic():
        asset = Asset.objects.select_for_update().get(pk=asset.pk)
        if asset.status == AssetStatus.DISPOSED:
            raise AssetDisposedError()
        old = {"status": asset.status, "assigned_to": asset.assigned_to_id}
        asset.status = AssetStatus.DISPOSED
        asset.assigned_to = None
        asset.save()
        seats = list(asset.licence_seats.select_related("licence"))
        for seat in seats:
            _release(seat, actor=actor)
        record_activity(
            asset,
            "asset.disposed",
            actor=_user(actor),
            old=old,
            new={"status": AssetStatus.DISPOSED},
            data={"reason": reason.strip(), "seats_released": len(seats)},
        )
    return asset


# --- licences ----------------------------------------------------------------------------------


def add_licence(*, code: str, product: str, seats: int, actor: Actor, **fields: Any) -> Licence:
    """Add a licence with its number of seats."""
    allowed = {"supplier", "expires_on", "cost", "note"}
    if set(fields) - allowed:
        raise AssetError(
            _("These fields cannot be changed: %s") % ", ".join(sorted(set(fields) - allowed))
        )
    with transaction.atomic():
        if Licence.objects.filter(code=code).exists():
            raise DuplicateRecordCodeError()
        licence: Licence = _create(Licence, code=code, product=product, seats=seats, **fields)
        record_activity(licence, "licence.added", actor=_user(actor), new={"seats": seats})
    return licence


def update_licence(licence: Licence, *, actor: Actor, **changes: Any) -> Licence:
    """Change a licence; fewer seats than are given is refused. A new expiry date is announced
    again when it nears (the alert of the old date no longer counts)."""
    with transaction.atomic():
        licence = Licence.objects.select_for_update().get(pk=licence.pk)
        old, new = _apply(licence, LICENCE_FIELDS, changes)
        if "seats" in new and licence.seats < licence.assignments.count():
            raise SeatsBelowUsedError()
        if new:
            if "expires_on" in new:
                licence.expiry_warned_on = None
            licence.save()
            record_activity(licence, "licence.updated", actor=_user(actor), old=old, new=new)
    return licence


def assign_seat(
    licence: Licence,
    *,
    actor: Actor,
    user: User | None = None,
    asset: Asset | None = None,
    today: dt.date | None = None,
) -> LicenceAssignment:
    """Give one seat to a person or an asset; refused when expired, full or given already."""
    if (user is None) == (asset is None):
        raise SeatHolderError()
    today = today or timezone.localdate()
    with transaction.atomic():
        licence = Licence.objects.select_for_update().get(pk=licence.pk)
        if licence.expires_on is not None and licence.expires_on < today:
            raise LicenceExpiredError()
        disposed = Asset.objects.filter(status=AssetStatus.DISPOSED)
        if asset is not None and disposed.filter(pk=asset.pk).exists():
            raise AssetDisposedError()
        holders = (
            licence.assignments.filter(user=user)
            if user
            else licence.assignments.filter(asset=asset)
        )
        if holders.exists():
            raise SeatTakenError()
        if licence.assignments.count() >= licence.seats:
            raise SeatsFullError()
        seat = LicenceAssignment.objects.create(licence=licence, user=user, asset=asset)
        holder = {"user": user.pk} if user else {"asset": asset.pk if asset else None}
        record_activity(licence, "licence.seat_assigned", actor=_user(actor), new=holder)
    return seat


def release_seat(seat: LicenceAssignment, *, actor: Actor) -> None:
    """Take a seat back: it is free for someone else."""
    with transaction.atomic():
        Licence.objects.select_for_update().filter(pk=seat.licence_id).first()
        _release(seat, actor=actor)


def _release(seat: LicenceAssignment, *, actor: Actor) -> None:
    holder = {"user": seat.user_id} if seat.user_id else {"asset": seat.asset_id}
    licence = seat.licence
    seat.delete()
    record_activity(licence, "licence.seat_released", actor=_user(actor), old=holder)


# --- suppliers ---------------------------------------------------------------------------------


def add_supplier(
    *, code: str, name: str, actor: Actor, contacts: Iterable[Mapping[str, str]] = (), **fields: Any
) -> Supplier:
    """Add a supplier with its contacts."""
    if set(fields) - set(SUPPLIER_FIELDS):
        raise AssetError(_("These fields cannot be changed: %s") % ", ".join(sorted(fields)))
    with transaction.atomic():
        if Supplier.objects.filter(code=code).exists():
            raise DuplicateRecordCodeError()
        supplier: Supplier = _create(Supplier, code=code, name=name, **fields)
        count = _set_contacts(supplier, contacts)
        record_activity(supplier, "supplier.added", actor=_user(actor), data={"contacts": count})
    return supplier


def update_supplier(
    supplier: Supplier,
    *,
    actor: Actor,
    contacts: Iterable[Mapping[str, str]] | None = None,
    **changes: Any,
) -> Supplier:
    """Change a supplier; `contacts`, when given, replaces its contacts."""
    with transaction.atomic():
        supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
        old, new = _apply(supplier, SUPPLIER_FIELDS, changes)
        if new:
            supplier.save()
        data: dict[str, Any] = {}
        if contacts is not None:
            before = sorted(supplier.contacts.values_list("name", flat=True))
            supplier.contacts.all().delete()
            _set_contacts(supplier, contacts)
            after = sorted(supplier.contacts.values_list("name", flat=True))
            if before != after or new:
                data["contacts"] = after
        if new or data:
            record_activity(
                supplier, "supplier.updated", actor=_user(actor), old=old, new=new, data=data
            )
    return supplier


def _set_contacts(supplier: Supplier, contacts: Iterable[Mapping[str, str]]) -> int:
    rows = [
        SupplierContact(
            supplier=supplier, **{key: str(contact.get(key, "")).strip() for key in CONTACT_FIELDS}
        )
        for contact in contacts
        if str(contact.get("name", "")).strip()
    ]
    SupplierContact.objects.bulk_create(rows)
    return len(rows)


# --- contracts ---------------------------------------------------------------------------------


def add_contract(
    *,
    code: str,
    title: str,
    kind: str,
    supplier: Supplier,
    starts_on: dt.date,
    ends_on: dt.date,
    actor: Actor,
    items: Iterable[ConfigurationItem] = (),
    **fields: Any,
) -> Contract:
    """Add a contract with a supplier over some CIs."""
    if ends_on < starts_on:
        raise ContractDatesError()
    if set(fields) - set(CONTRACT_FIELDS):
        raise AssetError(_("These fields cannot be changed: %s") % ", ".join(sorted(fields)))
    with transaction.atomic():
        if Contract.objects.filter(code=code).exists():
            raise DuplicateRecordCodeError()
        contract: Contract = _create(
            Contract,
            code=code,
            title=title,
            kind=kind,
            supplier=supplier,
            starts_on=starts_on,
            ends_on=ends_on,
            **fields,
        )
        codes = sorted(item.code for item in items)
        contract.items.set(list(items))
        record_activity(
            contract,
            "contract.added",
            actor=_user(actor),
            new={"ends_on": ends_on.isoformat()},
            data={"items": codes},
        )
    return contract


def update_contract(
    contract: Contract,
    *,
    actor: Actor,
    items: Iterable[ConfigurationItem] | None = None,
    **changes: Any,
) -> Contract:
    """Change a contract; `items`, when given, are the CIs it covers from now on."""
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        old, new = _apply(contract, CONTRACT_FIELDS, changes)
        if contract.ends_on < contract.starts_on:
            raise ContractDatesError()
        if items is not None:
            items = list(items)
            before = sorted(contract.items.values_list("code", flat=True))
            after = sorted(item.code for item in items)
            if before != after:
                old["items"], new["items"] = before, after
                contract.items.set(items)
        if new:
            contract.save()
            record_activity(contract, "contract.updated", actor=_user(actor), old=old, new=new)
    return contract
