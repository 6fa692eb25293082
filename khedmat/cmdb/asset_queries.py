"""Reads of the asset pages: lists with their filters and keyset orders, one record with what
its page shows, a record's history. Each loads its rows in one query per kind."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from khedmat.cmdb.models import (
    Asset,
    ConfigurationItem,
    Contract,
    Licence,
    LicenceAssignment,
    Supplier,
)
from khedmat.core.models import Activity
from khedmat.core.verbs import verb_label

PAGE_SIZE = 50
ASSET_ORDER = ("name", "id")
LICENCE_ORDER = ("product", "id")
CONTRACT_ORDER = ("ends_on", "id")
SUPPLIER_ORDER = ("name", "id")


def _words(rows: QuerySet[Any], words: str, *fields: str) -> QuerySet[Any]:
    for word in words.split():
        condition = Q()
        for name in fields:
            condition |= Q(**{f"{name}__icontains": word})
        rows = rows.filter(condition)
    return rows


def asset_rows(filters: dict[str, Any]) -> QuerySet[Asset]:
    """Assets matching the filters (status, kind, supplier, words), with what a row shows."""
    rows = Asset.objects.select_related("supplier", "assigned_to", "org_unit", "configuration_item")
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    if filters.get("kind"):
        rows = rows.filter(kind=filters["kind"])
    if filters.get("supplier"):
        rows = rows.filter(supplier=filters["supplier"])
    return _words(rows, filters.get("words") or "", "name", "tag", "serial_number", "model_name")


def licence_rows(filters: dict[str, Any]) -> QuerySet[Licence]:
    """Licences matching the filters (supplier, words), each with its number of seats used."""
    rows = Licence.objects.select_related("supplier").annotate(used=Count("assignments"))
    if filters.get("supplier"):
        rows = rows.filter(supplier=filters["supplier"])
    return _words(rows, filters.get("words") or "", "product", "code")


def contract_rows(filters: dict[str, Any], *, today: dt.date | None = None) -> QuerySet[Contract]:
    """Contracts matching the filters (kind, supplier, ending within N days, words), soonest end
    first, each with its number of CIs."""
    rows = Contract.objects.select_related("supplier").annotate(item_count=Count("items"))
    if filters.get("kind"):
        rows = rows.filter(kind=filters["kind"])
    if filters.get("supplier"):
        rows = rows.filter(supplier=filters["supplier"])
    if filters.get("ending_within") is not None:
        today = today or timezone.localdate()
        end = today + dt.timedelta(days=filters["ending_within"])
        rows = rows.filter(ends_on__gte=today, ends_on__lte=end)
    return _words(rows, filters.get("words") or "", "title", "code")


def supplier_rows(filters: dict[str, Any]) -> QuerySet[Supplier]:
    """Suppliers matching the words (name, code, national ID), active ones unless asked."""
    rows = Supplier.objects.all()
    if not filters.get("inactive"):
        rows = rows.filter(is_active=True)
    return _words(rows, filters.get("words") or "", "name", "code", "national_id")


def asset_detail(tag: str) -> Asset:
    """One asset with its CI, holder, supplier and licence seats (404 when unknown)."""
    seats = LicenceAssignment.objects.select_related("licence")
    rows = Asset.objects.select_related(
        "configuration_item__ci_type", "supplier", "assigned_to", "org_unit"
    ).prefetch_related(Prefetch("licence_seats", queryset=seats))
    return get_object_or_404(rows, tag=tag)


def licence_detail(code: str) -> Licence:
    """One licence with its seats and their holders."""
    seats = LicenceAssignment.objects.select_related("user", "asset").order_by("assigned_at", "id")
    rows = Licence.objects.select_related("supplier").prefetch_related(
        Prefetch("assignments", queryset=seats)
    )
    return get_object_or_404(rows, code=code)


def contract_detail(code: str) -> Contract:
    """One contract with its supplier, SLA and the CIs it covers."""
    items = ConfigurationItem.objects.select_related("ci_type").order_by("name", "id")
    rows = Contract.objects.select_related("supplier", "sla_policy").prefetch_related(
        Prefetch("items", queryset=items)
    )
    return get_object_or_404(rows, code=code)


def supplier_detail(code: str) -> Supplier:
    """One supplier with its contacts, contracts, assets and licences."""
    rows = Supplier.objects.prefetch_related(
        "contacts",
        Prefetch("contracts", queryset=Contract.objects.order_by("-ends_on", "-id")),
        Prefetch("assets", queryset=Asset.objects.order_by("name", "id")),
        Prefetch(
            "licences",
            queryset=Licence.objects.annotate(used=Count("assignments")).order_by("product", "id"),
        ),
    )
    return get_object_or_404(rows, code=code)


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    verb: str
    label: str
    actor: Any


def history(record: Any) -> list[HistoryEntry]:
    """The record's Activity rows, newest first (one query)."""
    rows = (
        Activity.objects.for_target(record).select_related("actor").order_by("-created_at", "-id")
    )
    return [
        HistoryEntry(row.created_at, row.verb, verb_label(row.verb), row.actor)
        for row in rows[:100]
    ]


def warranty_state(asset: Asset, *, today: dt.date | None = None) -> str:
    """ "none", "valid", "ending" (within 30 days) or "ended"."""
    if asset.warranty_ends_on is None:
        return "none"
    today = today or timezone.localdate()
    if asset.warranty_ends_on < today:
        return "ended"
    return "ending" if (asset.warranty_ends_on - today).days <= 30 else "valid"


def days_left(day: dt.date | None, *, today: dt.date | None = None) -> int | None:
    """Days from today to `day` (negative once past)."""
    if day is None:
        return None
    return (day - (today or timezone.localdate())).days
