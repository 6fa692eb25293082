"""The CMDB API's writes of suppliers, contracts, assets and licences: each through its use case
with an Activity row, each behind its permission (403, nothing written), refusals answered with
the use case's translated message (nothing half-written), codes that name nothing answered 422
naming the field, and every operation in the OpenAPI document."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from khedmat.accounts.models import OrgUnit, User
from khedmat.cmdb import assets
from khedmat.cmdb.models import (
    Asset,
    ConfigurationItem,
    Contract,
    Licence,
    LicenceAssignment,
    Supplier,
    SupplierContact,
)
from khedmat.core.models import Activity
from khedmat.sla.models import SlaPolicy

pytest_plugins = ["tests.cmdb.conftest_assets"]
pytestmark = pytest.mark.django_db
URL = "/api/v1/cmdb/"


def send(client: Client, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    call = getattr(client, method)
    if body is None:
        return call(f"{URL}{path}")
    return call(f"{URL}{path}", body, content_type="application/json")


def verbs(record: Any) -> list[str]:
    return list(Activity.objects.for_target(record).order_by("id").values_list("verb", flat=True))


def last(record: Any) -> Activity:
    activity = Activity.objects.for_target(record).order_by("id").last()
    assert activity is not None
    return activity


def snapshot() -> dict[str, Any]:
    """Every row the writes touch, to show a refusal left all of it as it was."""
    return {
        "suppliers": list(Supplier.objects.order_by("pk").values()),
        "contacts": list(SupplierContact.objects.order_by("pk").values()),
        "contracts": list(Contract.objects.order_by("pk").values()),
        "covered": list(Contract.items.through.objects.order_by("pk").values()),
        "assets": list(Asset.objects.order_by("pk").values()),
        "licences": list(Licence.objects.order_by("pk").values()),
        "seats": list(LicenceAssignment.objects.order_by("pk").values()),
        "activity": Activity.objects.count(),
    }


def refused(response: Any, status: int, detail: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["detail"] == detail


@pytest.fixture
def acme(cmdb_supervisor: User) -> Supplier:
    return assets.add_supplier(code="acme", name="Acme", actor=cmdb_supervisor)


@pytest.fixture
def servers(make_ci: Callable[..., ConfigurationItem]) -> list[ConfigurationItem]:
    return [make_ci("web-01"), make_ci("db-01", "database")]


@pytest.fixture
def laptop(cmdb_agent: User) -> Asset:
    return assets.register_asset(tag="lt-001", name="Laptop", kind="hardware", actor=cmdb_agent)


@pytest.fixture
def office(cmdb_agent: User) -> Licence:
    return assets.add_licence(code="office", product="Office suite", seats=1, actor=cmdb_agent)


# --- suppliers ----------------------------------------------------------------------------------


class TestSuppliers:
    def test_add_read_and_change_with_contacts(
        self, supervisor_client: Client, cmdb_supervisor: User
    ) -> None:
        created = send(
            supervisor_client,
            "post",
            "suppliers/",
            {
                "code": "acme",
                "name": "Acme",
                "email": "sales@acme.ir",
                "contacts": [
                    {"name": "Ali", "role": "Sales", "email": "ali@acme.ir"},
                    {"name": "Sara", "phone": "021-555"},
                ],
            },
        )
        assert created.status_code == 201, created.content
        body = created.json()
        assert (body["code"], body["email"], body["is_active"]) == ("acme", "sales@acme.ir", True)
        assert [contact["name"] for contact in body["contacts"]] == ["Ali", "Sara"]
        supplier = Supplier.objects.get(code="acme")
        added = last(supplier)
        assert (added.verb, added.actor, added.data) == (
            "supplier.added",
            cmdb_supervisor,
            {"contacts": 2},
        )

        changed = send(
            supervisor_client,
            "patch",
            "suppliers/acme/",
            {"phone": "021-1234", "contacts": [{"name": "Reza", "role": "Support"}]},
        )
        assert changed.status_code == 200, changed.content
        assert changed.json()["phone"] == "021-1234"
        assert changed.json()["contacts"] == [
            {"name": "Reza", "role": "Support", "phone": "", "email": ""}
        ]
        assert changed.json()["name"] == "Acme"  # a field not sent stays as it was
        updated = last(supplier)
        assert (updated.verb, updated.new_value, updated.data) == (
            "supplier.updated",
            {"phone": "021-1234"},
            {"contacts": ["Reza"]},
        )
        read = send(supervisor_client, "get", "suppliers/acme/").json()
        assert (read["phone"], [c["name"] for c in read["contacts"]]) == ("021-1234", ["Reza"])
        assert verbs(supplier) == ["supplier.added", "supplier.updated"]

    def test_agents_may_read_but_not_add_or_change(
        self, agent_client: Client, acme: Supplier
    ) -> None:
        assert send(agent_client, "get", "suppliers/acme/").json()["name"] == "Acme"
        before = snapshot()
        assert send(agent_client, "post", "suppliers/", {"code": "x", "name": "X"}).status_code == (
            403
        )
        assert send(agent_client, "patch", "suppliers/acme/", {"name": "Y"}).status_code == 403
        assert snapshot() == before

    def test_refusals_write_nothing(self, supervisor_client: Client, acme: Supplier) -> None:
        before = snapshot()
        duplicate = send(supervisor_client, "post", "suppliers/", {"code": "acme", "name": "A2"})
        refused(duplicate, 422, "Another record has this code.")
        bad_email = send(
            supervisor_client,
            "patch",
            "suppliers/acme/",
            {"name": "Acme 2", "contacts": [{"name": "Ali", "email": "not-an-address"}]},
        )
        refused(bad_email, 422, "The request does not have the expected shape.")
        no_name = send(supervisor_client, "patch", "suppliers/acme/", {"name": None})
        refused(no_name, 422, "The request does not have the expected shape.")
        bad_code = send(supervisor_client, "post", "suppliers/", {"code": "a/b", "name": "A"})
        assert bad_code.status_code == 422
        assert send(supervisor_client, "get", "suppliers/nobody/").status_code == 404
        assert send(supervisor_client, "patch", "suppliers/nobody/", {"name": "N"}).status_code == (
            404
        )
        assert snapshot() == before


# --- contracts ----------------------------------------------------------------------------------


class TestContracts:
    def test_add_read_and_change(
        self,
        supervisor_client: Client,
        cmdb_supervisor: User,
        acme: Supplier,
        servers: list[ConfigurationItem],
    ) -> None:
        policy = SlaPolicy.objects.create(name="Acme's four hours")
        created = send(
            supervisor_client,
            "post",
            "contracts/",
            {
                "code": "c-1404-01",
                "title": "Server support",
                "kind": "support",
                "supplier": "acme",
                "starts_on": "2026-03-21",
                "ends_on": "2027-03-20",
                "value": 1_500_000_000,
                "sla_policy": policy.pk,
                "items": ["web-01", "db-01", "web-01"],
            },
        )
        assert created.status_code == 201, created.content
        body = created.json()
        assert body["supplier"] == "acme" and body["items"] == ["db-01", "web-01"]
        assert (body["starts_on"], body["ends_on"]) == ("2026-03-21", "2027-03-20")
        assert (body["value"], body["currency"], body["sla_policy"]) == (
            1_500_000_000,
            "IRR",
            policy.pk,
        )
        contract = Contract.objects.get(code="c-1404-01")
        assert contract.ends_on == dt.date(2027, 3, 20) and contract.sla_policy == policy
        added = last(contract)
        assert (added.verb, added.actor, added.data) == (
            "contract.added",
            cmdb_supervisor,
            {"items": ["db-01", "web-01"]},
        )

        changed = send(
            supervisor_client,
            "patch",
            "contracts/c-1404-01/",
            {"ends_on": "2028-03-19", "items": ["web-01"], "sla_policy": None},
        )
        assert changed.status_code == 200, changed.content
        assert (changed.json()["ends_on"], changed.json()["items"]) == ("2028-03-19", ["web-01"])
        assert changed.json()["sla_policy"] is None
        updated = last(contract)
        assert updated.verb == "contract.updated"
        assert updated.old_value == {
            "ends_on": "2027-03-20",
            "sla_policy": policy.pk,
            "items": ["db-01", "web-01"],
        }
        assert updated.new_value == {
            "ends_on": "2028-03-19",
            "sla_policy": None,
            "items": ["web-01"],
        }
        read = send(supervisor_client, "get", "contracts/c-1404-01/").json()
        assert (read["title"], read["items"]) == ("Server support", ["web-01"])

    def test_codes_that_name_nothing_and_dates_backwards_write_nothing(
        self, supervisor_client: Client, acme: Supplier, servers: list[ConfigurationItem]
    ) -> None:
        body = {
            "code": "c-1",
            "title": "Support",
            "kind": "support",
            "supplier": "acme",
            "starts_on": "2026-03-21",
            "ends_on": "2027-03-20",
        }
        before = snapshot()
        unknown_supplier = send(supervisor_client, "post", "contracts/", {**body, "supplier": "x"})
        refused(unknown_supplier, 422, "Nothing has the code x (supplier).")
        unknown_items = send(
            supervisor_client, "post", "contracts/", {**body, "items": ["web-01", "zz", "aa"]}
        )
        refused(unknown_items, 422, "Nothing has the code aa, zz (items).")
        unknown_policy = send(supervisor_client, "post", "contracts/", {**body, "sla_policy": 999})
        refused(unknown_policy, 422, "Nothing has the code 999 (sla_policy).")
        backwards = send(supervisor_client, "post", "contracts/", {**body, "ends_on": "2026-03-20"})
        refused(backwards, 422, "The contract must not end before it starts.")
        assert snapshot() == before

        assert send(supervisor_client, "post", "contracts/", body).status_code == 201
        before = snapshot()
        refused(
            send(
                supervisor_client,
                "patch",
                "contracts/c-1/",
                {"title": "Changed", "ends_on": "2025-01-01"},
            ),
            422,
            "The contract must not end before it starts.",
        )
        refused(
            send(
                supervisor_client,
                "patch",
                "contracts/c-1/",
                {"title": "Changed", "items": ["web-01", "ghost"]},
            ),
            422,
            "Nothing has the code ghost (items).",
        )
        refused(
            send(supervisor_client, "patch", "contracts/c-1/", {"supplier": None}),
            422,
            "The request does not have the expected shape.",
        )
        assert snapshot() == before
        assert Contract.objects.get().title == "Support"

    def test_agents_may_not_add_or_change_contracts(
        self, agent_client: Client, acme: Supplier, cmdb_supervisor: User
    ) -> None:
        contract = assets.add_contract(
            code="c-2",
            title="Support",
            kind="support",
            supplier=acme,
            starts_on=dt.date(2026, 1, 1),
            ends_on=dt.date(2026, 12, 31),
            actor=cmdb_supervisor,
        )
        before = snapshot()
        body = {
            "code": "c-3",
            "title": "T",
            "kind": "support",
            "supplier": "acme",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
        }
        assert send(agent_client, "post", "contracts/", body).status_code == 403
        assert send(agent_client, "patch", "contracts/c-2/", {"title": "X"}).status_code == 403
        assert snapshot() == before
        assert send(agent_client, "get", "contracts/c-2/").json()["code"] == contract.code


# --- assets -------------------------------------------------------------------------------------


class TestAssets:
    def test_register_change_assign_return_dispose(
        self,
        agent_client: Client,
        cmdb_agent: User,
        acme: Supplier,
        servers: list[ConfigurationItem],
        org_units: dict[str, OrgUnit],
    ) -> None:
        created = send(
            agent_client,
            "post",
            "assets/",
            {
                "tag": "srv-001",
                "name": "Rack server",
                "kind": "hardware",
                "configuration_item": "web-01",
                "supplier": "acme",
                "purchased_on": "2025-06-01",
                "warranty_ends_on": "2028-06-01",
                "cost": 900_000_000,
            },
        )
        assert created.status_code == 201, created.content
        body = created.json()
        assert (body["status"], body["configuration_item"], body["supplier"]) == (
            "in_stock",
            "web-01",
            "acme",
        )
        assert (body["purchased_on"], body["warranty_ends_on"], body["cost"]) == (
            "2025-06-01",
            "2028-06-01",
            900_000_000,
        )
        asset = Asset.objects.get(tag="srv-001")
        assert last(asset).actor == cmdb_agent

        changed = send(
            agent_client,
            "patch",
            "assets/srv-001/",
            {"location": "Room 2", "configuration_item": None, "warranty_ends_on": "2029-01-01"},
        )
        assert changed.status_code == 200, changed.content
        assert (changed.json()["location"], changed.json()["configuration_item"]) == (
            "Room 2",
            None,
        )
        assert last(asset).new_value == {
            "location": "Room 2",
            "configuration_item": None,
            "warranty_ends_on": "2029-01-01",
        }

        given = send(
            agent_client,
            "post",
            "assets/srv-001/assign/",
            {"user": "cmdb_agent", "org_unit": "office"},
        )
        assert given.status_code == 200, given.content
        assert (given.json()["status"], given.json()["assigned_to"], given.json()["org_unit"]) == (
            "in_use",
            "cmdb_agent",
            "office",
        )
        asset.refresh_from_db()
        assert (asset.assigned_to, asset.org_unit) == (cmdb_agent, org_units["office"])

        back = send(agent_client, "post", "assets/srv-001/return/")
        assert back.status_code == 200, back.content
        assert (back.json()["status"], back.json()["assigned_to"]) == ("in_stock", None)

        gone = send(agent_client, "post", "assets/srv-001/dispose/", {"reason": "burnt out"})
        assert gone.status_code == 200, gone.content
        assert gone.json()["status"] == "disposed"
        assert last(asset).data == {"reason": "burnt out", "seats_released": 0}
        assert verbs(asset) == [
            "asset.registered",
            "asset.updated",
            "asset.assigned",
            "asset.returned",
            "asset.disposed",
        ]
        assert send(agent_client, "get", "assets/srv-001/").json()["status"] == "disposed"

    def test_an_operator_may_not_write_assets(self, operator_client: Client, laptop: Asset) -> None:
        before = snapshot()
        body = {"tag": "x", "name": "X", "kind": "hardware"}
        assert send(operator_client, "post", "assets/", body).status_code == 403
        assert send(operator_client, "patch", "assets/lt-001/", {"name": "Y"}).status_code == 403
        for action in ("assign", "return", "dispose"):
            answer = send(
                operator_client, "post", f"assets/lt-001/{action}/", {"user": "cmdb_agent"}
            )
            assert answer.status_code == 403, action
        assert snapshot() == before

    def test_refusals_write_nothing(
        self,
        agent_client: Client,
        cmdb_agent: User,
        laptop: Asset,
        make_user: Callable[..., User],
    ) -> None:
        make_user("citizen")  # not staff: no asset is given to them
        before = snapshot()
        body = {"tag": "pc-1", "name": "PC", "kind": "hardware"}
        refused(
            send(agent_client, "post", "assets/", {**body, "supplier": "nobody"}),
            422,
            "Nothing has the code nobody (supplier).",
        )
        refused(
            send(agent_client, "post", "assets/", {**body, "configuration_item": "ghost"}),
            422,
            "Nothing has the code ghost (configuration_item).",
        )
        refused(
            send(agent_client, "post", "assets/", {**body, "tag": "lt-001"}),
            422,
            "Another record has this code.",
        )
        refused(
            send(agent_client, "post", "assets/lt-001/assign/", {}),
            422,
            "Choose one person or one unit.",
        )
        refused(
            send(agent_client, "post", "assets/lt-001/assign/", {"user": "citizen"}),
            422,
            "No active staff member has the username citizen (user).",
        )
        refused(
            send(
                agent_client,
                "post",
                "assets/lt-001/assign/",
                {"user": "cmdb_agent", "org_unit": "nowhere"},
            ),
            422,
            "Nothing has the code nowhere (org_unit).",
        )
        assert send(agent_client, "post", "assets/nothing/return/").status_code == 404
        assert snapshot() == before

    def test_a_disposed_asset_is_refused_every_change(
        self, agent_client: Client, cmdb_agent: User, laptop: Asset
    ) -> None:
        assets.dispose_asset(laptop, reason="stolen", actor=cmdb_agent)
        before = snapshot()
        message = "The asset was disposed of; it cannot change any more."
        refused(
            send(agent_client, "post", "assets/lt-001/assign/", {"user": "cmdb_agent"}),
            409,
            message,
        )
        refused(send(agent_client, "patch", "assets/lt-001/", {"name": "Again"}), 409, message)
        refused(send(agent_client, "post", "assets/lt-001/return/"), 409, message)
        refused(send(agent_client, "post", "assets/lt-001/dispose/", {"reason": "x"}), 409, message)
        assert snapshot() == before


# --- licences -----------------------------------------------------------------------------------


class TestLicences:
    def test_add_change_give_and_release_seats(
        self,
        agent_client: Client,
        supervisor_client: Client,
        cmdb_agent: User,
        cmdb_supervisor: User,
        acme: Supplier,
        laptop: Asset,
    ) -> None:
        created = send(
            agent_client,
            "post",
            "licences/",
            {"code": "gis", "product": "GIS desktop", "seats": 1, "supplier": "acme"},
        )
        assert created.status_code == 201, created.content
        assert (created.json()["seats"], created.json()["seats_used"]) == (1, 0)
        licence = Licence.objects.get(code="gis")
        assert (licence.supplier, last(licence).verb) == (acme, "licence.added")

        licence.expiry_warned_on = dt.date(2026, 1, 1)
        licence.save()
        changed = send(
            agent_client, "patch", "licences/gis/", {"seats": 2, "expires_on": "2027-01-31"}
        )
        assert changed.status_code == 200, changed.content
        assert (changed.json()["seats"], changed.json()["expires_on"]) == (2, "2027-01-31")
        updated = last(licence)
        assert (updated.verb, updated.actor) == ("licence.updated", cmdb_agent)
        assert (updated.old_value, updated.new_value) == (
            {"seats": 1, "expires_on": None},
            {"seats": 2, "expires_on": "2027-01-31"},
        )
        licence.refresh_from_db()
        assert licence.expiry_warned_on is None  # the new date is announced again

        person = send(agent_client, "post", "licences/gis/seats/", {"user": "cmdb_supervisor"})
        assert person.status_code == 201, person.content
        assert (person.json()["user"], person.json()["asset"]) == ("cmdb_supervisor", None)
        machine = send(agent_client, "post", "licences/gis/seats/", {"asset": "lt-001"})
        assert (machine.status_code, machine.json()["asset"]) == (201, "lt-001")
        read = send(agent_client, "get", "licences/gis/").json()
        assert read["seats_used"] == 2
        assert [(s["user"], s["asset"]) for s in read["assignments"]] == [
            ("cmdb_supervisor", None),
            (None, "lt-001"),
        ]

        seat = person.json()["id"]
        assert send(agent_client, "delete", f"licences/gis/seats/{seat}/").status_code == 403
        assert LicenceAssignment.objects.filter(pk=seat).exists()
        assert send(supervisor_client, "delete", f"licences/gis/seats/{seat}/").status_code == 204
        assert not LicenceAssignment.objects.filter(pk=seat).exists()
        released = last(licence)
        assert (released.verb, released.actor, released.old_value) == (
            "licence.seat_released",
            cmdb_supervisor,
            {"user": cmdb_supervisor.pk},
        )
        assert verbs(licence) == [
            "licence.added",
            "licence.updated",
            "licence.seat_assigned",
            "licence.seat_assigned",
            "licence.seat_released",
        ]

    def test_seat_refusals_write_nothing(
        self,
        agent_client: Client,
        supervisor_client: Client,
        cmdb_agent: User,
        office: Licence,
        laptop: Asset,
    ) -> None:
        assets.assign_seat(office, user=cmdb_agent, actor=cmdb_agent)
        assets.add_licence(
            code="old", product="Old", seats=5, expires_on=dt.date(2020, 1, 1), actor=cmdb_agent
        )
        other = assets.add_licence(code="other", product="Other", seats=5, actor=cmdb_agent)
        foreign = assets.assign_seat(other, user=cmdb_agent, actor=cmdb_agent)
        assets.dispose_asset(
            assets.register_asset(tag="lt-002", name="Old", kind="hardware", actor=cmdb_agent),
            actor=cmdb_agent,
        )
        before = snapshot()
        refused(
            send(agent_client, "post", "licences/office/seats/", {"asset": "lt-001"}),
            409,
            "Every seat of this licence is taken; release one first.",
        )
        refused(
            send(agent_client, "post", "licences/old/seats/", {"asset": "lt-001"}),
            409,
            "The licence has expired; its seats cannot be given.",
        )
        refused(
            send(agent_client, "post", "licences/other/seats/", {"user": "cmdb_agent"}),
            409,
            "This person or asset already has a seat of the licence.",
        )
        refused(
            send(agent_client, "post", "licences/other/seats/", {"asset": "lt-002"}),
            409,
            "The asset was disposed of; it cannot change any more.",
        )
        for body in ({}, {"user": "cmdb_agent", "asset": "lt-001"}):
            refused(
                send(agent_client, "post", "licences/other/seats/", body),
                422,
                "A seat goes to one person or one asset.",
            )
        refused(
            send(agent_client, "post", "licences/other/seats/", {"asset": "nope"}),
            422,
            "Nothing has the code nope (asset).",
        )
        refused(
            send(agent_client, "patch", "licences/other/", {"note": "n", "supplier": "nope"}),
            422,
            "Nothing has the code nope (supplier).",
        )
        # a seat of another licence is not this licence's: 404, and it stays given
        wrong = send(supervisor_client, "delete", f"licences/office/seats/{foreign.pk}/")
        assert wrong.status_code == 404
        assert send(agent_client, "patch", "licences/office/", {"seats": 0}).status_code == 422
        assert snapshot() == before

    def test_fewer_seats_than_given_is_refused(
        self, agent_client: Client, cmdb_agent: User, make_user: Callable[..., User]
    ) -> None:
        licence = assets.add_licence(code="cad", product="CAD", seats=3, actor=cmdb_agent)
        assets.assign_seat(licence, user=cmdb_agent, actor=cmdb_agent)
        assets.assign_seat(licence, user=make_user("drafter", roles=["agent"]), actor=cmdb_agent)
        before = snapshot()
        refused(
            send(agent_client, "patch", "licences/cad/", {"seats": 1, "product": "CAD 2"}),
            409,
            "More seats of this licence are given than that; release some first.",
        )
        assert snapshot() == before
        assert send(agent_client, "patch", "licences/cad/", {"seats": 2}).json()["seats"] == 2

    def test_an_operator_may_not_write_licences(
        self, operator_client: Client, office: Licence
    ) -> None:
        before = snapshot()
        body = {"code": "x", "product": "X", "seats": 1}
        assert send(operator_client, "post", "licences/", body).status_code == 403
        assert send(operator_client, "patch", "licences/office/", {"seats": 9}).status_code == 403
        seat = send(operator_client, "post", "licences/office/seats/", {"user": "cmdb_operator"})
        assert seat.status_code == 403
        assert snapshot() == before


# --- the caller's language and the OpenAPI document ---------------------------------------------


def test_refusals_answer_in_the_callers_language(
    cmdb_agent: User, office: Licence, laptop: Asset, verified_login: Any
) -> None:
    assets.assign_seat(office, user=cmdb_agent, actor=cmdb_agent)
    persian = verified_login(Client(headers={"accept-language": "fa"}), cmdb_agent)
    before = snapshot()
    full = send(persian, "post", "licences/office/seats/", {"asset": "lt-001"})
    body = {"code": "c", "product": "P", "seats": 1, "supplier": "x"}
    unknown = send(persian, "post", "licences/", body)
    with translation.override("fa"):
        in_persian = str(assets.SeatsFullError.default_message)
        named = translation.gettext("Nothing has the code %(code)s (%(field)s).")
    assert in_persian != "Every seat of this licence is taken; release one first."
    refused(full, 409, in_persian)
    refused(unknown, 422, named % {"code": "x", "field": "supplier"})
    assert snapshot() == before


def test_the_openapi_document_lists_every_write_with_a_summary(agent_client: Client) -> None:
    paths = agent_client.get("/api/v1/openapi.json").json()["paths"]
    operations = {
        "suppliers/": ("get", "post"),
        "suppliers/{code}/": ("get", "patch"),
        "contracts/": ("get", "post"),
        "contracts/{code}/": ("get", "patch"),
        "assets/": ("get", "post"),
        "assets/{tag}/": ("get", "patch"),
        "assets/{tag}/assign/": ("post",),
        "assets/{tag}/return/": ("post",),
        "assets/{tag}/dispose/": ("post",),
        "licences/": ("get", "post"),
        "licences/{code}/": ("get", "patch"),
        "licences/{code}/seats/": ("post",),
        "licences/{code}/seats/{seat_id}/": ("delete",),
    }
    for path, methods in operations.items():
        assert sorted(paths[f"{URL}{path}"]) == sorted(methods), path
        for method in methods:
            assert paths[f"{URL}{path}"][method]["summary"], (path, method)
    contract_in = paths[f"{URL}contracts/"]["post"]["requestBody"]["content"]["application/json"]
    assert contract_in["schema"]["$ref"].endswith("/ContractIn")


def test_one_record_is_read_in_one_query_per_kind(
    supervisor_client: Client,
    cmdb_supervisor: User,
    servers: list[ConfigurationItem],
    laptop: Asset,
    office: Licence,
    django_assert_num_queries: Any,
) -> None:
    """Five queries to know the caller (session, user, authenticator, permissions), then one per
    kind of row shown, however many contacts, CIs or seats there are."""
    acme = assets.add_supplier(
        code="acme",
        name="Acme",
        contacts=[{"name": "Ali"}, {"name": "Sara"}],
        actor=cmdb_supervisor,
    )
    assets.add_contract(
        code="c-1",
        title="Support",
        kind="support",
        supplier=acme,
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
        items=servers,
        actor=cmdb_supervisor,
    )
    assets.update_licence(office, seats=2, actor=cmdb_supervisor)
    assets.assign_seat(office, asset=laptop, actor=cmdb_supervisor)
    assets.assign_seat(office, user=cmdb_supervisor, actor=cmdb_supervisor)
    assets.assign_asset(laptop, user=cmdb_supervisor, actor=cmdb_supervisor)
    for path, queries, shown in (
        ("suppliers/acme/", 7, lambda body: len(body["contacts"]) == 2),
        ("contracts/c-1/", 7, lambda body: body["items"] == ["db-01", "web-01"]),
        ("assets/lt-001/", 6, lambda body: body["assigned_to"] == "cmdb_supervisor"),
        ("licences/office/", 7, lambda body: len(body["assignments"]) == 2),
    ):
        with django_assert_num_queries(queries):
            answer = send(supervisor_client, "get", path)
        assert answer.status_code == 200 and shown(answer.json()), path
