"""The staff inbox of work items: its tabs, claiming, assigning and releasing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from khedmat.accounts.models import OrgUnit, User
from khedmat.core.models import Activity
from khedmat.processes import services
from khedmat.processes.assignment import (
    NotEligibleError,
    WorkItemPermissionError,
    assign_work_item,
    claim_work_item,
    release_work_item,
)
from khedmat.processes.choices import WorkItemStatus
from khedmat.processes.errors import WorkItemClosedError
from khedmat.processes.models import ProcessDefinition, WorkItem
from tests.fixtures.processes import Publish
from tests.fixtures.tickets import Submit
from tests.processes.helpers import OpenItems

pytestmark = pytest.mark.django_db

Login = Callable[[Client, User], Any]


@pytest.fixture
def definition(publish: Publish) -> ProcessDefinition:
    return publish("licence", "approval.bpmn")


@pytest.fixture
def open_items(submit: Submit, definition: ProcessDefinition, designer: User) -> OpenItems:
    """open_items(n): file n requests and start their process: n open "agent" items."""

    def run(count: int) -> list[WorkItem]:
        for _ in range(count):
            services.start_process(submit(), definition, actor=designer)
        return list(WorkItem.objects.open().order_by("id"))

    return run


def _shown(client: Client, view: str) -> set[int]:
    response = client.get(reverse("processes:inbox"), {"view": view})
    assert response.status_code == 200
    return {item.pk for item in response.context["page"].items}


def _activities(item: WorkItem) -> list[str]:
    return list(
        Activity.objects.for_target(item.ticket).order_by("id").values_list("verb", flat=True)
    )


# --- tabs -------------------------------------------------------------------------------------


def test_each_tab_shows_exactly_its_items(
    client: Client, verified_login: Login, inbox_staff: dict[str, User], open_items: OpenItems
) -> None:
    mine, theirs, free = open_items(3)
    claim_work_item(mine, actor=inbox_staff["clerk"])
    claim_work_item(theirs, actor=inbox_staff["other_clerk"])
    verified_login(client, inbox_staff["clerk"])

    assert _shown(client, "mine") == {mine.pk}
    assert _shown(client, "team") == {mine.pk, theirs.pk, free.pk}
    assert _shown(client, "unassigned") == {free.pk}
    page = client.get(reverse("processes:inbox"), {"view": "team"}).content.decode()
    assert reverse("tickets:desk_request_detail", args=[free.ticket.tracking_code]) in page


def test_the_supervisor_sees_agent_items_only_through_assigning_not_in_the_team_tab(
    client: Client, verified_login: Login, inbox_staff: dict[str, User], open_items: OpenItems
) -> None:
    (item,) = open_items(1)
    verified_login(client, inbox_staff["boss"])

    assert _shown(client, "team") == set()  # the item needs the agent role
    assert client.get(reverse("processes:workitem_assign", args=[item.pk])).status_code == 200


def test_a_stranger_of_another_unit_sees_none(
    client: Client, verified_login: Login, inbox_staff: dict[str, User], open_items: OpenItems
) -> None:
    items = open_items(2)
    verified_login(client, inbox_staff["stranger"])

    for view in ("mine", "team", "unassigned"):
        assert _shown(client, view) == set()
    response = client.post(reverse("processes:workitem_claim", args=[items[0].pk]))
    assert response.status_code == 404
    assert WorkItem.objects.get(pk=items[0].pk).assignee is None


def test_sorting_by_due_and_keyset_pages(
    client: Client, verified_login: Login, inbox_staff: dict[str, User], open_items: OpenItems
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    first, second, third = open_items(3)
    now = timezone.now()
    WorkItem.objects.filter(pk=first.pk).update(due_at=now + timedelta(days=3))
    WorkItem.objects.filter(pk=second.pk).update(due_at=now + timedelta(days=1))
    verified_login(client, inbox_staff["clerk"])
    url = reverse("processes:inbox")

    due = client.get(url, {"view": "team", "sort": "due"}).context["page"].items
    newest = client.get(url, {"view": "team"}).context["page"].items
    assert [i.pk for i in due] == [second.pk, first.pk, third.pk]
    assert [i.pk for i in newest] == [third.pk, second.pk, first.pk]
    one = client.get(url, {"view": "team", "sort": "due"}).context["page"]
    assert one.next_cursor == ""
    damaged = client.get(url, {"view": "team", "sort": "due", "after": "damaged"})
    assert [i.pk for i in damaged.context["page"].items] == [second.pk, first.pk, third.pk]


def test_the_page_costs_the_same_queries_for_5_or_25_items(
    client: Client,
    verified_login: Login,
    inbox_staff: dict[str, User],
    open_items: OpenItems,
    django_assert_num_queries: Callable[..., Any],
    settings: Any,
) -> None:
    settings.KHEDMAT_MAX_REQUESTS_PER_DAY = 0  # twenty-five filings by one applicant
    verified_login(client, inbox_staff["clerk"])
    url = reverse("processes:inbox")
    open_items(5)
    client.get(url, {"view": "team"})  # warm the content-type cache
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(url, {"view": "team"}).context["page"].items) == 5
    open_items(20)

    with django_assert_num_queries(len(five.captured_queries)):
        assert len(client.get(url, {"view": "team"}).context["page"].items) == 25


# --- claim, assign, release ---------------------------------------------------------------------


def test_an_agent_with_the_role_claims(
    client: Client, verified_login: Login, inbox_staff: dict[str, User], open_items: OpenItems
) -> None:
    (item,) = open_items(1)
    verified_login(client, inbox_staff["clerk"])

    response = client.post(reverse("processes:workitem_claim", args=[item.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("processes:inbox")
    assert WorkItem.objects.get(pk=item.pk).assignee == inbox_staff["clerk"]
    assert _activities(item)[-1] == "process.work_item_claimed"
    assert "The task is yours now." in response.content.decode()


def test_one_without_the_role_cannot_claim_and_nothing_changes(
    client: Client,
    verified_login: Login,
    make_user: Callable[..., User],
    units: dict[str, OrgUnit],
    open_items: OpenItems,
) -> None:
    (item,) = open_items(1)
    lead = make_user("lead", roles=["supervisor"], org_unit=units["office"])
    before = _activities(item)
    verified_login(client, lead)

    response = client.post(reverse("processes:workitem_claim", args=[item.pk]), follow=True)

    assert "You do not hold the role this task needs." in response.content.decode()
    assert WorkItem.objects.get(pk=item.pk).assignee is None
    assert _activities(item) == before
    with pytest.raises(NotEligibleError):
        claim_work_item(item, actor=lead)


def test_a_supervisor_assigns_to_an_agent_with_the_role(
    client: Client, verified_login: Login, inbox_staff: dict[str, User], open_items: OpenItems
) -> None:
    (item,) = open_items(1)
    verified_login(client, inbox_staff["boss"])
    url = reverse("processes:workitem_assign", args=[item.pk])
    choices = client.get(url).context["form"].fields["assignee"].queryset

    response = client.post(url, {"assignee": inbox_staff["other_clerk"].pk})

    assert set(choices) == {inbox_staff["clerk"], inbox_staff["other_clerk"]}
    assert response.status_code == 302
    assert WorkItem.objects.get(pk=item.pk).assignee == inbox_staff["other_clerk"]
    activity = Activity.objects.for_target(item.ticket).order_by("id").last()
    assert activity is not None and activity.verb == "process.work_item_assigned"
    assert (activity.actor, activity.new_value) == (inbox_staff["boss"], "other_clerk")


def test_a_supervisor_cannot_assign_to_someone_without_the_role(
    inbox_staff: dict[str, User], open_items: OpenItems
) -> None:
    (item,) = open_items(1)

    for person in (inbox_staff["stranger"], inbox_staff["boss"]):
        with pytest.raises(NotEligibleError):
            assign_work_item(item, assignee=person, actor=inbox_staff["boss"])
    assert WorkItem.objects.get(pk=item.pk).assignee is None


def test_an_agent_cannot_assign(
    client: Client, verified_login: Login, inbox_staff: dict[str, User], open_items: OpenItems
) -> None:
    (item,) = open_items(1)
    before = _activities(item)
    verified_login(client, inbox_staff["clerk"])
    url = reverse("processes:workitem_assign", args=[item.pk])

    response = client.post(url, {"assignee": inbox_staff["other_clerk"].pk})

    assert response.status_code == 403
    assert "You may not change who holds this task." in response.content.decode()
    assert WorkItem.objects.get(pk=item.pk).assignee is None
    assert _activities(item) == before
    with pytest.raises(WorkItemPermissionError):
        assign_work_item(item, assignee=inbox_staff["other_clerk"], actor=inbox_staff["clerk"])


def test_a_closed_item_is_refused(
    client: Client, verified_login: Login, inbox_staff: dict[str, User], open_items: OpenItems
) -> None:
    (item,) = open_items(1)
    services.complete_work_item(item, data={"approved": True}, actor=inbox_staff["clerk"])
    item.refresh_from_db()
    assert item.status == WorkItemStatus.COMPLETED
    verified_login(client, inbox_staff["other_clerk"])

    response = client.post(reverse("processes:workitem_claim", args=[item.pk]), follow=True)

    assert "This task is already done or was withdrawn." in response.content.decode()
    assert WorkItem.objects.get(pk=item.pk).assignee is None
    with pytest.raises(WorkItemClosedError):
        assign_work_item(item, assignee=inbox_staff["clerk"], actor=inbox_staff["boss"])


def test_the_holder_releases(inbox_staff: dict[str, User], open_items: OpenItems) -> None:
    (item,) = open_items(1)
    claim_work_item(item, actor=inbox_staff["clerk"])

    with pytest.raises(WorkItemPermissionError):
        release_work_item(item, actor=inbox_staff["other_clerk"])
    release_work_item(item, actor=inbox_staff["clerk"])

    assert WorkItem.objects.get(pk=item.pk).assignee is None
    assert _activities(item)[-2:] == ["process.work_item_claimed", "process.work_item_released"]


def test_the_inbox_needs_the_permission(
    client: Client, verified_login: Login, make_user: Callable[..., User], units: dict[str, OrgUnit]
) -> None:
    operator = make_user("desk", roles=["operator"], org_unit=units["office"])
    verified_login(client, operator)

    assert client.get(reverse("processes:inbox")).status_code == 403
