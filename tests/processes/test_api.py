"""Work items API under /api/v1/work-items/: queues, one task, claim, release, assign, refer, act."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.dateparse import parse_datetime

from khedmat.accounts.models import OrgUnit, User
from khedmat.core.models import Activity
from khedmat.processes import services
from khedmat.processes.assignment import claim_work_item
from khedmat.processes.choices import Decision, InstanceStatus, WorkItemStatus
from khedmat.processes.models import ProcessDefinition, ProcessInstance, WorkItem
from khedmat.sla.choices import DurationUnit, TargetKind
from khedmat.sla.models import SlaPolicy, SlaTarget
from khedmat.sla.queries import clear_unit_calendars
from khedmat.tickets.choices import Status
from khedmat.tickets.models import Ticket
from tests.fixtures.processes import Publish
from tests.fixtures.tickets import Submit

pytestmark = pytest.mark.django_db

URL = "/api/v1/work-items/"
ALL_ACTIONS = ["approve", "return", "reject", "done"]

OpenItems = Callable[..., list[WorkItem]]
Login = Callable[[Client, User], Any]


@pytest.fixture
def far(db: None) -> OrgUnit:
    return OrgUnit.objects.create(code="far-agency", name="Far agency")


@pytest.fixture
def sla_policy(db: None) -> Iterator[SlaPolicy]:
    """A resolution target of 5 working days: requests filed from now on get a clock."""
    clear_unit_calendars()
    policy = SlaPolicy.objects.create(name="Default", precedence=100)
    SlaTarget.objects.create(
        policy=policy, kind=TargetKind.RESOLUTION, amount=5, unit=DurationUnit.WORKING_DAYS
    )
    yield policy
    clear_unit_calendars()


@pytest.fixture
def staff(
    make_user: Callable[..., User], units: dict[str, OrgUnit], far: OrgUnit
) -> dict[str, User]:
    """Agents of the request's unit, a supervisor above it and one in it (without the agent
    role), an agent of an unrelated unit, and an operator without access to work items."""
    return {
        "clerk": make_user("clerk", roles=["agent"], org_unit=units["office"]),
        "other_clerk": make_user("other_clerk", roles=["agent"], org_unit=units["office"]),
        "boss": make_user("boss", roles=["supervisor"], org_unit=units["agency"]),
        "lead": make_user("lead", roles=["supervisor"], org_unit=units["office"]),
        "stranger": make_user("stranger", roles=["agent"], org_unit=far),
        "desk": make_user("desk", roles=["operator"], org_unit=units["office"]),
    }


@pytest.fixture
def approval(publish: Publish) -> ProcessDefinition:
    """Clerk review, then supervisor approval when approved."""
    return publish("licence", "approval.bpmn")


@pytest.fixture
def flow(publish: Publish) -> ProcessDefinition:
    """Clerk review, then `decision`: return waits for the correction, approve runs on."""
    return publish("flow", "licence_flow.bpmn")


@pytest.fixture
def open_items(submit: Submit, approval: ProcessDefinition, designer: User) -> OpenItems:
    """open_items(n, definition=approval): n new requests with their process started; the new
    open items, oldest first."""

    def run(count: int, definition: ProcessDefinition | None = None) -> list[WorkItem]:
        before = set(WorkItem.objects.values_list("pk", flat=True))
        for _ in range(count):
            services.start_process(submit(), definition or approval, actor=designer)
        return list(WorkItem.objects.open().exclude(pk__in=before).order_by("id"))

    return run


@pytest.fixture
def as_user(client: Client, verified_login: Login) -> Callable[[User], Client]:
    def run(user: User) -> Client:
        client.logout()
        verified_login(client, user)
        return client

    return run


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"{URL}{path}", json.dumps(body or {}), content_type="application/json")


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def queue(client: Client, name: str, **params: Any) -> list[int]:
    return ids(client.get(URL, {"queue": name, **params}))


def verbs(item: WorkItem) -> list[str]:
    return list(
        Activity.objects.for_target(item.ticket).order_by("id").values_list("verb", flat=True)
    )


def fresh(item: WorkItem) -> WorkItem:
    return WorkItem.objects.select_related("ticket").get(pk=item.pk)


# --- OpenAPI ------------------------------------------------------------------------------------


def test_the_work_item_endpoints_are_in_the_openapi_document(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    base, one = "/api/v1/work-items/", "/api/v1/work-items/{item_id}/"
    actions = {f"{one}{verb}/" for verb in ("claim", "release", "assign", "refer", "act")}
    assert {base, one} | actions <= set(paths)
    listing = paths[base]["get"]
    assert listing["summary"] == "My open tasks"
    assert listing["tags"] == ["work-items"]
    assert listing["security"] == [{"SessionAuth": []}]
    assert [p["name"] for p in listing["parameters"]] == ["queue", "sort", "after", "limit"]
    assert listing["parameters"][0]["schema"]["enum"] == ["mine", "team", "unassigned"]
    assert listing["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PagedWorkItemOut"
    }
    assert paths[one]["get"]["summary"] == "One task"
    for path in actions:
        operation = paths[path]["post"]
        assert operation["summary"], path
        assert set(operation["responses"]) == {"200", "403", "404", "409", "422"}, path
    act = paths[f"{one}act/"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert act == {"$ref": "#/components/schemas/ActIn"}
    assert schema["ActIn"]["properties"]["action"]["enum"] == ALL_ACTIONS


# --- access -------------------------------------------------------------------------------------


def test_anonymous_callers_get_401_and_nothing_changes(
    client: Client, open_items: OpenItems, staff: dict[str, User]
) -> None:
    (item,) = open_items(1)
    before = verbs(item)

    responses = [
        client.get(URL),
        client.get(f"{URL}{item.pk}/"),
        post(client, f"{item.pk}/claim/"),
        post(client, f"{item.pk}/act/", {"action": "approve"}),
    ]

    assert [r.status_code for r in responses] == [401, 401, 401, 401]
    assert responses[0].json() == {"detail": "Log in first."}
    assert fresh(item).assignee is None and fresh(item).status == WorkItemStatus.OPEN
    assert verbs(item) == before


def test_staff_without_the_permission_get_403_and_nothing_changes(
    as_user: Callable[[User], Client], open_items: OpenItems, staff: dict[str, User]
) -> None:
    (item,) = open_items(1)
    before = verbs(item)
    client = as_user(staff["desk"])  # an operator of the request's own unit

    responses = [
        client.get(URL, {"queue": "team"}),
        client.get(f"{URL}{item.pk}/"),
        post(client, f"{item.pk}/claim/"),
        post(client, f"{item.pk}/act/", {"action": "approve"}),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert responses[0].json() == {"detail": "You are not allowed to do this."}
    assert fresh(item).assignee is None and fresh(item).status == WorkItemStatus.OPEN
    assert verbs(item) == before


def test_an_applicant_gets_403(client: Client, open_items: OpenItems, citizen: User) -> None:
    (item,) = open_items(1)
    client.force_login(citizen)  # the very applicant of the request

    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{item.pk}/").status_code == 403


# --- queues -------------------------------------------------------------------------------------


def test_each_queue_lists_exactly_its_items(
    as_user: Callable[[User], Client], open_items: OpenItems, staff: dict[str, User]
) -> None:
    mine, theirs, free = open_items(3)
    claim_work_item(mine, actor=staff["clerk"])
    claim_work_item(theirs, actor=staff["other_clerk"])
    client = as_user(staff["clerk"])

    assert queue(client, "mine") == [mine.pk]
    assert queue(client, "team") == [free.pk, theirs.pk, mine.pk]  # newest first
    assert queue(client, "unassigned") == [free.pk]
    assert ids(client.get(URL)) == [mine.pk]  # the default queue is "mine"


def test_a_listed_item_says_what_it_is_and_what_the_caller_may_do(
    as_user: Callable[[User], Client], open_items: OpenItems, staff: dict[str, User]
) -> None:
    held, free = open_items(2)
    claim_work_item(held, actor=staff["other_clerk"])
    client = as_user(staff["clerk"])

    body = client.get(URL, {"queue": "team"}).json()
    by_id = {item["id"]: item for item in body["items"]}

    row = by_id[free.pk]
    assert row["title"] == "Clerk review"
    assert row["task_name"] == "Task_clerk_review"
    assert row["status"] == "open"
    assert row["request"]["tracking_code"] == free.ticket.tracking_code
    assert row["request"]["status"] == "submitted"
    assert row["service"]["code"] == "17041325104"
    assert (row["role"], row["role_label"]) == ("agent", "Agent")
    assert row["team"] is None
    assert row["unit"] == {"code": "licence-office", "name": "اداره صدور مجوز"}
    assert row["assignee"] is None
    assert row["actions"] == ALL_ACTIONS  # nobody holds it and the clerk may
    assert row["may_assign"] is False
    assert "sla" in row and "due_at" in row and "created_at" in row
    other = by_id[held.pk]
    assert other["assignee"]["username"] == "other_clerk"
    assert other["actions"] == []  # held by someone else
    assert body["next"] is None


def test_the_supervisor_may_assign_and_act_but_has_no_agent_items_in_the_team_queue(
    as_user: Callable[[User], Client], open_items: OpenItems, staff: dict[str, User]
) -> None:
    (item,) = open_items(1)
    client = as_user(staff["boss"])

    assert queue(client, "team") == []
    detail = client.get(f"{URL}{item.pk}/").json()
    assert detail["may_assign"] is True
    assert detail["actions"] == ALL_ACTIONS


def test_another_units_staff_see_none_of_the_items(
    as_user: Callable[[User], Client], open_items: OpenItems, staff: dict[str, User]
) -> None:
    items = open_items(2)
    client = as_user(staff["stranger"])

    for name in ("mine", "team", "unassigned"):
        assert queue(client, name) == []
    missing = client.get(f"{URL}999999/")
    for item in items:
        hidden = client.get(f"{URL}{item.pk}/")
        assert hidden.status_code == 404
        assert hidden.json() == missing.json() == {"detail": "There is no such task for you."}


def test_items_of_another_unit_are_listed_only_to_that_unit(
    as_user: Callable[[User], Client],
    open_items: OpenItems,
    staff: dict[str, User],
    far: OrgUnit,
) -> None:
    ours, theirs = open_items(2)
    Ticket.objects.filter(pk=theirs.ticket_id).update(org_unit=far)
    WorkItem.objects.filter(pk=theirs.pk).update(org_unit=far)

    assert queue(as_user(staff["clerk"]), "team") == [ours.pk]
    assert as_user(staff["clerk"]).get(f"{URL}{theirs.pk}/").status_code == 404
    assert queue(as_user(staff["stranger"]), "team") == [theirs.pk]
    assert as_user(staff["stranger"]).get(f"{URL}{theirs.pk}/").status_code == 200


def test_a_task_referred_to_another_unit_is_listed_and_opened_there(
    as_user: Callable[[User], Client], open_items: OpenItems, staff: dict[str, User], far: OrgUnit
) -> None:
    """Referred to another unit, the task is in that unit's queue and its request opens there."""
    (item,) = open_items(1)
    assert as_user(staff["stranger"]).get(f"{URL}{item.pk}/").status_code == 404
    response = post(as_user(staff["boss"]), f"{item.pk}/refer/", {"unit": far.code})
    assert response.status_code == 200
    stranger = as_user(staff["stranger"])  # the same test client, logged in again

    assert queue(stranger, "team") == [item.pk]
    assert stranger.get(f"{URL}{item.pk}/").status_code == 200


