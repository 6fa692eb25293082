"""The configuration items in the API: list, read, add, change; their relations (add, remove);
the impact analysis of a CI. Each operation checks a permission; a refusal of a use case answers
with its translated message."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Schema, Status
from ninja.pagination import paginate

from khedmat.accounts.models import Team
from khedmat.catalog.models import Service
from khedmat.cmdb import queries, services
from khedmat.cmdb.api.common import caller_with, named, router
from khedmat.cmdb.choices import CiStatus, RelationKind
from khedmat.cmdb.impact import ITEMS_SHOWN, impact_of
from khedmat.cmdb.models import CiRelation, CiType, ConfigurationItem
from khedmat.core.pagination import KeysetPagination

# --- schemas ------------------------------------------------------------------------------------


class CiOut(Schema):
    code: str
    name: str
    type: str = Field(description="The CI type's code.")
    status: str
    owner_team: str | None = Field(description="The owner team's code.")
    location: str
    service: str | None = Field(description="The catalog service's code, for a service CI.")
    description: str
    attributes: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_type(item: ConfigurationItem) -> str:
        return item.ci_type.code

    @staticmethod
    def resolve_owner_team(item: ConfigurationItem) -> str | None:
        return item.owner_team.code if item.owner_team else None

    @staticmethod
    def resolve_service(item: ConfigurationItem) -> str | None:
        return item.service.code if item.service else None


class CiIn(Schema):
    code: str = Field(..., min_length=1, max_length=64)
    name: str = Field(..., min_length=1, max_length=200)
    type: str = Field(..., description="The CI type's code.")
    status: CiStatus = CiStatus.LIVE
    owner_team: str | None = None
    location: str = Field("", max_length=200)
    service: str | None = None
    description: str = ""
    attributes: dict[str, Any] = Field(default_factory=dict)


class CiPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    status: CiStatus | None = None
    owner_team: str | None = None
    location: str | None = Field(None, max_length=200)
    description: str | None = None
    attributes: dict[str, Any] | None = None


class RelationOut(Schema):
    id: int
    source: str
    kind: str
    target: str

    @staticmethod
    def resolve_source(relation: CiRelation) -> str:
        return relation.source.code

    @staticmethod
    def resolve_target(relation: CiRelation) -> str:
        return relation.target.code


class RelationIn(Schema):
    source: str
    kind: RelationKind
    target: str


class ImpactedOut(Schema):
    code: str
    name: str
    type: str
    distance: int


class ImpactOut(Schema):
    reached: int = Field(description="How many CIs the failure reaches.")
    items: list[ImpactedOut] = Field(description=f"The nearest {ITEMS_SHOWN}, nearest first.")
    services: list[str] = Field(description="Codes of the service CIs reached.")
    open_requests: int = Field(description="Open requests of the services reached.")


# --- configuration items ------------------------------------------------------------------------


def _item(code: str) -> ConfigurationItem:
    return get_object_or_404(
        ConfigurationItem.objects.select_related("ci_type", "owner_team", "service"), code=code
    )


@router.get(
    "/items/",
    response=list[CiOut],
    summary="Configuration items",
    url_name="cmdb_items",
)
@paginate(KeysetPagination, order=queries.CI_ORDER)
def list_items(
    request: HttpRequest, type: str = "", status: str = "", q: str = ""
) -> QuerySet[ConfigurationItem]:
    """By name; narrowed by type code, status and words in the code or name."""
    caller_with(request, "view_configurationitem")
    ci_type = CiType.objects.filter(code=type).first() if type else None
    if type and ci_type is None:
        return ConfigurationItem.objects.none()
    rows = queries.ci_rows(queries.CiFilters(ci_type=ci_type, status=status, text=q))
    return rows.select_related("service")


@router.get("/items/{code}/", response=CiOut, summary="A configuration item")
def read_item(request: HttpRequest, code: str) -> ConfigurationItem:
    caller_with(request, "view_configurationitem")
    return _item(code)


@router.post("/items/", response={201: CiOut}, summary="Add a configuration item")
def create_item(request: HttpRequest, body: CiIn) -> Status[Any]:
    """Its attributes must suit its type (422 names the one at fault)."""
    user = caller_with(request, "add_configurationitem")
    ci_type = named(CiType, body.type, "type")
    item = services.create_ci(
        code=body.code,
        name=body.name,
        ci_type=ci_type,
        status=body.status,
        owner_team=named(Team, body.owner_team, "owner_team"),
        location=body.location,
        service=named(Service, body.service, "service"),
        description=body.description,
        attributes=body.attributes,
        actor=user,
    )
    return Status(201, _item(item.code))


@router.patch("/items/{code}/", response=CiOut, summary="Change a configuration item")
def update_item(request: HttpRequest, code: str, body: CiPatch) -> ConfigurationItem:
    user = caller_with(request, "change_configurationitem")
    changes = body.dict(exclude_unset=True)
    if "owner_team" in changes:
        changes["owner_team"] = named(Team, changes["owner_team"], "owner_team")
    services.update_ci(_item(code), actor=user, **changes)
    return _item(code)


@router.get("/items/{code}/relations/", response=list[RelationOut], summary="A CI's relations")
def item_relations(request: HttpRequest, code: str) -> list[CiRelation]:
    caller_with(request, "view_configurationitem")
    item = _item(code)
    rows = CiRelation.objects.select_related("source", "target")
    return list(rows.filter(source=item)) + list(rows.filter(target=item))


@router.post("/relations/", response={201: RelationOut}, summary="Relate two CIs")
def create_relation(request: HttpRequest, body: RelationIn) -> Status[Any]:
    user = caller_with(request, "add_cirelation")
    relation = services.relate(_item(body.source), _item(body.target), body.kind, actor=user)
    return Status(201, CiRelation.objects.select_related("source", "target").get(pk=relation.pk))


@router.delete("/relations/{relation_id}/", response={204: None}, summary="Remove a relation")
def delete_relation(request: HttpRequest, relation_id: int) -> Status[None]:
    user = caller_with(request, "delete_cirelation")
    services.unrelate(get_object_or_404(CiRelation, pk=relation_id), actor=user)
    return Status(204, None)


@router.get("/items/{code}/impact/", response=ImpactOut, summary="What a CI's failure reaches")
def item_impact(request: HttpRequest, code: str) -> dict[str, Any]:
    """The CIs reached transitively (nearest first), the services among them, their open
    requests."""
    caller_with(request, "view_configurationitem")
    impact = impact_of(_item(code))
    return {
        "reached": len(impact.distances),
        "items": [
            {
                "code": item.code,
                "name": item.name,
                "type": item.ci_type.code,
                "distance": impact.distances[item.pk],
            }
            for item in impact.items
        ],
        "services": [item.code for item in impact.services],
        "open_requests": impact.open_requests,
    }
