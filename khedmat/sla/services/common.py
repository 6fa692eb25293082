"""What the SLA services share: the actor, locking, moves, segments, plans, Activity rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from khedmat.accounts.models import User
from khedmat.calendars.worktime import WorkCalendar, working_minutes_between
from khedmat.core.actors import Actor
from khedmat.core.models import Activity
from khedmat.sla.choices import SegmentKind, TargetKind, can_move
from khedmat.sla.errors import ClockTransitionError
from khedmat.sla.models import SlaClock, SlaClockSegment
from khedmat.sla.queries import unit_calendars
from khedmat.sla.schedule import Schedule, parse_warning_schedule, plan_clock

# Who acts: a user, an anonymous visitor, or None for the system itself (the sweep, a job).


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) and actor.is_authenticated else None


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _is_public(clock: SlaClock) -> bool:
    # The applicant follows the resolution clock (expected date, pause reason: R-41).
    return clock.kind == TargetKind.RESOLUTION


def _record_activity(clock: SlaClock, verb: str, *, actor: Actor, **kwargs: Any) -> Activity:
    """Write the Activity row of a clock change on the record the clock belongs to."""
    data = {"clock": clock.pk, "kind": clock.kind, **kwargs.pop("data", {})}
    return Activity.objects.create(
        target_type_id=clock.record_type_id,
        target_id=str(clock.record_id),
        verb=verb,
        actor=_user(actor),
        old_value=kwargs.get("old"),
        new_value=kwargs.get("new"),
        data=data,
        is_public=_is_public(clock),
    )


def _calendar(clock: SlaClock) -> WorkCalendar:
    return unit_calendars([clock.org_unit_id])[clock.org_unit_id]


def _plan(clock: SlaClock, calendar: WorkCalendar, *, paused_minutes: int) -> Schedule:
    target = clock.target
    return plan_clock(
        calendar,
        started_at=clock.started_at,
        amount=target.amount,
        unit=target.unit,
        paused_minutes=paused_minutes,
        warning_percents=[level for level, _at in parse_warning_schedule(clock.warning_schedule)]
        or target.warning_percents,
    )


def _apply_plan(clock: SlaClock, schedule: Schedule) -> None:
    clock.due_at = schedule.due_at
    clock.target_minutes = schedule.target_minutes
    clock.warning_schedule = schedule.warning_schedule()
    clock.next_warning_at = schedule.next_warning_at(clock.warned_levels)


def _lock(clock: SlaClock) -> SlaClock:
    return (
        SlaClock.objects.select_for_update(of=("self",)).select_related("target").get(pk=clock.pk)
    )


def _move(clock: SlaClock, new_state: str) -> None:
    if not can_move(clock.state, new_state):
        raise ClockTransitionError(f"An SLA clock cannot go from {clock.state} to {new_state}.")
    clock.state = new_state


def _close_segment(clock: SlaClock, calendar: WorkCalendar, at: dt.datetime) -> int:
    """End the clock's open segment at `at`; returns the working minutes it lasted."""
    segment = clock.segments.filter(ended_at__isnull=True).first()
    if segment is None:
        return 0
    ended_at = max(at, segment.started_at)
    minutes = working_minutes_between(calendar, segment.started_at, ended_at)
    segment.ended_at, segment.working_minutes = ended_at, minutes
    segment.save(update_fields=["ended_at", "working_minutes"])
    return minutes if segment.kind == SegmentKind.PAUSED else 0


def _open_segment(
    clock: SlaClock, kind: str, *, at: dt.datetime, actor: Actor, reason: str = ""
) -> SlaClockSegment:
    return SlaClockSegment.objects.create(
        clock=clock, kind=kind, reason=reason, started_at=at, actor=_user(actor), team=clock.team
    )


def _group(pairs: Iterable[tuple[int, int]]) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped
