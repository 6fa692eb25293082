"""Incidents referred to a supplier: the underpinning contract's clock runs on the referral (see
`khedmat.cmdb.referrals`); the incident's timeline says when it went out and came back."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khedmat.cmdb.models import Contract, SupplierReferral
from khedmat.cmdb.referrals import (
    open_referral_of,
    refer_to_supplier,
    return_from_supplier,
    withdraw_referral,
)
from khedmat.core.actors import Actor
from khedmat.core.services import record_activity
from khedmat.itsm.choices import HoldReason, IncidentStatus
from khedmat.itsm.errors import ItsmError
from khedmat.itsm.models import Incident
from khedmat.itsm.services.common import actor_user
from khedmat.itsm.services.incidents import hold_incident, locked_incident, resume_incident


class NoReferralError(ItsmError):
    default_message = _("The incident is not with a supplier.")


def refer_incident_to_supplier(
    incident: Incident,
    *,
    contract: Contract,
    actor: Actor,
    note: str = "",
    reference: str = "",
    hold: bool = False,
    now: dt.datetime | None = None,
) -> SupplierReferral:
    """Refer an open incident to the contract's supplier (their clock starts); with `hold`, the
    incident waits for the supplier and its own clocks pause."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = locked_incident(incident)
        if not incident.is_open:
            raise ItsmError(_("A resolved or closed incident cannot go to a supplier."))
        unit = incident.org_unit_id or getattr(actor_user(actor), "org_unit_id", None)
        if unit is None:
            raise ItsmError(
                _("The incident has no unit whose working time the supplier's clock counts.")
            )
        referral = refer_to_supplier(
            incident,
            contract=contract,
            org_unit=unit,
            label=incident.tracking_code,
            actor=actor,
            note=note,
            reference=reference,
            at=now,
        )
        record_activity(
            incident,
            "incident.referred_to_supplier",
            actor=actor_user(actor),
            new={"supplier": contract.supplier.name, "contract": contract.code},
            data={"referral": referral.pk},
        )
        if hold and incident.can_move_to(IncidentStatus.ON_HOLD):
            hold_incident(incident, reason=HoldReason.AWAITING_SUPPLIER, actor=actor, now=now)
    return referral


def _open_referral(incident: Incident) -> SupplierReferral:
    referral = open_referral_of(incident)
    if referral is None:
        raise NoReferralError()
    return referral


def incident_back_from_supplier(
    incident: Incident, *, actor: Actor, outcome: str = "", now: dt.datetime | None = None
) -> SupplierReferral:
    """The supplier did their part: their clock stops; an incident held for them resumes."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = locked_incident(incident)
        referral = return_from_supplier(
            _open_referral(incident), actor=actor, outcome=outcome, at=now
        )
        record_activity(
            incident,
            "incident.back_from_supplier",
            actor=actor_user(actor),
            new={"supplier": referral.contract.supplier.name},
            data={"referral": referral.pk, "outcome": outcome.strip()},
        )
        if (
            incident.status == IncidentStatus.ON_HOLD
            and incident.hold_reason == HoldReason.AWAITING_SUPPLIER
        ):
            resume_incident(incident, actor=actor, now=now)
    return referral


def withdraw_incident_referral(
    incident: Incident, *, actor: Actor, reason: str = "", now: dt.datetime | None = None
) -> SupplierReferral:
    """Take the incident back from the supplier: their clock is cancelled."""
    with transaction.atomic():
        incident = locked_incident(incident)
        referral = withdraw_referral(_open_referral(incident), actor=actor, reason=reason, at=now)
        record_activity(
            incident,
            "incident.supplier_referral_withdrawn",
            actor=actor_user(actor),
            new={"supplier": referral.contract.supplier.name},
            data={"referral": referral.pk, "reason": reason.strip()},
        )
    return referral
