"""CI desk pages: who may open or post what (anonymous, applicant, a read-only operator), editing
a CI, removing a relation, the list's filters, the detail's constant query count."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from khedmat.accounts.models import OrgUnit, User
from khedmat.cmdb.choices import CiStatus
from khedmat.cmdb.choices import RelationKind as R
from khedmat.cmdb.models import CiRelation, ConfigurationItem

pytestmark = pytest.mark.django_db
BASE = "/desk/cmdb/"
Make = Callable[..., ConfigurationItem]
Link = Callable[[ConfigurationItem, str, ConfigurationItem], CiRelation]


@pytest.fixture
def web(make_ci: Make) -> ConfigurationItem:
    return make_ci("web", attributes={"ip": "10.0.0.9"})


def test_every_page_wants_a_login_and_the_right_permission(
    client: Client,
    applicant: User,
    make_user: Callable[..., User],
    org_units: dict[str, OrgUnit],
    verified_login: Any,
    web: ConfigurationItem,
    make_ci: Make,
    link: Link,
) -> None:
    relation = link(make_ci("app"), R.RUNS_ON, web)
    gets = [BASE, f"{BASE}new/", f"{BASE}items/web/", f"{BASE}items/web/edit/"]
    posts = [f"{BASE}items/web/relations/", f"{BASE}items/web/relations/{relation.pk}/delete/"]
    for url in gets:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    for url in posts:
        assert client.post(url).status_code == 302, url
    client.force_login(applicant)
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url).status_code == 403, url
    client.logout()
    operator = make_user("ci_operator", roles=["operator"], org_unit=org_units["ministry"])
    reader = verified_login(client, operator)
    page = reader.get(f"{BASE}items/web/")
    assert page.status_code == 200
    assert 'data-testid="relate-form"' not in page.content.decode()
    assert reader.get(f"{BASE}new/").status_code == 403
    assert reader.get(f"{BASE}items/web/edit/").status_code == 403
    for url in posts:
        assert (
            reader.post(url, {"direction": "out", "kind": "depends_on", "other": "app"}).status_code
            == 403
        )
    assert CiRelation.objects.count() == 1


def test_edit_changes_name_status_and_attributes_and_refuses_a_bad_value(
    ci_client: Client, web: ConfigurationItem
) -> None:
    form = ci_client.get(f"{BASE}items/web/edit/")
    assert form.status_code == 200 and 'value="10.0.0.9"' in form.content.decode()
    data = {"code": "web", "name": "Web front", "status": CiStatus.LIVE, "attr_ip": "10.0.0.10"}
    refused = ci_client.post(f"{BASE}items/web/edit/", {**data, "attr_cpu": "lots"})
    assert refused.status_code == 200
    web.refresh_from_db()
    assert web.name == "WEB"
    done = ci_client.post(f"{BASE}items/web/edit/", {**data, "attr_cpu": "16"})
    assert done.status_code == 302
    web.refresh_from_db()
    assert (web.name, web.attributes) == ("Web front", {"ip": "10.0.0.10", "cpu": 16})


def test_a_relation_is_removed_from_the_page_by_a_supervisor(
    ci_client: Client,
    web: ConfigurationItem,
    make_ci: Make,
    link: Link,
    make_user: Callable[..., User],
    verified_login: Any,
) -> None:
    relation = link(make_ci("app"), R.RUNS_ON, web)
    url = f"{BASE}items/web/relations/{relation.pk}/delete/"
    assert ci_client.post(url).status_code == 403  # agents delete nothing
    boss = make_user("ci_boss", roles=["supervisor"])
    supervisor = verified_login(Client(), boss)
    assert supervisor.get(url).status_code == 405
    response = supervisor.post(url)
    assert response.status_code == 302 and not CiRelation.objects.exists()


def test_list_filters_by_type_and_status(
    ci_client: Client, web: ConfigurationItem, make_ci: Make
) -> None:
    make_ci("pg", "database")
    make_ci("old", status=CiStatus.RETIRED)
    codes = lambda **query: [i.code for i in ci_client.get(BASE, query).context["page"].items]  # noqa: E731
    assert sorted(codes()) == ["old", "pg", "web"]
    assert codes(ci_type="database") == ["pg"]
    assert codes(status=CiStatus.RETIRED) == ["old"]


def test_detail_queries_stay_the_same_with_more_relations_and_impact(
    ci_client: Client,
    web: ConfigurationItem,
    make_ci: Make,
    link: Link,
    django_assert_max_num_queries: Any,
) -> None:
    link(make_ci("app-0"), R.RUNS_ON, web)
    link(web, R.PART_OF, make_ci("rack-0"))
    ci_client.get(f"{BASE}items/web/")
    with django_assert_max_num_queries(40) as first:
        ci_client.get(f"{BASE}items/web/")
    count = len(first.captured_queries)
    for index in range(1, 8):
        app = make_ci(f"app-{index}", "application")
        link(app, R.RUNS_ON, web)
        link(make_ci(f"svc-{index}", "service"), R.DEPENDS_ON, app)
        link(web, R.CONNECTED_TO, make_ci(f"net-{index}", "network"))
    ci_client.get(f"{BASE}items/web/")  # the relation graph is read again once, then kept
    with django_assert_max_num_queries(count):
        page = ci_client.get(f"{BASE}items/web/")
    assert page.content.decode().count("data-impact-ci=") >= 14
