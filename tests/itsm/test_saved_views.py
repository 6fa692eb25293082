"""Saved incident lists: kept per person with their queue and filters, replaced by name, deleted."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from khedmat.accounts.models import User
from khedmat.core.errors import SavedViewError
from khedmat.core.models import Activity, SavedListView
from khedmat.core.saved_views import MAX_SAVED_VIEWS, clean_query, save_list_view
from tests.itsm.helpers import ReportIncident

pytestmark = pytest.mark.django_db
LIST = "/desk/incidents/"


@pytest.fixture
def agent_client(client: Client, it_agent: User, verified_login: Any) -> Client:
    return verified_login(client, it_agent)


def test_clean_query_keeps_known_filters_in_order_and_drops_the_cursor() -> None:
    query = "after=xyz&priority=urgent&queue=mine&evil=1&q=%20mail%20&status="
    assert clean_query(query, "incidents") == "queue=mine&q=mail&priority=urgent"


def test_save_from_the_list_then_open_it_and_delete_it(
    agent_client: Client, it_agent: User, report: ReportIncident
) -> None:
    urgent = report(impact="high", urgency="high")
    report(impact="low", urgency="low")
    response = agent_client.post(
        f"{LIST}views/", {"name": "Urgent", "query": "queue=open&priority=urgent&after=abc"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?queue=open&priority=urgent"
    view = SavedListView.objects.get(user=it_agent)
    assert (view.name, view.query) == ("Urgent", "queue=open&priority=urgent")
    assert Activity.objects.for_target(view).get().verb == "incident_view.saved"

    page = agent_client.get(f"{LIST}?{view.query}")
    assert 'data-view="Urgent"' in page.content.decode()
    assert [row.pk for row in page.context["page"].items] == [urgent.pk]

    assert agent_client.post(f"{LIST}views/{view.pk}/delete/").status_code == 302
    assert not SavedListView.objects.exists()


def test_a_view_is_only_its_owners(
    agent_client: Client, it_agent_two: User, verified_login: Any
) -> None:
    theirs = save_list_view(it_agent_two, kind="incidents", name="Mine", query="queue=mine")
    assert agent_client.post(f"{LIST}views/{theirs.pk}/delete/").status_code == 404
    assert 'data-view="Mine"' not in agent_client.get(LIST).content.decode()
    assert SavedListView.objects.filter(pk=theirs.pk).exists()


def test_same_name_replaces_and_refusals_are_explained(it_agent: User) -> None:
    save_list_view(it_agent, kind="incidents", name="Team", query="queue=team")
    save_list_view(it_agent, kind="incidents", name="Team", query="queue=team&status=on_hold")
    assert list(SavedListView.objects.values_list("query", flat=True)) == [
        "queue=team&status=on_hold"
    ]
    with pytest.raises(SavedViewError):
        save_list_view(it_agent, kind="incidents", name="  ", query="queue=team")
    for number in range(MAX_SAVED_VIEWS - 1):
        save_list_view(it_agent, kind="incidents", name=f"v{number}", query="")
    with pytest.raises(SavedViewError):
        save_list_view(it_agent, kind="incidents", name="one too many", query="")
    assert SavedListView.objects.filter(user=it_agent).count() == MAX_SAVED_VIEWS


def test_a_refused_save_shows_the_reason(agent_client: Client) -> None:
    response = agent_client.post(f"{LIST}views/", {"name": " ", "query": "queue=mine"}, follow=True)
    assert "Give the view a name." in response.content.decode()
    assert not SavedListView.objects.exists()
