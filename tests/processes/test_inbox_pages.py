"""The inbox's pages at any depth: the same rows in the same order as one sorted list, one query
a page whether the page is the first or deep in the list (the soonest-due order crosses from the
dated items to the undated ones in one query), the same queries per page, and the unit tree read
once per request."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from khedmat.accounts.models import OrgUnit, User
from khedmat.accounts.queries import unit_and_descendant_ids
from khedmat.core.pagination import keyset_page
from khedmat.processes import services
from khedmat.processes import views as inbox_views
from khedmat.processes.models import ProcessDefinition, WorkItem
from khedmat.processes.queries import (
    NULLS_LAST,
    inbox_items,
    inbox_rows,
    units_below,
    work_item_order,
)
from tests.fixtures.processes import Publish
from tests.fixtures.tickets import Submit

pytestmark = pytest.mark.django_db

Login = Callable[[Client, User], Any]
INBOX = "/desk/work/"
NOW = dt.datetime(2026, 5, 2, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def definition(publish: Publish) -> ProcessDefinition:
    return publish("licence", "approval.bpmn")


@pytest.fixture
def spread(
    submit: Submit,
    definition: ProcessDefinition,
    designer: User,
    inbox_staff: dict[str, User],
    units: dict[str, OrgUnit],
) -> dict[str, list[WorkItem]]:
    """Open items of one request's process: the clerk's queue (agent role, the office) with due
    dates, ties and no dates, interleaved with items the clerk may not take (another unit, the
    supervisor role) at the same dates."""
    instance = services.start_process(submit(), definition, actor=designer)
    (first,) = instance.work_items.all()
    far = OrgUnit.objects.get(code="far-agency")
    dues: list[dt.datetime | None] = [
        NOW + dt.timedelta(days=3),
        NOW + dt.timedelta(days=1),
        None,
        NOW + dt.timedelta(days=1),  # a tie on the due date
        NOW + dt.timedelta(days=5),
        None,
        NOW + dt.timedelta(days=2),
        None,
    ]
    made: dict[str, list[WorkItem]] = {"mine": [first], "others": []}
    WorkItem.objects.filter(pk=first.pk).update(due_at=NOW + dt.timedelta(days=4), created_at=NOW)
    for number, due in enumerate(dues):
        for kind, role, unit in (
            ("mine", "agent", units["office"]),
            ("others", "agent", far),
            ("others", "supervisor", units["office"]),
        ):
            item = WorkItem.objects.create(
                instance=instance,
                ticket=first.ticket,
                task_id=f"{kind}-{role}-{number}",
                task_name="Task",
                title=f"Step {number}",
                lane=role,
                role=role,
                org_unit=unit,
                due_at=due,
            )
            made[kind].append(item)
            # every second item shares its creation time with the one before (ties on created_at)
            created = NOW - dt.timedelta(hours=number // 2)
            WorkItem.objects.filter(pk=item.pk).update(created_at=created)
    for kind, items in made.items():
        made[kind] = list(WorkItem.objects.filter(pk__in=[item.pk for item in items]))
    return made


def _in_order(items: list[WorkItem], sort: str) -> list[int]:
    if sort == "due":
        far_future = dt.datetime.max.replace(tzinfo=dt.UTC)
        return [
            item.pk
            for item in sorted(
                items, key=lambda i: (i.due_at is None, i.due_at or far_future, i.pk)
            )
        ]
    return [item.pk for item in sorted(items, key=lambda i: (i.created_at, i.pk), reverse=True)]


@pytest.mark.parametrize("sort", ["due", "newest"])
def test_pages_of_two_walk_the_whole_tab_in_order_one_query_each(
    spread: dict[str, list[WorkItem]], inbox_staff: dict[str, User], sort: str
) -> None:
    rows = inbox_rows(inbox_items(inbox_staff["clerk"], "team"))
    seen: list[int] = []
    queries: list[int] = []
    after = None
    while True:
        with CaptureQueriesContext(connection) as page_queries:
            page = keyset_page(
                rows, order=work_item_order(sort), after=after, size=2, nulls_last=NULLS_LAST
            )
        queries.append(len(page_queries))
        seen += [item.pk for item in page.items]
        if not page.next_cursor:
            break
        after = page.next_cursor

    assert seen == _in_order(spread["mine"], sort)
    assert queries == [1] * 5  # nine items, two a page, one query each


def test_a_page_after_the_last_dated_item_starts_with_the_undated_ones(
    spread: dict[str, list[WorkItem]], inbox_staff: dict[str, User]
) -> None:
    rows = inbox_rows(inbox_items(inbox_staff["clerk"], "team"))
    dated = [item for item in spread["mine"] if item.due_at is not None]
    latest = max(dated, key=lambda item: (item.due_at, item.pk))
    first = keyset_page(rows, order=work_item_order("due"), size=len(dated), nulls_last=NULLS_LAST)
    assert first.items[-1].pk == latest.pk

    rest = keyset_page(
        rows,
        order=work_item_order("due"),
        after=first.next_cursor,
        size=10,
        nulls_last=NULLS_LAST,
    )

    undated = sorted(item.pk for item in spread["mine"] if item.due_at is None)
    assert [item.pk for item in rest.items] == undated
    assert rest.next_cursor == ""


def _shown(content: bytes) -> list[int]:
    return [int(pk) for pk in re.findall(rb'data-work-item="(\d+)"', content)]


@pytest.mark.parametrize("sort", ["due", "newest"])
def test_every_inbox_page_costs_the_same_queries_first_or_deep(
    client: Client,
    verified_login: Login,
    inbox_staff: dict[str, User],
    spread: dict[str, list[WorkItem]],
    monkeypatch: pytest.MonkeyPatch,
    django_assert_num_queries: Callable[..., Any],
    sort: str,
) -> None:
    monkeypatch.setattr(inbox_views, "PAGE_SIZE", 2)
    verified_login(client, inbox_staff["clerk"])
    client.get(INBOX, {"view": "team", "sort": sort})  # warm the session and content types
    with CaptureQueriesContext(connection) as first_page:
        response = client.get(INBOX, {"view": "team", "sort": sort})
    seen = _shown(response.content)
    after = response.context["page"].next_cursor
    while after:
        with django_assert_num_queries(len(first_page)):
            response = client.get(INBOX, {"view": "team", "sort": sort, "after": after})
        seen += _shown(response.content)
        after = response.context["page"].next_cursor

    assert seen == _in_order(spread["mine"], sort)
    # session, user, device, two permission reads, groups; the unit tree, the rows, the saved
    # views, the SLA clocks and calendar revision, the services of the filter
    assert len(first_page) <= 12


def test_the_rows_link_to_their_request_and_actions(
    client: Client,
    verified_login: Login,
    inbox_staff: dict[str, User],
    spread: dict[str, list[WorkItem]],
) -> None:
    held, free = spread["mine"][:2]
    WorkItem.objects.filter(pk=held.pk).update(assignee=inbox_staff["clerk"])
    verified_login(client, inbox_staff["clerk"])

    page = client.get(INBOX, {"view": "team"}).content.decode()

    code = held.ticket.tracking_code
    assert f'href="{reverse("tickets:desk_request_detail", args=[code])}"' in page
    assert f'action="{reverse("processes:workitem_release", args=[held.pk])}"' in page
    assert f'action="{reverse("processes:workitem_claim", args=[free.pk])}"' in page
    assert f'action="{reverse("processes:workitem_claim", args=[held.pk])}"' not in page
    assert f'aria-label="Tick {free.title} of {code}"' in page
    assert reverse("processes:workitem_assign", args=[free.pk]) not in page  # agents do not assign


def test_the_supervisor_sees_the_units_below_and_may_assign(
    client: Client,
    verified_login: Login,
    inbox_staff: dict[str, User],
    spread: dict[str, list[WorkItem]],
) -> None:
    item = spread["others"][1]  # the supervisor role's item in the office, below the agency
    assert item.role == "supervisor"
    verified_login(client, inbox_staff["boss"])

    response = client.get(INBOX, {"view": "team"})

    shown = _shown(response.content)
    supervisor_items = [i.pk for i in spread["others"] if i.role == "supervisor"]
    assert sorted(shown) == sorted(supervisor_items)
    assert reverse("processes:workitem_assign", args=[item.pk]) in response.content.decode()


def test_the_unit_tree_is_one_query_and_read_once_per_user_object(
    make_user: Callable[..., User], units: dict[str, OrgUnit]
) -> None:
    below = OrgUnit.objects.create(code="desk-a", name="Desk A", parent=units["office"])
    deeper = OrgUnit.objects.create(code="desk-a-1", name="Desk A1", parent=below)
    OrgUnit.objects.create(code="elsewhere", name="Elsewhere")
    boss = make_user("tree-boss", roles=["supervisor"], org_unit=units["ministry"])

    with CaptureQueriesContext(connection) as first:
        ids = units_below(boss)
    with CaptureQueriesContext(connection) as again:
        assert units_below(boss) == ids

    expected = {units["ministry"].pk, units["agency"].pk, units["office"].pk, below.pk, deeper.pk}
    assert ids == expected == unit_and_descendant_ids([units["ministry"].pk])
    assert (len(first), len(again)) == (1, 0)
    boss.org_unit = units["office"]  # a new unit on the same object is read anew
    assert units_below(boss) == {units["office"].pk, below.pk, deeper.pk}


@pytest.mark.parametrize("sort", ["due", "newest"])
def test_a_page_of_nine_rows_costs_the_queries_of_a_page_of_one(
    client: Client,
    verified_login: Login,
    inbox_staff: dict[str, User],
    spread: dict[str, list[WorkItem]],
    monkeypatch: pytest.MonkeyPatch,
    sort: str,
) -> None:
    """The rows' columns are loaded with the page (inbox_rows' `only`): no row reads a deferred
    column or a relation on its own."""
    counts = []
    verified_login(client, inbox_staff["clerk"])
    client.get(INBOX, {"view": "team", "sort": sort})  # warm the session and content types
    for size in (1, 9):
        monkeypatch.setattr(inbox_views, "PAGE_SIZE", size)
        with CaptureQueriesContext(connection) as page_queries:
            response = client.get(INBOX, {"view": "team", "sort": sort})
        assert len(_shown(response.content)) == size
        counts.append(len(page_queries))

    assert counts[0] == counts[1]
