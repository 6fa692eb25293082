"""Referring work to a supplier under an underpinning contract, and how suppliers keep their word.

Referring starts a clock of the contract's SLA policy (its underpinning target) on the referral,
counted in the referring unit's working time; the work coming back stops it (met or breached),
taking the referral back cancels it. The supplier report counts met and breached referrals per
supplier and contract. The app that owns the work (ITSM's incidents) calls these use cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import OrgUnit
from khedmat.cmdb.choices import ReferralStatus
from khedmat.cmdb.errors import CmdbError
from khedmat.cmdb.models import Contract, Supplier, SupplierReferral
from khedmat.core.actors import Actor
from khedmat.core.services import record_activity
from khedmat.sla.choices import ClockState, TargetKind
from khedmat.sla.models import SlaClock
from khedmat.sla.queries import PolicyContext
from khedmat.sla.services.clocks import cancel_clock, start_clocks, stop_clock

#: The record kind of supplier clocks in the SLA report and policies.
RECORD_KIND = "supplier"
UNDERPINNING = frozenset({TargetKind.UNDERPINNING.value})
_COUNTS = ("referred", "met", "breached", "open", "open_late")

ACTIVITY_LABELS = {
    "referral.opened": _("Referred to the supplier"),
    "referral.returned": _("Back from the supplier"),
    "referral.withdrawn": _("Referral withdrawn"),
}


class ReferralError(CmdbError):
    default_message = _("The work could not be referred to the supplier.")


def _user(actor: Actor) -> Any:
    return actor if getattr(actor, "pk", None) else None


def contracts_to_refer_to(items: Any = None, *, on: dt.date | None = None) -> QuerySet[Contract]:
    """Contracts in force on `on` (today) whose SLA can run a supplier clock; those covering
    one of `items` (CIs) first."""
    on = on or timezone.localdate()
    rows = Contract.objects.filter(
        starts_on__lte=on,
        ends_on__gte=on,
        supplier__is_active=True,
        sla_policy__is_active=True,
        sla_policy__targets__kind=TargetKind.UNDERPINNING,
    ).select_related("supplier")
    if items:
        covering = Contract.objects.filter(pk=OuterRef("pk"), items__in=list(items))
        rows = rows.annotate(covers=models.Exists(covering)).order_by("-covers", "supplier__name")
    else:
        rows = rows.order_by("supplier__name", "code")
    return rows.distinct()


def refer_to_supplier(
    record: models.Model,
    *,
    contract: Contract,
    org_unit: OrgUnit | int,
    label: str,
    actor: Actor,
    note: str = "",
    reference: str = "",
    at: dt.datetime | None = None,
) -> SupplierReferral:
    """Refer `record` to the contract's supplier and start the supplier's clock."""
    at = at or timezone.now()
    day = timezone.localtime(at).date()
    if not (contract.starts_on <= day <= contract.ends_on):
        raise ReferralError(_("The contract is not in force today."))
    if not contract.supplier.is_active:
        raise ReferralError(_("The supplier is no longer active."))
    if contract.sla_policy_id is None:
        raise ReferralError(
            _("The contract names no supplier SLA, so there is nothing to measure: add one first.")
        )
    unit_id = org_unit if isinstance(org_unit, int) else org_unit.pk
    try:
        with transaction.atomic():
            referral = SupplierReferral.objects.create(
                contract=contract,
                record_type=ContentType.objects.get_for_model(record, for_concrete_model=False),
                record_id=record.pk,
                record_label=label[:100],
                org_unit_id=unit_id,
                note=note.strip(),
                supplier_reference=reference.strip()[:100],
                referred_at=at,
                referred_by=_user(actor),
            )
            clocks = start_clocks(
                referral,
                policy_context=PolicyContext(record_kind=RECORD_KIND),
                org_unit=unit_id,
                started_at=at,
                actor=actor,
                kinds=UNDERPINNING,
                policy=contract.sla_policy,
            )
            if not clocks:
                raise ReferralError(_("The supplier's SLA has no underpinning target."))
            record_activity(
                referral,
                "referral.opened",
                actor=_user(actor),
                new={"contract": contract.code, "due_at": str(clocks[0].due_at)},
            )
    except IntegrityError as error:  # the one-open-referral constraint
        raise ReferralError(_("This work is already with a supplier.")) from error
    return referral


def open_referral_of(record: models.Model) -> SupplierReferral | None:
    record_type = ContentType.objects.get_for_model(record, for_concrete_model=False)
    return (
        SupplierReferral.objects.filter(
            record_type=record_type, record_id=record.pk, status=ReferralStatus.OPEN
        )
        .select_related("contract__supplier")
        .first()
    )


def _close(
    referral: SupplierReferral, status: str, verb: str, *, actor: Actor, text: str, at: Any
) -> SupplierReferral:
    at = at or timezone.now()
    with transaction.atomic():
        referral = SupplierReferral.objects.select_for_update().get(pk=referral.pk)
        if referral.status != ReferralStatus.OPEN:
            raise ReferralError(_("The referral is already closed."))
        for clock in SlaClock.objects.open().for_record(referral).filter(kind__in=UNDERPINNING):
            if status == ReferralStatus.RETURNED:
                stop_clock(clock, actor=actor, at=at)
            else:
                cancel_clock(clock, actor=actor, at=at)
        referral.status, referral.closed_at = status, at
        if status == ReferralStatus.RETURNED:
            referral.outcome = text.strip()
        referral.save(update_fields=["status", "closed_at", "outcome"])
        record_activity(
            referral, verb, actor=_user(actor), new={"status": status}, data={"text": text.strip()}
        )
    return referral


def return_from_supplier(
    referral: SupplierReferral, *, actor: Actor, outcome: str = "", at: dt.datetime | None = None
) -> SupplierReferral:
    """The supplier did the work: their clock stops, met or breached by the time."""
    return _close(
        referral, ReferralStatus.RETURNED, "referral.returned", actor=actor, text=outcome, at=at
    )


def withdraw_referral(
    referral: SupplierReferral, *, actor: Actor, reason: str = "", at: dt.datetime | None = None
) -> SupplierReferral:
    """The work was taken back from the supplier: their clock is cancelled (not in the report)."""
    return _close(
        referral, ReferralStatus.WITHDRAWN, "referral.withdrawn", actor=actor, text=reason, at=at
    )


# --- reading -------------------------------------------------------------------------------------


def _clock_field(name: str) -> Subquery:
    referral_type = ContentType.objects.get_for_model(SupplierReferral)
    clocks = SlaClock.objects.filter(
        record_type=referral_type, record_id=OuterRef("pk"), kind=TargetKind.UNDERPINNING
    ).order_by("-id")
    return Subquery(clocks.values(name)[:1])


def referral_rows() -> QuerySet[SupplierReferral]:
    """Referrals with their supplier clock's state and due time (`clock_state`, `clock_due`)."""
    return SupplierReferral.objects.select_related("contract__supplier").annotate(
        clock_state=_clock_field("state"), clock_due=_clock_field("due_at")
    )


