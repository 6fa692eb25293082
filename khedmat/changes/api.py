"""Changes under /api/v1/changes/ for staff.

- `GET /`: a keyset page of changes (`?status=&kind=&risk=&q=`), newest first; pass `next` as
  `after`. `GET /{code}/`: one change with its CIs and votes.
- `POST /`: request a change (a draft; with `risk_answers` its risk is assessed too).
- `PATCH /{code}/`: edit (a draft's fields; during assessment its plans and window).
- `POST /{code}/<action>/`: submit, vote, decide, schedule, start, complete, back_out, review,
  withdraw, unschedule.
- `GET /calendar/?start=&end=`: the changes planned in a period with their conflicts, and the
  freeze windows over it.

Reads need `changes.view_change`, requesting `changes.add_change`, actions
`changes.change_change` (deciding `changes.decide_change`; a vote only board membership, which
the use case checks). An unknown code answers 404. The use cases' refusals are answered by the
API's handler as `{"detail": …}` with their status.

No `from __future__ import annotations`: django-ninja reads a paginated operation's parameters in
the namespace of its wrapper, where a name in a string is unknown.
"""

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from khedmat.accounts.models import Team, User
from khedmat.changes import queries, services
from khedmat.changes.choices import ChangeKind
from khedmat.changes.conflicts import conflicts_between
from khedmat.changes.models import Change, ChangeTemplate
from khedmat.cmdb.models import ConfigurationItem
from khedmat.core.pagination import KeysetPagination

router = Router(tags=["changes"])


class ErrorOut(Schema):
    detail: str


class VoteOut(Schema):
    voter: str
    vote: str
    note: str
    created_at: dt.datetime


class ChangeOut(Schema):
    code: str = Field(..., alias="tracking_code")
    title: str
    kind: str
    status: str
    risk_score: int
    risk_level: str
    planned_start: dt.datetime | None
    planned_end: dt.datetime | None
    requested_by: str
    board: str | None
    created_at: dt.datetime

    @staticmethod
    def resolve_requested_by(change: Change) -> str:
        return change.requested_by.username

    @staticmethod
    def resolve_board(change: Change) -> str | None:
        return change.board.code if change.board else None


class ChangeDetailOut(ChangeOut):
    description: str
    reason: str
    implementation_plan: str
    backout_plan: str
    test_plan: str
    decision_note: str
    items: list[str]
    votes: list[VoteOut]

    @staticmethod
    def resolve_items(change: Change) -> list[str]:
        return [item.code for item in change.items.all()]

    @staticmethod
    def resolve_votes(change: Change) -> list[dict[str, Any]]:
        return [
            {"voter": v.voter.username, "vote": v.vote, "note": v.note, "created_at": v.created_at}
            for v in change.votes.all()
        ]


class ChangeFilters(Schema):
    status: str = ""
    kind: str = ""
    risk: str = ""
    q: str = ""


class ChangeIn(Schema):
    title: str = Field(..., min_length=1, max_length=300)
    kind: str
    description: str = ""
    reason: str = ""
    items: list[str] = Field(default_factory=list, description="Codes of the CIs affected.")
    template: str | None = Field(None, description="Code of the standard-change template.")
    team: str | None = Field(None, description="Code of the team.")
    implementation_plan: str = ""
    backout_plan: str = ""
    test_plan: str = ""
    planned_start: dt.datetime | None = None
    planned_end: dt.datetime | None = None
    risk_answers: dict[str, str] | None = None


class VoteIn(Schema):
    vote: str
    note: str = ""


class DecideIn(Schema):
    approve: bool
    note: str


class ScheduleIn(Schema):
    planned_start: dt.datetime | None = None
    planned_end: dt.datetime | None = None


class NoteIn(Schema):
    note: str


class ReviewIn(Schema):
    outcome: str
    note: str


class Pages(KeysetPagination):
    """Changes a page at a time (25 by default, at most 100)."""


def _caller(request: HttpRequest, *permissions: str) -> User:
    user = request.user
    assert isinstance(user, User)  # django_auth let a signed-in user through
    if not all(user.has_perm(f"changes.{name}") for name in permissions):
        raise HttpError(403, "Forbidden")
    return user


def _change_for(user: User, code: str) -> Change:
    change = queries.desk_change(user, code.strip())
    if change is None:
        raise HttpError(404, gettext("There is no such change."))
    return change


def _one_of(model: Any, code: str | None, message: str) -> Any:
    if not code:
        return None
    found = model.objects.filter(code=code.strip()).first()
    if found is None:
        raise HttpError(422, message)
    return found


