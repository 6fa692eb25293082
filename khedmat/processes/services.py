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
    OPEN_CALL_STATUSES,
    DefinitionStatus,
    InstanceStatus,
    ServiceCallStatus,
    WorkItemStatus,
)
from khedmat.processes.errors import (
    ActiveInstanceError,
    DefinitionImmutableError,
    DefinitionNotPublishedError,
    InvalidDefinitionError,
    ProcessEngineError,
    ServiceCallNotFailedError,
    WorkItemClosedError,
)
from khedmat.processes.locks import (
    active_instance_id,
    lock_instance,
    lock_service_call,
    lock_ticket,
    lock_work_item,
)
from khedmat.processes.models import ProcessDefinition, ProcessInstance, ServiceCall, WorkItem
from khedmat.processes.validation import validate_bpmn
from khedmat.tickets import services as ticket_services
from khedmat.tickets.choices import Status
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
            definition,
            "process.definition_created",
            actor=actor,
            data={"key": key, "version": definition.version},
        )
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
            definition,
            "process.definition_published",
            actor=actor,
            old=DefinitionStatus.DRAFT,
            new=DefinitionStatus.PUBLISHED,
        )
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


def definition_for_service(process_key: str) -> ProcessDefinition | None:
    """The latest published version of the process a service names, if any."""
    if not process_key:
        return None
    return (
        ProcessDefinition.objects.filter(key=process_key, status=DefinitionStatus.PUBLISHED)
        .order_by("-version")
        .first()
    )


def start_for_request(ticket: Ticket, *, actor: User | None) -> ProcessInstance | None:
    """Start the service's process for a request just filed (by its after-submission job): once
    per request, so a job run again starts nothing."""
    definition = definition_for_service(ticket.service.process_key)
    if definition is None or ticket.process_instances.exists():
        return None
    return start_process(ticket, definition, actor=actor)


def start_process(
    ticket: Ticket, definition: ProcessDefinition, *, actor: User | None
) -> ProcessInstance:
    """Run a published definition for the request up to its first wait and open its work items.

    The first stage shows without an SMS or a status change: the submission's SMS already went.
    """
    parsed = _parsed(definition)
    with transaction.atomic():
        ticket = lock_ticket(ticket.pk)
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
            ticket,
            "process.started",
            actor=actor,
            data={
                "definition": definition.key,
                "version": definition.version,
                "instance": instance.pk,
            },
        )
        _after_steps(instance, workflow, ticket, parsed=parsed, actor=actor, quiet=True)
        return instance


def complete_work_item(
    work_item: WorkItem,
    *,
    data: Mapping[str, Any],
    actor: User | None,
    decision: str = "",
) -> WorkItem:
    """Finish a user task with the form's answers and run the process on to its next wait.

    `decision` (approve, reject, return, done) reaches the diagram as the `decision` variable.
    """
    if any(not _is_data_name(name) for name in data):
        raise ProcessEngineError(_("Answer names must be plain names (letters, digits, _)."))
    data = {**data, "decision": decision} if decision else dict(data)
    with transaction.atomic():
        work_item = lock_work_item(work_item.pk)
        instance = work_item.instance
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
        work_item.completed_by, work_item.decision = actor, decision
        work_item.save(update_fields=["status", "completed_at", "completed_by", "decision"])
        ticket = work_item.ticket
        old_stage = ticket.stage_title
        _after_steps(instance, workflow, ticket, parsed=parsed, actor=actor, now=now)
        record_activity(
            ticket,
            "process.work_item_completed",
            actor=actor,
            old=old_stage,
            new=ticket.stage_title,
            data={
                "work_item": work_item.pk,
                "task": work_item.task_name,
                "decision": decision,
                "title": work_item.title,
                "instance": instance.pk,
            },
        )
        return work_item


