"""The CMDB API: permissions, keyset pages and filters, adding and changing a CI (refusals named),
relations, the impact analysis, the asset side's lists, the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from khedmat.accounts.models import OrgUnit, User
from khedmat.cmdb import services
from khedmat.cmdb.models import CiRelation, CiType, ConfigurationItem

pytestmark = pytest.mark.django_db
URL = "/api/v1/cmdb/"


@pytest.fixture
def agent(make_user: Callable[..., User], org_units: dict[str, OrgUnit]) -> User:
    return make_user("cmdb_api_agent", roles=["agent"], org_unit=org_units["ministry"])


@pytest.fixture
def api(client: Client, agent: User, verified_login: Any) -> Client:
    return verified_login(client, agent)


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"{URL}{path}", body, content_type="application/json")


def test_an_operator_may_read_but_not_add(
    client: Client, operator: User, verified_login: Any
) -> None:
    verified_login(client, operator)
    assert client.get(f"{URL}items/").status_code == 200
    refused = post(client, "items/", {"code": "x", "name": "X", "type": "server"})
    assert refused.status_code == 403
    assert client.get(f"{URL}assets/").status_code == 403


def test_add_read_change_list_and_refusals(api: Client) -> None:
    created = post(
        api,
        "items/",
        {"code": "web-01", "name": "Web", "type": "server", "attributes": {"ip": "10.0.0.1"}},
    )
    assert created.status_code == 201, created.content
    assert created.json()["attributes"] == {"ip": "10.0.0.1"}
    bad = post(api, "items/", {"code": "web-02", "name": "W", "type": "server", "attributes": {}})
    assert bad.status_code == 422 and "IP address is required" in bad.json()["detail"]
    unknown = post(api, "items/", {"code": "w3", "name": "W", "type": "nope"})
    assert unknown.status_code == 422
    changed = api.patch(f"{URL}items/web-01/", {"name": "Web one"}, content_type="application/json")
    assert changed.json()["name"] == "Web one"
    post(
        api,
        "items/",
        {"code": "db-01", "name": "DB", "type": "database", "attributes": {"engine": "PostgreSQL"}},
    )
    page = api.get(f"{URL}items/", {"limit": 1}).json()
    assert [row["code"] for row in page["items"]] == ["db-01"] and page["next"]
    second = api.get(f"{URL}items/", {"limit": 1, "after": page["next"]}).json()
    assert [row["code"] for row in second["items"]] == ["web-01"]
    assert [r["code"] for r in api.get(f"{URL}items/", {"type": "database"}).json()["items"]] == [
        "db-01"
    ]


def test_relations_and_impact(
    api: Client, agent: User, make_user: Callable[..., User], verified_login: Any
) -> None:
    server = CiType.objects.get(code="server")
    db, app = (
        services.create_ci(code=c, name=c, ci_type=server, attributes={"ip": "1"}, actor=agent)
        for c in ("db", "app")
    )
    made = post(api, "relations/", {"source": "app", "kind": "depends_on", "target": "db"})
    assert made.status_code == 201
    again = post(api, "relations/", {"source": "app", "kind": "depends_on", "target": "db"})
    assert again.status_code == 409
    impact = api.get(f"{URL}items/db/impact/").json()
    assert impact["reached"] == 1 and impact["items"][0]["code"] == "app"
    relation = CiRelation.objects.get()
    assert api.delete(f"{URL}relations/{relation.pk}/").status_code == 403  # agents delete nothing
    verified_login(api, make_user("api_boss", roles=["supervisor"]))
    assert api.delete(f"{URL}relations/{relation.pk}/").status_code == 204
    assert api.get(f"{URL}items/db/impact/").json()["reached"] == 0
    assert ConfigurationItem.objects.count() == 2 and db.pk and app.pk


def test_the_openapi_document_lists_the_cmdb(api: Client) -> None:
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "items/",
        "items/{code}/",
        "items/{code}/impact/",
        "relations/",
        "assets/",
        "licences/",
        "contracts/",
        "suppliers/",
    ):
        assert f"{URL}{path}" in paths, path
