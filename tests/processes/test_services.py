"""Definitions, publishing, starting a process and completing its work items."""

from __future__ import annotations

import datetime as dt

import pytest
from SpiffWorkflow.bpmn.specs.event_definitions import timer as timer_definitions

from khedmat.accounts.models import Team, User
from khedmat.core.models import Activity
from khedmat.processes import services
from khedmat.processes.choices import DefinitionStatus, InstanceStatus, WorkItemStatus
from khedmat.processes.errors import (
    ActiveInstanceError,
    DefinitionImmutableError,
    DefinitionNotPublishedError,
    InvalidDefinitionError,
    ProcessEngineError,
    WorkItemClosedError,
)
from khedmat.processes.models import ProcessDefinition, ProcessInstance, WorkItem
from khedmat.tickets.choices import Status
from tests.fixtures.processes import Publish, bpmn
from tests.fixtures.tickets import Submit

pytestmark = pytest.mark.django_db


# --- definitions -------------------------------------------------------------------------------


def test_create_definition_makes_the_next_draft_version(designer: User) -> None:
    first = services.create_definition("licence", bpmn("approval.bpmn"), name="A", actor=designer)
    second = services.create_definition("licence", bpmn("approval.bpmn"), name="B", actor=designer)
    other = services.create_definition("other", bpmn("parallel.bpmn"), name="C", actor=designer)

    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert first.status == DefinitionStatus.DRAFT and first.published_at is None
    assert first.created_by == designer
    assert Activity.objects.for_target(first).get().verb == "process.definition_created"


def test_publish_refuses_unsupported_elements_and_bad_expressions(designer: User) -> None:
    draft = services.create_definition("bad", bpmn("unsupported.bpmn"), name="Bad", actor=designer)

    with pytest.raises(InvalidDefinitionError) as caught:
        services.publish_definition(draft, actor=designer)

    assert [p.element_id for p in caught.value.problems] == [
        "Task_script",
        "Gateway_inclusive",
        "Task_manual",
        "Flow_evil",
        "Flow_bad_condition",
    ]
    draft.refresh_from_db()
    assert draft.status == DefinitionStatus.DRAFT and draft.published_at is None
    assert not Activity.objects.for_target(draft).filter(verb="process.definition_published")


def test_publishing_freezes_the_definition(designer: User, publish: Publish) -> None:
    definition = publish("licence", "approval.bpmn")

    assert definition.status == DefinitionStatus.PUBLISHED
    assert definition.published_at is not None
    assert definition.process_id == "licence_approval"
    with pytest.raises(DefinitionImmutableError):
        services.publish_definition(definition, actor=designer)
    with pytest.raises(DefinitionImmutableError):
        services.update_definition(definition, bpmn_xml="<changed/>", actor=designer)
    loaded = ProcessDefinition.objects.get(pk=definition.pk)
    loaded.bpmn_xml = "<changed/>"
    with pytest.raises(DefinitionImmutableError):
        loaded.save()
    assert not loaded.can_edit()
    assert ProcessDefinition.objects.get(pk=definition.pk).bpmn_xml == bpmn("approval.bpmn")


def test_a_draft_can_be_edited(designer: User) -> None:
    draft = services.create_definition("licence", "<draft/>", name="A", actor=designer)

    services.update_definition(draft, bpmn_xml=bpmn("approval.bpmn"), name="B", actor=designer)

    draft.refresh_from_db()
    assert (draft.name, draft.bpmn_xml) == ("B", bpmn("approval.bpmn"))


# --- running -----------------------------------------------------------------------------------


def test_start_opens_one_work_item_for_the_agent_lane(
    submit: Submit, publish: Publish, designer: User
) -> None:
    ticket = submit()
    definition = publish("licence", "approval.bpmn")

    instance = services.start_process(ticket, definition, actor=designer)

    assert instance.status == InstanceStatus.RUNNING
    assert instance.definition == definition
    assert '"serializer_version"' in instance.state
    (item,) = WorkItem.objects.filter(instance=instance)
    assert (item.task_name, item.title, item.lane, item.role) == (
        "Task_clerk_review",
        "Clerk review",
        "agent",
        "agent",
    )
    assert item.status == WorkItemStatus.OPEN
    assert item.ticket == ticket and item.org_unit_id == ticket.org_unit_id
    assert item.team is None and item.assignee is None
    ticket.refresh_from_db()
    assert ticket.stage_title == "Clerk review"
    assert ticket.status == Status.SUBMITTED
    assert Activity.objects.for_target(ticket).filter(verb="process.started").count() == 1


