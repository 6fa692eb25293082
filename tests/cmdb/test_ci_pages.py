"""CI pages and use cases: who may open them, adding a CI with its type's attributes (and the
refusals), relating, the impact list and graph, the history, constant query counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from khedmat.accounts.models import OrgUnit, User
from khedmat.cmdb import services
from khedmat.cmdb.choices import RelationKind as R
from khedmat.cmdb.errors import CiAttributeError, DuplicateCodeError, RelationError
from khedmat.cmdb.models import CiRelation, CiType, ConfigurationItem
from khedmat.core.models import Activity

pytestmark = pytest.mark.django_db
LIST = "/desk/cmdb/"


@pytest.fixture
def agent(make_user: Callable[..., User], org_units: dict[str, OrgUnit]) -> User:
    return make_user("cmdb_agent", roles=["agent"], org_unit=org_units["ministry"])


@pytest.fixture
def agent_client(client: Client, agent: User, verified_login: Any) -> Client:
    return verified_login(client, agent)


def server(code: str, actor: User, **attributes: object) -> ConfigurationItem:
    return services.create_ci(
        code=code,
        name=code.upper(),
        ci_type=CiType.objects.get(code="server"),
        attributes={"ip": "10.0.0.1", **attributes},
        actor=actor,
    )


class TestUseCases:
    def test_attributes_are_checked_against_the_type(self, agent: User) -> None:
        item = server("web-01", agent, os="Debian", cpu="8", ram_gb=16.5)
        assert item.attributes == {"ip": "10.0.0.1", "os": "Debian", "cpu": 8, "ram_gb": 16.5}
        assert Activity.objects.for_target(item).get().verb == "ci.created"
        refusals = {
            "cpu": ({"cpu": "eight"}, "CPU cores must be a number"),
            "os": ({"os": "BeOS"}, "Operating system must be one of"),
            "unknown": ({"colour": "red"}, "has no attribute colour"),
        }
        for case, (values, message) in refusals.items():
            with pytest.raises(CiAttributeError) as refused:
                server(f"x-{case}", agent, **values)
            assert message in str(refused.value.message), case
        with pytest.raises(CiAttributeError, match="IP address is required"):
            services.create_ci(
                code="no-ip",
                name="No IP",
                ci_type=CiType.objects.get(code="server"),
                attributes={},
                actor=agent,
            )
        with pytest.raises(DuplicateCodeError):
            server("WEB-01", agent)
        assert ConfigurationItem.objects.count() == 1

    def test_relations_are_checked_and_recorded_on_both_sides(self, agent: User) -> None:
        web, app = server("web", agent), server("app", agent)
        relation = services.relate(app, web, R.RUNS_ON, actor=agent)
        with pytest.raises(RelationError):
            services.relate(app, web, R.RUNS_ON, actor=agent)
        with pytest.raises(RelationError):
            services.relate(app, app, R.DEPENDS_ON, actor=agent)
        assert Activity.objects.for_target(web).filter(verb="ci.related").count() == 1
        services.unrelate(relation, actor=agent)
        assert not CiRelation.objects.exists()
        assert Activity.objects.for_target(app).filter(verb="ci.unrelated").count() == 1

    def test_update_records_what_changed(self, agent: User) -> None:
        item = server("web", agent)
        services.update_ci(item, actor=agent, name="Web", attributes={"ip": "10.0.0.2"})
        row = Activity.objects.for_target(item).get(verb="ci.updated")
        assert row.new_value == {"name": "Web", "attributes": {"ip": "10.0.0.2"}}
        with pytest.raises(CiAttributeError):
            services.update_ci(item, actor=agent, attributes={"ip": ""})


class TestPages:
    def test_anonymous_and_applicants_are_kept_out(self, client: Client, applicant: User) -> None:
        for url in (LIST, f"{LIST}new/"):
            response = client.get(url)
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        client.force_login(applicant)
        assert client.get(LIST).status_code == 403

    def test_add_a_server_with_its_attributes_and_a_refusal_keeps_what_was_typed(
        self, agent_client: Client
    ) -> None:
        assert 'data-type="server"' in agent_client.get(f"{LIST}new/").content.decode()
        typed = {"code": "web-01", "name": "Web one", "status": "live", "attr_ip": "10.1.1.1"}
        refused = agent_client.post(f"{LIST}new/?type=server", {**typed, "attr_os": "BeOS"})
        assert refused.status_code == 200 and not ConfigurationItem.objects.exists()
        assert 'value="10.1.1.1"' in refused.content.decode()
        created = agent_client.post(f"{LIST}new/?type=server", {**typed, "attr_cpu": "4"})
        assert created["Location"] == f"{LIST}items/web-01/"
        assert ConfigurationItem.objects.get().attributes == {"ip": "10.1.1.1", "cpu": 4}

    def test_the_page_shows_relations_impact_graph_and_history(
        self, agent_client: Client, agent: User
    ) -> None:
        db, app = server("db", agent), server("app", agent)
        response = agent_client.post(
            f"{LIST}items/db/relations/", {"direction": "in", "kind": "depends_on", "other": "app"}
        )
        assert response.status_code == 302
        assert CiRelation.objects.filter(source=app, target=db, kind="depends_on").exists()
        page = agent_client.get(f"{LIST}items/db/").content.decode()
        assert 'data-impact-ci="app"' in page
        assert 'id="ci-graph-data"' in page and "cytoscape.min.js" in page
        assert 'data-verb="ci.related"' in page
        refused = agent_client.post(
            f"{LIST}items/db/relations/", {"direction": "out", "kind": "depends_on", "other": "zz"}
        )
        assert refused.status_code == 400
        assert "No configuration item has this code." in refused.content.decode()

    def test_list_filters_and_query_counts(
        self, agent_client: Client, agent: User, django_assert_max_num_queries: Any
    ) -> None:
        web = server("web", agent)
        services.relate(server("app-x", agent), web, R.RUNS_ON, actor=agent)
        agent_client.get(LIST)
        with django_assert_max_num_queries(14) as few:
            agent_client.get(LIST)
        list_count = len(few.captured_queries)  # read now: the next request clears the log
        with django_assert_max_num_queries(24) as detail_few:
            agent_client.get(f"{LIST}items/web/")
        detail_count = len(detail_few.captured_queries)
        for index in range(6):
            item = server(f"app-{index}", agent)
            services.relate(item, web, R.RUNS_ON, actor=agent)
        with django_assert_max_num_queries(list_count):
            assert len(agent_client.get(LIST).context["page"].items) == 8
        agent_client.get(f"{LIST}items/web/")  # the relation graph is read again once, then kept
        with django_assert_max_num_queries(detail_count):
            agent_client.get(f"{LIST}items/web/")
        found = agent_client.get(LIST, {"q": "APP-3"}).context["page"].items
        assert [item.code for item in found] == ["app-3"]
