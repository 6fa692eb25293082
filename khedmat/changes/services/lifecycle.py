"""After authorisation: schedule, implement, back out, review and close."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khedmat.changes.choices import (
    ChangeStatus,
    ReviewOutcome,
)
from khedmat.changes.errors import (
    ReviewOutcomeError,
    TransitionError,
    WindowInPastError,
    WindowMissingError,
)
from khedmat.changes.models import Change
from khedmat.changes.services.common import (
    actor_user,
    check_freezes,
    check_window,
    locked,
    move,
    require_note,
    simple_move,
)
from khedmat.core.actors import Actor
from khedmat.core.services import record_activity


def schedule_change(
    change: Change,
    *,
    actor: Actor,
    planned_start: dt.datetime | None = None,
    planned_end: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Change:
    """Put an authorised change on the calendar (its window, or a new one): not in the past, and
    not in a freeze unless it is an emergency. Conflicts with other changes are flagged, not
    refused (see `conflicts.conflicts_for`)."""
    now = now or timezone.now()
    with transaction.atomic():
        change = locked(change)
        if change.status != ChangeStatus.AUTHORISED:
            raise TransitionError()
        change.planned_start = planned_start or change.planned_start
        change.planned_end = planned_end or change.planned_end
        if change.planned_start is None or change.planned_end is None:
            raise WindowMissingError()
        check_window(change.planned_start, change.planned_end)
        if change.planned_start < now:
            raise WindowInPastError()
        check_freezes(change)
        move(
            change,
            ChangeStatus.SCHEDULED,
            actor=actor,
            verb="change.scheduled",
            now=now,
            data={
                "planned_start": change.planned_start.isoformat(),
                "planned_end": change.planned_end.isoformat(),
            },
        )
        change.save(update_fields=["status", "status_changed_at", "planned_start", "planned_end"])
    return change


def unschedule_change(change: Change, *, actor: Actor, note: str = "") -> Change:
    """Take a scheduled change off the calendar: back to authorised."""
    return simple_move(
        change,
        ChangeStatus.SCHEDULED,
        ChangeStatus.AUTHORISED,
        actor=actor,
        verb="change.unscheduled",
        data={"note": note.strip()},
    )


def start_change(change: Change, *, actor: Actor, now: dt.datetime | None = None) -> Change:
    """Implementation begins."""
    now = now or timezone.now()
    return simple_move(
        change,
        ChangeStatus.SCHEDULED,
        ChangeStatus.IMPLEMENTING,
        actor=actor,
        verb="change.started",
        now=now,
        stamp="actual_start",
    )


def complete_change(change: Change, *, actor: Actor, now: dt.datetime | None = None) -> Change:
    """Implementation is done: on to the post-implementation review."""
    now = now or timezone.now()
    return simple_move(
        change,
        ChangeStatus.IMPLEMENTING,
        ChangeStatus.REVIEW,
        actor=actor,
        verb="change.completed",
        now=now,
        stamp="actual_end",
    )


def back_out_change(
    change: Change, *, actor: Actor, note: str, now: dt.datetime | None = None
) -> Change:
    """The implementation failed and was undone by the back-out plan (say what happened)."""
    note = require_note(note)
    now = now or timezone.now()
    return simple_move(
        change,
        ChangeStatus.IMPLEMENTING,
        ChangeStatus.BACKED_OUT,
        actor=actor,
        verb="change.backed_out",
        now=now,
        stamp="actual_end",
        data={"note": note},
    )


def review_change(
    change: Change, *, actor: Actor, outcome: str, note: str, now: dt.datetime | None = None
) -> Change:
    """The post-implementation review closes the change; a backed-out change goes through review
    and can only have failed."""
    note = require_note(note)
    if outcome not in ReviewOutcome.values:
        raise ReviewOutcomeError(_("Choose the outcome of the change."))
    now = now or timezone.now()
    with transaction.atomic():
        change = locked(change)
        if change.status == ChangeStatus.BACKED_OUT:
            if outcome != ReviewOutcome.FAILED:
                raise ReviewOutcomeError()
            move(change, ChangeStatus.REVIEW, actor=actor, verb="change.review_started", now=now)
        if change.status != ChangeStatus.REVIEW:
            raise TransitionError()
        change.review_outcome = outcome
        change.review_note = note
        record_activity(
            change, "change.reviewed", actor=actor_user(actor), new=outcome, data={"note": note}
        )
        move(change, ChangeStatus.CLOSED, actor=actor, verb="change.closed", now=now)
        change.closed_at = now
        change.save(
            update_fields=[
                "status",
                "status_changed_at",
                "review_outcome",
                "review_note",
                "closed_at",
            ]
        )
    return change
