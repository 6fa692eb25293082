"""Impact analysis: part_of and connected_to directions through a chain, a cycle through every
kind, the graph read again after relations change, the order of the list, services and their
open requests (closed ones left out), the graph's nodes and edges."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from khedmat.accounts.models import User
from khedmat.catalog.models import Service
from khedmat.cmdb import services
from khedmat.cmdb.choices import RelationKind as R
from khedmat.cmdb.impact import impact_graph, impact_of, impacted_ids
from khedmat.cmdb.models import CiRelation, ConfigurationItem
from khedmat.tickets.choices import Status
from khedmat.tickets.models import Ticket

pytestmark = pytest.mark.django_db
Make = Callable[..., ConfigurationItem]
Link = Callable[[ConfigurationItem, str, ConfigurationItem], CiRelation]


def test_part_of_climbs_to_the_whole_and_connected_to_reaches_the_one_connected(
    make_ci: Make, link: Link
) -> None:
    disk, shelf, array, switch, host = (make_ci(c) for c in ("disk", "shelf", "arr", "sw", "host"))
    link(disk, R.PART_OF, shelf)
    link(shelf, R.PART_OF, array)
    link(host, R.CONNECTED_TO, switch)
    link(array, R.CONNECTED_TO, switch)  # the array is connected to the switch: not the switch
    assert impacted_ids([disk.pk]) == {shelf.pk: 1, array.pk: 2}
    assert impacted_ids([switch.pk]) == {host.pk: 1, array.pk: 1}
    assert impacted_ids([array.pk]) == {}  # the whole failing does not break its parts
    assert impacted_ids([host.pk]) == {}


def test_a_cycle_through_every_kind_ends_with_each_ci_once(make_ci: Make, link: Link) -> None:
    a, b, c, d = (make_ci(code) for code in "abcd")
    link(b, R.DEPENDS_ON, a)  # a -> b
    link(b, R.PART_OF, c)  # b -> c
    link(d, R.RUNS_ON, c)  # c -> d
    link(a, R.CONNECTED_TO, d)  # d -> a: back to the start
    assert impacted_ids([a.pk]) == {b.pk: 1, c.pk: 2, d.pk: 3}
    assert impacted_ids([c.pk]) == {d.pk: 1, a.pk: 2, b.pk: 3}


def test_a_chain_of_2000_by_part_of_reaches_its_top(make_ci: Make) -> None:
    first = make_ci("p0")
    chain = [first, *(make_ci(f"p{index}") for index in range(1, 2001))]
    CiRelation.objects.bulk_create(
        CiRelation(source=chain[index], target=chain[index + 1], kind=R.PART_OF)
        for index in range(2000)
    )
    reached = impacted_ids([first.pk])
    assert len(reached) == 2000
    assert reached[chain[-1].pk] == 2000 and reached[chain[1].pk] == 1


def test_relations_added_or_removed_are_seen_at_once(
    ci_agent: User, make_ci: Make, link: Link
) -> None:
    db, app, web = make_ci("db"), make_ci("app"), make_ci("web")
    first = services.relate(app, db, R.DEPENDS_ON, actor=ci_agent)
    assert impacted_ids([db.pk]) == {app.pk: 1}
    link(web, R.RUNS_ON, app)
    assert impacted_ids([db.pk]) == {app.pk: 1, web.pk: 2}
    services.unrelate(first, actor=ci_agent)
    # same count of rows as before the link, so removing AND adding must both show
    link(web, R.DEPENDS_ON, db)
    assert impacted_ids([db.pk]) == {web.pk: 1}


def _request(service: Service, code: str, status: str, applicant: User) -> Ticket:
    return Ticket.objects.create(
        tracking_code=code,
        service=service,
        service_version=service.current_version,  # type: ignore[misc]
        requester=applicant,
        filed_by=applicant,
        principal_name="متقاضی",
        status=status,
    )


def test_impact_of_lists_by_distance_then_name_with_services_and_open_requests(
    make_ci: Make, link: Link, service: Service, applicant: User
) -> None:
    db = make_ci("db", "database")
    zeta, alpha = (
        make_ci("z", "application", name="Zeta"),
        make_ci("a", "application", name="Alpha"),
    )
    portal = make_ci("svc", "service", name="Portal", service=service)
    loose = make_ci("loose", "application")
    link(zeta, R.DEPENDS_ON, db)
    link(alpha, R.DEPENDS_ON, db)
    link(portal, R.DEPENDS_ON, zeta)
    _request(service, "100000000001", Status.IN_PROGRESS, applicant)
    _request(service, "100000000002", Status.SUBMITTED, applicant)
    _request(service, "100000000003", Status.COMPLETED, applicant)

    impact = impact_of(db)
    assert [(item.code, item.impact_distance) for item in impact.items] == [  # type: ignore[attr-defined]
        ("a", 1),
        ("z", 1),
        ("svc", 2),
    ]
    assert [item.code for item in impact.services] == ["svc"]
    assert impact.open_requests == 2
    assert {ticket.tracking_code for ticket in impact.requests} == {"100000000001", "100000000002"}
    assert impact_of(loose).open_requests == 0 and impact_of(loose).items == []

    graph = impact_graph(db, impact)
    roots = [node["code"] for node in graph["nodes"] if node["root"]]
    assert roots == ["db"]
    assert [node["code"] for node in graph["nodes"] if node["service"]] == ["svc"]
    assert {(edge["source"], edge["target"]) for edge in graph["edges"]} == {
        (zeta.pk, db.pk),
        (alpha.pk, db.pk),
        (portal.pk, zeta.pk),
    }