def deliver_message(
    ticket: Ticket, name: str, *, payload: Mapping[str, Any] | None = None, actor: User | None
) -> bool:
    """Hand a message (e.g. request_corrected) to the request's running process, if it waits for it.

    Returns whether a process took it. The stage moves quietly: the caller tells the applicant.
    """
    with transaction.atomic():
        instance_id = active_instance_id(ticket)
        if instance_id is None:
            return False
        instance = lock_instance(instance_id)
        if not instance.is_active:
            return False
        parsed = _parsed(instance.definition)
        workflow = engine.deserialize(instance.state)
        try:
            taken = engine.deliver_message(workflow, name, payload or {})
        except engine.EngineError as error:
            raise ProcessEngineError(error.message) from error
        if not taken:
            return False
        ticket = instance.ticket
        _after_steps(instance, workflow, ticket, parsed=parsed, actor=actor, quiet=True)
        record_activity(
            ticket,
            "process.message_received",
            actor=actor,
            data={"message": name, "instance": instance.pk},
        )
        return True


def waits_for_message(ticket: Ticket, name: str) -> bool:
    """Whether the request's running process waits for the message `name`."""
    state = (
        ProcessInstance.objects.filter(ticket=ticket, status__in=ACTIVE_INSTANCE_STATUSES)
        .values_list("state", flat=True)
        .first()
    )
    return state is not None and name in engine.waiting_messages(engine.deserialize(state))


def cancel_process(ticket: Ticket, *, actor: User | None, reason: str = "") -> bool:
    """Stop the request's running process: open tasks and queued calls are cancelled."""
    with transaction.atomic():
        instance_id = active_instance_id(ticket)
        if instance_id is None:
            return False
        instance = lock_instance(instance_id)
        if not instance.is_active:
            return False
        workflow = engine.deserialize(instance.state)
        engine.cancel(workflow)
        now = timezone.now()
        instance.work_items.open().update(status=WorkItemStatus.CANCELLED, completed_at=now)
        instance.service_calls.filter(status__in=OPEN_CALL_STATUSES).update(
            status=ServiceCallStatus.CANCELLED, completed_at=now
        )
        instance.status, instance.next_timer_at = InstanceStatus.CANCELLED, None
        instance.state = engine.serialize(workflow)
        instance.save(update_fields=["status", "state", "next_timer_at", "updated_at"])
        record_activity(
            instance.ticket,
            "process.cancelled",
            actor=actor,
            data={"instance": instance.pk, "reason": reason},
        )
        return True


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
        instance = lock_instance(instance_id)
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
            ticket,
            "process.timer_fired",
            old=old_stage,
            new=ticket.stage_title,
            data={"instance": instance.pk},
        )
        return instance


# --- service tasks ---------------------------------------------------------------------------------


def finish_service_call(
    call: ServiceCall, *, result: Mapping[str, Any], data: Mapping[str, Any]
) -> ServiceCall:
    """A service task's job succeeded: keep its result, complete the task, run the process on."""
    with transaction.atomic():
        call = lock_service_call(call.pk)
        instance = call.instance
        if not call.is_open or not instance.is_active:
            return call
        parsed = _parsed(instance.definition)
        workflow = engine.deserialize(instance.state)
        try:
            engine.finish_service_task(workflow, call.task_id, data)
        except engine.EngineError as error:
            raise ProcessEngineError(error.message) from error
        now = timezone.now()
        call.status, call.result, call.error, call.completed_at = (
            ServiceCallStatus.DONE,
            dict(result),
            "",
            now,
        )
        call.save(update_fields=["status", "result", "error", "completed_at"])
        ticket = instance.ticket
        # back in progress (if it waited) and at its next stage: one change, one SMS
        _after_steps(instance, workflow, ticket, parsed=parsed, actor=None, now=now)
        record_activity(
            ticket,
            "process.service_call_done",
            data={"call": call.pk, "kind": call.kind, "task": call.task_name, "title": call.title},
        )
        return call


def service_call_waiting(call: ServiceCall, *, error: str) -> ServiceCall:
    """The other side did not answer: the call waits and the request waits on the agency."""
    with transaction.atomic():
        call = lock_service_call(call.pk)
        if not call.is_open:
            return call
        call.status, call.error = ServiceCallStatus.WAITING, error[:2000]
        call.save(update_fields=["status", "error"])
        ticket = call.ticket
        if ticket.can_move_to(Status.WAITING_INQUIRY) and ticket.status != Status.WAITING_INQUIRY:
            # the stage reads "waiting for another agency" (the SMS says so); the step stays current
            ticket_services.change_status(
                ticket,
                Status.WAITING_INQUIRY,
                actor=None,
                stage_title="",
                data={"call": call.pk, "step": call.title},
            )
        return call


