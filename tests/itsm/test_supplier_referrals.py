"""An incident referred to a supplier from its desk page: the contract's clock starts, the
incident waits for the supplier (its own clocks paused), comes back (met or breached) and resumes;
refusals keep what was saved; the page shows the referral with its clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from khedmat.accounts.models import User
from khedmat.cmdb.choices import ContractKind, ReferralStatus
from khedmat.cmdb.models import Contract, Supplier, SupplierReferral
from khedmat.cmdb.referrals import ReferralError
from khedmat.core.models import Activity
from khedmat.itsm import services
from khedmat.itsm.choices import HoldReason, IncidentStatus
from khedmat.itsm.models import Incident
from khedmat.sla.choices import ClockState, DurationUnit, TargetKind
from khedmat.sla.models import SlaClock, SlaPolicy, SlaTarget
from tests.itsm.helpers import ReportIncident

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(db: None) -> Contract:
    policy = SlaPolicy.objects.create(name="MailCo SLA", precedence=500, record_kind="supplier")
    SlaTarget.objects.create(
        policy=policy, kind=TargetKind.UNDERPINNING, amount=2, unit=DurationUnit.WORKING_DAYS
    )
    today = timezone.localdate()
    return Contract.objects.create(
        code="uc-mail",
        title="Mail server support",
        kind=ContractKind.UNDERPINNING,
        supplier=Supplier.objects.create(code="mailco", name="MailCo"),
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=300),
        sla_policy=policy,
    )


@pytest.fixture
def agent_client(client: Client, it_agent: User, verified_login: Any) -> Client:
    return verified_login(client, it_agent)


def act(incident: Incident) -> str:
    return reverse("itsm:desk_incident_act", args=[incident.tracking_code])


def detail(incident: Incident) -> str:
    return reverse("itsm:desk_incident_detail", args=[incident.tracking_code])


def test_refer_from_the_page_then_back_from_the_supplier(
    agent_client: Client, report: ReportIncident, contract: Contract, it_agent: User
) -> None:
    incident = report()
    services.start_incident(incident, actor=it_agent)
    page = agent_client.get(detail(incident)).content.decode()
    assert 'data-action="refer"' in page and "MailCo" in page

    response = agent_client.post(
        act(incident),
        {
            "action": "refer",
            "refer-contract": contract.pk,
            "refer-reference": "MC-1001",
            "refer-note": "Queue stuck",
            "refer-hold": "on",
        },
    )
    assert response.status_code == 302
    referral = SupplierReferral.objects.get()
    assert (referral.status, referral.record, referral.supplier_reference) == (
        ReferralStatus.OPEN,
        incident,
        "MC-1001",
    )
    assert SlaClock.objects.for_record(referral).get().state == ClockState.RUNNING
    incident.refresh_from_db()
    assert (incident.status, incident.hold_reason) == (
        IncidentStatus.ON_HOLD,
        HoldReason.AWAITING_SUPPLIER,
    )
    assert (
        Activity.objects.for_target(incident).filter(verb="incident.referred_to_supplier").exists()
    )
    page = agent_client.get(detail(incident)).content.decode()
    assert f'data-referral="{referral.pk}"' in page and 'data-status="open"' in page
    assert 'data-action="refer"' not in page  # one supplier at a time
    assert 'data-action="supplier_back"' in page

    response = agent_client.post(
        act(incident), {"action": "supplier_back", "supplier_back-outcome": "Queue flushed"}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == (ReferralStatus.RETURNED, "Queue flushed")
    assert SlaClock.objects.for_record(referral).get().state == ClockState.MET
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.IN_PROGRESS  # held for the supplier: resumed
    page = agent_client.get(detail(incident)).content.decode()
    assert 'data-clock="met"' in page


def test_refusals_keep_what_was_saved(
    agent_client: Client, report: ReportIncident, contract: Contract, it_agent: User
) -> None:
    incident = report()
    response = agent_client.post(act(incident), {"action": "refer", "refer-contract": ""})
    assert response.status_code == 400
    assert not SupplierReferral.objects.exists()
    response = agent_client.post(act(incident), {"action": "supplier_back"})
    assert response.status_code == 400  # not with a supplier: refused, shown on the page
    assert "not with a supplier" in response.content.decode()
    assert not SupplierReferral.objects.exists()

    Contract.objects.filter(pk=contract.pk).update(ends_on=timezone.localdate() - dt.timedelta(1))
    contract.refresh_from_db()
    with pytest.raises(ReferralError, match="not in force"):
        services.refer_incident_to_supplier(incident, contract=contract, actor=it_agent)
    assert not SupplierReferral.objects.exists()
    assert not Activity.objects.filter(verb="incident.referred_to_supplier").exists()


def test_taking_it_back_cancels_the_supplier_clock(
    report: ReportIncident, contract: Contract, it_agent: User
) -> None:
    incident = report()
    referral = services.refer_incident_to_supplier(incident, contract=contract, actor=it_agent)
    services.withdraw_incident_referral(incident, reason="Fixed in house", actor=it_agent)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WITHDRAWN
    assert SlaClock.objects.for_record(referral).get().state == ClockState.CANCELLED
    assert incident.status == IncidentStatus.NEW  # not held: nothing to resume
