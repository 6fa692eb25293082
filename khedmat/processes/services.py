"""Use cases of processes: define and publish BPMN versions, start a process, complete a task."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.choices import Role
from khedmat.accounts.models import Team
from khedmat.core.services import record_activity
from khedmat.processes import engine
from khedmat.processes.choices import (
    ACTIVE_INSTANCE_STATUSES,
    DefinitionStatus,
    InstanceStatus,
    WorkItemStatus,
)
from khedmat.processes.errors import (
    ActiveInstanceError,
    DefinitionImmutableError,
    DefinitionNotPublishedError,
    InvalidDefinitionError,
    ProcessEngineError,
    WorkItemClosedError,
)
from khedmat.processes.models import ProcessDefinition, ProcessInstance, WorkItem
from khedmat.processes.validation import validate_bpmn
from khedmat.tickets.models import Ticket

if TYPE_CHECKING:
    from khedmat.accounts.models import User

ROLE_VALUES: frozenset[str] = frozenset(Role.values)


# --- definitions -----------------------------------------------------------------------------------


def create_definition(
    key: str, bpmn_xml: str, *, name: str, actor: User | None
) -> ProcessDefinition:
    """A new draft version of the process `key` (version 1, or one past the latest)."""
    with transaction.atomic():
        latest = (
            ProcessDefinition.objects.select_for_update()
            .filter(key=key)
            .aggregate(latest=Max("version"))["latest"]
        )
        definition = ProcessDefinition.objects.create(
            key=key, version=(latest or 0) + 1, name=name, bpmn_xml=bpmn_xml, created_by=actor
        )
        record_activity(
            definition, "process.definition_created", actor=actor,
            data={"key": key, "version": definition.version},
        )  # fmt: skip
        return definition


def update_definition(
    definition: ProcessDefinition,
    *,
    actor: User | None,
    bpmn_xml: str | None = None,
    name: str | None = None,
) -> ProcessDefinition:
    """Change a draft's document or name; a published version refuses."""
    with transaction.atomic():
        definition = ProcessDefinition.objects.select_for_update().get(pk=definition.pk)
        if definition.is_published:
            raise DefinitionImmutableError()
        if bpmn_xml is not None:
            definition.bpmn_xml = bpmn_xml
        if name is not None:
            definition.name = name
        definition.save(update_fields=["bpmn_xml", "name"])
        record_activity(definition, "process.definition_updated", actor=actor)
        return definition


def publish_definition(definition: ProcessDefinition, *, actor: User | None) -> ProcessDefinition:
    """Check the document (palette, expressions, engine) and freeze it; raise with the problems."""
    with transaction.atomic():
        definition = ProcessDefinition.objects.select_for_update().get(pk=definition.pk)
        if definition.is_published:
            raise DefinitionImmutableError()
        problems = validate_bpmn(definition.bpmn_xml)
        if problems:
            raise InvalidDefinitionError(problems)
        definition.process_id = engine.main_process_id(engine.parse_xml(definition.bpmn_xml))
        definition.status = DefinitionStatus.PUBLISHED
        definition.published_at = timezone.now()
        definition.save()
        record_activity(
            definition, "process.definition_published", actor=actor,
            old=DefinitionStatus.DRAFT, new=DefinitionStatus.PUBLISHED,
        )  # fmt: skip
        return definition


def _parsed(definition: ProcessDefinition) -> engine.ParsedDefinition:
    if not definition.is_published or definition.published_at is None:
        raise DefinitionNotPublishedError()
    try:
        return engine.cached_definition(
            definition.pk, definition.published_at.isoformat(), definition.bpmn_xml
        )
    except engine.EngineError as error:
        raise ProcessEngineError(error.message) from error


# --- instances -------------------------------------------------------------------------------------


def start_process(
    ticket: Ticket, definition: ProcessDefinition, *, actor: User | None
) -> ProcessInstance:
    """Run a published definition for the request up to its first wait and open its work items."""
    parsed = _parsed(definition)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.process_instances.filter(status__in=ACTIVE_INSTANCE_STATUSES).exists():
            raise ActiveInstanceError()
        try:
            workflow = engine.start_workflow(parsed, _initial_data(ticket))
        except engine.EngineError as error:
            raise ProcessEngineError(error.message) from error
        instance = ProcessInstance.objects.create(
            ticket=ticket, definition=definition, state=engine.serialize(workflow)
        )
        record_activity(
            ticket, "process.started", actor=actor,
            data={"definition": definition.key, "version": definition.version,
                  "instance": instance.pk},
        )  # fmt: skip
        _after_steps(instance, workflow, ticket, parsed=parsed, actor=actor)
        return instance


def complete_work_item(
    work_item: WorkItem, *, data: Mapping[str, Any], actor: User | None
) -> WorkItem:
    """Finish a user task with the form's answers and run the process on to its next wait."""
    if any(not _is_data_name(name) for name in data):
        raise ProcessEngineError(_("Answer names must be plain names (letters, digits, _)."))
    with transaction.atomic():
        instance = (
            ProcessInstance.objects.select_for_update()
            .select_related("definition")
            .get(pk=work_item.instance_id)
        )
        work_item = WorkItem.objects.select_related("ticket").get(pk=work_item.pk)
        if not work_item.is_open or not instance.is_active:
            raise WorkItemClosedError()
        parsed = _parsed(instance.definition)
        workflow = engine.deserialize(instance.state)
        try:
            engine.complete_task(workflow, work_item.task_id, data)
        except engine.EngineError as error:
            raise ProcessEngineError(error.message) from error
        now = timezone.now()
        work_item.status, work_item.completed_at = WorkItemStatus.COMPLETED, now
        work_item.completed_by = actor
        work_item.save(update_fields=["status", "completed_at", "completed_by"])
        ticket = work_item.ticket
        old_stage = ticket.stage_title
        _after_steps(instance, workflow, ticket, parsed=parsed, actor=actor, now=now)
        record_activity(
            ticket, "process.work_item_completed", actor=actor, old=old_stage,
            new=ticket.stage_title,
            data={"work_item": work_item.pk, "task": work_item.task_name,
                  "title": work_item.title, "instance": instance.pk},
        )  # fmt: skip
        return work_item