def service_call_failed(call: ServiceCall, *, error: str) -> ServiceCall:
    """The job gave up (rejected, or out of attempts): staff see it and may retry."""
    with transaction.atomic():
        call = lock_service_call(call.pk)
        if not call.is_open:
            return call
        call.status, call.error = ServiceCallStatus.FAILED, error[:2000]
        call.completed_at = timezone.now()
        call.save(update_fields=["status", "error", "completed_at"])
        record_activity(
            call.ticket,
            "process.service_call_failed",
            data={"call": call.pk, "kind": call.kind, "title": call.title, "error": error[:500]},
        )
        return call


def retry_service_call(call: ServiceCall, *, actor: User | None) -> ServiceCall:
    """Queue a failed call again (staff, once the cause is fixed)."""
    from khedmat.processes.tasks import run_service_call_task

    with transaction.atomic():
        call = lock_service_call(call.pk)
        if call.status != ServiceCallStatus.FAILED:
            raise ServiceCallNotFailedError()
        call.status, call.attempts, call.completed_at = ServiceCallStatus.PENDING, 0, None
        call.save(update_fields=["status", "attempts", "completed_at"])
        record_activity(
            call.ticket,
            "process.service_call_retried",
            actor=actor,
            data={"call": call.pk, "kind": call.kind, "title": call.title},
        )
        run_service_call_task.enqueue(call.pk)
        return call


# --- shared steps ----------------------------------------------------------------------------------


def _initial_data(ticket: Ticket) -> dict[str, Any]:
    """What the diagram's expressions can read at the start: the request's answers."""
    answers = ticket.answers if isinstance(ticket.answers, dict) else {}
    return {name: value for name, value in answers.items() if _is_data_name(name)}


def _is_data_name(name: object) -> bool:
    """A name an expression can read: an identifier that does not start with an underscore."""
    return isinstance(name, str) and name.isidentifier() and not name.startswith("_")


#: Statuses in which the process's stage moves the request (and tells the applicant).
STAGE_STATUSES = frozenset({Status.SUBMITTED, Status.IN_PROGRESS, Status.WAITING_INQUIRY})


def _after_steps(
    instance: ProcessInstance,
    workflow: Any,
    ticket: Ticket,
    *,
    parsed: engine.ParsedDefinition,
    actor: User | None,
    now: dt.datetime | None = None,
    quiet: bool = False,
) -> None:
    """Save the state, sync work items, calls and the request's stage; close the request at the end.

    A new stage moves a submitted request into review and sends the applicant an SMS, unless
    `quiet` or the request waits on the applicant (their correction will tell them). Only an end
    event closes the request: a flow that neither ends nor waits fails (`_fail_instance`).
    """
    now = now or timezone.now()
    outcome = engine.run_outcome(workflow)
    if outcome == engine.STUCK:
        _fail_instance(instance, workflow, ticket, actor=actor, now=now)
        return
    open_items = _sync_work_items(instance, workflow, ticket, parsed=parsed, now=now)
    open_calls = _sync_service_calls(instance, workflow, ticket, parsed=parsed)
    ended = outcome == engine.ENDED
    if ended:
        instance.status = InstanceStatus.COMPLETED
    else:
        instance.status = InstanceStatus.RUNNING if open_items else InstanceStatus.WAITING
    instance.state = engine.serialize(workflow)
    instance.next_timer_at = None if ended else engine.next_timer_at(workflow)
    instance.save(update_fields=["state", "status", "next_timer_at", "updated_at"])
    if ended:
        if not ticket.is_closed:
            _decide(ticket, workflow, parsed=parsed, actor=actor)
        return
    titles = [item.title for item in open_items] or [call.title for call in open_calls]
    _show_stage(ticket, titles[0][:200] if titles else "", actor=actor, quiet=quiet)


def _decide(
    ticket: Ticket, workflow: Any, *, parsed: engine.ParsedDefinition, actor: User | None
) -> None:
    """The flow reached an end event: it turns the request down or completes it."""
    ticket.stage_title = ""
    ticket.save(update_fields=["stage_title"])
    if engine.reached(workflow, parsed.rejecting_ends):
        reason = engine.last_note(workflow)
        ticket_services.reject_request(ticket, reason=reason, actor=actor, by_process=True)
    else:
        ticket_services.complete_request(ticket, actor=actor, by_process=True)
    ticket.refresh_from_db()


