"""Work items under /api/v1/work-items/: the staff inbox and what staff do with an open task.

- `GET /?queue=mine|team|unassigned`: a keyset page of open tasks (the inbox's queries), newest
  first or soonest due; pass `next` as `after`. A constant number of queries per page.
- `GET /{item_id}/`: one task of a request the caller may see; 404 otherwise, as for a missing id.
- `POST /{item_id}/claim/`, `release/`, `assign/`, `refer/`, `act/`: the services of
  `assignment.py` and `actions.py`, which decide who may do what.

Every endpoint needs `processes.view_workitem` (403 without it). Errors are JSON
`{"detail": message}` in the request's language: 403 when the caller may not do it, 409 when the
task or its request is not in a state that allows it, 422 for input that does not fit.

No `from __future__ import annotations` here: django-ninja reads the parameters of a paginated
operation in the namespace of ninja.pagination's wrapper, where a name in a string is unknown.
"""

import datetime as dt
from typing import Any, Literal, get_args

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from khedmat.accounts.choices import Role
from khedmat.accounts.models import OrgUnit, User
from khedmat.core.pagination import KeysetPagination
from khedmat.core.translated import translated_text
from khedmat.processes import assignment
from khedmat.processes.actions import (
    TASK_ACTIONS,
    ActionInputError,
    act_on_work_item,
    can_act,
    refer_work_item,
)
from khedmat.processes.assignment import can_assign
from khedmat.processes.errors import ActionNotAllowedError, ProcessError
from khedmat.processes.models import WorkItem
from khedmat.processes.queries import (
    INBOX_SORTS,
    INBOX_VIEWS,
    NULLS_LAST,
    inbox_items,
    visible_work_item,
    work_item_order,
    work_item_rows,
)
from khedmat.sla.api import SlaStateOut
from khedmat.sla.queries import SlaState, record_key, sla_state_for
from khedmat.tickets.choices import Status as TicketStatus
from khedmat.tickets.errors import NotAllowedError, TicketError
from khedmat.tickets.models import Ticket

router = Router(tags=["work-items"])

PAGE_LIMIT_DEFAULT = 25
PAGE_LIMIT_MAX = 100
ROLE_LABELS: dict[str, object] = dict(Role.choices)
ACTION_NAMES = [str(action.name) for action in TASK_ACTIONS]
#: Refusals that say the caller may not do this (403); other domain errors are conflicts (409).
PERMISSION_ERRORS: tuple[type[Exception], ...] = (
    assignment.WorkItemPermissionError,
    ActionNotAllowedError,
    NotAllowedError,
)

Queue = Literal["mine", "team", "unassigned"]
Sort = Literal["newest", "due"]
Action = Literal["approve", "return", "reject", "done"]
# The schemas list the same choices as the inbox and the actions (a rename fails at import).
assert set(get_args(Queue)) == set(INBOX_VIEWS) and set(get_args(Sort)) == set(INBOX_SORTS)
assert set(get_args(Action)) == set(ACTION_NAMES)


# --- schemas ----------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class InvalidOut(Schema):
    """Input that does not fit: `errors` by field, or django-ninja's list for a shapeless body."""

    detail: str
    errors: dict[str, list[str]] | list[dict[str, Any]]


class RequestRefOut(Schema):
    tracking_code: str
    status: str
    status_label: str
    stage: str


class ServiceRefOut(Schema):
    code: str
    title: str


class UnitRefOut(Schema):
    code: str
    name: str


class TeamRefOut(Schema):
    code: str
    name: str


class PersonOut(Schema):
    id: int
    username: str
    full_name: str


class WorkItemOut(Schema):
    id: int
    title: str
    task_name: str
    status: str
    decision: str
    request: RequestRefOut
    service: ServiceRefOut
    role: str
    role_label: str
    team: TeamRefOut | None
    unit: UnitRefOut | None
    assignee: PersonOut | None
    due_at: dt.datetime | None
    created_at: dt.datetime
    completed_at: dt.datetime | None
    sla: SlaStateOut | None
    actions: list[str] = Field(
        description="The decisions the caller may take now (approve, return, reject, done)."
    )
    may_assign: bool = Field(description="Whether the caller may assign, release or refer it.")