def test_a_request_has_one_running_process(
    submit: Submit, publish: Publish, designer: User
) -> None:
    ticket = submit()
    definition = publish("licence", "approval.bpmn")
    services.start_process(ticket, definition, actor=designer)

    with pytest.raises(ActiveInstanceError):
        services.start_process(ticket, definition, actor=designer)
    assert ProcessInstance.objects.filter(ticket=ticket).count() == 1


def test_a_draft_cannot_start(submit: Submit, designer: User) -> None:
    draft = services.create_definition("licence", bpmn("approval.bpmn"), name="A", actor=designer)

    with pytest.raises(DefinitionNotPublishedError):
        services.start_process(submit(), draft, actor=designer)
    assert not ProcessInstance.objects.exists()


def test_approval_path_reaches_the_supervisor_then_completes_the_request(
    submit: Submit, publish: Publish, agent: User, supervisor: User, designer: User
) -> None:
    ticket = submit()
    instance = services.start_process(ticket, publish("licence", "approval.bpmn"), actor=designer)
    (review,) = WorkItem.objects.open().filter(instance=instance)

    services.complete_work_item(review, data={"approved": True}, actor=agent)

    review.refresh_from_db()
    assert review.status == WorkItemStatus.COMPLETED
    assert review.completed_by == agent and review.completed_at is not None
    (approval,) = WorkItem.objects.open().filter(instance=instance)
    assert (approval.title, approval.role) == ("Supervisor approval", "supervisor")
    ticket.refresh_from_db()
    assert ticket.stage_title == "Supervisor approval"
    assert ticket.status == Status.IN_PROGRESS  # a new stage takes a filed request into review
    moved = Activity.objects.for_target(ticket).get(verb="ticket.status_changed")
    assert moved.is_public and moved.data["stage"] == "Supervisor approval"
    activity = Activity.objects.for_target(ticket).get(verb="process.work_item_completed")
    assert (activity.old_value, activity.new_value) == ("Clerk review", "Supervisor approval")
    assert activity.actor == agent

    services.complete_work_item(approval, data={}, actor=supervisor)

    instance.refresh_from_db()
    ticket.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    assert instance.next_timer_at is None
    assert not WorkItem.objects.open().filter(instance=instance).exists()
    assert ticket.status == Status.COMPLETED
    assert ticket.stage == "Completed"
    assert ticket.closed_at is not None


def test_the_default_flow_ends_the_process_without_the_supervisor(
    submit: Submit, publish: Publish, agent: User, designer: User
) -> None:
    ticket = submit()
    instance = services.start_process(ticket, publish("licence", "approval.bpmn"), actor=designer)
    (review,) = WorkItem.objects.open().filter(instance=instance)

    services.complete_work_item(review, data={"approved": False}, actor=agent)

    instance.refresh_from_db()
    ticket.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    assert list(WorkItem.objects.filter(instance=instance).values_list("task_name", flat=True)) == [
        "Task_clerk_review"
    ]
    assert ticket.status == Status.COMPLETED


def test_a_completed_item_cannot_be_completed_again(
    submit: Submit, publish: Publish, agent: User, designer: User
) -> None:
    instance = services.start_process(submit(), publish("licence", "approval.bpmn"), actor=designer)
    (review,) = WorkItem.objects.open().filter(instance=instance)
    services.complete_work_item(review, data={"approved": True}, actor=agent)
    state = ProcessInstance.objects.get(pk=instance.pk).state

    with pytest.raises(WorkItemClosedError):
        services.complete_work_item(review, data={"approved": True}, actor=agent)
    assert ProcessInstance.objects.get(pk=instance.pk).state == state
    assert WorkItem.objects.filter(instance=instance).count() == 2


def test_data_keys_must_be_names(
    submit: Submit, publish: Publish, agent: User, designer: User
) -> None:
    instance = services.start_process(submit(), publish("licence", "approval.bpmn"), actor=designer)
    (review,) = WorkItem.objects.open().filter(instance=instance)

    with pytest.raises(ProcessEngineError):
        services.complete_work_item(review, data={"__class__": 1}, actor=agent)
    review.refresh_from_db()
    assert review.status == WorkItemStatus.OPEN