def referrals_of(record: models.Model) -> list[SupplierReferral]:
    record_type = ContentType.objects.get_for_model(record, for_concrete_model=False)
    return list(referral_rows().filter(record_type=record_type, record_id=record.pk))


@dataclass(frozen=True)
class SupplierScore:
    """How one supplier (or one contract) kept its promises over a period."""

    supplier: Supplier
    contract: Contract | None
    referred: int
    met: int
    breached: int
    open: int
    open_late: int

    @property
    def decided(self) -> int:
        return self.met + self.breached

    @property
    def met_percent(self) -> int | None:
        return round(100 * self.met / self.decided) if self.decided else None


def supplier_report(
    since: dt.datetime, until: dt.datetime, *, supplier: Supplier | None = None
) -> list[SupplierScore]:
    """Per contract, the referrals made in [since, until): met, breached (whether back or still
    out and late), still open; withdrawn referrals do not count. Two queries."""
    rows = referral_rows().filter(referred_at__gte=since, referred_at__lt=until)
    rows = rows.exclude(status=ReferralStatus.WITHDRAWN)
    if supplier is not None:
        rows = rows.filter(contract__supplier=supplier)
    late = Q(clock_state=ClockState.BREACHED)
    counted = (
        rows.values("contract")
        .annotate(
            referred=Count("id"),
            met=Count("id", filter=Q(clock_state=ClockState.MET)),
            breached=Count("id", filter=late),
            open=Count("id", filter=Q(status=ReferralStatus.OPEN)),
            open_late=Count("id", filter=late & Q(status=ReferralStatus.OPEN)),
        )
        .order_by()
    )
    by_contract = {row["contract"]: row for row in counted}
    contracts = Contract.objects.filter(pk__in=by_contract).select_related("supplier")
    scores = [
        SupplierScore(
            supplier=contract.supplier,
            contract=contract,
            **{key: by_contract[contract.pk][key] for key in _COUNTS},
        )
        for contract in contracts
    ]
    return sorted(scores, key=lambda score: (score.supplier.name, score.contract.code))  # type: ignore[union-attr]


def supplier_totals(scores: list[SupplierScore]) -> list[SupplierScore]:
    """The contracts' scores added up per supplier."""
    totals: dict[int, SupplierScore] = {}
    for score in scores:
        before = totals.get(score.supplier.pk)
        counts = {
            key: getattr(score, key) + (getattr(before, key) if before else 0) for key in _COUNTS
        }
        totals[score.supplier.pk] = SupplierScore(supplier=score.supplier, contract=None, **counts)
    return list(totals.values())