class ListQuery(Schema):
    queue: Queue = Field("mine", description="mine, team or unassigned")
    sort: Sort = Field("newest", description="newest first, or due (soonest due first)")


class InboxPageQuery(KeysetPagination.Input):
    limit: int = Field(PAGE_LIMIT_DEFAULT, ge=1, le=PAGE_LIMIT_MAX, description="Rows per page.")


class AssignIn(Schema):
    assignee: int | str = Field(description="The person's id (a number) or username (a string).")


class ReferIn(Schema):
    unit: str = Field(description="The code of the unit whose queue takes the task.")
    note: str = ""


class ActIn(Schema):
    action: Action
    note: str = Field("", description="Required to return or reject: what the applicant reads.")
    fields: list[str] = Field(
        default_factory=list,
        description='To return: the form field keys and "doc-<id>" documents to correct.',
    )


# --- shaping ----------------------------------------------------------------------------------


class _Rights:
    """What the caller may do with each item, asking the services' predicates once per kind of
    item (its state, holder, unit, team and role), so a page costs the same whatever its size."""

    def __init__(self, user: User) -> None:
        self.user = user
        self._act: dict[tuple[Any, ...], bool] = {}
        self._assign: dict[int | None, bool] = {}

    def actions(self, item: WorkItem) -> list[str]:
        holder = item.assignee_id
        key = (
            item.status,
            holder == self.user.pk,
            holder is None,
            item.org_unit_id,
            item.team_id,
            item.role,
        )
        if key not in self._act:
            self._act[key] = can_act(item, self.user)
        return list(ACTION_NAMES) if self._act[key] else []

    def may_assign(self, item: WorkItem) -> bool:
        if item.org_unit_id not in self._assign:
            self._assign[item.org_unit_id] = can_assign(item, self.user)
        return item.is_open and self._assign[item.org_unit_id]


def _person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "full_name": user.get_full_name()}


def _ref(row: Any) -> dict[str, str] | None:
    return None if row is None else {"code": row.code, "name": row.name}


def _request(ticket: Ticket) -> dict[str, str]:
    return {
        "tracking_code": ticket.tracking_code,
        "status": ticket.status,
        "status_label": str(TicketStatus(ticket.status).label),
        "stage": ticket.stage,
    }


def _item_out(item: WorkItem, rights: _Rights, state: SlaState | None) -> dict[str, Any]:
    ticket = item.ticket
    return {
        "id": item.pk,
        "title": item.title,
        "task_name": item.task_name,
        "status": item.status,
        "decision": item.decision,
        "request": _request(ticket),
        "service": {
            "code": ticket.service.code,
            "title": translated_text(ticket.service_version, "title"),
        },
        "role": item.role,
        "role_label": str(ROLE_LABELS.get(item.role, item.role)),
        "team": _ref(item.team),
        "unit": _ref(item.org_unit),
        "assignee": _person(item.assignee),
        "due_at": item.due_at,
        "created_at": item.created_at,
        "completed_at": item.completed_at,
        "sla": SlaStateOut.of(state),
        "actions": rights.actions(item),
        "may_assign": rights.may_assign(item),
    }


def _items_out(items: list[WorkItem], user: User) -> list[dict[str, Any]]:
    """The items as the caller sees them: their requests' SLA states read once for all."""
    states = sla_state_for([item.ticket for item in items])
    rights = _Rights(user)
    return [_item_out(item, rights, states.get(record_key(item.ticket))) for item in items]


def _one_out(item: WorkItem, user: User) -> dict[str, Any]:
    return _items_out([item], user)[0]


