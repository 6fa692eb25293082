"""Impact analysis: the direction of each relation kind, cycles, deep chains, several failed CIs,
services and open requests reached, and the registered dependent records."""

from __future__ import annotations

import pytest

from khedmat.catalog.models import Service
from khedmat.cmdb import impact
from khedmat.cmdb.choices import RelationKind as R
from khedmat.cmdb.impact import impact_graph, impact_of, impacted_ids
from khedmat.cmdb.models import CiRelation, CiType, ConfigurationItem

pytestmark = pytest.mark.django_db


def make(code: str, type_code: str = "server", **fields: object) -> ConfigurationItem:
    return ConfigurationItem.objects.create(
        code=code, name=code.upper(), ci_type=CiType.objects.get(code=type_code), **fields
    )


def link(source: ConfigurationItem, kind: str, target: ConfigurationItem) -> None:
    CiRelation.objects.create(source=source, kind=kind, target=target)


def test_each_kind_carries_the_failure_its_own_way() -> None:
    db, app, web, rack, peer, other = (make(c) for c in ("db", "app", "web", "rack", "peer", "x"))
    link(app, R.DEPENDS_ON, db)  # db fails -> app
    link(web, R.RUNS_ON, app)  # app fails -> web
    link(db, R.PART_OF, rack)  # db fails -> rack (the whole)
    link(peer, R.CONNECTED_TO, db)  # the db's failure cuts the peer off, not the other way
    link(other, R.DEPENDS_ON, web)

    assert impacted_ids([db.pk]) == {app.pk: 1, web.pk: 2, rack.pk: 1, peer.pk: 1, other.pk: 3}
    # the other way round nothing flows: the app's failure does not reach the db or the rack
    assert impacted_ids([app.pk]) == {web.pk: 1, other.pk: 2}
    assert impacted_ids([rack.pk]) == {}
    assert impacted_ids([peer.pk]) == {}


def test_a_cycle_ends_and_each_ci_comes_once_at_its_shortest_distance() -> None:
    a, b, c, d = (make(code) for code in "abcd")
    link(b, R.DEPENDS_ON, a)
    link(c, R.DEPENDS_ON, b)
    link(a, R.DEPENDS_ON, c)  # a -> b -> c -> a
    link(d, R.DEPENDS_ON, a)
    link(d, R.DEPENDS_ON, c)

    assert impacted_ids([a.pk]) == {b.pk: 1, c.pk: 2, d.pk: 1}
    assert impacted_ids([b.pk]) == {c.pk: 1, a.pk: 2, d.pk: 2}


def test_a_deep_chain_of_2000_reaches_its_end() -> None:
    server = CiType.objects.get(code="server")
    chain = ConfigurationItem.objects.bulk_create(
        ConfigurationItem(code=f"n{index}", name=f"N{index}", ci_type=server)
        for index in range(2001)
    )
    CiRelation.objects.bulk_create(
        CiRelation(source=chain[index + 1], target=chain[index], kind=R.RUNS_ON)
        for index in range(2000)
    )
    reached = impacted_ids([chain[0].pk])
    assert len(reached) == 2000 and reached[chain[-1].pk] == 2000
    assert impacted_ids([chain[1000].pk])[chain[-1].pk] == 1000


def test_several_failed_cis_and_none() -> None:
    a, b, c = (make(code) for code in "abc")
    link(c, R.DEPENDS_ON, a)
    link(c, R.DEPENDS_ON, b)
    assert impacted_ids([a.pk, b.pk]) == {c.pk: 1}
    assert impacted_ids([a.pk, c.pk]) == {}
    assert impacted_ids([]) == {}


def test_impact_of_finds_the_services_their_open_requests_and_registered_records(
    service: Service, django_assert_max_num_queries: object
) -> None:
    db = make("db", "database")
    app = make("app", "application")
    portal = make("svc", "service", service=service)
    link(app, R.DEPENDS_ON, db)
    link(portal, R.DEPENDS_ON, app)
    seen: list[set[int]] = []

    def provider(ci: object, ids: set[int], user: object) -> list[str]:
        seen.append(ids)
        return ["a record"]

    impact.register_dependent_records("test", "Test records", provider)
    try:
        result = impact_of(db)
    finally:
        impact._PROVIDERS.pop("test")

    assert [item.code for item in result.items] == ["app", "svc"]
    assert [item.code for item in result.services] == ["svc"]
    assert seen == [{db.pk, app.pk, portal.pk}]  # the CI and everything it reaches
    mine = [(group.key, group.rows) for group in result.records if group.key == "test"]
    assert mine == [("test", ["a record"])]
    graph = impact_graph(db, result)
    assert {node["code"] for node in graph["nodes"]} == {"db", "app", "svc"}
    assert len(graph["edges"]) == 2