@router.get("/", response={200: list[ChangeOut], 403: ErrorOut}, summary="Changes")
@paginate(Pages, order=queries.CHANGE_ORDER)
def list_changes(request: HttpRequest, filters: Query[ChangeFilters]) -> QuerySet[Change]:
    """The changes, optionally of one status, kind and risk, or matching words or a code."""
    user = _caller(request, "view_change")
    rows = queries.change_rows(user, status=filters.status, kind=filters.kind, text=filters.q)
    return rows.filter(risk_level=filters.risk) if filters.risk else rows


class FreezeOut(Schema):
    id: int
    name: str = Field(..., alias="name_en")
    name_fa: str
    name_ar: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    origin: str
    jalali_year: int | None
    items: list[str] = Field(description="Codes of the CIs it is limited to (none: everything).")

    @staticmethod
    def resolve_items(row: Any) -> list[str]:
        return [item.code for item in row.items.all()]


class PlannedOut(Schema):
    code: str
    title: str
    kind: str
    status: str
    planned_start: dt.datetime | None
    planned_end: dt.datetime | None
    items: list[str]
    conflicts_with: list[str] = Field(description="Codes of the changes it conflicts with.")


class CalendarOut(Schema):
    start: dt.datetime
    end: dt.datetime
    changes: list[PlannedOut]
    freezes: list[FreezeOut]


def _span(start: dt.datetime, end: dt.datetime) -> None:
    if end <= start or end - start > dt.timedelta(days=370):
        raise HttpError(422, gettext("Give an end after the start, at most a year later."))


