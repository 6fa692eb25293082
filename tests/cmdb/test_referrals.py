"""Referring work to a supplier under an underpinning contract: the supplier's clock runs in the
referring unit's working time, stops met or breached when the work comes back, is cancelled when
the referral is taken back; refusals write nothing; the supplier report counts met and breached."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from khedmat.accounts.models import OrgUnit, User
from khedmat.calendars.queries import clear_calendar_cache
from khedmat.cmdb import referrals
from khedmat.cmdb.choices import ContractKind, ReferralStatus
from khedmat.cmdb.models import ConfigurationItem, Contract, Supplier, SupplierReferral
from khedmat.core.models import Activity
from khedmat.sla.choices import ClockState, DurationUnit, TargetKind
from khedmat.sla.models import SlaClock, SlaPolicy, SlaTarget
from khedmat.sla.queries import clear_unit_calendars
from tests.fixtures.sla import SATURDAY_0800

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def fresh_calendars() -> Iterator[None]:
    clear_calendar_cache()
    clear_unit_calendars()
    yield
    clear_calendar_cache()
    clear_unit_calendars()


@pytest.fixture
def supplier_policy(db: None) -> SlaPolicy:
    """The supplier's promise: the work back within 4 working hours."""
    policy = SlaPolicy.objects.create(name="Net supplier", precedence=500, record_kind="supplier")
    SlaTarget.objects.create(
        policy=policy, kind=TargetKind.UNDERPINNING, amount=4, unit=DurationUnit.WORKING_HOURS
    )
    return policy


@pytest.fixture
def contract(supplier_policy: SlaPolicy) -> Contract:
    supplier = Supplier.objects.create(code="netco", name="NetCo")
    return Contract.objects.create(
        code="uc-1",
        title="Network support",
        kind=ContractKind.UNDERPINNING,
        supplier=supplier,
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2040, 1, 1),
        sla_policy=supplier_policy,
    )


@pytest.fixture
def work(make_user: Callable[..., User]) -> Callable[[], User]:
    """A saved row standing in for an incident (the referral points at it generically)."""
    count = iter(range(1, 100))
    return lambda: make_user(f"work-{next(count)}")


@pytest.fixture
def refer(contract: Contract, org_units: dict[str, OrgUnit]) -> Callable[..., SupplierReferral]:
    def run(record: Any, at: dt.datetime = SATURDAY_0800, **kwargs: Any) -> SupplierReferral:
        kwargs.setdefault("contract", contract)
        return referrals.refer_to_supplier(
            record,
            org_unit=org_units["office"],
            label=f"INC-{record.pk}",
            actor=None,
            at=at,
            **kwargs,
        )

    return run


def clock_of(referral: SupplierReferral) -> SlaClock:
    return SlaClock.objects.for_record(referral).get()


def test_referring_starts_the_supplier_clock_in_working_time(
    refer: Callable[..., SupplierReferral], work: Callable[[], User]
) -> None:
    referral = refer(work(), note="Link down", reference="NC-77")
    clock = clock_of(referral)
    assert (clock.kind, clock.state, clock.record_kind) == (
        TargetKind.UNDERPINNING,
        ClockState.RUNNING,
        "supplier",
    )
    # Saturday 08:00 + 4 working hours (07:30–14:30 days) = Saturday 12:00 Tehran.
    assert clock.due_at == SATURDAY_0800 + 4 * HOUR
    assert (referral.status, referral.supplier_reference) == (ReferralStatus.OPEN, "NC-77")
    assert Activity.objects.for_target(referral).filter(verb="referral.opened").count() == 1


def test_back_in_time_is_met_and_late_is_breached(
    refer: Callable[..., SupplierReferral], work: Callable[[], User]
) -> None:
    on_time = referrals.return_from_supplier(
        refer(work()), actor=None, outcome="Port replaced", at=SATURDAY_0800 + 3 * HOUR
    )
    late = referrals.return_from_supplier(refer(work()), actor=None, at=SATURDAY_0800 + 5 * HOUR)
    assert clock_of(on_time).state == ClockState.MET
    assert clock_of(late).state == ClockState.BREACHED
    assert on_time.status == ReferralStatus.RETURNED and on_time.outcome == "Port replaced"
    with pytest.raises(referrals.ReferralError):
        referrals.return_from_supplier(on_time, actor=None)