def test_parallel_gateway_opens_two_items_and_joins(
    submit: Submit, publish: Publish, agent: User, designer: User, org_units: dict
) -> None:
    inspectors = Team.objects.create(
        code="inspectors", name="Inspectors", org_unit=org_units["office"]
    )
    ticket = submit()
    instance = services.start_process(ticket, publish("checks", "parallel.bpmn"), actor=designer)

    items = {item.task_name: item for item in WorkItem.objects.open().filter(instance=instance)}
    assert set(items) == {"Task_documents", "Task_site_visit"}
    assert (items["Task_documents"].role, items["Task_documents"].team) == ("agent", None)
    assert (items["Task_site_visit"].role, items["Task_site_visit"].team) == (
        "inspectors",
        inspectors,
    )

    services.complete_work_item(items["Task_site_visit"], data={"visited": True}, actor=agent)

    instance.refresh_from_db()
    assert instance.status == InstanceStatus.RUNNING
    (remaining,) = WorkItem.objects.open().filter(instance=instance)
    assert remaining.task_name == "Task_documents"
    ticket.refresh_from_db()
    assert ticket.stage_title == "Check documents"

    services.complete_work_item(remaining, data={"documents_ok": True}, actor=agent)

    instance.refresh_from_db()
    ticket.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    assert ticket.status == Status.COMPLETED


def test_lane_assignment() -> None:
    assert services.lane_assignment("agent") == ("agent", None)
    assert services.lane_assignment(" Supervisor ") == ("supervisor", None)
    assert services.lane_assignment("Legal department") == ("Legal department", None)
    assert services.lane_assignment("") == ("", None)


def test_many_steps_in_a_row_stay_consistent(
    submit: Submit, publish: Publish, agent: User, supervisor: User, designer: User
) -> None:
    """A step-count sanity check (speed is measured in bench/, never here)."""
    definition = publish("licence", "approval.bpmn")
    tickets = [submit() for _ in range(5)]

    for ticket in tickets:
        instance = services.start_process(ticket, definition, actor=designer)
        for data, actor in (({"approved": True}, agent), ({}, supervisor)):
            (item,) = WorkItem.objects.open().filter(instance=instance)
            services.complete_work_item(item, data=data, actor=actor)

    assert ProcessInstance.objects.filter(status=InstanceStatus.COMPLETED).count() == 5
    assert WorkItem.objects.filter(status=WorkItemStatus.COMPLETED).count() == 10
    assert not WorkItem.objects.open().exists()


def test_a_due_timer_fires_on_the_tick(
    submit: Submit, publish: Publish, designer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The timer waits for `opening_date` (a form answer); the tick moves the process on."""
    ticket = submit(answers={"shop_name": "نانوایی", "opening_date": "2099-01-01"})
    definition = services.create_definition(
        "cooling",
        bpmn("timer.bpmn").replace("wait_until", "opening_date + 'T00:00:00+00:00'"),
        name="Cooling-off",
        actor=designer,
    )
    definition = services.publish_definition(definition, actor=designer)
    instance = services.start_process(ticket, definition, actor=designer)

    assert instance.status == InstanceStatus.WAITING
    assert instance.next_timer_at == dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
    assert not WorkItem.objects.filter(instance=instance).exists()
    assert services.fire_due_timers() == 0

    class Later(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> Later:  # type: ignore[override]
            return cls(2099, 1, 2, tzinfo=dt.UTC)

    # Spiff reads the clock in its timer module; move that clock, not ours.
    monkeypatch.setattr(timer_definitions, "datetime", Later)
    assert services.fire_due_timers(now=dt.datetime(2099, 1, 2, tzinfo=dt.UTC)) == 1

    instance.refresh_from_db()
    ticket.refresh_from_db()
    (item,) = WorkItem.objects.open().filter(instance=instance)
    assert (item.title, item.role) == ("After the wait", "agent")
    assert instance.status == InstanceStatus.RUNNING and instance.next_timer_at is None
    assert ticket.stage_title == "After the wait"
    assert Activity.objects.for_target(ticket).filter(verb="process.timer_fired").count() == 1
