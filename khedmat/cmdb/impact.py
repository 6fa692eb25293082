"""Impact analysis: what fails with a configuration item, transitively, in one SQL query.

When CI X fails, a relation `A depends on / runs on / connected to X` carries the failure to A,
`X part of B` carries it to B, and `connected to` carries it both ways (choices.IMPACT_TO_SOURCE,
IMPACT_TO_TARGET). `impacted_ids` walks those edges with a recursive CTE: the edge set is one
UNION ALL over the relation table (two index scans), the walk a UNION on the CI id alone, so a CI
is visited once however many paths lead to it and cycles end. Distances come from a breadth-first
pass over the (small) subgraph that was reached.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils.functional import Promise

from khedmat.cmdb.choices import IMPACT_TO_SOURCE, IMPACT_TO_TARGET
from khedmat.cmdb.models import CiRelation, ConfigurationItem

RELATION_TABLE = CiRelation._meta.db_table


def _marks(count: int) -> str:
    return ", ".join(["%s"] * count)


_TO_SOURCE = [str(kind) for kind in IMPACT_TO_SOURCE]
_TO_TARGET = [str(kind) for kind in IMPACT_TO_TARGET]
_CI_TABLE = ConfigurationItem._meta.db_table


def _walk_sql(starts: int) -> str:
    """The walk from the failed CIs along every edge that carries impact, each CI once. Only
    the model's table names are put in the text; every value is a parameter."""
    return f"""
    WITH RECURSIVE edges(from_id, to_id) AS (
        SELECT target_id, source_id FROM {RELATION_TABLE} WHERE kind IN ({_marks(len(_TO_SOURCE))})
        UNION ALL
        SELECT source_id, target_id FROM {RELATION_TABLE} WHERE kind IN ({_marks(len(_TO_TARGET))})
    ),
    reached(id) AS (
        SELECT id FROM {_CI_TABLE} WHERE id IN ({_marks(starts)})
        UNION
        SELECT edges.to_id FROM edges JOIN reached ON edges.from_id = reached.id
    )
    SELECT id FROM reached
    """  # noqa: S608 - table names from the models, values as parameters


def _reached(start: list[int]) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(_walk_sql(len(start)), [*_TO_SOURCE, *_TO_TARGET, *start])
        return {row[0] for row in cursor.fetchall()}


def _edges_among(ids: set[int]) -> list[tuple[int, int, str]]:
    """(source, target, kind) of the relations between the given CIs (one query)."""
    return list(
        CiRelation.objects.filter(source_id__in=ids, target_id__in=ids).values_list(
            "source_id", "target_id", "kind"
        )
    )


def _distances(start: list[int], edges: list[tuple[int, int, str]]) -> dict[int, int]:
    """Breadth-first over the reached subgraph: each CI's fewest steps from a failed one."""
    forward: dict[int, list[int]] = {}
    for source, target, kind in edges:
        if kind in IMPACT_TO_SOURCE:
            forward.setdefault(target, []).append(source)
        if kind in IMPACT_TO_TARGET:
            forward.setdefault(source, []).append(target)
    distance = dict.fromkeys(start, 0)
    queue = deque(start)
    while queue:
        current = queue.popleft()
        for following in forward.get(current, ()):
            if following not in distance:
                distance[following] = distance[current] + 1
                queue.append(following)
    return distance


def impacted_ids(ci_ids: Iterable[int]) -> dict[int, int]:
    """Every CI the failure of the given ones reaches, with its distance (1: directly); the given
    CIs themselves are left out. Two queries whatever the depth."""
    start = sorted({int(pk) for pk in ci_ids})
    if not start:
        return {}
    reached = _reached(start)
    if reached <= set(start):
        return {}
    distance = _distances(start, _edges_among(reached))
    return {pk: steps for pk, steps in distance.items() if pk not in start}


# --- what depends on a CI, for its page and the incident page --------------------------------

DependentRows = Callable[[set[int]], list[Any]]
_PROVIDERS: dict[str, tuple[str | Promise, DependentRows]] = {}


def register_dependent_records(key: str, label: str | Promise, provider: DependentRows) -> None:
    """Let an app above show its records on the CMDB's impact list: `provider(ci_ids)` gets the
    failed CI and every impacted one and returns rows (shown with str(); a `url` attribute or
    `get_absolute_url()` makes a link). Itsm registers open incidents and known errors."""
    _PROVIDERS[key] = (label, provider)


@dataclass(frozen=True)
class DependentRecords:
    key: str
    label: str | Promise
    rows: list[Any]


@dataclass(frozen=True)
class Impact:
    """What a CI's failure reaches: CIs by distance, the services among them, open requests of
    those services, and the records other apps registered."""

    items: list[ConfigurationItem]
    distances: dict[int, int]
    services: list[ConfigurationItem]
    open_requests: int
    requests: list[Any] = field(default_factory=list)
    records: list[DependentRecords] = field(default_factory=list)


REQUESTS_SHOWN = 10


def impact_of(ci: ConfigurationItem) -> Impact:
    """The impact analysis of one CI, loaded for its page (a fixed number of queries)."""
    from khedmat.tickets.models import Ticket

    distances = impacted_ids([ci.pk])
    items = list(
        ConfigurationItem.objects.filter(pk__in=list(distances)).select_related(
            "ci_type", "service__current_version", "owner_team"
        )
    )
    items.sort(key=lambda item: (distances[item.pk], item.name, item.pk))
    for item in items:
        item.impact_distance = distances[item.pk]  # type: ignore[attr-defined]
    services = [item for item in items if item.ci_type.is_service or item.service_id]
    service_ids = [item.service_id for item in services if item.service_id]
    if ci.service_id:
        service_ids.append(ci.service_id)
    open_requests = Ticket.objects.open().filter(service_id__in=service_ids)
    ids = {ci.pk, *distances}
    records = [
        DependentRecords(key, label, provider(ids)) for key, (label, provider) in _PROVIDERS.items()
    ]
    return Impact(
        items=items,
        distances=distances,
        services=services,
        open_requests=open_requests.count() if service_ids else 0,
        requests=(
            list(open_requests.select_related("service").order_by("-id")[:REQUESTS_SHOWN])
            if service_ids
            else []
        ),
        records=records,
    )


def impact_graph(ci: ConfigurationItem, impact: Impact) -> dict[str, list[dict[str, Any]]]:
    """Nodes and edges among the CI and what it impacts, for the page's graph (one query)."""
    nodes = [
        {"id": ci.pk, "label": ci.name, "code": ci.code, "root": True, "service": False},
        *(
            {
                "id": item.pk,
                "label": item.name,
                "code": item.code,
                "root": False,
                "service": item.ci_type.is_service,
                "distance": impact.distances[item.pk],
            }
            for item in impact.items
        ),
    ]
    ids = {ci.pk, *impact.distances}
    edges = [
        {"source": source, "target": target, "kind": kind}
        for source, target, kind in _edges_among(ids)
    ]
    return {"nodes": nodes, "edges": edges}
