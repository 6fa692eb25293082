"""The process panel on the desk's request page, its POST actions, and the applicant's step list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from khedmat.accounts.models import OrgUnit, User
from khedmat.catalog.models import Service
from khedmat.core.models import Activity
from khedmat.integrations.models import OfficeLetter
from khedmat.integrations.services import record_manual_letter
from khedmat.processes import calls, services
from khedmat.processes.actions import can_act
from khedmat.processes.choices import (
    InstanceStatus,
    ServiceCallStatus,
    ServiceKind,
    WorkItemStatus,
)
from khedmat.processes.models import ProcessDefinition, ProcessInstance, ServiceCall, WorkItem
from khedmat.processes.queries import applicant_steps, process_panel
from khedmat.tickets.choices import Status
from khedmat.tickets.models import Ticket
from khedmat.tickets.views.track import VERIFIED_SESSION_KEY
from tests.fixtures.processes import Publish
from tests.fixtures.tickets import Submit

pytestmark = pytest.mark.django_db

Login = Callable[[Client, User], Any]


@pytest.fixture
def staff(make_user: Callable[..., User], units: dict[str, OrgUnit]) -> dict[str, User]:
    """A clerk and a colleague of the request's unit, a supervisor above, a stranger elsewhere."""
    far = OrgUnit.objects.create(code="far-agency", name="Far agency")
    return {
        "clerk": make_user("clerk", roles=["agent"], org_unit=units["office"], first_name="Reza"),
        "colleague": make_user("colleague", roles=["agent"], org_unit=units["office"]),
        "boss": make_user("boss", roles=["supervisor"], org_unit=units["agency"]),
        "operator": make_user("frontdesk", roles=["operator"], org_unit=units["office"]),
        "stranger": make_user("stranger", roles=["agent"], org_unit=far),
    }


@pytest.fixture
def flow(publish: Publish, service: Service) -> ProcessDefinition:
    """The licence flow, linked to the service: a filed request starts it."""
    service.process_key = "licence"
    service.save(update_fields=["process_key"])
    return publish("licence", "licence_flow.bpmn")


@pytest.fixture
def ticket(flow: ProcessDefinition, submit: Submit) -> Ticket:
    return submit()


def _page(client: Client, ticket: Ticket) -> Any:
    return client.get(reverse("tickets:desk_request_detail", args=[ticket.tracking_code]))


def _post(client: Client, name: str, ticket: Ticket, pk: int, data: dict[str, Any]) -> Any:
    return client.post(reverse(f"processes:{name}", args=[ticket.tracking_code, pk]), data)


def _open_items(ticket: Ticket) -> list[WorkItem]:
    return list(WorkItem.objects.open().filter(ticket=ticket).order_by("id"))


def _flash(response: Any) -> str:
    """The latest flash message shown on the page."""
    return [str(message) for message in response.context["messages"]][-1]


def _verbs(ticket: Ticket) -> list[str]:
    return list(Activity.objects.for_target(ticket).order_by("id").values_list("verb", flat=True))


def _approve_review(client: Client, ticket: Ticket) -> None:
    (item,) = _open_items(ticket)
    response = _post(client, "task_act", ticket, item.pk, {"action": "approve", "note": ""})
    assert response.status_code == 302


def _finish_inquiry(ticket: Ticket) -> None:
    call = ServiceCall.objects.get(ticket=ticket, kind=ServiceKind.INQUIRY)
    services.finish_service_call(call, result={}, data={"registry_found": True})


# --- the panel --------------------------------------------------------------------------------


def test_without_a_process_the_page_keeps_its_manual_actions(
    client: Client, verified_login: Login, staff: dict[str, User], submit: Submit
) -> None:
    ticket = submit()
    verified_login(client, staff["clerk"])
    response = _page(client, ticket)
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["process"] is None
    assert 'id="process-panel"' not in html
    assert 'data-action="start_review"' in html
    assert 'id="note-form"' in html


def test_with_a_process_the_panel_replaces_the_manual_actions(
    client: Client, verified_login: Login, staff: dict[str, User], ticket: Ticket
) -> None:
    (item,) = _open_items(ticket)
    verified_login(client, staff["clerk"])
    response = _page(client, ticket)
    html = response.content.decode()
    assert 'id="process-panel"' in html
    assert "data-action=" not in html  # the old ActionForm buttons
    assert response.context["actions"] == []
    assert response.context["process"].current_elements == ["Review"]
    assert 'data-testid="no-drawing"' in html  # licence_flow.bpmn has no layout to draw
    assert f'data-work-item="{item.pk}"' in html
    for action in ("approve", "return", "reject", "done"):
        assert f'name="action" value="{action}"' in html
    assert 'name="fields" value="shop_name"' in html
    assert '<textarea class="form-control form-control-sm mb-2" rows="2" name="note"' in html
    assert f'data-claim="{item.pk}"' in html
    assert f'data-release="{item.pk}"' not in html