def _changed_out(item: WorkItem, user: User) -> dict[str, Any]:
    """The item as a service left it, read again: the service may have moved its request."""
    return _one_out(visible_work_item(user, item.pk) or item, user)


# --- checks and errors ------------------------------------------------------------------------


def _staff(request: HttpRequest) -> User:
    """The caller, who must hold `processes.view_workitem` (403 "Forbidden", translated)."""
    user = request.user
    assert isinstance(user, User)  # django_auth let a signed-in user through
    if not user.has_perm("processes.view_workitem"):
        raise HttpError(403, "Forbidden")
    return user


def _error(status: int, message: object) -> Status[Any]:
    return Status(status, {"detail": str(message)})


def _invalid(field: str, message: object) -> Status[Any]:
    return Status(422, {"detail": str(message), "errors": {field: [str(message)]}})


def _refusal(error: ProcessError | TicketError) -> Status[Any]:
    """A domain refusal: 403 when the caller may not, 422 for missing input, else 409."""
    if isinstance(error, ActionInputError):
        return _invalid("__all__", error.message)
    return _error(403 if isinstance(error, PERMISSION_ERRORS) else 409, error.message)


def _not_found() -> Status[Any]:
    return _error(404, gettext("There is no such task for you."))


ITEM_RESPONSES: dict[int, Any] = {200: WorkItemOut, 403: ErrorOut, 404: ErrorOut, 422: InvalidOut}
CHANGE_RESPONSES: dict[int, Any] = {**ITEM_RESPONSES, 409: ErrorOut}


# --- endpoints --------------------------------------------------------------------------------


class InboxPages(KeysetPagination):
    """The inbox a page at a time (core.pagination; 25 tasks by default, at most 100) in the
    order `sort` names, each task shaped for the caller (`_items_out`)."""

    Input = InboxPageQuery

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        query: ListQuery = params["params"]  # the operation's own parameters
        pages = KeysetPagination(order=work_item_order(query.sort), nulls_last=NULLS_LAST)
        page = pages.paginate_queryset(queryset, pagination, request)
        page["items"] = _items_out(page["items"], _staff(request))
        return page


@router.get(
    "/",
    response={200: list[WorkItemOut], 403: ErrorOut, 422: InvalidOut},
    summary="My open tasks",
    url_name="workitem_list",
)
@paginate(InboxPages)
def list_work_items(request: HttpRequest, params: Query[ListQuery]) -> QuerySet[WorkItem]:
    """Open tasks of one queue: `mine` (held by the caller), `team` (of the caller's roles or
    teams in their unit and below) or `unassigned` (the team's that nobody holds), of requests
    the caller may see; `limit` at a time, newest first or soonest due; pass `next` as `after`.
    A constant number of queries per page."""
    user = _staff(request)
    visible = Ticket.objects.visible_to_staff(user).values("pk")
    items = inbox_items(user, params.queue).filter(ticket__in=visible)
    return work_item_rows(items).select_related("team", "org_unit")


@router.get("/{item_id}/", response=ITEM_RESPONSES, summary="One task", url_name="workitem_detail")
def get_work_item(request: HttpRequest, item_id: int) -> Status[Any]:
    """A task (open or done) of a request the caller may see, with what the caller may do with
    it. 404 for a task of a request they may not see, as for an unknown id."""
    user = _staff(request)
    item = visible_work_item(user, item_id)
    if item is None:
        return _not_found()
    return Status(200, _one_out(item, user))


@router.post(
    "/{item_id}/claim/",
    response=CHANGE_RESPONSES,
    summary="Claim a task",
    url_name="workitem_claim",
)
def claim_work_item(request: HttpRequest, item_id: int) -> Status[Any]:
    """Take an unassigned open task for oneself: the caller must hold its role or team (403
    otherwise); 409 when someone else holds it or it is closed."""
    user = _staff(request)
    item = visible_work_item(user, item_id)
    if item is None:
        return _not_found()
    try:
        item = assignment.claim_work_item(item, actor=user)
    except assignment.NotEligibleError as error:
        return _error(403, error.message)
    except ProcessError as error:
        return _refusal(error)
    return Status(200, _changed_out(item, user))


