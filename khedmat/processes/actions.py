"""What staff do with an open task: approve, reject, return to the applicant, finish, refer.

The desk's request page and the work-item API both call these; each checks who may act, then
runs the request's services and the process in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import OrgUnit, User
from khedmat.core.services import record_activity
from khedmat.processes import services
from khedmat.processes.assignment import can_assign, is_eligible
from khedmat.processes.choices import Decision, WorkItemStatus
from khedmat.processes.errors import ActionNotAllowedError, ProcessError, WorkItemClosedError
from khedmat.processes.locks import lock_work_item
from khedmat.processes.models import WorkItem
from khedmat.tickets import services as ticket_services
from khedmat.tickets.errors import TicketError

#: The message a correction by the applicant delivers (tickets.services.correct_request).
CORRECTED_MESSAGE = "request_corrected"


NO_WAY_BACK = _(
    "This step cannot return the request: its process has no way back to the applicant here."
)


class ActionInputError(ProcessError):
    default_message = _("The action needs more information.")


@dataclass(frozen=True)
class TaskAction:
    """A button on an open task: the decision the diagram reads and what the form asks for."""

    name: str
    label: Promise
    css: str
    needs_note: bool = False
    needs_fields: bool = False


TASK_ACTIONS = (
    TaskAction(Decision.APPROVE, _("Approve"), "btn-success"),
    TaskAction(Decision.RETURN, _("Return to the applicant"), "btn-warning", True, True),
    TaskAction(Decision.REJECT, _("Reject with a reason"), "btn-outline-danger", True),
    TaskAction(Decision.DONE, _("Mark done"), "btn-outline-primary"),
)
TASK_ACTIONS_BY_NAME = {action.name: action for action in TASK_ACTIONS}


def can_act(item: WorkItem, user: User) -> bool:
    """The holder acts; with nobody holding it, anyone who may hold it; supervisors always."""
    if not item.is_open or not user.is_active:
        return False
    if item.assignee_id == user.pk or can_assign(item, user):
        return True
    return item.assignee_id is None and is_eligible(item, user)


def act_on_work_item(
    item: WorkItem,
    action: str,
    *,
    actor: User,
    note: str = "",
    fields: Iterable[str] = (),
) -> WorkItem:
    """Complete an open task with a decision (see TASK_ACTIONS) and move the request with it."""
    spec = TASK_ACTIONS_BY_NAME.get(action)
    if spec is None:
        raise ActionInputError(_("Unknown action."))
    note, fields = note.strip(), [key for key in fields if key]
    if spec.needs_note and not note:
        raise ActionInputError(_("Write what the applicant should know."))
    if spec.needs_fields and not fields:
        raise ActionInputError(_("Choose at least one field or document to correct."))
    with transaction.atomic():
        item = lock_work_item(item.pk)
        if not item.is_open:
            raise WorkItemClosedError()
        if not can_act(item, actor):
            raise ActionNotAllowedError()
        if item.assignee_id is None:
            item.assignee = actor
            item.save(update_fields=["assignee"])
        if action == Decision.REJECT:
            return _reject(item, note=note, actor=actor)
        if action == Decision.RETURN:
            ticket_services.return_for_correction(
                item.ticket, fields=fields, note=note, actor=actor, by_process=True
            )
        data = {"approved": action == Decision.APPROVE, "note": note}
        try:
            done = services.complete_work_item(item, data=data, actor=actor, decision=action)
        except TicketError as error:  # e.g. the flow ended while the request waits on them
            if action == Decision.RETURN:
                raise ActionInputError(NO_WAY_BACK) from error
            raise
        if action == Decision.RETURN and not services.waits_for_message(
            item.ticket, CORRECTED_MESSAGE
        ):
            raise ActionInputError(NO_WAY_BACK)  # rolls the whole action back
        return done


def _reject(item: WorkItem, *, note: str, actor: User) -> WorkItem:
    """The request is turned down: the task records the decision and the process stops."""
    item.status, item.decision = WorkItemStatus.COMPLETED, Decision.REJECT
    item.completed_by, item.completed_at = actor, timezone.now()
    item.save(update_fields=["status", "decision", "completed_by", "completed_at"])
    record_activity(
        item.ticket,
        "process.work_item_completed",
        actor=actor,
        old=item.title,
        data={
            "work_item": item.pk,
            "task": item.task_name,
            "decision": Decision.REJECT,
            "title": item.title,
            "instance": item.instance_id,
        },
    )
    ticket_services.reject_request(item.ticket, reason=note, actor=actor, by_process=True)
    return item


def refer_work_item(item: WorkItem, *, unit: OrgUnit, actor: User, note: str = "") -> WorkItem:
    """Send an open task to another unit's queue (a supervisor, or its holder)."""
    with transaction.atomic():
        item = lock_work_item(item.pk)
        if not item.is_open:
            raise WorkItemClosedError()
        if item.assignee_id != actor.pk and not can_assign(item, actor):
            raise ActionNotAllowedError()
        old = item.org_unit.name if item.org_unit else None
        item.org_unit, item.assignee = unit, None
        item.save(update_fields=["org_unit", "assignee"])
        record_activity(
            item.ticket,
            "process.work_item_referred",
            actor=actor,
            old=old,
            new=unit.name,
            data={"work_item": item.pk, "title": item.title, "unit": unit.pk, "note": note},
        )
        return item