def _fail_instance(
    instance: ProcessInstance,
    workflow: Any,
    ticket: Ticket,
    *,
    actor: User | None,
    now: dt.datetime,
) -> None:
    """The flow neither reached an end event nor waits for anything (a loop that never waits):
    the instance fails, its open tasks and calls are withdrawn, and the request stays where it
    is for staff to decide by hand; it is never completed."""
    instance.work_items.open().update(status=WorkItemStatus.CANCELLED, completed_at=now)
    instance.service_calls.filter(status__in=OPEN_CALL_STATUSES).update(
        status=ServiceCallStatus.CANCELLED, completed_at=now
    )
    instance.status, instance.next_timer_at = InstanceStatus.FAILED, None
    instance.state = engine.serialize(workflow)
    instance.save(update_fields=["state", "status", "next_timer_at", "updated_at"])
    if ticket.stage_title:
        ticket.stage_title = ""
        ticket.save(update_fields=["stage_title"])
    record_activity(ticket, "process.failed", actor=actor, data={"instance": instance.pk})


def _show_stage(ticket: Ticket, stage_title: str, *, actor: User | None, quiet: bool) -> None:
    """Move the request to the process's stage: into review when filed, out of waiting on another
    agency once no call waits; one status change (and one SMS) for both."""
    status = ticket.status
    if status == Status.SUBMITTED or (
        status == Status.WAITING_INQUIRY
        and not ServiceCall.objects.filter(ticket=ticket, status=ServiceCallStatus.WAITING).exists()
    ):
        status = Status.IN_PROGRESS
    if ticket.stage_title == stage_title and status == ticket.status:
        return
    if quiet or ticket.status not in STAGE_STATUSES:
        ticket.stage_title = stage_title
        ticket.save(update_fields=["stage_title"])
        return
    if status == Status.WAITING_INQUIRY and ticket.stage_title == "":
        return  # still waiting on the agency: the stage shows the wait until it answers
    ticket_services.change_status(ticket, status, actor=actor, stage_title=stage_title)
    ticket.refresh_from_db()


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
    for item in instance.work_items.open().order_by("pk"):
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


def _sync_service_calls(
    instance: ProcessInstance, workflow: Any, ticket: Ticket, *, parsed: engine.ParsedDefinition
) -> list[ServiceCall]:
    """One ServiceCall and its job per newly started service task; return the open calls."""
    from khedmat.processes.tasks import run_service_call_task

    running = engine.running_service_tasks(workflow)
    if not running:
        return []
    known = {
        call.task_id: call
        for call in instance.service_calls.filter(task_id__in=[run.task_id for run in running])
    }
    calls = []
    for run in running:
        call = known.get(run.task_id)
        if call is None:
            spec = parsed.service_tasks.get(run.name) or engine.ServiceSpec("", {})
            call = ServiceCall.objects.create(
                instance=instance,
                ticket=ticket,
                task_id=run.task_id,
                task_name=run.name,
                title=run.title[:300],
                kind=spec.kind,
                params=spec.params,
            )
            record_activity(
                ticket,
                "process.service_call_queued",
                data={"call": call.pk, "kind": call.kind, "title": call.title},
            )
            run_service_call_task.enqueue(call.pk)
        if call.is_open:
            calls.append(call)
    return calls


def _new_work_item(
    instance: ProcessInstance, ticket: Ticket, task: engine.HumanTask, *, form_key: str
) -> WorkItem:
    role, team = lane_assignment(task.lane)
    return WorkItem(
        instance=instance,
        ticket=ticket,
        task_id=task.task_id,
        task_name=task.name,
        title=task.title[:300],
        lane=task.lane,
        role=role,
        team=team,
        org_unit_id=ticket.org_unit_id,
        form_key=form_key,
        due_at=ticket.promised_at,
    )


def lane_assignment(lane: str) -> tuple[str, Team | None]:
    """A lane names a role ("agent", "supervisor"…) or a team code; else the lane name is kept."""
    name = lane.strip()
    if name.lower() in ROLE_VALUES:
        return name.lower(), None
    team = Team.objects.filter(code=name).first() if name else None
    return name, team
