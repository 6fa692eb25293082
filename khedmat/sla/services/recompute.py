"""Calendar changes: plan open clocks again; the stored promise never moves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from khedmat.accounts.queries import unit_and_descendant_ids
from khedmat.calendars.listeners import CalendarChange
from khedmat.calendars.queries import org_unit_ids_in_scope
from khedmat.calendars.worktime import WorkCalendar, working_minutes_between
from khedmat.core.models import Activity
from khedmat.sla import handlers
from khedmat.sla.choices import ClockState, SegmentKind
from khedmat.sla.models import SlaClock, SlaClockSegment
from khedmat.sla.queries import unit_calendars
from khedmat.sla.schedule import remaining_minutes
from khedmat.sla.services.common import _apply_plan, _is_public, _iso, _move, _plan

# --- calendar changes ------------------------------------------------------------------------


RECOMPUTE_FIELDS = [
    "state",
    "due_at",
    "target_minutes",
    "paused_minutes",
    "remaining_minutes",
    "warning_schedule",
    "next_warning_at",
    "breached_at",
    "outcome_at",
]


def schedule_recomputation(change: CalendarChange) -> None:
    """Calendar listener: enqueue the recomputation of the open clocks the change may move."""
    from khedmat.sla.tasks import recompute_clocks

    # A day of margin each side: calendars of other time zones see the dates shifted.
    start = _day_start(change.start - dt.timedelta(days=1)) if change.start else None
    end = _day_start(change.end + dt.timedelta(days=2)) if change.end else None
    recompute_clocks.enqueue(
        affected_unit_ids(change),
        _iso(start),
        _iso(end),
        notify_applicants=change.notify_applicants,
    )


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def affected_unit_ids(change: CalendarChange) -> list[int] | None:
    """Units whose calendar the change may touch; None when that is not known (all units)."""
    if change.org_unit_id is not None:
        return sorted(unit_and_descendant_ids([change.org_unit_id]))
    if change.scope is None:
        return None
    return sorted(org_unit_ids_in_scope(change.scope))


def recompute_open_clocks(
    *,
    unit_ids: Iterable[int] | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
    notify_applicants: bool = False,
    now: dt.datetime | None = None,
    chunk_size: int = 1000,
) -> int:
    """Move the internal due dates of open clocks after a calendar change; promises never move.

    Only clocks started before the changed period ends and not yet due when it starts are
    planned again, with their unit's calendar as it is now; a clock whose plan did not move is
    not written. Returns how many clocks moved.
    """
    now = now or timezone.now()
    clocks = SlaClock.objects.open()
    if end is not None:
        clocks = clocks.filter(started_at__lte=end)
    if start is not None:
        clocks = clocks.filter(
            Q(due_at__gte=start) | Q(due_at__isnull=True) | Q(state=ClockState.BREACHED)
        )
    if unit_ids is not None:
        clocks = clocks.filter(org_unit_id__in=list(unit_ids))
    ids = list(clocks.order_by("id").values_list("id", flat=True))
    changed = 0
    for first in range(0, len(ids), chunk_size):
        with transaction.atomic():
            changed += _recompute_chunk(
                ids[first : first + chunk_size], now=now, notify=notify_applicants
            )
    return changed


def _recompute_chunk(ids: list[int], *, now: dt.datetime, notify: bool) -> int:
    locked = SlaClock.objects.select_for_update(of=("self",)).select_related("target")
    clocks = list(locked.filter(id__in=ids).order_by("id"))
    calendars = unit_calendars({clock.org_unit_id for clock in clocks})
    pauses: dict[int, list[SlaClockSegment]] = {}
    paused = SlaClockSegment.objects.filter(clock_id__in=ids, kind=SegmentKind.PAUSED)
    for segment in paused.order_by("clock_id", "started_at"):
        pauses.setdefault(segment.clock_id, []).append(segment)
    changed: list[SlaClock] = []
    activities: list[Activity] = []
    for clock in clocks:
        calendar = calendars[clock.org_unit_id]
        old_due = clock.due_at if clock.state != ClockState.PAUSED else None
        old_remaining = clock.remaining_minutes
        if not _recompute_clock(clock, calendar, pauses.get(clock.pk, []), now=now):
            continue
        changed.append(clock)
        activities.append(_due_changed_activity(clock, old_due, old_remaining, notify=notify))
    SlaClock.objects.bulk_update(changed, RECOMPUTE_FIELDS, batch_size=500)
    Activity.objects.bulk_create(activities, batch_size=2000)
    if notify:
        _tell_applicants([clock for clock in changed if _is_public(clock)])
    return len(changed)


def _tell_applicants(clocks: list[SlaClock]) -> None:
    """Hand each moved record once to its owning app's applicant-notification handler."""
    seen: set[tuple[int, str]] = set()
    for clock in clocks:
        key = (clock.record_type_id, str(clock.record_id))
        handler = handlers.handler_for(clock.record_type_id, handlers.NOTIFY_APPLICANT)
        if key in seen or handler is None or clock.record is None:
            continue
        seen.add(key)
        handler(clock.record, due_at=clock.due_at, actor=None)


def _recompute_clock(
    clock: SlaClock, calendar: WorkCalendar, pauses: list[SlaClockSegment], *, now: dt.datetime
) -> bool:
    """Plan the clock again with `calendar`; True when anything the user sees moved."""
    before = (clock.state, clock.due_at, clock.remaining_minutes, clock.next_warning_at)
    clock.paused_minutes = sum(
        working_minutes_between(calendar, segment.started_at, segment.ended_at)
        for segment in pauses
        if segment.ended_at is not None
    )
    schedule = _plan(clock, calendar, paused_minutes=clock.paused_minutes)
    if clock.state == ClockState.PAUSED:
        pause_start = next(
            (segment.started_at for segment in pauses if segment.ended_at is None), now
        )
        clock.target_minutes = schedule.target_minutes
        clock.warning_schedule = schedule.warning_schedule()
        clock.remaining_minutes = remaining_minutes(calendar, pause_start, schedule.due_at)
    else:
        _apply_plan(clock, schedule)
        if clock.state == ClockState.BREACHED:
            assert clock.due_at is not None
            if clock.due_at > now:
                # The calendar gave the time back: the clock is on time again.
                _move(clock, ClockState.RUNNING)
                clock.breached_at = clock.outcome_at = None
            else:
                clock.breached_at = clock.outcome_at = clock.due_at
                clock.next_warning_at = None
    return before != (clock.state, clock.due_at, clock.remaining_minutes, clock.next_warning_at)


def _due_changed_activity(
    clock: SlaClock, old_due: dt.datetime | None, old_remaining: int | None, *, notify: bool
) -> Activity:
    return Activity(
        target_type_id=clock.record_type_id,
        target_id=str(clock.record_id),
        verb="sla.due_changed",
        old_value={"due_at": _iso(old_due), "remaining_minutes": old_remaining},
        new_value={
            "due_at": _iso(clock.due_at) if clock.state != ClockState.PAUSED else None,
            "remaining_minutes": clock.remaining_minutes,
            "state": clock.state,
        },
        data={"clock": clock.pk, "kind": clock.kind, "reason": "calendar"},
        is_public=notify and _is_public(clock),
    )
