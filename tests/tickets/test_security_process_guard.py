"""While a request's BPMN process runs, nobody decides it by hand (issue 20, item 8).

Measured before the fix: the desk's "act" view completed or rejected a request whose process was
running (only the page hid the buttons), cancelling its open approvals. The request's services now
refuse a manual decision while a process runs; the process's own decisions (a task's reject, the
end event) still go through, on the desk and in the API.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from khedmat.accounts.models import OrgUnit, User
from khedmat.core.models import Activity
from khedmat.processes import services as process_services
from khedmat.processes.choices import InstanceStatus, WorkItemStatus
from khedmat.processes.models import ProcessInstance, WorkItem
from khedmat.tickets import services
from khedmat.tickets.choices import Status
from khedmat.tickets.errors import ProcessRunningError
from khedmat.tickets.models import Ticket
from tests.fixtures.processes import Publish
from tests.fixtures.tickets import Submit

pytestmark = pytest.mark.django_db

REFUSED = "This request&#x27;s process is running: decide it through the process&#x27;s open task."


@pytest.fixture
def agent(make_user: Callable[..., User], units: dict[str, OrgUnit]) -> User:
    return make_user("agent", roles=["agent"], org_unit=units["office"])


@pytest.fixture
def running(submit: Submit, publish: Publish, designer: User) -> Ticket:
    """A filed request whose approval process waits on the clerk's review."""
    definition = publish("licence", "approval.bpmn")
    ticket = submit()
    process_services.start_process(ticket, definition, actor=designer)
    ticket.refresh_from_db()
    return ticket


def _verbs(ticket: Ticket) -> list[str]:
    return list(Activity.objects.for_target(ticket).order_by("id").values_list("verb", flat=True))


def _state(ticket: Ticket) -> tuple[Any, ...]:
    ticket = Ticket.objects.get(pk=ticket.pk)
    instance = ProcessInstance.objects.get(ticket=ticket)
    items = list(WorkItem.objects.filter(ticket=ticket).values_list("status", flat=True))
    return ticket.status, ticket.decision_note, ticket.closed_at, instance.status, items


@pytest.mark.parametrize(
    "form",
    [
        {"action": "complete", "note": "Done by hand."},
        {"action": "reject", "note": "Not eligible."},
        {"action": "start_review"},
        {"action": "return", "note": "Fix the name.", "to_correct": ["shop_name"]},
    ],
)
def test_the_desk_cannot_decide_a_request_its_process_drives(
    client: Client,
    verified_login: Callable[[Client, User], Any],
    running: Ticket,
    agent: User,
    form: dict[str, Any],
) -> None:
    before, verbs = _state(running), _verbs(running)
    assert before[0] == Status.SUBMITTED and before[3] == InstanceStatus.RUNNING
    verified_login(client, agent)

    response = client.post(f"/desk/requests/{running.tracking_code}/act/", form, follow=True)

    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    assert _state(running) == before  # measured: completed, approvals cancelled
    assert _verbs(running) == verbs
    assert WorkItem.objects.get(ticket=running).status == WorkItemStatus.OPEN


@pytest.mark.parametrize(
    "decide",
    [
        lambda ticket, actor: services.complete_request(ticket, note="x", actor=actor),
        lambda ticket, actor: services.reject_request(ticket, reason="x", actor=actor),
        lambda ticket, actor: services.start_review(ticket, actor=actor),
        lambda ticket, actor: services.return_for_correction(
            ticket, fields=["shop_name"], note="x", actor=actor
        ),
    ],
)
def test_the_services_refuse_a_manual_decision_while_the_process_runs(
    running: Ticket, agent: User, decide: Callable[[Ticket, User], Any]
) -> None:
    before, verbs = _state(running), _verbs(running)

    with pytest.raises(ProcessRunningError):
        decide(running, agent)

    assert (_state(running), _verbs(running)) == (before, verbs)


def test_the_desk_decides_by_hand_once_the_process_has_stopped(
    client: Client,
    verified_login: Callable[[Client, User], Any],
    running: Ticket,
    agent: User,
) -> None:
    ProcessInstance.objects.filter(ticket=running).update(status=InstanceStatus.FAILED)
    verified_login(client, agent)

    client.post(f"/desk/requests/{running.tracking_code}/act/", {"action": "start_review"})
    client.post(
        f"/desk/requests/{running.tracking_code}/act/", {"action": "complete", "note": "Done."}
    )

    running.refresh_from_db()
    assert (running.status, running.decision_note) == (Status.COMPLETED, "Done.")


def test_a_request_without_a_process_is_decided_by_hand(submit: Submit, agent: User) -> None:
    ticket = services.start_review(submit(), actor=agent)

    services.reject_request(ticket, reason="Not eligible.", actor=agent)

    ticket.refresh_from_db()
    assert ticket.status == Status.REJECTED


def test_the_process_still_decides_through_the_work_item_api(
    client: Client,
    verified_login: Callable[[Client, User], Any],
    running: Ticket,
    agent: User,
) -> None:
    """The task's own reject is the process deciding: the API turns the request down."""
    item = WorkItem.objects.get(ticket=running)
    verified_login(client, agent)

    response = client.post(
        f"/api/v1/work-items/{item.pk}/act/",
        json.dumps({"action": "reject", "note": "Not eligible."}),
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    running.refresh_from_db()
    assert (running.status, running.decision_note) == (Status.REJECTED, "Not eligible.")
    assert ProcessInstance.objects.get(ticket=running).status == InstanceStatus.CANCELLED


def test_the_process_end_still_completes_the_request(running: Ticket, agent: User) -> None:
    item = WorkItem.objects.get(ticket=running)
    process_services.complete_work_item(item, data={"approved": False}, actor=agent)

    running.refresh_from_db()
    assert running.status == Status.COMPLETED  # approval.bpmn's "not approved" end completes
    assert ProcessInstance.objects.get(ticket=running).status == InstanceStatus.COMPLETED
