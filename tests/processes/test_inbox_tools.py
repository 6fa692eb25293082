"""The inbox's filters, saved views and bulk claim/release/assign."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from khedmat.accounts.models import OrgUnit, User
from khedmat.catalog.models import Service
from khedmat.processes.assignment import claim_work_item
from khedmat.processes.models import ProcessDefinition, SavedInboxView, WorkItem
from tests.fixtures.processes import Publish
from tests.fixtures.tickets import Submit
from tests.processes.helpers import OpenItems

pytestmark = pytest.mark.django_db

Login = Callable[[Client, User], Any]
INBOX = "/desk/work/"


@pytest.fixture
def definition(publish: Publish, service: Service) -> ProcessDefinition:
    service.process_key = "licence"
    service.save(update_fields=["process_key"])
    return publish("licence", "approval.bpmn")


@pytest.fixture
def open_items(submit: Submit, definition: ProcessDefinition) -> OpenItems:
    """open_items(n): file n requests; the service's process opens one agent item each."""

    def run(count: int) -> list[WorkItem]:
        for _ in range(count):
            submit()
        return list(WorkItem.objects.open().order_by("id"))

    return run


def _shown(client: Client, **params: str) -> list[int]:
    response = client.get(INBOX, params)
    assert response.status_code == 200
    return [item.pk for item in response.context["page"].items]


def test_new_items_are_due_when_the_request_is_promised(open_items: OpenItems) -> None:
    (item,) = open_items(1)

    assert item.due_at is not None and item.due_at == item.ticket.promised_at


def test_filters_by_service_and_tracking_code(
    client: Client,
    verified_login: Login,
    inbox_staff: dict[str, User],
    open_items: OpenItems,
) -> None:
    first, second = open_items(2)
    verified_login(client, inbox_staff["clerk"])

    assert sorted(_shown(client, view="team")) == [first.pk, second.pk]
    code = first.ticket.tracking_code
    persian = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert _shown(client, view="team", q=persian) == [first.pk]  # Persian digits work too
    assert _shown(client, view="team", q=code) == [first.pk]
    assert sorted(_shown(client, view="team", service=first.ticket.service.code)) == [
        first.pk,
        second.pk,
    ]
    assert _shown(client, view="team", service="no-such-service") == []
    page = client.get(INBOX, {"view": "team", "service": first.ticket.service.code}).content
    assert b'id="inbox-filters"' in page and b"selected" in page


def test_a_saved_view_comes_back_and_only_its_owner_deletes_it(
    client: Client,
    verified_login: Login,
    inbox_staff: dict[str, User],
    open_items: OpenItems,
) -> None:
    (item,) = open_items(1)
    code = item.ticket.tracking_code
    verified_login(client, inbox_staff["clerk"])

    response = client.post(
        reverse("processes:inbox_view_save"),
        {"name": "  Mine by code ", "query": f"view=unassigned&q={code}&bogus=1&sort=weird"},
    )

    assert response.status_code == 302
    saved = SavedInboxView.objects.get(user=inbox_staff["clerk"])
    assert (saved.name, saved.params) == ("Mine by code", {"view": "unassigned", "q": code})
    page = client.get(INBOX).content.decode()
    assert "Mine by code" in page and f"view=unassigned&amp;q={code}" in page
    client.post(
        reverse("processes:inbox_view_save"), {"name": "Mine by code", "query": "view=mine"}
    )
    assert SavedInboxView.objects.get(user=inbox_staff["clerk"]).params == {
        "view": "mine"
    }  # replaced
    assert (
        client.post(reverse("processes:inbox_view_save"), {"name": " ", "query": ""}).status_code
        == 302
    )
    assert SavedInboxView.objects.filter(user=inbox_staff["clerk"]).count() == 1

    verified_login(client, inbox_staff["other_clerk"])
    assert client.post(reverse("processes:inbox_view_delete", args=[saved.pk])).status_code == 404
    verified_login(client, inbox_staff["clerk"])
    assert client.post(reverse("processes:inbox_view_delete", args=[saved.pk])).status_code == 302
    assert not SavedInboxView.objects.exists()


def test_bulk_claim_takes_the_free_ones_and_names_the_refused(
    client: Client,
    verified_login: Login,
    inbox_staff: dict[str, User],
    open_items: OpenItems,
) -> None:
    free, taken, other = open_items(3)
    claim_work_item(taken, actor=inbox_staff["other_clerk"])
    verified_login(client, inbox_staff["clerk"])

    response = client.post(
        reverse("processes:workitem_bulk"),
        {"operation": "claim", "items": [free.pk, taken.pk, other.pk], "next": INBOX},
        follow=True,
    )

    held = dict(WorkItem.objects.values_list("pk", "assignee__username"))
    assert held == {free.pk: "clerk", taken.pk: "other_clerk", other.pk: "clerk"}
    text = response.content.decode()
    assert taken.ticket.tracking_code in text  # the refused one is named with its reason


def test_bulk_assign_is_for_supervisors_and_skips_invisible_items(
    client: Client,
    verified_login: Login,
    inbox_staff: dict[str, User],
    open_items: OpenItems,
    make_user: Callable[..., User],
) -> None:
    first, second = open_items(2)
    verified_login(client, inbox_staff["clerk"])
    client.post(
        reverse("processes:workitem_bulk"),
        {"operation": "assign", "items": [first.pk], "assignee": inbox_staff["other_clerk"].pk},
    )
    assert WorkItem.objects.get(pk=first.pk).assignee is None  # an agent may not assign

    verified_login(client, inbox_staff["stranger"])
    client.post(reverse("processes:workitem_bulk"), {"operation": "claim", "items": [first.pk]})
    assert WorkItem.objects.get(pk=first.pk).assignee is None  # not their request

    verified_login(client, inbox_staff["boss"])
    page = client.get(INBOX, {"view": "unassigned"})
    assert inbox_staff["other_clerk"] in page.context["assignees"]
    client.post(
        reverse("processes:workitem_bulk"),
        {
            "operation": "assign",
            "items": [first.pk, second.pk],
            "assignee": inbox_staff["other_clerk"].pk,
        },
    )
    assert set(WorkItem.objects.values_list("assignee__username", flat=True)) == {"other_clerk"}


def test_the_inbox_costs_the_same_queries_with_saved_views_and_more_rows(
    client: Client,
    verified_login: Login,
    inbox_staff: dict[str, User],
    open_items: OpenItems,
) -> None:
    open_items(2)
    verified_login(client, inbox_staff["boss"])
    client.get(INBOX, {"view": "unassigned"})  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        client.get(INBOX, {"view": "unassigned"})
    open_items(4)
    for index in range(3):
        SavedInboxView.objects.create(
            user=inbox_staff["boss"], name=f"v{index}", params={"view": "team"}
        )
    with CaptureQueriesContext(connection) as more:
        client.get(INBOX, {"view": "unassigned"})

    assert len(more) == len(few)


def test_units_outside_are_not_offered_for_bulk_assignment(
    client: Client,
    verified_login: Login,
    inbox_staff: dict[str, User],
    open_items: OpenItems,
) -> None:
    open_items(1)
    verified_login(client, inbox_staff["boss"])

    assignees = client.get(INBOX).context["assignees"]

    assert inbox_staff["stranger"] not in assignees and inbox_staff["clerk"] in assignees
    assert OrgUnit.objects.filter(code="far-agency").exists()