def test_withdrawing_cancels_the_clock_and_frees_the_work(
    refer: Callable[..., SupplierReferral], work: Callable[[], User]
) -> None:
    record = work()
    first = referrals.withdraw_referral(refer(record), actor=None, reason="Fixed in house")
    assert clock_of(first).state == ClockState.CANCELLED
    assert first.status == ReferralStatus.WITHDRAWN
    second = refer(record)  # the work may go to a supplier again
    assert referrals.open_referral_of(record) == second


def test_refusals_write_nothing(
    refer: Callable[..., SupplierReferral],
    work: Callable[[], User],
    contract: Contract,
) -> None:
    record = work()
    refer(record)
    with pytest.raises(referrals.ReferralError, match="already with a supplier"):
        refer(record)
    ended = Contract.objects.create(
        code="old",
        title="Old",
        kind=ContractKind.UNDERPINNING,
        supplier=contract.supplier,
        starts_on=dt.date(2020, 1, 1),
        ends_on=dt.date(2021, 1, 1),
        sla_policy=contract.sla_policy,
    )
    with pytest.raises(referrals.ReferralError, match="not in force"):
        refer(work(), contract=ended)
    promiseless = Contract.objects.create(
        code="bare",
        title="Bare",
        kind=ContractKind.MAINTENANCE,
        supplier=contract.supplier,
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2040, 1, 1),
    )
    with pytest.raises(referrals.ReferralError, match="no supplier SLA"):
        refer(work(), contract=promiseless)
    wrong_policy = SlaPolicy.objects.create(name="No underpinning", precedence=900)
    SlaTarget.objects.create(
        policy=wrong_policy, kind=TargetKind.RESOLUTION, amount=1, unit=DurationUnit.WORKING_DAYS
    )
    promiseless.sla_policy = wrong_policy
    promiseless.save()
    with pytest.raises(referrals.ReferralError, match="no underpinning target"):
        refer(work(), contract=promiseless)
    assert SupplierReferral.objects.count() == 1
    assert SlaClock.objects.count() == 1


def test_contracts_to_refer_to_put_those_covering_the_ci_first(
    contract: Contract, make_ci: Callable[..., ConfigurationItem]
) -> None:
    router = make_ci("core-router", "server")
    covering = Contract.objects.create(
        code="uc-2",
        title="Router care",
        kind=ContractKind.UNDERPINNING,
        supplier=Supplier.objects.create(code="zed", name="Zed"),
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2040, 1, 1),
        sla_policy=contract.sla_policy,
    )
    covering.items.add(router)
    on = dt.date(2026, 5, 2)
    assert [c.code for c in referrals.contracts_to_refer_to([router], on=on)] == ["uc-2", "uc-1"]
    assert [c.code for c in referrals.contracts_to_refer_to(on=on)] == ["uc-1", "uc-2"]
    assert list(referrals.contracts_to_refer_to(on=dt.date(2041, 1, 1))) == []


def test_the_supplier_report_counts_met_breached_and_open(
    refer: Callable[..., SupplierReferral], work: Callable[[], User], contract: Contract
) -> None:
    referrals.return_from_supplier(refer(work()), actor=None, at=SATURDAY_0800 + HOUR)
    referrals.return_from_supplier(refer(work()), actor=None, at=SATURDAY_0800 + 2 * HOUR)
    referrals.return_from_supplier(refer(work()), actor=None, at=SATURDAY_0800 + 6 * HOUR)
    still_out = refer(work())
    SlaClock.objects.for_record(still_out).update(state=ClockState.BREACHED)  # as the sweep would
    refer(work())  # out, on time
    referrals.withdraw_referral(refer(work()), actor=None)  # not counted
    since, until = SATURDAY_0800 - 24 * HOUR, SATURDAY_0800 + 24 * HOUR
    with CaptureQueriesContext(connection) as queries:
        scores = referrals.supplier_report(since, until)
    assert len(queries.captured_queries) == 2
    (score,) = scores
    assert score.contract == contract
    assert (score.referred, score.met, score.breached, score.open, score.open_late) == (
        5,
        2,
        2,
        2,
        1,
    )
    assert score.met_percent == 50
    (total,) = referrals.supplier_totals(scores)
    assert (total.supplier, total.contract, total.referred) == (contract.supplier, None, 5)
    assert referrals.supplier_report(until, until + 24 * HOUR) == []


