"""Reads for the change pages: the list, one change, the month's changes and freezes, and the
actions a person may take on a change now."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from khedmat.changes.choices import ChangeKind, ChangeStatus
from khedmat.changes.models import Change, ChangeVote, FreezeWindow

CHANGE_ORDER = ("-created_at", "-id")
CHANGE_RELATED = ("requested_by", "assignee", "team", "board", "template")

#: The verbs change enablement writes, with their timeline labels (registered in ready()).
ACTIVITY_LABELS: dict[str, Promise] = {
    "change.requested": _("Change requested"),
    "change.updated": _("Change edited"),
    "change.risk_assessed": _("Risk assessed"),
    "change.submitted": _("Submitted for approval"),
    "change.voted": _("Vote cast"),
    "change.authorised": _("Change authorised"),
    "change.rejected": _("Change rejected"),
    "change.withdrawn": _("Withdrawn to draft"),
    "change.scheduled": _("Change scheduled"),
    "change.unscheduled": _("Taken off the schedule"),
    "change.started": _("Implementation started"),
    "change.completed": _("Implementation completed"),
    "change.backed_out": _("Failed and backed out"),
    "change.review_started": _("Post-implementation review started"),
    "change.reviewed": _("Post-implementation review written"),
    "change.closed": _("Change closed"),
    "freeze_window.derived": _("Freeze window derived from the national calendar"),
    "freeze_window.rederived": _("Freeze window updated from the national calendar"),
}

#: Which status each action needs (the buttons follow the transition table).
_ACTION_STATUSES: dict[str, frozenset[str]] = {
    "edit": frozenset({ChangeStatus.DRAFT, ChangeStatus.ASSESSMENT}),
    "assess": frozenset({ChangeStatus.DRAFT, ChangeStatus.ASSESSMENT}),
    "submit": frozenset({ChangeStatus.DRAFT}),
    "withdraw": frozenset({ChangeStatus.ASSESSMENT}),
    "schedule": frozenset({ChangeStatus.AUTHORISED}),
    "unschedule": frozenset({ChangeStatus.SCHEDULED}),
    "start": frozenset({ChangeStatus.SCHEDULED}),
    "complete": frozenset({ChangeStatus.IMPLEMENTING}),
    "back_out": frozenset({ChangeStatus.IMPLEMENTING}),
    "review": frozenset({ChangeStatus.REVIEW, ChangeStatus.BACKED_OUT}),
}
#: The order actions are listed in.
ACTIONS = (
    "submit",
    "assess",
    "vote",
    "decide",
    "schedule",
    "unschedule",
    "start",
    "complete",
    "back_out",
    "review",
    "withdraw",
    "edit",
)


def change_rows(user: Any, *, status: str = "", kind: str = "", text: str = "") -> QuerySet[Change]:
    """The changes a staff member may see, filtered, with what list rows show (order them with
    CHANGE_ORDER through view_page)."""
    rows = Change.objects.visible_to_staff(user).select_related(*CHANGE_RELATED)
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    text = text.strip()
    if text:
        rows = rows.filter(Q(tracking_code=text) | Q(title__icontains=text))
    return rows


def desk_change(user: Any, code: str) -> Change | None:
    """The change with this code if the staff member may see it, with its CIs and votes."""
    return (
        Change.objects.visible_to_staff(user)
        .select_related(*CHANGE_RELATED)
        .prefetch_related("items__ci_type", "votes__voter")
        .filter(tracking_code=code)
        .first()
    )


def changes_in_month(start: dt.datetime, end: dt.datetime) -> QuerySet[Change]:
    """Changes whose planned window overlaps [start, end), earliest first, with their CIs."""
    return (
        Change.objects.planned_between(start, end)
        .select_related("team", "board")
        .prefetch_related("items")
        .order_by("planned_start", "id")
    )


def freezes_in(start: dt.datetime, end: dt.datetime) -> QuerySet[FreezeWindow]:
    """Active freeze windows overlapping [start, end), with the CIs they are limited to."""
    return (
        FreezeWindow.objects.filter(is_active=True, starts_at__lt=end, ends_at__gt=start)
        .prefetch_related("items")
        .order_by("starts_at", "id")
    )


def change_actions(change: Change, user: Any) -> list[str]:
    """The actions `user` may take on `change` now, in ACTIONS order (at most two queries)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_staff", False):
        return []
    may_change = bool(user.has_perm("changes.change_change"))
    allowed: set[str] = set()
    if may_change:
        allowed = {name for name, statuses in _ACTION_STATUSES.items() if change.status in statuses}
        if change.kind == ChangeKind.STANDARD:
            allowed.discard("assess")  # pre-approved: no risk questionnaire
    if change.status == ChangeStatus.ASSESSMENT:
        if user.has_perm("changes.decide_change"):
            allowed.add("decide")
        if change.board_id is not None and _may_vote(change, user):
            allowed.add("vote")
    return [name for name in ACTIONS if name in allowed]


def _may_vote(change: Change, user: Any) -> bool:
    member = change.board is not None and change.board.members.filter(pk=user.pk).exists()
    return member and not ChangeVote.objects.filter(change=change, voter=user).exists()