def test_the_diagram_highlights_the_current_steps(
    client: Client, verified_login: Login, staff: dict[str, User], submit: Submit, publish: Publish
) -> None:
    ticket = submit()
    services.start_process(ticket, publish("approval", "approval.bpmn"), actor=None)
    verified_login(client, staff["clerk"])
    html = _page(client, ticket).content.decode()
    assert "data-bpmn-diagram" in html
    assert (
        '<script id="process-diagram-highlight" type="application/json">["Task_clerk_review"]'
        in html
    )


def test_forms_only_for_staff_who_can_act(
    client: Client, verified_login: Login, staff: dict[str, User], ticket: Ticket
) -> None:
    (item,) = _open_items(ticket)
    item.assignee = staff["colleague"]
    item.save(update_fields=["assignee"])
    verified_login(client, staff["clerk"])
    html = _page(client, ticket).content.decode()
    assert 'id="process-panel"' in html
    assert "data-work-item=" not in html
    assert "data-claim=" not in html
    assert "data-release=" not in html
    assert "data-refer=" not in html
    verified_login(client, staff["colleague"])
    html = _page(client, ticket).content.decode()
    assert f'data-work-item="{item.pk}"' in html
    assert f'data-release="{item.pk}"' in html
    assert f'data-refer="{item.pk}"' in html


def test_the_panel_agrees_with_can_act(staff: dict[str, User], ticket: Ticket) -> None:
    (item,) = _open_items(ticket)
    for user in staff.values():
        panel = process_panel(ticket, user)
        assert panel is not None
        assert [entry.can_act for entry in panel.items] == [can_act(item, user)], user.username


# --- acting on tasks --------------------------------------------------------------------------


def test_approve_moves_the_process_and_the_next_items_show(
    client: Client, verified_login: Login, staff: dict[str, User], ticket: Ticket
) -> None:
    (review,) = _open_items(ticket)
    verified_login(client, staff["clerk"])
    response = _post(client, "task_act", ticket, review.pk, {"action": "approve"})
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "tickets:desk_request_detail", args=[ticket.tracking_code]
    )
    review.refresh_from_db()
    assert (review.status, review.decision, review.completed_by) == (
        WorkItemStatus.COMPLETED,
        "approve",
        staff["clerk"],
    )
    call = ServiceCall.objects.get(ticket=ticket)
    assert (call.kind, call.status) == (ServiceKind.INQUIRY, ServiceCallStatus.PENDING)
    _finish_inquiry(ticket)
    verified_login(client, staff["boss"])
    response = _page(client, ticket)
    titles = [entry.item.title for entry in response.context["process"].items]
    assert titles == ["Supervisor approval", "Legal approval"]
    assert sorted(response.context["process"].current_elements) == [
        "LegalApproval",
        "SupervisorApproval",
    ]
    html = response.content.decode()
    assert html.count("data-work-item=") == 2
    assert 'data-call-status="done"' in html


