"""Use cases of assets, licences, suppliers and contracts, and the expiry alerts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from khedmat.accounts.models import OrgUnit, User
from khedmat.cmdb import alerts, assets
from khedmat.cmdb.choices import AssetStatus
from khedmat.cmdb.models import (
    Asset,
    CiType,
    Contract,
    Licence,
    LicenceAssignment,
    Supplier,
)
from khedmat.cmdb.services import create_ci
from khedmat.core.models import Activity
from khedmat.notifications.models import Message

pytest_plugins = ["tests.cmdb.conftest_assets"]
pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 1)
NOW = dt.datetime(2026, 3, 1, 6, 0, tzinfo=dt.UTC)


def verbs(record: Any) -> list[str]:
    return list(Activity.objects.for_target(record).order_by("id").values_list("verb", flat=True))


@pytest.fixture
def laptop(cmdb_agent: User) -> Asset:
    return assets.register_asset(tag="lt-001", name="Laptop", kind="hardware", actor=cmdb_agent)


@pytest.fixture
def licence(cmdb_agent: User) -> Licence:
    return assets.add_licence(
        code="office",
        product="Office suite",
        seats=2,
        expires_on=dt.date(2026, 12, 31),
        actor=cmdb_agent,
    )


class TestAssets:
    def test_register_assign_return_dispose(
        self, laptop: Asset, cmdb_agent: User, org_units: dict[str, OrgUnit]
    ) -> None:
        assert laptop.status == AssetStatus.IN_STOCK
        assets.assign_asset(laptop, user=cmdb_agent, org_unit=org_units["office"], actor=cmdb_agent)
        laptop.refresh_from_db()
        assert (laptop.status, laptop.assigned_to, laptop.org_unit) == (
            AssetStatus.IN_USE,
            cmdb_agent,
            org_units["office"],
        )
        assets.return_asset(laptop, actor=cmdb_agent)
        laptop.refresh_from_db()
        assert (laptop.status, laptop.assigned_to, laptop.org_unit) == (
            AssetStatus.IN_STOCK,
            None,
            None,
        )
        assets.dispose_asset(laptop, reason="broken", actor=cmdb_agent)
        assert verbs(laptop) == [
            "asset.registered",
            "asset.assigned",
            "asset.returned",
            "asset.disposed",
        ]
        with pytest.raises(assets.AssetDisposedError):
            assets.assign_asset(laptop, user=cmdb_agent, actor=cmdb_agent)
        with pytest.raises(assets.AssetDisposedError):
            assets.update_asset(laptop, name="New", actor=cmdb_agent)
        assert Asset.objects.get(pk=laptop.pk).name == "Laptop"

    def test_update_writes_old_and_new_and_nothing_when_unchanged(
        self, laptop: Asset, cmdb_agent: User
    ) -> None:
        assets.update_asset(laptop, serial_number="SN1", warranty_ends_on=TODAY, actor=cmdb_agent)
        assets.update_asset(laptop, serial_number="SN1", actor=cmdb_agent)
        row = Activity.objects.for_target(laptop).get(verb="asset.updated")
        assert row.old_value == {"serial_number": "", "warranty_ends_on": None}
        assert row.new_value == {"serial_number": "SN1", "warranty_ends_on": "2026-03-01"}
        with pytest.raises(assets.AssetError):
            assets.update_asset(laptop, status="disposed", actor=cmdb_agent)

    def test_assign_needs_someone_and_tags_are_unique(
        self, laptop: Asset, cmdb_agent: User
    ) -> None:
        with pytest.raises(assets.AssigneeMissingError):
            assets.assign_asset(laptop, actor=cmdb_agent)
        with pytest.raises(assets.DuplicateRecordCodeError):
            assets.register_asset(tag="lt-001", name="Other", kind="hardware", actor=cmdb_agent)
        assert Asset.objects.count() == 1


class TestSeats:
    def test_seats_until_full(
        self, licence: Licence, laptop: Asset, cmdb_agent: User, cmdb_supervisor: User
    ) -> None:
        assets.assign_seat(licence, user=cmdb_agent, actor=cmdb_agent, today=TODAY)
        assets.assign_seat(licence, asset=laptop, actor=cmdb_agent, today=TODAY)
        with pytest.raises(assets.SeatsFullError):
            assets.assign_seat(licence, user=cmdb_supervisor, actor=cmdb_agent, today=TODAY)
        assert licence.assignments.count() == 2
        seat = licence.assignments.get(user=cmdb_agent)
        assets.release_seat(seat, actor=cmdb_agent)
        assets.assign_seat(licence, user=cmdb_supervisor, actor=cmdb_agent, today=TODAY)
        assert verbs(licence) == [
            "licence.added",
            "licence.seat_assigned",
            "licence.seat_assigned",
            "licence.seat_released",
            "licence.seat_assigned",
        ]

    def test_refused_when_expired_taken_or_holderless(
        self, licence: Licence, laptop: Asset, cmdb_agent: User
    ) -> None:
        with pytest.raises(assets.LicenceExpiredError):
            assets.assign_seat(
                licence, user=cmdb_agent, actor=cmdb_agent, today=dt.date(2027, 1, 1)
            )
        assets.assign_seat(licence, user=cmdb_agent, actor=cmdb_agent, today=TODAY)
        with pytest.raises(assets.SeatTakenError):
            assets.assign_seat(licence, user=cmdb_agent, actor=cmdb_agent, today=TODAY)
        with pytest.raises(assets.SeatHolderError):
            assets.assign_seat(licence, actor=cmdb_agent, today=TODAY)
        with pytest.raises(assets.SeatHolderError):
            assets.assign_seat(
                licence, user=cmdb_agent, asset=laptop, actor=cmdb_agent, today=TODAY
            )
        assert licence.assignments.count() == 1
        assert verbs(licence).count("licence.seat_assigned") == 1

    def test_disposing_of_an_asset_releases_its_seats(
        self, licence: Licence, laptop: Asset, cmdb_agent: User
    ) -> None:
        assets.assign_seat(licence, asset=laptop, actor=cmdb_agent, today=TODAY)
        assets.dispose_asset(laptop, actor=cmdb_agent)
        assert not LicenceAssignment.objects.exists()
        assert verbs(licence)[-1] == "licence.seat_released"
        with pytest.raises(assets.AssetDisposedError):
            assets.assign_seat(licence, asset=laptop, actor=cmdb_agent, today=TODAY)


class TestSuppliersAndContracts:
    def test_supplier_with_contacts(self, cmdb_supervisor: User) -> None:
        supplier = assets.add_supplier(
            code="acme",
            name="Acme",
            phone="021",
            actor=cmdb_supervisor,
            contacts=[{"name": "Ali", "role": "Sales"}, {"name": " "}],
        )
        assert list(supplier.contacts.values_list("name", "role")) == [("Ali", "Sales")]
        assets.update_supplier(
            supplier,
            name="Acme Ltd",
            contacts=[{"name": "Zahra", "email": "z@acme.ir"}],
            actor=cmdb_supervisor,
        )
        supplier.refresh_from_db()
        assert supplier.name == "Acme Ltd"
        assert list(supplier.contacts.values_list("name", flat=True)) == ["Zahra"]
        assert verbs(supplier) == ["supplier.added", "supplier.updated"]

    def test_contract_over_cis(self, cmdb_supervisor: User) -> None:
        supplier = assets.add_supplier(code="acme", name="Acme", actor=cmdb_supervisor)
        server = CiType.objects.get(code="service")
        one = create_ci(code="one", name="One", ci_type=server, actor=cmdb_supervisor)
        two = create_ci(code="two", name="Two", ci_type=server, actor=cmdb_supervisor)
        with pytest.raises(assets.ContractDatesError):
            assets.add_contract(
                code="c-1",
                title="Support",
                kind="support",
                supplier=supplier,
                starts_on=TODAY,
                ends_on=TODAY - dt.timedelta(days=1),
                actor=cmdb_supervisor,
            )
        contract = assets.add_contract(
            code="c-1",
            title="Support",
            kind="support",
            supplier=supplier,
            starts_on=TODAY,
            ends_on=dt.date(2027, 2, 28),
            items=[one],
            actor=cmdb_supervisor,
        )
        assets.update_contract(contract, items=[one, two], title="Support+", actor=cmdb_supervisor)
        contract.refresh_from_db()
        assert sorted(contract.items.values_list("code", flat=True)) == ["one", "two"]
        row = Activity.objects.for_target(contract).get(verb="contract.updated")
        assert row.new_value == {"title": "Support+", "items": ["one", "two"]}
        with pytest.raises(assets.ContractDatesError):
            assets.update_contract(contract, ends_on=dt.date(2020, 1, 1), actor=cmdb_supervisor)
        assert Contract.objects.get(pk=contract.pk).ends_on == dt.date(2027, 2, 28)


class TestAlerts:
    def test_licence_expiry_is_announced_once(
        self, cmdb_agent: User, cmdb_supervisor: User, settings: Any
    ) -> None:
        settings.KHEDMAT_LICENCE_WARNING_DAYS = 30
        User.objects.filter(pk=cmdb_supervisor.pk).update(preferred_language="en")
        soon = assets.add_licence(
            code="soon",
            product="Soon",
            seats=1,
            expires_on=TODAY + dt.timedelta(days=30),
            actor=cmdb_agent,
        )
        assets.add_licence(
            code="later",
            product="Later",
            seats=1,
            expires_on=TODAY + dt.timedelta(days=31),
            actor=cmdb_agent,
        )
        assets.add_licence(
            code="past",
            product="Past",
            seats=1,
            expires_on=TODAY - dt.timedelta(days=1),
            actor=cmdb_agent,
        )
        assert alerts.warn_expiring_licences(now=NOW) == 1
        assert alerts.warn_expiring_licences(now=NOW) == 0
        soon.refresh_from_db()
        assert soon.expiry_warned_on == TODAY
        messages = list(Message.objects.filter(event="licence_expiring"))
        assert [(m.channel, m.recipient) for m in messages] == [("email", cmdb_supervisor.email)]
        assert "Soon (soon)" in messages[0].body and "in 30 days" in messages[0].body
        assert verbs(soon)[-1] == "licence.expiry_warned"

    def test_contract_end_is_announced_once(self, cmdb_supervisor: User) -> None:
        supplier = Supplier.objects.create(code="s", name="S")
        Contract.objects.create(
            code="c",
            title="C",
            kind="support",
            supplier=supplier,
            starts_on=dt.date(2025, 1, 1),
            ends_on=TODAY + dt.timedelta(days=10),
        )
        assert alerts.warn_ending_contracts(now=NOW) == 1
        assert alerts.warn_ending_contracts(now=NOW) == 0
        assert Message.objects.filter(event="contract_ending").count() == 1


def test_the_verbs_are_registered_with_labels() -> None:
    from khedmat.cmdb.asset_verbs import ACTIVITY_LABELS
    from khedmat.core.verbs import registered_verbs, verb_label

    assert set(ACTIVITY_LABELS) <= set(registered_verbs())
    assert verb_label("licence.seat_assigned") == "Licence seat given"


def test_the_tick_runs_the_alerts_at_most_hourly(cmdb_agent: User, settings: Any) -> None:
    settings.KHEDMAT_LICENCE_WARNING_DAYS = 10
    today = timezone.localdate()
    assets.add_licence(
        code="t1", product="T1", seats=1, expires_on=today + dt.timedelta(days=5), actor=cmdb_agent
    )
    alerts._last_run.clear()
    assert alerts.expiry_alerts_tick() == 1
    assets.add_licence(
        code="t2", product="T2", seats=1, expires_on=today + dt.timedelta(days=5), actor=cmdb_agent
    )
    assert alerts.expiry_alerts_tick() == 0  # within the hour: not looked at again
    assert alerts.warn_expiring_licences() == 1
    alerts._last_run.clear()
