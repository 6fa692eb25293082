"""The desk's request list (/desk/requests/): exactly the requests Ticket.objects.visible_to_staff
gives each staff member (its own query asks each request for an open task as it reads it), newest
first, page after page, for the same queries on every page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from khedmat.accounts.models import OrgUnit, User
from khedmat.processes import services as processes
from khedmat.processes.choices import WorkItemStatus
from khedmat.processes.models import ProcessInstance, WorkItem
from khedmat.tickets.models import Ticket
from khedmat.tickets.queries import desk_list_tickets
from khedmat.tickets.views import desk as desk_views
from tests.fixtures.processes import Publish
from tests.fixtures.tickets import Submit

pytestmark = pytest.mark.django_db

LIST_URL = "/desk/requests/"
Login = Callable[[Client, User], Any]


def listed(content: bytes) -> list[str]:
    return re.findall(r'data-ticket="(\d+)"', content.decode())


@pytest.fixture
def world(
    submit: Submit,
    publish: Publish,
    designer: User,
    make_user: Callable[..., User],
    units: dict[str, OrgUnit],
    settings: Any,
) -> dict[str, Any]:
    """Requests of the office and of two other units, staff of each, and open, done and
    referred tasks: every way a staff member comes to see a request, and some that do not."""
    settings.KHEDMAT_MAX_REQUESTS_PER_DAY = 0
    north = OrgUnit.objects.create(code="north", name="North", parent=units["agency"])
    south = OrgUnit.objects.create(code="south", name="South")
    people = {
        "agent": make_user("list-agent", roles=["agent"], org_unit=units["office"]),
        "boss": make_user("list-boss", roles=["supervisor"], org_unit=units["agency"]),
        "north": make_user("north-agent", roles=["agent"], org_unit=north),
        "south": make_user("south-agent", roles=["agent"], org_unit=south),
        "holder": make_user("south-holder", roles=["agent"], org_unit=south),
        "unitless": make_user("unitless", roles=["agent"]),
        "admin": make_user("list-admin", roles=["admin"]),
    }
    definition = publish("licence", "approval.bpmn")
    made = {name: submit() for name in ("office", "north", "south", "filed", "held", "done")}
    Ticket.objects.filter(pk=made["north"].pk).update(org_unit=north)
    Ticket.objects.filter(pk__in=[made[n].pk for n in ("south", "filed", "held", "done")]).update(
        org_unit=south
    )
    Ticket.objects.filter(pk=made["filed"].pk).update(filed_by=people["south"])
    Ticket.objects.filter(pk=made["held"].pk).update(assignee=people["holder"])

    def task(ticket: Ticket, name: str, **fields: Any) -> None:
        instance = ProcessInstance.objects.filter(ticket=ticket).first()
        if instance is None:
            instance = processes.start_process(ticket, definition, actor=designer)
        WorkItem.objects.create(
            instance=instance, ticket=ticket, task_id=name, task_name=name, title=name, **fields
        )

    # a south request's task referred to the north unit; one held by the north agent
    task(made["south"], "referred", role="agent", org_unit=north)
    task(made["held"], "theirs", role="agent", org_unit=south, assignee=people["north"])
    # a finished task of the north unit grants nothing
    task(made["done"], "finished", role="agent", org_unit=north, status=WorkItemStatus.COMPLETED)
    return {"people": people, "requests": {k: Ticket.objects.get(pk=v.pk) for k, v in made.items()}}


def test_the_list_shows_exactly_what_visible_to_staff_gives(world: dict[str, Any]) -> None:
    requests = world["requests"]
    expected = {
        "agent": {"office"},
        "boss": {"office", "north", "south"},  # the agency and below; a task referred below
        "north": {"north", "south", "held"},  # its unit, a referred task, a task it holds
        "south": {"south", "filed", "held", "done"},
        "holder": {"south", "filed", "held", "done"},
        "unitless": set(),
        "admin": set(requests),
    }
    for name, user in world["people"].items():
        mine = set(desk_list_tickets(user).values_list("pk", flat=True))
        rule = set(Ticket.objects.visible_to_staff(user).values_list("pk", flat=True))
        assert mine == rule, name
        assert mine == {requests[key].pk for key in expected[name]}, name


def test_the_list_pages_newest_first_for_the_same_queries_on_every_page(
    client: Client,
    verified_login: Login,
    world: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    django_assert_num_queries: Callable[..., Any],
) -> None:
    monkeypatch.setattr(desk_views, "PAGE_SIZE", 2)
    verified_login(client, world["people"]["boss"])
    client.get(LIST_URL)  # warm the session and content types
    with CaptureQueriesContext(connection) as first:
        response = client.get(LIST_URL)
    seen = listed(response.content)
    after = response.context["page"].next_cursor
    while after:
        with django_assert_num_queries(len(first)):
            response = client.get(LIST_URL, {"after": after})
        seen += listed(response.content)
        after = response.context["page"].next_cursor

    visible = Ticket.objects.visible_to_staff(world["people"]["boss"])
    assert seen == list(
        visible.order_by("-submitted_at", "-id").values_list("tracking_code", flat=True)
    )
    assert len(seen) == 3
    # session, user, device, two permission reads, groups; the unit tree (two levels), the rows,
    # the SLA clocks and calendar revision, the services of the filter
    assert len(first) <= 12


def test_a_row_shows_its_link_handler_and_the_desk_channel(
    client: Client, verified_login: Login, world: dict[str, Any]
) -> None:
    held = world["requests"]["held"]
    holder = world["people"]["holder"]
    verified_login(client, holder)

    page = client.get(LIST_URL).content.decode()

    assert f'href="/desk/requests/{held.tracking_code}/"' in page
    assert f'<dd class="col-7 col-md-4 mb-1">{holder.username}</dd>' in page
    assert page.count("Not assigned") == 3  # the south unit's other three requests


def test_a_page_of_many_rows_costs_the_queries_of_a_page_of_one(
    client: Client,
    verified_login: Login,
    world: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The rows' columns are loaded with the page (ticket_rows' `only`): no row reads a deferred
    column or a relation on its own."""
    counts = []
    verified_login(client, world["people"]["admin"])
    client.get(LIST_URL)  # warm the session and content types
    for size in (1, 6):
        monkeypatch.setattr(desk_views, "PAGE_SIZE", size)
        with CaptureQueriesContext(connection) as page_queries:
            response = client.get(LIST_URL)
        assert len(listed(response.content)) == size
        counts.append(len(page_queries))

    assert counts[0] == counts[1]
