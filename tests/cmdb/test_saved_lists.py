"""Saved views on the CMDB and change lists: each list keeps its own filters under a name (never
the page cursor), shows them on top, opens them, and deletes them; a view is only its owner's,
and only staff who may read the list may save one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from khedmat.accounts.models import User
from khedmat.cmdb.models import ConfigurationItem
from khedmat.core.models import Activity, SavedListView
from khedmat.core.saved_views import save_list_view

pytestmark = pytest.mark.django_db

#: kind, list URL, a query with a foreign parameter and a cursor, what the view keeps, its verb
LISTS = [
    ("cis", "/desk/cmdb/", "status=live&q=db&after=xyz&evil=1", "q=db&status=live", "ci_view"),
    (
        "assets",
        "/desk/cmdb/assets/",
        "kind=hardware&words=lap&after=1",
        "words=lap&kind=hardware",
        "asset_view",
    ),
    (
        "licences",
        "/desk/cmdb/licences/",
        "supplier=3&words=office",
        "words=office&supplier=3",
        "licence_view",
    ),
    (
        "contracts",
        "/desk/cmdb/contracts/",
        "ending_within=30&kind=maintenance",
        "kind=maintenance&ending_within=30",
        "contract_view",
    ),
    (
        "suppliers",
        "/desk/cmdb/suppliers/",
        "inactive=on&words=net",
        "words=net&inactive=on",
        "supplier_view",
    ),
    (
        "changes",
        "/desk/changes/",
        "kind=emergency&tab=mine&after=5",
        "tab=mine&kind=emergency",
        "change_view",
    ),
]


@pytest.fixture
def staff(
    make_user: Callable[..., User], org_units: dict[str, Any], client: Client, verified_login: Any
) -> tuple[User, Client]:
    user = make_user("lister", roles=["agent"], org_unit=org_units["ministry"])
    return user, verified_login(client, user)


@pytest.mark.parametrize(("kind", "url", "query", "kept", "noun"), LISTS)
def test_save_open_and_delete_a_view_of_each_list(
    staff: tuple[User, Client], kind: str, url: str, query: str, kept: str, noun: str
) -> None:
    user, client = staff
    response = client.post(f"{url}views/", {"name": "Mine", "query": query})
    assert response.status_code == 302
    assert response["Location"] == f"{url}?{kept}"
    view = SavedListView.objects.get(user=user, kind=kind)
    assert (view.name, view.query) == ("Mine", kept)
    assert Activity.objects.for_target(view).get().verb == f"{noun}.saved"

    page = client.get(f"{url}?{kept}")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-view="Mine"' in body
    assert f'action="{url}views/"' in body
    assert page.context["current_query"] == kept  # the bar marks the open view

    assert client.post(f"{url}views/{view.pk}/delete/").status_code == 302
    assert not SavedListView.objects.filter(kind=kind).exists()
    assert Activity.objects.filter(verb=f"{noun}.deleted").count() == 1


@pytest.mark.parametrize(("kind", "url"), [(row[0], row[1]) for row in LISTS])
def test_a_view_is_only_its_owners_and_needs_the_list(
    staff: tuple[User, Client],
    make_user: Callable[..., User],
    org_units: dict[str, Any],
    verified_login: Any,
    kind: str,
    url: str,
) -> None:
    _user, client = staff
    other = make_user("other_lister", roles=["agent"], org_unit=org_units["ministry"])
    theirs = save_list_view(other, kind=kind, name="Theirs", query="")
    assert client.post(f"{url}views/{theirs.pk}/delete/").status_code == 404
    assert SavedListView.objects.filter(pk=theirs.pk).exists()
    assert 'data-view="Theirs"' not in client.get(url).content.decode()

    outsider = make_user("no_lists", roles=[], org_unit=org_units["other"])
    stranger = verified_login(Client(), outsider)
    assert stranger.post(f"{url}views/", {"name": "x", "query": ""}).status_code == 403
    assert not SavedListView.objects.filter(user=outsider).exists()


def test_a_saved_ci_view_filters_the_list(
    staff: tuple[User, Client], make_ci: Callable[..., ConfigurationItem]
) -> None:
    user, client = staff
    make_ci("db-main", "database", status="live")
    make_ci("db-old", "database", status="retired")
    view = save_list_view(user, kind="cis", name="Live", query="status=live")
    page = client.get(f"/desk/cmdb/?{view.query}")
    assert [item.code for item in page.context["page"].items] == ["db-main"]


def test_the_saved_views_bar_costs_one_query(
    staff: tuple[User, Client], make_ci: Callable[..., ConfigurationItem]
) -> None:
    user, client = staff
    make_ci("db-main", "database")
    client.get("/desk/cmdb/")
    with CaptureQueriesContext(connection) as bare:
        client.get("/desk/cmdb/")
    before = len(bare.captured_queries)
    for number in range(5):
        save_list_view(user, kind="cis", name=f"v{number}", query=f"q=x{number}")
    with CaptureQueriesContext(connection) as saved:
        page = client.get("/desk/cmdb/")
    assert len(saved.captured_queries) == before
    assert len(page.context["saved_views"]) == 5