@router.get(
    "/calendar/",
    response={200: CalendarOut, 403: ErrorOut, 422: ErrorOut},
    summary="Planned changes, conflicts and freezes in a period",
)
def calendar(request: HttpRequest, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """The changes planned in [start, end) with the codes of those they conflict with (the same
    CI or a dependent one in overlapping windows), and the freeze windows over the period."""
    _caller(request, "view_change")
    _span(start, end)
    changes = list(queries.changes_in_month(start, end))
    found = conflicts_between(changes)
    return {
        "start": start,
        "end": end,
        "changes": [
            {
                "code": change.tracking_code,
                "title": change.title,
                "kind": change.kind,
                "status": change.status,
                "planned_start": change.planned_start,
                "planned_end": change.planned_end,
                "items": [item.code for item in change.items.all()],
                "conflicts_with": sorted({c.other.tracking_code for c in found.get(change.pk, [])}),
            }
            for change in changes
        ],
        "freezes": list(queries.freezes_in(start, end)),
    }


@router.get(
    "/{code}/", response={200: ChangeDetailOut, 403: ErrorOut, 404: ErrorOut}, summary="A change"
)
def read_change(request: HttpRequest, code: str) -> Change:
    """One change with its CIs and the board's votes."""
    return _change_for(_caller(request, "view_change"), code)


@router.post(
    "/",
    response={201: ChangeDetailOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Request a change",
)
def create_change(request: HttpRequest, payload: ChangeIn) -> Status[Change]:
    """Record a draft; with `risk_answers` (not for a standard change) its risk is assessed."""
    user = _caller(request, "add_change")
    codes = sorted({code.strip() for code in payload.items})
    items = list(ConfigurationItem.objects.filter(code__in=codes))
    if len(items) != len(codes):
        raise HttpError(422, gettext("There is no configuration item with one of these codes."))
    template = _one_of(ChangeTemplate, payload.template, gettext("There is no such template."))
    team = _one_of(Team, payload.team, gettext("There is no team with this code."))
    with transaction.atomic():
        change = services.request_change(
            title=payload.title,
            kind=payload.kind,
            actor=user,
            description=payload.description,
            reason=payload.reason,
            items=items,
            template=template,
            team=team,
            implementation_plan=payload.implementation_plan,
            backout_plan=payload.backout_plan,
            test_plan=payload.test_plan,
            planned_start=payload.planned_start,
            planned_end=payload.planned_end,
        )
        if payload.risk_answers and change.kind != ChangeKind.STANDARD:
            services.assess_risk(change, payload.risk_answers, actor=user)
    return Status(201, _change_for(user, change.tracking_code))


ACTION_RESPONSES: dict[int, Any] = {
    200: ChangeDetailOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def _done(user: User, change: Change) -> Change:
    return _change_for(user, change.tracking_code)


@router.post("/{code}/submit/", response=ACTION_RESPONSES, summary="Submit for approval")
def submit(request: HttpRequest, code: str) -> Change:
    user = _caller(request, "view_change", "change_change")
    return _done(user, services.submit_change(_change_for(user, code), actor=user))


@router.post("/{code}/vote/", response=ACTION_RESPONSES, summary="Vote (board members)")
def vote(request: HttpRequest, code: str, payload: VoteIn) -> Change:
    user = _caller(request, "view_change")
    change = _change_for(user, code)
    return _done(
        user, services.vote_on_change(change, voter=user, vote=payload.vote, note=payload.note)
    )


@router.post("/{code}/decide/", response=ACTION_RESPONSES, summary="Authorise or reject")
def decide(request: HttpRequest, code: str, payload: DecideIn) -> Change:
    user = _caller(request, "view_change", "decide_change")
    change = _change_for(user, code)
    return _done(
        user,
        services.decide_change(change, actor=user, approve=payload.approve, note=payload.note),
    )


@router.post("/{code}/schedule/", response=ACTION_RESPONSES, summary="Schedule")
def schedule(request: HttpRequest, code: str, payload: ScheduleIn) -> Change:
    user = _caller(request, "view_change", "change_change")
    change = _change_for(user, code)
    return _done(
        user,
        services.schedule_change(
            change,
            actor=user,
            planned_start=payload.planned_start,
            planned_end=payload.planned_end,
        ),
    )


@router.post("/{code}/start/", response=ACTION_RESPONSES, summary="Start implementation")
def start(request: HttpRequest, code: str) -> Change:
    user = _caller(request, "view_change", "change_change")
    return _done(user, services.start_change(_change_for(user, code), actor=user))


@router.post("/{code}/complete/", response=ACTION_RESPONSES, summary="Implementation completed")
def complete(request: HttpRequest, code: str) -> Change:
    user = _caller(request, "view_change", "change_change")
    return _done(user, services.complete_change(_change_for(user, code), actor=user))


@router.post("/{code}/back_out/", response=ACTION_RESPONSES, summary="Failed: back out")
def back_out(request: HttpRequest, code: str, payload: NoteIn) -> Change:
    user = _caller(request, "view_change", "change_change")
    change = _change_for(user, code)
    return _done(user, services.back_out_change(change, actor=user, note=payload.note))


@router.post("/{code}/review/", response=ACTION_RESPONSES, summary="Post-implementation review")
def review(request: HttpRequest, code: str, payload: ReviewIn) -> Change:
    user = _caller(request, "view_change", "change_change")
    change = _change_for(user, code)
    return _done(
        user,
        services.review_change(change, actor=user, outcome=payload.outcome, note=payload.note),
    )


class ChangePatch(Schema):
    """Fields to change: any of a draft's; during assessment only the plans and the window."""

    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = None
    reason: str | None = None
    items: list[str] | None = Field(None, description="Codes of the CIs affected (all of them).")
    team: str | None = Field(None, description="Code of the team.")
    implementation_plan: str | None = None
    backout_plan: str | None = None
    test_plan: str | None = None
    planned_start: dt.datetime | None = None
    planned_end: dt.datetime | None = None


@router.patch("/{code}/", response=ACTION_RESPONSES, summary="Edit a change")
def edit(request: HttpRequest, code: str, payload: ChangePatch) -> Change:
    """Only the fields sent change; a field the status does not let change is refused (409)."""
    user = _caller(request, "view_change", "change_change")
    change = _change_for(user, code)
    fields: dict[str, Any] = payload.dict(exclude_unset=True)
    if "items" in fields:
        codes = sorted({item.strip() for item in fields["items"] or []})
        items = list(ConfigurationItem.objects.filter(code__in=codes))
        if len(items) != len(codes):
            raise HttpError(422, gettext("There is no configuration item with one of these codes."))
        fields["items"] = items
    if "team" in fields:
        fields["team"] = _one_of(Team, fields["team"], gettext("There is no team with this code."))
    return _done(user, services.update_change(change, actor=user, **fields))


@router.post("/{code}/withdraw/", response=ACTION_RESPONSES, summary="Withdraw to draft")
def withdraw(request: HttpRequest, code: str, payload: NoteIn) -> Change:
    user = _caller(request, "view_change", "change_change")
    change = _change_for(user, code)
    return _done(user, services.withdraw_change(change, actor=user, note=payload.note))


@router.post("/{code}/unschedule/", response=ACTION_RESPONSES, summary="Take off the schedule")
def unschedule(request: HttpRequest, code: str, payload: NoteIn) -> Change:
    user = _caller(request, "view_change", "change_change")
    change = _change_for(user, code)
    return _done(user, services.unschedule_change(change, actor=user, note=payload.note))