def fire_due_timers(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Tick handler: move the instances whose next timer is due; return how many moved."""
    now = now or timezone.now()
    due = list(
        ProcessInstance.objects.filter(
            status__in=ACTIVE_INSTANCE_STATUSES, next_timer_at__lte=now
        ).values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        fire_instance_timers(pk, now=now)
    return len(due)


def fire_instance_timers(instance_id: int, *, now: dt.datetime | None = None) -> ProcessInstance:
    """Fire the due timers of one instance and run it on, in one transaction."""
    with transaction.atomic():
        instance = (
            ProcessInstance.objects.select_for_update()
            .select_related("definition", "ticket")
            .get(pk=instance_id)
        )
        if not instance.is_active:
            return instance
        parsed = _parsed(instance.definition)
        workflow = engine.deserialize(instance.state)
        try:
            engine.fire_timers(workflow)
        except engine.EngineError as error:
            raise ProcessEngineError(error.message) from error
        ticket = instance.ticket
        old_stage = ticket.stage_title
        _after_steps(instance, workflow, ticket, parsed=parsed, actor=None, now=now)
        record_activity(
            ticket, "process.timer_fired", old=old_stage, new=ticket.stage_title,
            data={"instance": instance.pk},
        )  # fmt: skip
        return instance


def _initial_data(ticket: Ticket) -> dict[str, Any]:
    """What the diagram's expressions can read at the start: the request's answers."""
    answers = ticket.answers if isinstance(ticket.answers, dict) else {}
    return {name: value for name, value in answers.items() if _is_data_name(name)}


def _is_data_name(name: object) -> bool:
    """A name an expression can read: an identifier that does not start with an underscore."""
    return isinstance(name, str) and name.isidentifier() and not name.startswith("_")


def _after_steps(
    instance: ProcessInstance,
    workflow: Any,
    ticket: Ticket,
    *,
    parsed: engine.ParsedDefinition,
    actor: User | None,
    now: dt.datetime | None = None,
) -> None:
    """Save the state, sync the work items and the request's stage; close the request at the end."""
    now = now or timezone.now()
    open_items = _sync_work_items(instance, workflow, ticket, parsed=parsed, now=now)
    completed = engine.is_completed(workflow)
    if completed:
        instance.status = InstanceStatus.COMPLETED
    else:
        instance.status = InstanceStatus.RUNNING if open_items else InstanceStatus.WAITING
    instance.state = engine.serialize(workflow)
    instance.next_timer_at = None if completed else engine.next_timer_at(workflow)
    instance.save(update_fields=["state", "status", "next_timer_at", "updated_at"])
    stage_title = open_items[0].title if open_items else ""
    if ticket.stage_title != stage_title:
        ticket.stage_title = stage_title
        ticket.save(update_fields=["stage_title"])
    if completed:
        # imported here: submitting a request will start its process (tickets -> processes)
        from khedmat.tickets.services import complete_request

        complete_request(ticket, actor=actor)


def _sync_work_items(
    instance: ProcessInstance,
    workflow: Any,
    ticket: Ticket,
    *,
    parsed: engine.ParsedDefinition,
    now: dt.datetime,
) -> list[WorkItem]:
    """Cancel the items whose task is gone, open one per new READY user task; return the open ones."""
    ready = {task.task_id: task for task in engine.human_tasks(workflow)}
    still_open = []
    for item in instance.work_items.open():
        if item.task_id in ready:
            still_open.append(item)
        else:
            item.status, item.completed_at = WorkItemStatus.CANCELLED, now
            item.save(update_fields=["status", "completed_at"])
    known = {item.task_id for item in still_open}
    new_items = [
        _new_work_item(instance, ticket, task, form_key=parsed.form_keys.get(task.name, ""))
        for task in ready.values()
        if task.task_id not in known
    ]
    WorkItem.objects.bulk_create(new_items)
    return [*still_open, *new_items]


def _new_work_item(
    instance: ProcessInstance, ticket: Ticket, task: engine.HumanTask, *, form_key: str
) -> WorkItem:
    role, team = lane_assignment(task.lane)
    return WorkItem(
        instance=instance, ticket=ticket, task_id=task.task_id, task_name=task.name,
        title=task.title[:300], lane=task.lane, role=role, team=team,
        org_unit_id=ticket.org_unit_id, form_key=form_key,
    )  # fmt: skip


def lane_assignment(lane: str) -> tuple[str, Team | None]:
    """A lane names a role ("agent", "supervisor"…) or a team code; else the lane name is kept."""
    name = lane.strip()
    if name.lower() in ROLE_VALUES:
        return name.lower(), None
    team = Team.objects.filter(code=name).first() if name else None
    return name, team
