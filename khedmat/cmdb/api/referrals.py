"""Work referred to suppliers and how suppliers keep their underpinning contracts:
`GET /referrals/` (newest first; by supplier, contract, status) and `GET /reports/suppliers/`
(met, breached and still-open referrals per contract over the last `days`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Schema
from ninja.pagination import paginate

from khedmat.cmdb.api.common import caller_with, router
from khedmat.cmdb.models import SupplierReferral
from khedmat.cmdb.referrals import referral_rows, supplier_report, supplier_totals
from khedmat.core.pagination import KeysetPagination


class ReferralOut(Schema):
    id: int
    supplier: str = Field(description="The supplier's code.")
    contract: str = Field(description="The contract's number.")
    work: str = Field(description="What was referred (an incident's tracking code).")
    status: str = Field(description="open, returned or withdrawn.")
    clock: str | None = Field(description="The supplier clock's state: running, met, breached…")
    due_at: dt.datetime | None
    supplier_reference: str
    referred_at: dt.datetime
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_supplier(row: SupplierReferral) -> str:
        return row.contract.supplier.code

    @staticmethod
    def resolve_contract(row: SupplierReferral) -> str:
        return row.contract.code

    @staticmethod
    def resolve_work(row: SupplierReferral) -> str:
        return row.record_label

    @staticmethod
    def resolve_clock(row: Any) -> str | None:
        return row.clock_state  # type: ignore[no-any-return]

    @staticmethod
    def resolve_due_at(row: Any) -> dt.datetime | None:
        return row.clock_due  # type: ignore[no-any-return]


class ScoreOut(Schema):
    supplier: str
    contract: str | None = Field(description="None on a supplier's line (all its contracts).")
    referred: int
    met: int
    breached: int
    open: int
    open_late: int
    met_percent: int | None


class SupplierReportOut(Schema):
    since: dt.datetime
    until: dt.datetime
    suppliers: list[ScoreOut]
    contracts: list[ScoreOut]


@router.get(
    "/referrals/",
    response=list[ReferralOut],
    summary="Work referred to suppliers",
    tags=["suppliers"],
)
@paginate(KeysetPagination, order=("-referred_at", "-id"))
def list_referrals(
    request: HttpRequest, supplier: str = "", contract: str = "", status: str = ""
) -> QuerySet[SupplierReferral]:
    caller_with(request, "view_supplier")
    rows = referral_rows()
    if supplier:
        rows = rows.filter(contract__supplier__code=supplier)
    if contract:
        rows = rows.filter(contract__code=contract)
    return rows.filter(status=status) if status else rows


def _score(score: Any) -> dict[str, Any]:
    return {
        "supplier": score.supplier.code,
        "contract": score.contract.code if score.contract else None,
        "referred": score.referred,
        "met": score.met,
        "breached": score.breached,
        "open": score.open,
        "open_late": score.open_late,
        "met_percent": score.met_percent,
    }


@router.get(
    "/reports/suppliers/",
    response=SupplierReportOut,
    summary="How suppliers kept their underpinning contracts",
    tags=["suppliers"],
)
def supplier_report_api(request: HttpRequest, days: int = 90) -> dict[str, Any]:
    """Referrals made in the last `days` (1–3650): met, breached, still open (and late)."""
    caller_with(request, "view_supplier")
    days = min(max(days, 1), 3650)
    until = timezone.now()
    since = until - dt.timedelta(days=days)
    scores = supplier_report(since, until)
    return {
        "since": since,
        "until": until,
        "suppliers": [_score(total) for total in supplier_totals(scores)],
        "contracts": [_score(score) for score in scores],
    }