def test_keyset_pages_by_newest_and_by_due(
    as_user: Callable[[User], Client], open_items: OpenItems, staff: dict[str, User]
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    first, second, third = open_items(3)
    now = timezone.now()
    WorkItem.objects.filter(pk=first.pk).update(due_at=now + timedelta(days=3))
    WorkItem.objects.filter(pk=second.pk).update(due_at=now + timedelta(days=1))
    client = as_user(staff["clerk"])

    two_per_page: dict[str, str | int] = {"queue": "team", "limit": 2}
    page = client.get(URL, two_per_page).json()
    assert [i["id"] for i in page["items"]] == [third.pk, second.pk]
    rest = client.get(URL, {"queue": "team", "limit": 2, "after": page["next"]}).json()
    assert ([i["id"] for i in rest["items"]], rest["next"]) == ([first.pk], None)
    assert queue(client, "team", sort="due") == [second.pk, first.pk, third.pk]
    one_by_due: dict[str, str | int] = {"queue": "team", "sort": "due", "limit": 1}
    by_due = client.get(URL, one_by_due).json()
    rest = client.get(URL, {"queue": "team", "sort": "due", "after": by_due["next"]}).json()
    assert [i["id"] for i in rest["items"]] == [first.pk, third.pk]


def test_paging_by_due_two_at_a_time_lists_every_task_once_with_no_deadline_last(
    as_user: Callable[[User], Client],
    open_items: OpenItems,
    staff: dict[str, User],
    settings: Any,
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    settings.KHEDMAT_MAX_REQUESTS_PER_DAY = 0  # seven filings by one applicant
    items = open_items(7)
    soon = timezone.now() + timedelta(days=1)
    deadlines = [soon, None, soon, soon + timedelta(hours=1), None, soon, None]
    for item, due in zip(items, deadlines, strict=True):
        WorkItem.objects.filter(pk=item.pk).update(due_at=due)
    rows = list(WorkItem.objects.filter(pk__in=[item.pk for item in items]))
    with_due = sorted((row for row in rows if row.due_at), key=lambda row: (row.due_at, row.pk))
    expected = [row.pk for row in with_due] + sorted(row.pk for row in rows if not row.due_at)
    client = as_user(staff["clerk"])

    seen, after = [], None
    while True:
        params: dict[str, Any] = {"queue": "team", "sort": "due", "limit": 2}
        page = client.get(URL, {**params, **({"after": after} if after else {})}).json()
        seen += [item["id"] for item in page["items"]]
        if page["next"] is None:
            break
        after = page["next"]

    assert seen == expected
    assert len(set(seen)) == 7


def test_a_listed_item_carries_its_requests_sla_state(
    as_user: Callable[[User], Client],
    sla_policy: SlaPolicy,
    open_items: OpenItems,
    staff: dict[str, User],
) -> None:
    (item,) = open_items(1)
    ticket = Ticket.objects.get(pk=item.ticket_id)

    (row,) = as_user(staff["clerk"]).get(URL, {"queue": "team"}).json()["items"]

    assert ticket.promised_at is not None
    assert row["sla"]["kind"] == "resolution"
    assert row["sla"]["state"] == "ok"
    assert parse_datetime(row["sla"]["promised_at"]) == ticket.promised_at


def test_bad_list_parameters_get_422(
    as_user: Callable[[User], Client], staff: dict[str, User]
) -> None:
    client = as_user(staff["clerk"])

    for params in ({"queue": "all"}, {"limit": 0}, {"limit": 101}):
        response = client.get(URL, params)
        assert response.status_code == 422, params
        assert response.json()["detail"] == "The request does not have the expected shape."
    response = client.get(URL, {"after": "x"})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("This page link is not valid")


def test_the_list_costs_the_same_queries_for_3_or_20_items(
    as_user: Callable[[User], Client],
    sla_policy: SlaPolicy,
    open_items: OpenItems,
    staff: dict[str, User],
    django_assert_num_queries: Callable[..., Any],
    settings: Any,
) -> None:
    settings.KHEDMAT_MAX_REQUESTS_PER_DAY = 0  # twenty filings by one applicant
    client = as_user(staff["clerk"])
    open_items(3)
    client.get(URL, {"queue": "team"})  # warm the content-type cache
    with CaptureQueriesContext(connection) as three:
        assert len(queue(client, "team")) == 3
    open_items(17)

    with django_assert_num_queries(len(three.captured_queries)):
        assert len(queue(client, "team")) == 20


# --- one item -----------------------------------------------------------------------------------


def test_one_item_shows_a_closed_task_without_actions(
    as_user: Callable[[User], Client], open_items: OpenItems, staff: dict[str, User]
) -> None:
    (item,) = open_items(1)
    services.complete_work_item(item, data={"approved": True}, actor=staff["clerk"])
    client = as_user(staff["clerk"])

    body = client.get(f"{URL}{item.pk}/").json()

    assert (body["id"], body["status"], body["actions"]) == (item.pk, "completed", [])
    assert body["may_assign"] is False
    assert body["completed_at"] is not None


# --- claim, release, assign, refer -------------------------------------------------------------


def test_an_agent_claims_and_releases(
    as_user: Callable[[User], Client], open_items: OpenItems, staff: dict[str, User]
) -> None:
    (item,) = open_items(1)
    client = as_user(staff["clerk"])

    claimed = post(client, f"{item.pk}/claim/")
    assert claimed.status_code == 200, claimed.content
    assert claimed.json()["assignee"]["username"] == "clerk"
    assert fresh(item).assignee == staff["clerk"]
    assert queue(client, "mine") == [item.pk]

    released = post(client, f"{item.pk}/release/")
    assert released.status_code == 200
    assert released.json()["assignee"] is None
    assert fresh(item).assignee is None
    assert verbs(item)[-2:] == ["process.work_item_claimed", "process.work_item_released"]


def test_one_without_the_role_cannot_claim(
    as_user: Callable[[User], Client], open_items: OpenItems, staff: dict[str, User]
) -> None:
    (item,) = open_items(1)
    before = verbs(item)

    response = post(as_user(staff["lead"]), f"{item.pk}/claim/")

    assert response.status_code == 403
    assert response.json() == {"detail": "You do not hold the role this task needs."}
    assert fresh(item).assignee is None
    assert verbs(item) == before


def test_a_task_someone_holds_cannot_be_claimed_or_released_by_another_agent(
    as_user: Callable[[User], Client], open_items: OpenItems, staff: dict[str, User]
) -> None:
    (item,) = open_items(1)
    claim_work_item(item, actor=staff["clerk"])
    before = verbs(item)
    client = as_user(staff["other_clerk"])

    claim = post(client, f"{item.pk}/claim/")
    release = post(client, f"{item.pk}/release/")

    assert claim.status_code == 409
    assert claim.json()["detail"].startswith("Someone else already holds this task")
    assert release.status_code == 403
    assert release.json() == {"detail": "You may not change who holds this task."}
    assert fresh(item).assignee == staff["clerk"]
    assert verbs(item) == before


def test_a_stranger_cannot_claim_an_item_they_cannot_see(
    as_user: Callable[[User], Client], open_items: OpenItems, staff: dict[str, User]
) -> None:
    (item,) = open_items(1)

    response = post(as_user(staff["stranger"]), f"{item.pk}/claim/")

    assert response.status_code == 404
    assert fresh(item).assignee is None


def test_a_closed_task_cannot_be_claimed(
    as_user: Callable[[User], Client], open_items: OpenItems, staff: dict[str, User]
) -> None:
    (item,) = open_items(1)
    services.complete_work_item(item, data={"approved": True}, actor=staff["clerk"])

    response = post(as_user(staff["other_clerk"]), f"{item.pk}/claim/")

    assert response.status_code == 409
    assert response.json() == {"detail": "This task is already done or was withdrawn."}
    assert fresh(item).assignee is None


def test_a_supervisor_assigns_by_username_or_id(
    as_user: Callable[[User], Client], open_items: OpenItems, staff: dict[str, User]
) -> None:
    (item,) = open_items(1)
    client = as_user(staff["boss"])

    by_name = post(client, f"{item.pk}/assign/", {"assignee": "other_clerk"})
    assert by_name.status_code == 200, by_name.content
    assert fresh(item).assignee == staff["other_clerk"]
    by_id = post(client, f"{item.pk}/assign/", {"assignee": staff["clerk"].pk})
    assert by_id.status_code == 200
    assert by_id.json()["assignee"]["username"] == "clerk"
    assert fresh(item).assignee == staff["clerk"]
    activity = Activity.objects.for_target(item.ticket).order_by("id").last()
    assert activity is not None and activity.verb == "process.work_item_assigned"
    assert (activity.actor, activity.old_value, activity.new_value) == (
        staff["boss"],
        "other_clerk",
        "clerk",
    )


def test_an_agent_cannot_assign(
    as_user: Callable[[User], Client], open_items: OpenItems, staff: dict[str, User]
) -> None:
    (item,) = open_items(1)
    before = verbs(item)

    response = post(as_user(staff["clerk"]), f"{item.pk}/assign/", {"assignee": "other_clerk"})

    assert response.status_code == 403
    assert response.json() == {"detail": "You may not change who holds this task."}
    assert fresh(item).assignee is None
    assert verbs(item) == before


def test_assigning_to_someone_unknown_or_without_the_role_is_422(
    as_user: Callable[[User], Client], open_items: OpenItems, staff: dict[str, User]
) -> None:
    (item,) = open_items(1)
    client = as_user(staff["boss"])

    unknown = post(client, f"{item.pk}/assign/", {"assignee": "nobody"})
    stranger = post(client, f"{item.pk}/assign/", {"assignee": "stranger"})
    shapeless = post(client, f"{item.pk}/assign/", {})

    assert unknown.status_code == 422
    assert unknown.json()["errors"] == {
        "assignee": ["There is no active person with this id or username."]
    }
    assert stranger.status_code == 422
    assert stranger.json()["errors"] == {
        "assignee": ["This person does not hold the role this task needs."]
    }
    assert shapeless.status_code == 422
    assert fresh(item).assignee is None


def test_a_supervisor_refers_a_task_to_another_unit(
    as_user: Callable[[User], Client], open_items: OpenItems, staff: dict[str, User], far: OrgUnit
) -> None:
    (item,) = open_items(1)
    claim_work_item(item, actor=staff["clerk"])
    client = as_user(staff["boss"])

    unknown = post(client, f"{item.pk}/refer/", {"unit": "no-such-unit"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == {"unit": ["There is no active unit with this code."]}
    response = post(client, f"{item.pk}/refer/", {"unit": far.code, "note": "Theirs."})

    assert response.status_code == 200, response.content
    assert response.json()["unit"] == {"code": "far-agency", "name": "Far agency"}
    assert response.json()["assignee"] is None
    refreshed = fresh(item)
    assert (refreshed.org_unit, refreshed.assignee) == (far, None)
    assert verbs(item)[-1] == "process.work_item_referred"


def test_an_agent_who_does_not_hold_the_task_cannot_refer_it(
    as_user: Callable[[User], Client], open_items: OpenItems, staff: dict[str, User], far: OrgUnit
) -> None:
    (item,) = open_items(1)
    before = verbs(item)

    response = post(as_user(staff["clerk"]), f"{item.pk}/refer/", {"unit": far.code})

    assert response.status_code == 403
    assert response.json() == {"detail": "You may not act on this task."}
    assert fresh(item).org_unit is not None and fresh(item).org_unit != far
    assert verbs(item) == before


# --- act ----------------------------------------------------------------------------------------


def test_approving_moves_the_process_to_the_next_task(
    as_user: Callable[[User], Client], open_items: OpenItems, staff: dict[str, User]
) -> None:
    (item,) = open_items(1)
    client = as_user(staff["clerk"])

    response = post(client, f"{item.pk}/act/", {"action": "approve", "note": "All good."})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["decision"], body["actions"]) == ("completed", "approve", [])
    done = fresh(item)
    assert (done.status, done.decision, done.completed_by) == (
        WorkItemStatus.COMPLETED,
        Decision.APPROVE,
        staff["clerk"],
    )
    (following,) = WorkItem.objects.open().filter(ticket=item.ticket)
    assert (following.title, following.role) == ("Supervisor approval", "supervisor")
    assert queue(client, "team") == []
    boss_queue = as_user(staff["boss"]).get(URL, {"queue": "team"}).json()["items"]
    assert [(row["id"], row["title"]) for row in boss_queue] == [
        (following.pk, "Supervisor approval")
    ]


def test_returning_needs_a_note_and_fields_then_waits_on_the_applicant(
    as_user: Callable[[User], Client],
    open_items: OpenItems,
    flow: ProcessDefinition,
    staff: dict[str, User],
) -> None:
    (item,) = open_items(1, flow)
    client = as_user(staff["clerk"])
    path = f"{item.pk}/act/"

    no_fields = post(client, path, {"action": "return", "note": "Fix the name."})
    no_note = post(client, path, {"action": "return", "fields": ["shop_name"]})
    unknown_field = post(client, path, {"action": "return", "note": "x", "fields": ["nope"]})

    assert no_fields.status_code == 422
    assert no_fields.json()["detail"] == "Choose at least one field or document to correct."
    assert no_note.status_code == 422
    assert no_note.json()["detail"] == "Write what the applicant should know."
    assert unknown_field.status_code == 409  # the request's service refuses it
    untouched = fresh(item)
    assert (untouched.status, untouched.assignee) == (WorkItemStatus.OPEN, None)
    assert untouched.ticket.status == Status.SUBMITTED

    response = post(
        client, path, {"action": "return", "note": "Fix the name.", "fields": ["shop_name"]}
    )

    assert response.status_code == 200, response.content
    assert response.json()["request"]["status"] == "waiting_applicant"
    ticket = Ticket.objects.get(pk=item.ticket_id)
    assert ticket.status == Status.WAITING_APPLICANT
    assert (ticket.correction_fields, ticket.correction_note) == (["shop_name"], "Fix the name.")
    assert fresh(item).decision == Decision.RETURN
    assert not WorkItem.objects.open().filter(ticket=ticket).exists()  # waits for the applicant
    instance = ProcessInstance.objects.get(ticket=ticket)
    assert instance.status in {InstanceStatus.RUNNING, InstanceStatus.WAITING}


def test_rejecting_closes_the_request_as_rejected(
    as_user: Callable[[User], Client],
    open_items: OpenItems,
    flow: ProcessDefinition,
    staff: dict[str, User],
) -> None:
    (item,) = open_items(1, flow)
    client = as_user(staff["clerk"])

    no_note = post(client, f"{item.pk}/act/", {"action": "reject"})
    assert no_note.status_code == 422
    assert fresh(item).status == WorkItemStatus.OPEN

    response = post(client, f"{item.pk}/act/", {"action": "reject", "note": "Not eligible."})

    assert response.status_code == 200, response.content
    assert response.json()["request"]["status"] == "rejected"
    ticket = Ticket.objects.get(pk=item.ticket_id)
    assert (ticket.status, ticket.decision_note) == (Status.REJECTED, "Not eligible.")
    assert ticket.closed_at is not None
    assert (fresh(item).status, fresh(item).decision) == (WorkItemStatus.COMPLETED, "reject")
    assert ProcessInstance.objects.get(ticket=ticket).status == InstanceStatus.CANCELLED
    assert not WorkItem.objects.open().filter(ticket=ticket).exists()


def test_only_the_holder_acts_on_a_held_task(
    as_user: Callable[[User], Client], open_items: OpenItems, staff: dict[str, User]
) -> None:
    (item,) = open_items(1)
    claim_work_item(item, actor=staff["clerk"])
    before = verbs(item)

    response = post(as_user(staff["other_clerk"]), f"{item.pk}/act/", {"action": "approve"})

    assert response.status_code == 403
    assert response.json() == {"detail": "You may not act on this task."}
    assert fresh(item).status == WorkItemStatus.OPEN
    assert verbs(item) == before


def test_acting_on_a_closed_task_or_with_an_unknown_action_is_refused(
    as_user: Callable[[User], Client], open_items: OpenItems, staff: dict[str, User]
) -> None:
    (item,) = open_items(1)
    client = as_user(staff["clerk"])
    assert post(client, f"{item.pk}/act/", {"action": "done"}).status_code == 200

    again = post(client, f"{item.pk}/act/", {"action": "approve"})
    unknown = post(client, f"{item.pk}/act/", {"action": "maybe"})

    assert again.status_code == 409
    assert again.json() == {"detail": "This task is already done or was withdrawn."}
    assert unknown.status_code == 422
    assert unknown.json()["errors"]  # ninja's description of the bad field
    assert fresh(item).decision == Decision.DONE