def test_the_report_page_shows_each_supplier_and_contract(
    refer: Callable[..., SupplierReferral],
    work: Callable[[], User],
    contract: Contract,
    make_user: Callable[..., User],
    org_units: dict[str, OrgUnit],
    verified_login: Any,
    client: Any,
) -> None:
    now = dt.datetime.now(dt.UTC)
    referrals.return_from_supplier(refer(work(), at=now - 2 * HOUR), actor=None, at=now - HOUR)
    refer(work(), at=now - 40 * 24 * HOUR)  # outside the last 30 days
    staff = verified_login(
        client, make_user("reporter", roles=["supervisor"], org_unit=org_units["ministry"])
    )
    page = staff.get("/desk/cmdb/suppliers/report/", {"days": "30"})
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-supplier="netco"' in body and 'data-contract="uc-1"' in body
    (total,) = page.context["totals"]
    assert total.referred == 1
    wider = staff.get("/desk/cmdb/suppliers/report/", {"days": "365"}).context["totals"]
    assert wider[0].referred == 2
    assert staff.get("/desk/cmdb/suppliers/report/", {"days": "7"}).context["days"] == 90

    outsider = verified_login(
        type(client)(), make_user("nobody", roles=[], org_unit=org_units["other"])
    )
    assert outsider.get("/desk/cmdb/suppliers/report/").status_code == 403


def test_the_api_lists_referrals_and_the_supplier_report(
    refer: Callable[..., SupplierReferral],
    work: Callable[[], User],
    make_user: Callable[..., User],
    org_units: dict[str, OrgUnit],
    verified_login: Any,
    client: Any,
) -> None:
    now = dt.datetime.now(dt.UTC)
    back = referrals.return_from_supplier(
        refer(work(), at=now - 3 * HOUR), actor=None, at=now - 2 * HOUR
    )
    out = refer(work(), at=now - HOUR, reference="NC-9")
    staff = verified_login(
        client, make_user("api_reader", roles=["supervisor"], org_unit=org_units["ministry"])
    )
    listed = staff.get("/api/v1/cmdb/referrals/").json()["items"]
    assert [row["id"] for row in listed] == [out.pk, back.pk]  # newest first
    assert listed[0]["supplier"] == "netco" and listed[0]["clock"] == "running"
    assert listed[0]["supplier_reference"] == "NC-9" and listed[0]["due_at"]
    assert listed[1]["clock"] in {"met", "breached"} and listed[1]["status"] == "returned"
    only_open = staff.get("/api/v1/cmdb/referrals/", {"status": "open"}).json()["items"]
    assert [row["id"] for row in only_open] == [out.pk]

    report = staff.get("/api/v1/cmdb/reports/suppliers/", {"days": 30}).json()
    (line,) = report["suppliers"]
    assert (line["supplier"], line["contract"], line["referred"], line["open"]) == (
        "netco",
        None,
        2,
        1,
    )
    assert report["contracts"][0]["contract"] == "uc-1"
    schema = staff.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/cmdb/referrals/" in schema and "/api/v1/cmdb/reports/suppliers/" in schema

    outsider = verified_login(
        type(client)(), make_user("api_nobody", roles=[], org_unit=org_units["other"])
    )
    assert outsider.get("/api/v1/cmdb/referrals/").status_code == 403
