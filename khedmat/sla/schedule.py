"""Pure working-time arithmetic of a clock: due date, promise, warning instants, remaining time.

No database here: the services and queries pass in a compiled calendar and plain values.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from khedmat.calendars.worktime import (
    WorkCalendar,
    add_working_days,
    add_working_minutes,
    working_minutes_between,
)
from khedmat.sla.choices import DurationUnit


@dataclass(frozen=True)
class Schedule:
    """When a clock is due and when it warns, given the time it spent paused."""

    due_at: dt.datetime
    target_minutes: int
    warnings: tuple[tuple[int, dt.datetime], ...]

    def next_warning_at(self, warned: Iterable[int]) -> dt.datetime | None:
        """The earliest instant of a threshold not yet warned, if any."""
        done = set(warned)
        pending = [at for level, at in self.warnings if level not in done]
        return min(pending) if pending else None

    def warning_schedule(self) -> list[list[int | str]]:
        """The warnings as JSON: [[threshold, ISO time], ...]."""
        return [[level, at.isoformat()] for level, at in self.warnings]


def target_end(calendar: WorkCalendar, start: dt.datetime, amount: int, unit: str) -> dt.datetime:
    """The end of a target counted from `start` with no pause (R-40: days end at closing time)."""
    if unit == DurationUnit.WORKING_DAYS:
        return add_working_days(calendar, start, amount)
    minutes = amount * 60 if unit == DurationUnit.WORKING_HOURS else amount
    return add_working_minutes(calendar, start, minutes)


def plan_clock(
    calendar: WorkCalendar,
    *,
    started_at: dt.datetime,
    amount: int,
    unit: str,
    paused_minutes: int = 0,
    warning_percents: Iterable[int] = (),
) -> Schedule:
    """Due date and warning instants: the target's end pushed by the working time spent paused."""
    end = target_end(calendar, started_at, amount, unit)
    target_minutes = working_minutes_between(calendar, started_at, end)
    due_at = add_working_minutes(calendar, end, paused_minutes) if paused_minutes else end
    warnings = []
    for level in sorted(set(warning_percents)):
        offset = max(1, math.ceil(target_minutes * level / 100)) + paused_minutes
        warnings.append((level, min(add_working_minutes(calendar, started_at, offset), due_at)))
    return Schedule(due_at=due_at, target_minutes=target_minutes, warnings=tuple(warnings))


def remaining_minutes(calendar: WorkCalendar, now: dt.datetime, due_at: dt.datetime) -> int:
    """Working minutes from `now` to `due_at`; negative when the due date has passed."""
    if due_at >= now:
        return working_minutes_between(calendar, now, due_at)
    return -working_minutes_between(calendar, due_at, now)


def parse_warning_schedule(value: object) -> list[tuple[int, dt.datetime]]:
    """The stored [[threshold, ISO time], ...] back as pairs (bad entries are skipped)."""
    pairs: list[tuple[int, dt.datetime]] = []
    for item in value if isinstance(value, list) else []:
        try:
            level, when = item
            pairs.append((int(level), dt.datetime.fromisoformat(str(when))))
        except (TypeError, ValueError):
            continue
    return pairs
