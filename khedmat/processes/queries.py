"""Reads of work items for the staff inbox: the tabs, a keyset page, one query per kind."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from khedmat.accounts.models import Team, User
from khedmat.accounts.queries import unit_and_descendant_ids
from khedmat.processes.models import WorkItem
from khedmat.tickets.models import Ticket

PAGE_SIZE = 25

VIEW_MINE, VIEW_TEAM, VIEW_UNASSIGNED = "mine", "team", "unassigned"
INBOX_VIEWS = (VIEW_MINE, VIEW_TEAM, VIEW_UNASSIGNED)
SORT_NEWEST, SORT_DUE = "newest", "due"
INBOX_SORTS = (SORT_NEWEST, SORT_DUE)


def _team_condition(user: User) -> Q | None:
    """Open items the user may take: their roles' (or teams') items in their unit and below."""
    if user.is_administrator:
        return Q()
    if user.org_unit_id is None:
        return None
    units = unit_and_descendant_ids([user.org_unit_id])
    team_ids = Team.objects.filter(members=user, is_active=True).values("id")
    held = Q(team__isnull=True, role__in=sorted(user.roles)) | Q(team_id__in=team_ids)
    return held & Q(org_unit_id__in=units)


def inbox_items(user: User, view: str) -> QuerySet[WorkItem]:
    """The open work items of one inbox tab (`mine`, `team` or `unassigned`)."""
    items = WorkItem.objects.open()
    if view == VIEW_MINE:
        return items.filter(assignee=user)
    condition = _team_condition(user)
    if condition is None:
        return items.none()
    items = items.filter(condition)
    if view == VIEW_UNASSIGNED:
        items = items.filter(assignee__isnull=True)
    return items


def visible_work_item(user: User, pk: int) -> WorkItem | None:
    """A work item whose request the staff member may see, or None."""
    return (
        WorkItem.objects.select_related("ticket", "assignee")
        .filter(pk=pk, ticket__in=Ticket.objects.visible_to_staff(user).values("pk"))
        .first()
    )


@dataclass(frozen=True)
class WorkItemPage:
    """One page of the inbox and the id to pass as `after` for the next one."""

    items: list[WorkItem]
    next_after: int | None


def _after_condition(items: QuerySet[WorkItem], *, sort: str, after: int) -> Q | None:
    position = items.filter(pk=after).values("created_at", "due_at").first()
    if position is None:
        return None
    if sort == SORT_DUE:
        due = position["due_at"]
        if due is None:
            return Q(due_at__isnull=True, pk__gt=after)
        return Q(due_at__gt=due) | Q(due_at=due, pk__gt=after) | Q(due_at__isnull=True)
    created = position["created_at"]
    return Q(created_at__lt=created) | Q(created_at=created, pk__lt=after)


def work_item_page(
    items: QuerySet[WorkItem], *, sort: str, after: int | None, size: int = PAGE_SIZE
) -> WorkItemPage:
    """A keyset page: newest first on (created_at, id), or soonest due on (due_at, id)."""
    if after is not None:
        condition = _after_condition(items, sort=sort, after=after)
        if condition is not None:
            items = items.filter(condition)
    if sort == SORT_DUE:
        ordered = items.order_by(F("due_at").asc(nulls_last=True), "id")
    else:
        ordered = items.order_by("-created_at", "-id")
    rows = list(
        ordered.select_related("ticket__service", "ticket__service_version", "assignee")[: size + 1]
    )
    next_after = rows[size - 1].pk if len(rows) > size else None
    return WorkItemPage(items=rows[:size], next_after=next_after)