@router.post(
    "/{item_id}/release/",
    response=CHANGE_RESPONSES,
    summary="Release a task to its queue",
    url_name="workitem_release",
)
def release_work_item(request: HttpRequest, item_id: int) -> Status[Any]:
    """Give an open task back to its queue: its holder, or someone who may assign it (403
    otherwise); 409 when it is closed."""
    user = _staff(request)
    item = visible_work_item(user, item_id)
    if item is None:
        return _not_found()
    try:
        item = assignment.release_work_item(item, actor=user)
    except ProcessError as error:
        return _refusal(error)
    return Status(200, _changed_out(item, user))


def _person_by(value: int | str) -> User | None:
    people = User.objects.filter(is_active=True)
    if isinstance(value, int):
        return people.filter(pk=value).first()
    return people.filter(username=value.strip()).first()


@router.post(
    "/{item_id}/assign/",
    response=CHANGE_RESPONSES,
    summary="Assign a task to a person",
    url_name="workitem_assign",
)
def assign_work_item(request: HttpRequest, item_id: int, body: AssignIn) -> Status[Any]:
    """A supervisor of the task's unit (or a unit above) gives it to a person who may hold it:
    403 for anyone else; 422 for an unknown person or one without the task's role or team."""
    user = _staff(request)
    item = visible_work_item(user, item_id)
    if item is None:
        return _not_found()
    if not can_assign(item, user):
        return _refusal(assignment.WorkItemPermissionError())
    assignee = _person_by(body.assignee)
    if assignee is None:
        return _invalid("assignee", gettext("There is no active person with this id or username."))
    try:
        item = assignment.assign_work_item(item, assignee=assignee, actor=user)
    except assignment.NotEligibleError as error:
        return _invalid("assignee", error.message)
    except ProcessError as error:
        return _refusal(error)
    return Status(200, _changed_out(item, user))


@router.post(
    "/{item_id}/refer/",
    response=CHANGE_RESPONSES,
    summary="Refer a task to another unit",
    url_name="workitem_refer",
)
def refer_work_item_to_unit(request: HttpRequest, item_id: int, body: ReferIn) -> Status[Any]:
    """Send an open task to another unit's queue, nobody holding it: its holder or a
    supervisor (403 otherwise); 422 for an unknown unit; 409 when the task is closed."""
    user = _staff(request)
    item = visible_work_item(user, item_id)
    if item is None:
        return _not_found()
    unit = OrgUnit.objects.filter(code=body.unit.strip(), is_active=True).first()
    if unit is None:
        return _invalid("unit", gettext("There is no active unit with this code."))
    try:
        item = refer_work_item(item, unit=unit, actor=user, note=body.note.strip())
    except ProcessError as error:
        return _refusal(error)
    return Status(200, _changed_out(item, user))


@router.post(
    "/{item_id}/act/",
    response=CHANGE_RESPONSES,
    summary="Decide a task: approve, return, reject or done",
    url_name="workitem_act",
)
def act_on_task(request: HttpRequest, item_id: int, body: ActIn) -> Status[Any]:
    """Complete an open task with a decision and move the request and its process on. `return`
    needs a `note` and the `fields` to correct (the request waits on the applicant); `reject`
    needs a `note` (the request is closed as rejected). 403 when the caller may not act on it,
    409 when the task or the request cannot move this way, 422 when the input is missing."""
    user = _staff(request)
    item = visible_work_item(user, item_id)
    if item is None:
        return _not_found()
    try:
        item = act_on_work_item(item, body.action, actor=user, note=body.note, fields=body.fields)
    except (ProcessError, TicketError) as error:
        return _refusal(error)
    return Status(200, _changed_out(item, user))
