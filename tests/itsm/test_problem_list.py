"""The desk's problem list: queues, filters (words through the search index, in Persian too),
saved views kept apart from incident views, and a constant query count."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from khedmat.accounts.models import Team, User
from khedmat.core.models import Activity, SavedListView
from khedmat.core.saved_views import save_list_view
from khedmat.itsm import services
from khedmat.itsm.models import Problem

pytestmark = pytest.mark.django_db
LIST = "/desk/problems/"


def codes(response: Any) -> list[str]:
    return [problem.tracking_code for problem in response.context["page"].items]


@pytest.fixture
def agent_client(client: Client, it_agent: User, verified_login: Any) -> Client:
    return verified_login(client, it_agent)


@pytest.fixture
def problems(
    it_agent: User,
    it_agent_two: User,
    desk_team: Team,
    django_capture_on_commit_callbacks: Any,
) -> dict[str, Problem]:
    """Three problems of the desk team (one the agent owns, one closed) and one of no team."""
    with django_capture_on_commit_callbacks(execute=True):
        printers = services.open_problem(
            title="چاپگرهای طبقه دوم کار نمی‌کنند", symptom="صف چاپ", team=desk_team, actor=it_agent
        )
        mail = services.open_problem(title="Mail queue stalls", team=desk_team, actor=it_agent)
        old = services.open_problem(title="Old VPN bug", team=desk_team, actor=it_agent)
        services.record_root_cause(old, root_cause="Expired certificate", actor=it_agent)
        services.resolve_problem(old, fix="New certificate", actor=it_agent)
        services.close_problem(old, actor=it_agent)
        loose = services.open_problem(title="Printer toner runs out", actor=it_agent)
    Problem.objects.filter(pk=mail.pk).update(assignee=it_agent, priority="urgent")
    return {"printers": printers, "mail": mail, "old": old, "loose": loose}


def test_each_queue_holds_its_problems(agent_client: Client, problems: dict[str, Problem]) -> None:
    def queue(name: str) -> set[str]:
        return set(codes(agent_client.get(LIST, {"queue": name})))

    p = {name: problem.tracking_code for name, problem in problems.items()}
    assert queue("open") == {p["printers"], p["mail"], p["loose"]}
    assert queue("mine") == {p["mail"]}
    assert queue("team") == {p["printers"], p["mail"]}
    assert queue("all") == set(p.values())
    assert set(codes(agent_client.get(LIST))) == queue("open")  # open is the default


def test_filters_by_status_priority_team_and_words(
    agent_client: Client, problems: dict[str, Problem], desk_team: Team
) -> None:
    p = {name: problem.tracking_code for name, problem in problems.items()}
    assert codes(agent_client.get(LIST, {"queue": "all", "status": "closed"})) == [p["old"]]
    assert codes(agent_client.get(LIST, {"priority": "urgent"})) == [p["mail"]]
    by_team = agent_client.get(LIST, {"queue": "all", "team": desk_team.code})
    assert set(codes(by_team)) == {p["printers"], p["mail"], p["old"]}
    # words through the normalised index: Arabic yeh and kaf find the Persian title
    arabic = "چاپگرهاي طبقه"
    assert codes(agent_client.get(LIST, {"q": arabic})) == [p["printers"]]
    assert codes(agent_client.get(LIST, {"queue": "all", "q": "certificate"})) == [p["old"]]
    assert codes(agent_client.get(LIST, {"q": problems["mail"].tracking_code})) == [p["mail"]]


def test_a_bad_filter_shows_its_error_and_lists_the_queue(
    agent_client: Client, problems: dict[str, Problem]
) -> None:
    response = agent_client.get(LIST, {"status": "nonsense", "queue": "mine"})
    assert response.status_code == 200
    assert response.context["form"].errors["status"]
    assert codes(response) == [problems["mail"].tracking_code]


def test_a_problem_view_is_saved_opened_and_deleted_apart_from_incident_views(
    agent_client: Client, it_agent: User, problems: dict[str, Problem]
) -> None:
    save_list_view(it_agent, kind="incidents", name="Urgent", query="priority=urgent")
    response = agent_client.post(
        f"{LIST}views/", {"name": "Urgent", "query": "queue=all&priority=urgent&after=x&age=2"}
    )
    assert response["Location"] == f"{LIST}?queue=all&priority=urgent"
    view = SavedListView.objects.get(user=it_agent, kind="problems")
    assert view.query == "queue=all&priority=urgent"  # age is an incident filter: dropped
    assert Activity.objects.for_target(view).get().verb == "problem_view.saved"

    page = agent_client.get(f"{LIST}?{view.query}")
    assert 'data-view="Urgent"' in page.content.decode()
    assert [view.pk] == [saved.pk for saved in page.context["saved_views"]]
    assert codes(page) == [problems["mail"].tracking_code]

    incident_view = SavedListView.objects.get(kind="incidents")
    assert agent_client.post(f"{LIST}views/{incident_view.pk}/delete/").status_code == 404
    assert agent_client.post(f"{LIST}views/{view.pk}/delete/").status_code == 302
    assert list(SavedListView.objects.values_list("kind", flat=True)) == ["incidents"]


def test_saving_a_problem_view_needs_the_problem_permission(
    client: Client, employee: User, verified_login: Any
) -> None:
    assert client.post(f"{LIST}views/", {"name": "x"}).status_code == 302  # to the login
    verified_login(client, employee)  # an operator: incidents, no problems
    assert client.post(f"{LIST}views/", {"name": "x", "query": ""}).status_code == 403
    assert not SavedListView.objects.exists()


def test_the_list_costs_the_same_queries_for_more_rows_and_views(
    agent_client: Client,
    it_agent: User,
    desk_team: Team,
    django_assert_max_num_queries: Any,
) -> None:
    services.open_problem(title="first", team=desk_team, actor=it_agent)
    agent_client.get(LIST)  # warm the session and caches
    with django_assert_max_num_queries(12) as few:
        agent_client.get(LIST)
    for index in range(5):
        services.open_problem(title=f"more {index}", team=desk_team, actor=it_agent)
        save_list_view(it_agent, kind="problems", name=f"v{index}", query="queue=mine")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(codes(agent_client.get(LIST))) == 6
