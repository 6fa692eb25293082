"""Desk pages of assets, licences, contracts and suppliers: who may open them, the filters and
keyset pages, the forms through the use cases, refusals shown as errors, constant query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from khedmat.accounts.models import User
from khedmat.cmdb import assets
from khedmat.cmdb.choices import AssetStatus
from khedmat.cmdb.models import Asset, CiType, Contract, Licence, LicenceAssignment, Supplier
from khedmat.cmdb.services import create_ci
from khedmat.core.models import Activity

pytest_plugins = ["tests.cmdb.conftest_assets"]
pytestmark = pytest.mark.django_db


def body(response: Any) -> str:
    return str(response.content.decode())


@pytest.fixture
def acme(cmdb_supervisor: User) -> Supplier:
    return assets.add_supplier(
        code="acme",
        name="Acme",
        contacts=[{"name": "Ali Contact", "role": "Sales"}],
        actor=cmdb_supervisor,
    )


def make_assets(count: int, supplier: Supplier, actor: User, *, start: int = 0) -> None:
    for number in range(start, start + count):
        assets.register_asset(
            tag=f"pc-{number:03d}",
            name=f"PC {number:03d}",
            kind="hardware",
            supplier=supplier,
            actor=actor,
        )


def make_licences(count: int, supplier: Supplier, actor: User, *, start: int = 0) -> None:
    for number in range(start, start + count):
        licence = assets.add_licence(
            code=f"lic-{number}",
            product=f"Product {number}",
            seats=3,
            supplier=supplier,
            actor=actor,
        )
        assets.assign_seat(licence, user=actor, actor=actor)


def make_contracts(count: int, supplier: Supplier, actor: User, *, start: int = 0) -> None:
    today = timezone.localdate()
    ci_type = CiType.objects.get(code="service")
    for number in range(start, start + count):
        item = create_ci(
            code=f"svc-{number}", name=f"Service {number}", ci_type=ci_type, actor=actor
        )
        assets.add_contract(
            code=f"c-{number}",
            title=f"Contract {number}",
            kind="support",
            supplier=supplier,
            starts_on=today,
            ends_on=today + dt.timedelta(days=10 + number * 30),
            items=[item],
            actor=actor,
        )


class TestPermissions:
    @pytest.mark.parametrize(
        "name", ["asset_list", "licence_list", "contract_list", "supplier_list", "asset_new"]
    )
    def test_an_operator_may_not_open_them(self, operator_client: Client, name: str) -> None:
        assert operator_client.get(reverse(f"cmdb:{name}")).status_code == 403

    def test_an_agent_manages_assets_but_not_contracts_or_suppliers(
        self, agent_client: Client, acme: Supplier
    ) -> None:
        assert agent_client.get(reverse("cmdb:asset_new")).status_code == 200
        assert agent_client.get(reverse("cmdb:contract_list")).status_code == 200
        assert agent_client.get(reverse("cmdb:contract_new")).status_code == 403
        response = agent_client.post(reverse("cmdb:supplier_new"), {"code": "x", "name": "X"})
        assert response.status_code == 403
        assert not Supplier.objects.filter(code="x").exists()


class TestLists:
    def test_assets_filter_and_keyset_pages(
        self, agent_client: Client, acme: Supplier, cmdb_supervisor: User
    ) -> None:
        make_assets(55, acme, cmdb_supervisor)
        first = agent_client.get(reverse("cmdb:asset_list"))
        page = first.context["page"]
        assert [asset.tag for asset in page.items][:2] == ["pc-000", "pc-001"]
        assert len(page.items) == 50 and page.next_cursor
        second = agent_client.get(reverse("cmdb:asset_list"), {"after": page.next_cursor})
        assert [asset.tag for asset in second.context["page"].items] == [
            f"pc-{n:03d}" for n in range(50, 55)
        ]
        found = agent_client.get(reverse("cmdb:asset_list"), {"words": "PC 007"})
        assert [asset.tag for asset in found.context["page"].items] == ["pc-007"]
        assets.dispose_asset(Asset.objects.get(tag="pc-003"), actor=cmdb_supervisor)
        disposed = agent_client.get(reverse("cmdb:asset_list"), {"status": "disposed"})
        assert [asset.tag for asset in disposed.context["page"].items] == ["pc-003"]

    def test_contracts_ending_within_n_days(
        self, supervisor_client: Client, acme: Supplier, cmdb_supervisor: User
    ) -> None:
        make_contracts(3, acme, cmdb_supervisor)  # ending in 10, 40 and 70 days
        response = supervisor_client.get(reverse("cmdb:contract_list"), {"ending_within": "45"})
        assert [c.code for c in response.context["page"].items] == ["c-0", "c-1"]

    @pytest.mark.parametrize(
        ("name", "make"),
        [
            ("asset_list", make_assets),
            ("licence_list", make_licences),
            ("contract_list", make_contracts),
            ("supplier_list", None),
        ],
    )
    def test_constant_query_counts(
        self,
        supervisor_client: Client,
        acme: Supplier,
        cmdb_supervisor: User,
        django_assert_num_queries: Any,
        name: str,
        make: Any,
    ) -> None:
        def grow(start: int) -> None:
            if make is None:
                for number in range(start, start + 3):
                    Supplier.objects.create(code=f"s-{number}", name=f"S {number}")
            else:
                make(3, acme, cmdb_supervisor, start=start)

        grow(0)
        supervisor_client.get(reverse(f"cmdb:{name}"))  # warm the session and permissions
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as few:
            supervisor_client.get(reverse(f"cmdb:{name}"))
        grow(3)
        with django_assert_num_queries(len(few.captured_queries)):
            response = supervisor_client.get(reverse(f"cmdb:{name}"))
        assert response.status_code == 200


class TestAssetPages:
    def test_register_assign_and_dispose(
        self, agent_client: Client, cmdb_agent: User, acme: Supplier
    ) -> None:
        ci = create_ci(
            code="pc-ci",
            name="PC as CI",
            ci_type=CiType.objects.get(code="application"),
            actor=cmdb_agent,
        )
        response = agent_client.post(
            reverse("cmdb:asset_new"),
            {
                "tag": "lt-9",
                "name": "Laptop 9",
                "kind": "hardware",
                "configuration_item": "pc-ci",
                "supplier": acme.pk,
                "warranty_ends_on": "1400/01/01",
            },
        )
        assert response.status_code == 302
        asset = Asset.objects.get(tag="lt-9")
        assert (asset.configuration_item, asset.warranty_ends_on) == (ci, dt.date(2021, 3, 21))
        page = agent_client.get(reverse("cmdb:asset_detail", args=["lt-9"]))
        assert 'data-warranty="ended"' in body(page) and 'data-testid="asset-ci"' in body(page)
        act = reverse("cmdb:asset_act", args=["lt-9"])
        assert (
            agent_client.post(act, {"action": "assign", "user": cmdb_agent.pk}).status_code == 302
        )
        assert Asset.objects.get(tag="lt-9").assigned_to == cmdb_agent
        edit = agent_client.get(reverse("cmdb:asset_edit", args=["lt-9"]))
        assert 'value="pc-ci"' in body(edit)
        assert agent_client.post(act, {"action": "dispose", "reason": "old"}).status_code == 302
        refused = agent_client.post(act, {"action": "assign", "user": cmdb_agent.pk})
        assert refused.status_code == 400
        assert "disposed of" in body(refused)
        asset.refresh_from_db()
        assert (asset.status, asset.assigned_to) == (AssetStatus.DISPOSED, None)

    def test_edit_and_detail_query_count(
        self, agent_client: Client, cmdb_agent: User, django_assert_max_num_queries: Any
    ) -> None:
        asset = assets.register_asset(tag="m-1", name="Monitor", kind="hardware", actor=cmdb_agent)
        response = agent_client.post(
            reverse("cmdb:asset_edit", args=["m-1"]),
            {"tag": "other", "name": "Monitor 27", "kind": "hardware", "serial_number": "S9"},
        )
        assert response.status_code == 302
        asset.refresh_from_db()
        assert (asset.tag, asset.name, asset.serial_number) == ("m-1", "Monitor 27", "S9")
        with django_assert_max_num_queries(14):
            assert agent_client.get(reverse("cmdb:asset_detail", args=["m-1"])).status_code == 200


class TestLicencePages:
    def test_seats_given_refused_when_full_and_released(
        self,
        agent_client: Client,
        supervisor_client: Client,
        cmdb_agent: User,
        cmdb_supervisor: User,
    ) -> None:
        response = agent_client.post(
            reverse("cmdb:licence_new"), {"code": "av", "product": "Antivirus", "seats": "1"}
        )
        assert response.status_code == 302
        seat_url = reverse("cmdb:licence_seat", args=["av"])
        assert agent_client.post(seat_url, {"user": cmdb_agent.pk}).status_code == 302
        full = agent_client.post(seat_url, {"user": cmdb_supervisor.pk})
        assert full.status_code == 400 and "Every seat of this licence is taken" in body(full)
        assert LicenceAssignment.objects.count() == 1
        page = agent_client.get(reverse("cmdb:licence_detail", args=["av"]))
        assert "1 of 1 seats used" in body(page) and "0 seats free" in body(page)
        seat = LicenceAssignment.objects.get()
        release = reverse("cmdb:licence_release", args=["av", seat.pk])
        assert agent_client.post(release).status_code == 403  # agents take nothing back
        assert supervisor_client.post(release).status_code == 302
        assert not LicenceAssignment.objects.exists()

    def test_expired_licence_refuses_a_seat(self, agent_client: Client, cmdb_agent: User) -> None:
        Licence.objects.create(code="old", product="Old", seats=5, expires_on=dt.date(2020, 1, 1))
        refused = agent_client.post(
            reverse("cmdb:licence_seat", args=["old"]), {"user": cmdb_agent.pk}
        )
        assert refused.status_code == 400 and "has expired" in body(refused)
        assert not LicenceAssignment.objects.exists()


class TestContractsAndSuppliers:
    def test_supplier_with_contacts_and_its_page(
        self, supervisor_client: Client, django_assert_max_num_queries: Any
    ) -> None:
        data = {
            "code": "nova",
            "name": "Nova",
            "is_active": "on",
            "contacts-TOTAL_FORMS": "2",
            "contacts-INITIAL_FORMS": "0",
            "contacts-0-name": "Zahra",
            "contacts-0-role": "Support",
            "contacts-1-name": "",
        }
        assert supervisor_client.post(reverse("cmdb:supplier_new"), data).status_code == 302
        supplier = Supplier.objects.get(code="nova")
        assert list(supplier.contacts.values_list("name", flat=True)) == ["Zahra"]
        with django_assert_max_num_queries(14):
            page = supervisor_client.get(reverse("cmdb:supplier_detail", args=["nova"]))
        assert "Zahra" in body(page)
        assert [row.verb for row in Activity.objects.for_target(supplier)] == ["supplier.added"]

    def test_contract_form_with_cis_and_days_left(
        self, supervisor_client: Client, acme: Supplier, cmdb_supervisor: User
    ) -> None:
        create_ci(
            code="mail",
            name="Mail",
            ci_type=CiType.objects.get(code="service"),
            actor=cmdb_supervisor,
        )
        today = timezone.localdate()
        data = {
            "code": "k-1",
            "title": "Mail support",
            "kind": "support",
            "supplier": acme.pk,
            "starts_on": today.isoformat().replace("-", "/"),
            "ends_on": (today + dt.timedelta(days=20)).isoformat().replace("-", "/"),
            "currency": "IRR",
            "item_codes": "mail, ghost",
        }
        refused = supervisor_client.post(reverse("cmdb:contract_new"), data)
        assert refused.status_code == 400 and "Unknown configuration items: ghost" in body(refused)
        data["item_codes"] = "mail"
        assert supervisor_client.post(reverse("cmdb:contract_new"), data).status_code == 302
        contract = Contract.objects.get(code="k-1")
        assert list(contract.items.values_list("code", flat=True)) == ["mail"]
        page = supervisor_client.get(reverse("cmdb:contract_detail", args=["k-1"]))
        assert "20 days left" in body(page)


def test_pages_in_persian_show_jalali_dates_and_persian_digits(
    cmdb_agent: User, verified_login: Any
) -> None:
    client = verified_login(Client(headers={"accept-language": "fa"}), cmdb_agent)
    Licence.objects.create(code="fa", product="Office", seats=12, expires_on=dt.date(2026, 3, 21))
    page = body(client.get(reverse("cmdb:licence_detail", args=["fa"])))
    assert "۱ فروردین ۱۴۰۵" in page
    assert "۱۲" in page
    listing = body(client.get(reverse("cmdb:licence_list")))
    assert 'data-licence="fa"' in listing
