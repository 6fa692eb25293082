"""The CMDB and change demo: the estate (30+ CIs with relations, suppliers, contracts, assets,
licences), incidents put on their CIs, a month of changes with a conflict and an emergency one in
the Nowruz 1405 freeze; loading it again creates nothing."""

from __future__ import annotations

from collections import Counter

import pytest

from khedmat.catalog.demo import load_demo_catalog
from khedmat.changes.conflicts import conflicts_for
from khedmat.changes.demo import load_demo_changes
from khedmat.changes.models import Change, FreezeWindow
from khedmat.cmdb.demo import load_demo_cmdb
from khedmat.cmdb.impact import impacted_ids
from khedmat.cmdb.models import Asset, CiRelation, ConfigurationItem, Contract, Licence, Supplier
from khedmat.core.models import Activity
from khedmat.itsm.demo import link_demo_records_to_cis, load_demo_itsm
from khedmat.itsm.models import Incident
from khedmat.site.demo_data import load_demo_data
from khedmat.sla.queries import clear_unit_calendars
from tests.fixtures.sla import tehran

pytestmark = pytest.mark.django_db
NOW = tehran(2026, 12, 2, 12, 0)


@pytest.fixture
def loaded() -> list[Change]:
    clear_unit_calendars()
    load_demo_data()
    load_demo_catalog()
    load_demo_itsm(now=NOW)
    load_demo_cmdb(now=NOW)
    link_demo_records_to_cis()
    return load_demo_changes(now=NOW)


def test_the_estate(loaded: list[Change]) -> None:
    assert ConfigurationItem.objects.count() >= 30
    assert CiRelation.objects.count() >= 30
    assert ConfigurationItem.objects.filter(service__isnull=False).count() >= 3
    assert (Supplier.objects.count(), Contract.objects.count(), Licence.objects.count()) == (
        3,
        3,
        3,
    )
    assert Asset.objects.count() == 7
    san = ConfigurationItem.objects.get(code="san-01")
    reached = ConfigurationItem.objects.filter(pk__in=impacted_ids([san.pk]))
    assert {"db-srv-01", "db-portal", "portal-app"} <= set(reached.values_list("code", flat=True))
    assert reached.filter(service__isnull=False).exists()  # the storage carries the services
    item = ConfigurationItem.objects.get(code="web-01")
    assert Activity.objects.for_target(item).filter(verb="ci.created").exists()


def test_incidents_are_on_their_cis(loaded: list[Change]) -> None:
    on_db = Incident.objects.filter(ci__code="db-fin")
    assert on_db.exists()
    assert all(incident.configuration_item.startswith("DB-FIN") for incident in on_db)
    assert Incident.objects.filter(ci__isnull=False).count() >= 10


def test_a_month_of_changes_with_a_conflict_and_one_in_the_nowruz_freeze(
    loaded: list[Change],
) -> None:
    statuses = Counter(Change.objects.values_list("status", flat=True))
    assert statuses == {
        "scheduled": 3,
        "closed": 3,
        "assessment": 1,
        "rejected": 1,
        "draft": 1,
    }
    memory = Change.objects.get(items__code="db-srv-01")
    assert [c.other.items.get().code for c in conflicts_for(memory)] == ["san-01"]
    emergency = Change.objects.get(kind="emergency")
    nowruz = FreezeWindow.objects.get(origin="nowruz", jalali_year=1405)
    assert emergency.planned_start is not None
    assert nowruz.starts_at <= emergency.planned_start < nowruz.ends_at
    assert emergency.status == "closed"


def test_loading_again_creates_nothing(loaded: list[Change]) -> None:
    counts = (ConfigurationItem.objects.count(), CiRelation.objects.count(), Change.objects.count())
    assert load_demo_cmdb(now=NOW) == 0
    assert load_demo_changes(now=NOW) == []
    assert (
        ConfigurationItem.objects.count(),
        CiRelation.objects.count(),
        Change.objects.count(),
    ) == counts
