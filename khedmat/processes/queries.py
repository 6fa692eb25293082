"""Reads of processes: the staff inbox (tabs, keyset page), the request page's process panel and
the applicant's step list, one query per kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from khedmat.accounts.choices import Role
from khedmat.accounts.models import OrgUnit, Team, User
from khedmat.integrations.office.registry import office_provider_name
from khedmat.processes import engine
from khedmat.processes.actions import TASK_ACTIONS, TaskAction
from khedmat.processes.choices import (
    OPEN_CALL_STATUSES,
    ServiceCallStatus,
    ServiceKind,
    WorkItemStatus,
)
from khedmat.processes.models import ProcessInstance, ServiceCall, WorkItem
from khedmat.tickets.models import Ticket

#: Rows on an inbox page, as the API's `PAGE_LIMIT_DEFAULT` (the view passes it: view_page's own
#: default is 50).
PAGE_SIZE = 25

VIEW_MINE, VIEW_TEAM, VIEW_UNASSIGNED = "mine", "team", "unassigned"
INBOX_VIEWS = (VIEW_MINE, VIEW_TEAM, VIEW_UNASSIGNED)
SORT_NEWEST, SORT_DUE = "newest", "due"
INBOX_SORTS = (SORT_NEWEST, SORT_DUE)


#: Where units_below keeps its answer on the user object (one request's user).
_UNITS_BELOW = "_khedmat_units_below"


def units_below(user: User) -> frozenset[int]:
    """The user's unit and every unit below it (accounts.queries.unit_and_descendant_ids, which
    reads one level per query), in one recursive query, kept on the user object: a page that
    asks twice (the inbox's tabs, its bulk assignees) reads the tree once. Empty without a unit."""
    if user.org_unit_id is None:
        return frozenset()
    kept = user.__dict__.get(_UNITS_BELOW)
    if kept is not None and kept[0] == user.org_unit_id:
        return kept[1]  # type: ignore[no-any-return]
    table = connection.ops.quote_name(OrgUnit._meta.db_table)
    parent = connection.ops.quote_name(OrgUnit._meta.get_field("parent").column)
    with connection.cursor() as cursor:
        cursor.execute(
            # S608: the names come from the model, the unit id is a parameter
            f"WITH RECURSIVE tree(id) AS (SELECT id FROM {table} WHERE id = %s"  # noqa: S608
            f" UNION SELECT unit.id FROM {table} unit JOIN tree ON unit.{parent} = tree.id)"
            " SELECT id FROM tree",
            [user.org_unit_id],
        )
        ids = frozenset(int(row[0]) for row in cursor.fetchall())
    user.__dict__[_UNITS_BELOW] = (user.org_unit_id, ids)
    return ids


def _team_condition(user: User) -> Q | None:
    """Open items the user may take: their roles' (or teams') items in their unit and below."""
    if user.is_administrator:
        return Q()
    if user.org_unit_id is None:
        return None
    units = sorted(units_below(user))
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


#: The inbox's orders (keyset pages, see core.pagination): newest first, or soonest due with the
#: items that have no deadline last.
WORK_ITEM_ORDERS: dict[str, tuple[str, ...]] = {
    SORT_DUE: ("due_at", "id"),
    "newest": ("-created_at", "-id"),
}
NULLS_LAST = ("due_at",)


def work_item_order(sort: str) -> tuple[str, ...]:
    return WORK_ITEM_ORDERS.get(sort, WORK_ITEM_ORDERS["newest"])


def work_item_rows(items: QuerySet[WorkItem]) -> QuerySet[WorkItem]:
    """The items with their request, service, version and holder loaded (the API's rows)."""
    return items.select_related("ticket__service", "ticket__service_version", "assignee")


#: The columns the inbox page's rows read (processes/_inbox_tasks.html, the SLA badge's record
#: key, the keyset position): a service version is some seventy columns with JSON, and a request
#: carries its answers; loading only these keeps the page's cost in the rows it shows.
INBOX_ROW_FIELDS = (
    "id",
    "ticket_id",
    "title",
    "role",
    "assignee_id",
    "due_at",
    "created_at",
    "ticket__tracking_code",
    "ticket__service_version_id",
    "ticket__service_version__title_fa",
    "ticket__service_version__title_ar",
    "ticket__service_version__title_en",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


def inbox_rows(items: QuerySet[WorkItem]) -> QuerySet[WorkItem]:
    """The inbox page's items with what its rows show, and nothing else, loaded."""
    return items.select_related("ticket__service_version", "assignee").only(*INBOX_ROW_FIELDS)


# --- the process panel on the desk's request page ---------------------------------------------


@dataclass(frozen=True)
class PanelItem:
    """An open work item and what the staff member may do with it."""

    item: WorkItem
    role_label: str
    can_act: bool
    can_claim: bool
    can_release: bool
    can_refer: bool


@dataclass(frozen=True)
class PanelCall:
    """A service call and what staff may do with it: retry a failure, type in a letter."""

    call: ServiceCall
    can_retry: bool
    needs_letter: bool


@dataclass(frozen=True)
class ProcessPanel:
    """What the desk's request page shows of the request's process."""

    instance: ProcessInstance
    diagram_xml: str
    current_elements: list[str]
    items: list[PanelItem]
    calls: list[PanelCall]
    units: list[OrgUnit]
    actions: tuple[TaskAction, ...] = TASK_ACTIONS

    @property
    def is_active(self) -> bool:
        return self.instance.is_active


@dataclass(frozen=True)
class _Holder:
    """The facts about a staff member that decide what they may do with any work item."""

    user: User
    units: frozenset[int]  # their unit and every unit below it
    team_ids: frozenset[int]
    supervises: bool

    @classmethod
    def of(cls, user: User) -> _Holder:
        units = units_below(user)
        team_ids = Team.objects.filter(members=user).values_list("id", flat=True)
        supervises = user.has_role(Role.SUPERVISOR) or user.has_perm("processes.change_workitem")
        return cls(user, frozenset(units), frozenset(team_ids), supervises)

    def may_hold(self, item: WorkItem) -> bool:
        """assignment.is_eligible without a query per item."""
        if not self.user.is_active:
            return False
        if item.team_id is not None:
            held = item.team_id in self.team_ids
        else:
            held = item.role in self.user.group_names
        return held and (item.org_unit_id is None or item.org_unit_id in self.units)

    def may_assign(self, item: WorkItem) -> bool:
        """assignment.can_assign without a query per item."""
        if not self.user.is_active:
            return False
        if self.user.is_administrator:
            return True
        return self.supervises and item.org_unit_id is not None and item.org_unit_id in self.units

    def panel_item(self, item: WorkItem) -> PanelItem:
        holds = item.assignee_id is not None and item.assignee_id == self.user.pk
        assigns = self.may_assign(item)
        unassigned = item.assignee_id is None
        can_act = item.is_open and (holds or assigns or (unassigned and self.may_hold(item)))
        return PanelItem(
            item=item,
            role_label=str(ROLE_LABELS.get(item.role, item.role)),
            can_act=can_act and self.user.is_active,
            can_claim=unassigned and self.may_hold(item),
            can_release=not unassigned and (holds or assigns),
            can_refer=holds or assigns,
        )


ROLE_LABELS: dict[str, Any] = dict(Role.choices)


def _current_elements(instance: ProcessInstance) -> list[str]:
    if not instance.is_active:
        return []
    try:
        return engine.current_elements(engine.deserialize(instance.state))
    except Exception:  # noqa: BLE001  (a state the engine cannot read leaves the rest of the panel)
        return []


def process_panel(ticket: Ticket, user: User) -> ProcessPanel | None:
    """The request's latest process: diagram, open work items and service calls (fixed queries)."""
    instance = (
        ProcessInstance.objects.filter(ticket=ticket)
        .select_related("definition")
        .order_by("-created_at", "-id")
        .first()
    )
    if instance is None:
        return None
    open_items = list(
        WorkItem.objects.open()
        .filter(instance=instance)
        .select_related("team", "org_unit", "assignee")
        .order_by("created_at", "id")
    )
    holder = _Holder.of(user) if open_items else None
    items = [holder.panel_item(item) for item in open_items] if holder else []
    calls = [
        PanelCall(
            call=call,
            can_retry=call.status == ServiceCallStatus.FAILED,
            needs_letter=call.kind == ServiceKind.LETTER
            and call.status == ServiceCallStatus.WAITING
            and office_provider_name() != "rest",
        )
        for call in ServiceCall.objects.filter(instance=instance).order_by("created_at", "id")
    ]
    units = (
        list(OrgUnit.objects.filter(is_active=True).order_by("name", "id"))
        if any(entry.can_refer for entry in items)
        else []
    )
    xml = instance.definition.bpmn_xml
    return ProcessPanel(
        instance=instance,
        diagram_xml=xml if "BPMNDiagram" in xml else "",  # no layout: nothing to draw
        current_elements=_current_elements(instance),
        items=items,
        calls=calls,
        units=units,
    )


def request_work_item(user: User, code: str, pk: int) -> WorkItem | None:
    """A work item of the request `code`, if the staff member may see that request."""
    return (
        WorkItem.objects.select_related("ticket", "assignee")
        .filter(pk=pk, ticket__tracking_code=code)
        .filter(ticket__in=Ticket.objects.visible_to_staff(user).values("pk"))
        .first()
    )


def request_service_call(user: User, code: str, pk: int) -> ServiceCall | None:
    """A service call of the request `code`, if the staff member may see that request."""
    return (
        ServiceCall.objects.select_related("ticket")
        .filter(pk=pk, ticket__tracking_code=code)
        .filter(ticket__in=Ticket.objects.visible_to_staff(user).values("pk"))
        .first()
    )


# --- the applicant's step list on /track/ ---------------------------------------------------

STEP_DONE, STEP_CURRENT, STEP_UPCOMING, STEP_SKIPPED = "done", "current", "upcoming", "skipped"


@dataclass(frozen=True)
class ApplicantStep:
    """One step of the process as the applicant sees it: its title and where it stands."""

    title: str
    state: str  # done, current, upcoming, or skipped (the process ended without it)


def applicant_steps(ticket: Ticket) -> list[ApplicantStep]:
    """The request's process steps in flow order, each done, current or to come; [] without one.

    Three queries: the instance, its work items, its service calls. No names, no errors.
    """
    instance = (
        ProcessInstance.objects.filter(ticket=ticket)
        .select_related("definition")
        .order_by("-created_at", "-id")
        .first()
    )
    definition = instance.definition if instance is not None else None
    if instance is None or definition is None or definition.published_at is None:
        return []
    try:
        parsed = engine.cached_definition(
            definition.pk, definition.published_at.isoformat(), definition.bpmn_xml
        )
    except engine.EngineError:
        return []
    current: set[str] = set()
    done: set[str] = set()
    for name, status in WorkItem.objects.filter(instance=instance).values_list(
        "task_name", "status"
    ):
        if status == WorkItemStatus.OPEN:
            current.add(name)
        elif status == WorkItemStatus.COMPLETED:
            done.add(name)
    for name, status in ServiceCall.objects.filter(instance=instance).values_list(
        "task_name", "status"
    ):
        if status in OPEN_CALL_STATUSES or status == ServiceCallStatus.FAILED:
            current.add(name)
        elif status == ServiceCallStatus.DONE:
            done.add(name)
    if not instance.is_active:
        current = set()
    later = STEP_UPCOMING if instance.is_active else STEP_SKIPPED
    return [
        ApplicantStep(step.title, _step_state(step.element_id, current, done, later))
        for step in parsed.steps
    ]


def _step_state(element_id: str, current: set[str], done: set[str], later: str) -> str:
    if element_id in current:
        return STEP_CURRENT
    return STEP_DONE if element_id in done else later
