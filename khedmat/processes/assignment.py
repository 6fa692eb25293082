"""Who holds a work item: claim it, assign it to an eligible person, release it."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.choices import Role
from khedmat.accounts.models import OrgUnit, User
from khedmat.accounts.queries import unit_and_descendant_ids
from khedmat.core.services import record_activity
from khedmat.processes.errors import ProcessError, WorkItemClosedError
from khedmat.processes.locks import lock_work_item
from khedmat.processes.models import WorkItem


class WorkItemPermissionError(ProcessError):
    default_message = _("You may not change who holds this task.")


class NotEligibleError(ProcessError):
    default_message = _("This person does not hold the role this task needs.")


class AlreadyAssignedError(ProcessError):
    default_message = _("Someone else already holds this task; ask a supervisor to reassign it.")


def unit_and_ancestor_ids(unit_id: int) -> set[int]:
    """The unit and every unit above it (one query per level)."""
    found: set[int] = set()
    current: int | None = unit_id
    while current is not None and current not in found:
        found.add(current)
        current = OrgUnit.objects.filter(pk=current).values_list("parent_id", flat=True).first()
    return found


def eligible_users(item: WorkItem) -> QuerySet[User]:
    """Active people who may hold the item: its team's members, or holders of its role in its unit
    or a unit above it."""
    users = User.objects.filter(is_active=True)
    if item.team_id is not None:
        users = users.filter(teams=item.team_id)
    else:
        users = users.filter(groups__name=item.role)
    if item.org_unit_id is not None:
        users = users.filter(org_unit_id__in=unit_and_ancestor_ids(item.org_unit_id))
    return users.distinct().order_by("first_name", "last_name", "username")


def is_eligible(item: WorkItem, user: User) -> bool:
    """Whether `user` may hold the item (see `eligible_users`)."""
    return eligible_users(item).filter(pk=user.pk).exists()


def can_assign(item: WorkItem, user: User) -> bool:
    """Supervisors (or holders of `processes.change_workitem`) of the item's unit or a unit above."""
    if not user.is_active:
        return False
    if user.is_administrator:
        return True
    if not (user.has_role(Role.SUPERVISOR) or user.has_perm("processes.change_workitem")):
        return False
    if user.org_unit_id is None or item.org_unit_id is None:
        return False
    return item.org_unit_id in unit_and_descendant_ids([user.org_unit_id])


def _locked(item: WorkItem) -> WorkItem:
    locked = lock_work_item(item.pk)
    if not locked.is_open:
        raise WorkItemClosedError()
    return locked


def _set_assignee(item: WorkItem, assignee: User | None, *, verb: str, actor: User) -> WorkItem:
    old = item.assignee.username if item.assignee else None
    item.assignee = assignee
    item.save(update_fields=["assignee"])
    record_activity(
        item.ticket,
        verb,
        actor=actor,
        old=old,
        new=assignee.username if assignee else None,
        data={"work_item": item.pk, "task": item.task_name, "title": item.title},
    )
    return item


def claim_work_item(item: WorkItem, *, actor: User) -> WorkItem:
    """Take an unassigned open task for oneself; the actor must be able to hold it."""
    with transaction.atomic():
        item = _locked(item)
        if item.assignee_id == actor.pk:
            return item
        if item.assignee_id is not None:
            raise AlreadyAssignedError()
        if not is_eligible(item, actor):
            raise NotEligibleError(_("You do not hold the role this task needs."))
        return _set_assignee(item, actor, verb="process.work_item_claimed", actor=actor)


def assign_work_item(item: WorkItem, *, assignee: User, actor: User) -> WorkItem:
    """A supervisor gives an open task to a person who holds its role."""
    with transaction.atomic():
        item = _locked(item)
        if not can_assign(item, actor):
            raise WorkItemPermissionError()
        if not is_eligible(item, assignee):
            raise NotEligibleError()
        if item.assignee_id == assignee.pk:
            return item
        return _set_assignee(item, assignee, verb="process.work_item_assigned", actor=actor)


def release_work_item(item: WorkItem, *, actor: User) -> WorkItem:
    """Give an open task back to its queue: its holder, or someone who may assign it."""
    with transaction.atomic():
        item = _locked(item)
        if item.assignee_id is None:
            return item
        if item.assignee_id != actor.pk and not can_assign(item, actor):
            raise WorkItemPermissionError()
        return _set_assignee(item, None, verb="process.work_item_released", actor=actor)