def test_return_needs_fields_and_a_note(
    client: Client, verified_login: Login, staff: dict[str, User], ticket: Ticket
) -> None:
    (item,) = _open_items(ticket)
    verified_login(client, staff["clerk"])
    before = _verbs(ticket)
    url = reverse("processes:task_act", args=[ticket.tracking_code, item.pk])
    response = client.post(url, {"action": "return", "note": "Fix the name"}, follow=True)
    assert _flash(response) == "Choose at least one field or document to correct."
    response = client.post(url, {"action": "return", "fields": ["shop_name"]}, follow=True)
    assert _flash(response) == "Write what the applicant should know."
    item.refresh_from_db()
    ticket.refresh_from_db()
    assert (item.status, item.assignee_id) == (WorkItemStatus.OPEN, None)
    assert ticket.status == Status.SUBMITTED
    assert _verbs(ticket) == before
    response = client.post(
        url, {"action": "return", "fields": ["shop_name"], "note": "Fix the name"}, follow=True
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_APPLICANT
    assert ticket.correction_fields == ["shop_name"]
    assert _open_items(ticket) == []
    assert response.context["process"].current_elements == ["WaitCorrection"]


def test_reject_closes_the_request(
    client: Client, verified_login: Login, staff: dict[str, User], ticket: Ticket
) -> None:
    (item,) = _open_items(ticket)
    verified_login(client, staff["clerk"])
    _post(client, "task_act", ticket, item.pk, {"action": "reject", "note": "No lease"})
    ticket.refresh_from_db()
    item.refresh_from_db()
    assert ticket.status == Status.REJECTED
    assert ticket.decision_note == "No lease"
    assert (item.status, item.decision) == (WorkItemStatus.COMPLETED, "reject")
    instance = ProcessInstance.objects.get(ticket=ticket)
    assert instance.status == InstanceStatus.CANCELLED


def test_claim_and_release(
    client: Client, verified_login: Login, staff: dict[str, User], ticket: Ticket
) -> None:
    (item,) = _open_items(ticket)
    verified_login(client, staff["clerk"])
    response = _post(client, "task_claim", ticket, item.pk, {"claim": "1"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.assignee == staff["clerk"]
    html = _page(client, ticket).content.decode()
    assert f'data-release="{item.pk}"' in html and "data-claim=" not in html
    assert "Reza" in html
    _post(client, "task_release", ticket, item.pk, {"release": "1"})
    item.refresh_from_db()
    assert item.assignee is None
    assert _verbs(ticket)[-2:] == ["process.work_item_claimed", "process.work_item_released"]


def test_a_stranger_cannot_claim(
    client: Client, verified_login: Login, staff: dict[str, User], ticket: Ticket
) -> None:
    (item,) = _open_items(ticket)
    verified_login(client, staff["operator"])  # same unit, not the task's role, no work-item perm
    response = _post(client, "task_claim", ticket, item.pk, {})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.assignee is None


def test_refer_moves_the_task_to_another_unit(
    client: Client,
    verified_login: Login,
    staff: dict[str, User],
    ticket: Ticket,
    units: dict[str, OrgUnit],
) -> None:
    (item,) = _open_items(ticket)
    verified_login(client, staff["boss"])
    html = _page(client, ticket).content.decode()
    assert f'data-refer="{item.pk}"' in html
    _post(client, "task_refer", ticket, item.pk, {"unit": units["agency"].pk, "action": "refer"})
    item.refresh_from_db()
    assert (item.org_unit, item.assignee) == (units["agency"], None)


@pytest.mark.parametrize(
    "name", ["task_act", "task_claim", "task_release", "task_refer", "call_retry", "call_letter"]
)
def test_another_units_staff_get_404_and_nothing_happens(
    client: Client, verified_login: Login, staff: dict[str, User], ticket: Ticket, name: str
) -> None:
    (item,) = _open_items(ticket)
    call = ServiceCall.objects.create(
        instance=item.instance,
        ticket=ticket,
        task_id="x",
        task_name="Letter",
        title="Letter",
        kind=ServiceKind.LETTER,
        status=ServiceCallStatus.FAILED,
    )
    before = _verbs(ticket)
    verified_login(client, staff["stranger"])
    pk = call.pk if name.startswith("call_") else item.pk
    data = {"action": "approve", "unit": item.org_unit_id, "number": "1/2", "date": ""}
    assert _post(client, name, ticket, pk, data).status_code == 404
    assert _page(client, ticket).status_code == 404
    item.refresh_from_db()
    call.refresh_from_db()
    assert (item.status, item.assignee_id) == (WorkItemStatus.OPEN, None)
    assert call.status == ServiceCallStatus.FAILED
    assert _verbs(ticket) == before


def test_an_item_of_another_request_is_404(
    client: Client, verified_login: Login, staff: dict[str, User], ticket: Ticket, submit: Submit
) -> None:
    other = submit()
    (item,) = _open_items(other)
    verified_login(client, staff["clerk"])
    response = _post(client, "task_act", ticket, item.pk, {"action": "approve"})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.status == WorkItemStatus.OPEN


# --- service calls ----------------------------------------------------------------------------


def test_retry_requeues_a_failed_call(
    client: Client, verified_login: Login, staff: dict[str, User], ticket: Ticket
) -> None:
    verified_login(client, staff["clerk"])
    _approve_review(client, ticket)
    call = ServiceCall.objects.get(ticket=ticket)
    services.service_call_failed(call, error="registry refused")
    html = _page(client, ticket).content.decode()
    assert f'data-retry-call="{call.pk}"' in html
    assert "registry refused" in html
    response = _post(client, "call_retry", ticket, call.pk, {"retry": "1"})
    assert response.status_code == 302
    call.refresh_from_db()
    assert (call.status, call.attempts, call.completed_at) == (ServiceCallStatus.PENDING, 0, None)
    assert _verbs(ticket)[-1] == "process.service_call_retried"
    response = client.post(
        reverse("processes:call_retry", args=[ticket.tracking_code, call.pk]), follow=True
    )
    assert _flash(response) == "Only a failed step can be tried again."


def test_a_manual_letter_number_finishes_the_letter_call(
    client: Client, verified_login: Login, staff: dict[str, User], ticket: Ticket
) -> None:
    verified_login(client, staff["clerk"])
    _approve_review(client, ticket)
    _finish_inquiry(ticket)
    verified_login(client, staff["boss"])
    for item in _open_items(ticket):
        _post(client, "task_act", ticket, item.pk, {"action": "approve"})
    letter = ServiceCall.objects.get(ticket=ticket, kind=ServiceKind.LETTER)
    assert calls.run_service_call(letter.pk) == ServiceCallStatus.WAITING
    html = _page(client, ticket).content.decode()
    assert f'data-letter-call="{letter.pk}"' in html
    url = reverse("processes:call_letter", args=[ticket.tracking_code, letter.pk])
    response = client.post(url, {"number": "", "date": ""}, follow=True)
    assert _flash(response) == "Enter the letter's number."
    response = client.post(url, {"number": "1" * 21, "date": ""}, follow=True)
    assert _flash(response) == "A letter number has at most 20 characters."
    record_manual_letter(staff["boss"], "1405/777", dt.date(2026, 4, 1), actor=None)
    response = client.post(url, {"number": "1405/777", "date": ""}, follow=True)
    assert response.status_code == 200  # a page with the message, not an error page
    assert _flash(response) == "This letter number is already recorded."
    letter.refresh_from_db()
    assert letter.status == ServiceCallStatus.WAITING
    response = client.post(url, {"number": "1405/123", "date": "۱۴۰۵/۰۱/۲۶"}, follow=True)
    letter.refresh_from_db()
    ticket.refresh_from_db()
    assert letter.status == ServiceCallStatus.DONE
    assert letter.result["number"] == "1405/123"
    assert OfficeLetter.objects.get(letter_number="1405/123").letter_date == dt.date(2026, 4, 15)
    assert ticket.status == Status.COMPLETED
    assert response.context["process"].instance.status == InstanceStatus.COMPLETED
    assert "data-letter-call=" not in response.content.decode()


# --- notes ------------------------------------------------------------------------------------


def test_internal_note_and_public_reply(
    client: Client, verified_login: Login, staff: dict[str, User], ticket: Ticket
) -> None:
    verified_login(client, staff["clerk"])
    url = reverse("tickets:desk_request_note", args=[ticket.tracking_code])
    client.post(url, {"text": "Called the landlord"})
    response = client.post(url, {"text": "Your licence is on its way", "public": "1"}, follow=True)
    assert _flash(response) == "Your reply was sent to the applicant."
    rows = Activity.objects.for_target(ticket).filter(verb__in=["ticket.note", "ticket.reply"])
    assert list(rows.order_by("id").values_list("verb", "is_public", "data")) == [
        ("ticket.note", False, {"text": "Called the landlord"}),
        ("ticket.reply", True, {"text": "Your licence is on its way"}),
    ]
    html = response.content.decode()
    assert "Internal note" in html and "Called the landlord" in html
    assert "Reply to the applicant" in html and "Your licence is on its way" in html
    response = client.post(url, {"text": "  "}, follow=True)
    assert _flash(response) == "Write the note first."
    assert rows.count() == 2


# --- the applicant's steps on /track/ -----------------------------------------------------------


def _track(ticket: Ticket) -> str:
    client = Client(headers={"accept-language": "en"})
    session = client.session
    session[VERIFIED_SESSION_KEY] = [ticket.tracking_code]
    session.save()
    response = client.get(reverse("tickets:track_detail", args=[ticket.tracking_code]))
    assert response.status_code == 200
    return response.content.decode()


def test_track_lists_the_steps_done_current_and_to_come(
    client: Client, verified_login: Login, staff: dict[str, User], ticket: Ticket
) -> None:
    assert [(step.title, step.state) for step in applicant_steps(ticket)] == [
        ("Clerk review", "current"),
        ("Registry inquiry", "upcoming"),
        ("Supervisor approval", "upcoming"),
        ("Legal approval", "upcoming"),
        ("Licence letter", "upcoming"),
    ]
    verified_login(client, staff["clerk"])
    _approve_review(client, ticket)
    _finish_inquiry(ticket)
    client.post(
        reverse("tickets:desk_request_note", args=[ticket.tracking_code]),
        {"text": "Landlord says the lease is fake"},
    )
    client.post(
        reverse("tickets:desk_request_note", args=[ticket.tracking_code]),
        {"text": "We are checking your lease", "public": "1"},
    )
    services.service_call_failed(
        ServiceCall.objects.create(
            instance=ProcessInstance.objects.get(ticket=ticket),
            ticket=ticket,
            task_id="t",
            task_name="Unrelated",
            title="Unrelated",
            kind=ServiceKind.SMS,
        ),
        error="gateway exploded",
    )
    assert [step.state for step in applicant_steps(ticket)] == [
        "done",
        "done",
        "current",
        "current",
        "upcoming",
    ]
    html = _track(ticket)
    assert html.count('data-step-state="done"') == 2
    assert html.count('data-step-state="current"') == 2
    assert html.count('data-step-state="upcoming"') == 1
    assert html.index("Clerk review") < html.index("Licence letter")
    assert 'data-kind="reply"' in html and "We are checking your lease" in html
    assert "Landlord says" not in html
    assert "gateway exploded" not in html
    assert "Reza" not in html and "clerk" not in html


def test_track_without_a_process_shows_no_steps(submit: Submit) -> None:
    ticket = submit()
    assert applicant_steps(ticket) == []
    assert 'data-testid="process-steps"' not in _track(ticket)


def test_a_rejected_process_marks_the_rest_not_needed(
    client: Client, verified_login: Login, staff: dict[str, User], ticket: Ticket
) -> None:
    (item,) = _open_items(ticket)
    verified_login(client, staff["clerk"])
    _post(client, "task_act", ticket, item.pk, {"action": "reject", "note": "No lease"})
    assert [step.state for step in applicant_steps(ticket)] == ["done"] + ["skipped"] * 4


# --- query counts -----------------------------------------------------------------------------


def _add_rows(ticket: Ticket, count: int) -> None:
    """More open items and failed calls on the request's instance (what the panel reads)."""
    instance = ProcessInstance.objects.get(ticket=ticket)
    for index in range(count):
        WorkItem.objects.create(
            instance=instance,
            ticket=ticket,
            task_id=f"extra-{index}",
            task_name="Review",
            title=f"Extra {index}",
            role="agent",
            org_unit=ticket.org_unit,
            due_at=timezone.now() + dt.timedelta(days=2),
        )
        ServiceCall.objects.create(
            instance=instance,
            ticket=ticket,
            task_id=f"call-{index}",
            task_name="Inquiry",
            title=f"Call {index}",
            kind=ServiceKind.INQUIRY,
            status=ServiceCallStatus.FAILED,
            error="refused",
        )


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_request_page_runs_a_fixed_number_of_queries(
    client: Client,
    verified_login: Login,
    staff: dict[str, User],
    flow: ProcessDefinition,
    submit: Submit,
    django_assert_num_queries: Any,
) -> None:
    small, large = submit(), submit()
    _add_rows(small, 1)
    _add_rows(large, 3)
    verified_login(client, staff["boss"])
    pages = [reverse("tickets:desk_request_detail", args=[t.tracking_code]) for t in (small, large)]
    client.get(pages[0])  # warm the parsed-definition cache
    counts = [_count(client, url) for url in pages]
    assert counts[0] == counts[1]
    with django_assert_num_queries(counts[0]):
        response = client.get(pages[1])
    assert len(response.context["process"].items) == 4
    assert len(response.context["process"].calls) == 3
    assert counts[0] == PAGE_QUERIES
    tracks = [_track_count(ticket) for ticket in (small, large)]
    assert tracks[0] == tracks[1] == TRACK_QUERIES


#: Session, user, device, permissions (2), groups, units (2 levels, who may see the request), the
#: request, its form fields, required documents and files, the process instance, open items, the
#: unit tree (one recursive query) and teams (who may act), calls, units to refer to, timeline,
#: SLA clocks (no calendar revision: these requests have no clock), and the access-log row
#: written (who opened the request).
PAGE_QUERIES = 21
#: Session, the request, SLA clock, history, then the instance, its work items and its calls.
TRACK_QUERIES = 7


def _track_count(ticket: Ticket) -> int:
    client = Client(headers={"accept-language": "en"})
    session = client.session
    session[VERIFIED_SESSION_KEY] = [ticket.tracking_code]
    session.save()
    return _count(client, reverse("tickets:track_detail", args=[ticket.tracking_code]))
