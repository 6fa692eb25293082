"""Working-time arithmetic on a compiled calendar (R-39, R-40, esd-requirements §7.5).

A `WorkCalendar` is built once from the calendar rows of a scope (see `queries.calendar_for_unit`)
or from plain data (`build_calendar`, `calendar_from_pack`) and never changes afterwards. The
functions below are pure: aware datetimes in, aware UTC datetimes out. Internally an instant is an
integer count of microseconds since 1970-01-01 UTC, so the arithmetic is exact; the working
intervals of each local day are computed on first use and kept in a dict keyed by the date's
ordinal, which makes repeated calls cheap and lets whole days be skipped in one step.

Intervals are half-open: a working interval [07:30, 14:30) contains 07:30 but not 14:30. Adding a
positive amount may end exactly at the end of an interval ("by 14:30"); adding zero gives the next
working moment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from khedmat.accounts.models import OrgUnit

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
ONE_MICROSECOND = dt.timedelta(microseconds=1)
US_PER_SECOND = 1_000_000
US_PER_MINUTE = 60 * US_PER_SECOND
US_PER_HOUR = 60 * US_PER_MINUTE
DAY_SECONDS = 86_400
# A calendar with no working time for this many consecutive days is treated as broken.
MAX_EMPTY_DAYS = 3_660

# Modes of a dated change of hours (the values of choices.OverrideMode).
REPLACE = "replace"  # working days in the range work exactly opens..closes
LIMIT = "limit"  # working time is clipped to opens..closes (never extended)
SHIFT = "shift"  # start later and/or end earlier by a number of minutes

Interval = tuple[int, int]
"""Seconds since local midnight, end exclusive; (27000, 52200) is 07:30-14:30."""
DayHours = tuple[Interval, ...]
Week = tuple[DayHours, ...]
"""Seven entries indexed by Python's weekday(): Monday is 0, Friday 4, Saturday 5."""
# (total microseconds, first start, last end, ((start, end), ...)) in UTC microseconds.
_Day = tuple[int, int, int, tuple[tuple[int, int], ...]]
_EMPTY_DAY: _Day = (0, 0, 0, ())


class NoWorkingTime(ValueError):
    """The calendar has no working time for years ahead, so a due date cannot be reached."""


def time_seconds(value: dt.time | str) -> int:
    """Seconds since midnight of a `time` or an "HH:MM" string ("24:00" is the end of the day)."""
    if isinstance(value, str):
        hours, _, minutes = value.partition(":")
        return int(hours) * 3600 + int(minutes or 0) * 60
    return value.hour * 3600 + value.minute * 60 + value.second


def normalize_hours(intervals: Iterable[tuple[int, int]]) -> DayHours:
    """Sorted, merged intervals clipped to the day, with empty ones dropped."""
    clipped = sorted(
        (max(0, start), min(DAY_SECONDS, end)) for start, end in intervals if end > start
    )
    merged: list[list[int]] = []
    for start, end in clipped:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)


def make_week(hours: Mapping[int, Iterable[tuple[dt.time | str, dt.time | str]]]) -> Week:
    """A week from {python weekday: [(start, end), ...]}; missing weekdays are closed."""
    return tuple(
        normalize_hours(
            (time_seconds(start), time_seconds(end) or DAY_SECONDS)
            for start, end in hours.get(weekday, ())
        )
        for weekday in range(7)
    )


def _subtract(hours: DayHours, closed: Iterable[Interval]) -> DayHours:
    result = list(hours)
    for closed_start, closed_end in closed:
        remaining: list[Interval] = []
        for start, end in result:
            if closed_end <= start or end <= closed_start:
                remaining.append((start, end))
                continue
            if start < closed_start:
                remaining.append((start, closed_start))
            if closed_end < end:
                remaining.append((closed_end, end))
        result = remaining
    return tuple(result)


@dataclass(frozen=True, slots=True)
class DatedWeek:
    """A weekly pattern in force from `first_day` to `last_day` (inclusive; None is open)."""

    first_day: dt.date | None
    last_day: dt.date | None
    week: Week


@dataclass(frozen=True, slots=True)
class HoursChange:
    """A dated change of hours on working days: replace, limit or shift them (R-39 overrides)."""

    first_day: dt.date
    last_day: dt.date
    mode: str
    opens: int | None = None
    closes: int | None = None
    late_start: int = 0
    early_end: int = 0
    weekdays: frozenset[int] | None = None

    def apply(self, hours: DayHours) -> DayHours:
        """The hours of one working day after this change."""
        if not hours:
            return hours
        if self.mode == REPLACE:
            return normalize_hours([(self.opens or 0, self.closes or DAY_SECONDS)])
        if self.mode == LIMIT:
            low, high = self.opens or 0, self.closes or DAY_SECONDS
            return normalize_hours((max(start, low), min(end, high)) for start, end in hours)
        if self.mode == SHIFT:
            low, high = hours[0][0] + self.late_start, hours[-1][1] - self.early_end
            return normalize_hours((max(start, low), min(end, high)) for start, end in hours)
        raise ValueError(f"unknown mode {self.mode!r}")


@dataclass(frozen=True, slots=True)
class Closure:
    """Closed days from `first_day` to `last_day`; with a window, only those hours of each day."""

    first_day: dt.date
    last_day: dt.date
    starts: int | None = None
    ends: int | None = None


def _ordinal(day: dt.date | None, default: int) -> int:
    return default if day is None else day.toordinal()


class WorkCalendar:
    """A compiled, immutable calendar: weekly patterns by date, dated hour changes, closures."""

    __slots__ = ("_changes", "_closures", "_days", "_default", "_weeks", "key", "time_zone", "tz")

    def __init__(
        self,
        *,
        time_zone: str,
        default_week: Week,
        weeks: Sequence[DatedWeek] = (),
        changes: Sequence[HoursChange] = (),
        closures: Iterable[Closure] = (),
        key: str = "",
    ) -> None:
        if len(default_week) != 7 or any(len(dated.week) != 7 for dated in weeks):
            raise ValueError("a week has seven days")
        self.key = key
        self.time_zone = time_zone
        self.tz = ZoneInfo(time_zone)
        self._default = default_week
        # First match wins: callers pass the most specific, most recent week first.
        self._weeks = tuple(
            (_ordinal(dated.first_day, 0), _ordinal(dated.last_day, 10**7), dated.week)
            for dated in weeks
        )
        self._changes = tuple(
            (change.first_day.toordinal(), change.last_day.toordinal(), change)
            for change in changes
        )
        closed: dict[int, list[Interval]] = {}
        for closure in closures:
            window = (closure.starts or 0, closure.ends or DAY_SECONDS)
            for ordinal in range(closure.first_day.toordinal(), closure.last_day.toordinal() + 1):
                closed.setdefault(ordinal, []).append(window)
        self._closures = {ordinal: tuple(windows) for ordinal, windows in closed.items()}
        self._days: dict[int, _Day] = {}

    def __repr__(self) -> str:
        return f"<WorkCalendar {self.key or '?'} {self.time_zone}>"

    def local_hours(self, day: dt.date) -> DayHours:
        """Working intervals of a local day in seconds since midnight, after changes and closures."""
        ordinal = day.toordinal()
        weekday = day.weekday()
        week: Week = self._default
        for first, last, candidate in self._weeks:
            if first <= ordinal <= last:
                week = candidate
                break
        hours = week[weekday]
        for first, last, change in self._changes:
            if first <= ordinal <= last and (change.weekdays is None or weekday in change.weekdays):
                hours = change.apply(hours)
        closed = self._closures.get(ordinal)
        if closed:
            hours = _subtract(hours, closed)
        return hours

    def _day(self, ordinal: int) -> _Day:
        day = self._days.get(ordinal)
        if day is None:
            day = self._compute_day(ordinal)
            self._days[ordinal] = day
        return day

    def _compute_day(self, ordinal: int) -> _Day:
        date = dt.date.fromordinal(ordinal)
        hours = self.local_hours(date)
        if not hours:
            return _EMPTY_DAY
        # wall-clock midnight of the calendar; _to_us makes each interval aware in its zone
        midnight = dt.datetime(date.year, date.month, date.day)  # noqa: DTZ001
        intervals = []
        for start, end in hours:
            utc_start = self._to_us(midnight, start)
            utc_end = self._to_us(midnight, end)
            if utc_end > utc_start:  # a daylight-saving gap can swallow an interval
                intervals.append((utc_start, utc_end))
        if not intervals:
            return _EMPTY_DAY
        total = sum(end - start for start, end in intervals)
        return (total, intervals[0][0], intervals[-1][1], tuple(intervals))

    def _to_us(self, midnight: dt.datetime, second: int) -> int:
        local = (midnight + dt.timedelta(seconds=second)).replace(tzinfo=self.tz)
        return (local - EPOCH) // ONE_MICROSECOND


# --- construction helpers -----------------------------------------------------------------------


def build_calendar(
    *,
    time_zone: str,
    default_week: Week,
    weeks: Sequence[DatedWeek] = (),
    changes: Sequence[HoursChange] = (),
    closures: Iterable[Closure] = (),
    key: str = "",
) -> WorkCalendar:
    """A calendar from plain data (weeks most specific first; changes applied in order)."""
    return WorkCalendar(
        time_zone=time_zone,
        default_week=default_week,
        weeks=weeks,
        changes=changes,
        closures=closures,
        key=key,
    )


def calendar_from_pack(
    code: str,
    *,
    thursday: str | None = None,
    holidays: Iterable[dt.date] = (),
    closures: Iterable[Closure] = (),
    changes: Sequence[HoursChange] = (),
    time_zone: str | None = None,
) -> WorkCalendar:
    """A calendar from a country pack's week, plus whole-day holidays and other closures."""
    from khedmat.calendars.packs import get_pack

    pack = get_pack(code)
    all_closures = [Closure(day, day) for day in holidays]
    all_closures.extend(closures)
    return WorkCalendar(
        time_zone=time_zone or pack.time_zone,
        default_week=pack.week(thursday),
        changes=changes,
        closures=all_closures,
        key=f"pack:{pack.code}:{thursday or pack.default_thursday}",
    )


# --- conversions --------------------------------------------------------------------------------


def _instant(value: dt.datetime) -> int:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("working-time functions need aware datetimes")
    return (value - EPOCH) // ONE_MICROSECOND


def _datetime(instant: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=instant)


def local_date(calendar: WorkCalendar, at: dt.datetime) -> dt.date:
    """The calendar's local date of an aware instant."""
    return at.astimezone(calendar.tz).date()


def _local_ordinal(calendar: WorkCalendar, at: dt.datetime) -> int:
    return at.astimezone(calendar.tz).toordinal()


# --- the arithmetic -----------------------------------------------------------------------------


def _advance(calendar: WorkCalendar, instant: int, ordinal: int, amount: int) -> int:
    """The instant after `amount` working microseconds from `instant` (on local day `ordinal`)."""
    days = calendar._days
    empty = 0
    while True:
        day = days.get(ordinal)
        if day is None:
            day = calendar._day(ordinal)
        total, first, last, intervals = day
        if total and last > instant:
            empty = 0
            if instant <= first and amount > total:
                amount -= total  # the whole day is used up: skip it in one step
                ordinal += 1
                continue
            for start, end in intervals:
                if end <= instant:
                    continue
                if start < instant:
                    start = instant
                available = end - start
                if amount <= available:
                    return start + amount
                amount -= available
        elif not total:
            empty += 1
            if empty > MAX_EMPTY_DAYS:
                raise NoWorkingTime(f"{calendar!r} has no working time ahead")
        ordinal += 1


def _amount(value: float, unit: int) -> int:
    amount = value * unit if isinstance(value, int) else round(float(value) * unit)
    if amount < 0:
        raise ValueError("working time to add must not be negative")
    return amount


def add_working_minutes(calendar: WorkCalendar, start: dt.datetime, minutes: float) -> dt.datetime:
    """`start` plus `minutes` of working time, as an aware UTC datetime."""
    amount = _amount(minutes, US_PER_MINUTE)
    return _datetime(_advance(calendar, _instant(start), _local_ordinal(calendar, start), amount))


def add_working_hours(calendar: WorkCalendar, start: dt.datetime, hours: float) -> dt.datetime:
    """`start` plus `hours` of working time, as an aware UTC datetime."""
    amount = _amount(hours, US_PER_HOUR)
    return _datetime(_advance(calendar, _instant(start), _local_ordinal(calendar, start), amount))


def add_working_days(calendar: WorkCalendar, start: dt.datetime, days: int) -> dt.datetime:
    """The end of working hours of the `days`-th working day after `start`'s day (R-40).

    Counting starts on the next working day, whatever the time of `start`; zero days gives the
    next working moment.
    """
    if days < 0:
        raise ValueError("working days to add must not be negative")
    if days == 0:
        return next_working_moment(calendar, start)
    ordinal = _local_ordinal(calendar, start)
    days_map = calendar._days
    counted = empty = 0
    while True:
        ordinal += 1
        day = days_map.get(ordinal)
        if day is None:
            day = calendar._day(ordinal)
        if day[0]:
            counted += 1
            if counted == days:
                return _datetime(day[2])
            empty = 0
        else:
            empty += 1
            if empty > MAX_EMPTY_DAYS:
                raise NoWorkingTime(f"{calendar!r} has no working time ahead")


def add_working_time(
    calendar: WorkCalendar, start: dt.datetime, amount: int, unit: str
) -> dt.datetime:
    """Dispatch on `unit`: minutes, hours or days (a `working_` prefix is accepted)."""
    name = unit.removeprefix("working_")
    if name == "minutes":
        return add_working_minutes(calendar, start, amount)
    if name == "hours":
        return add_working_hours(calendar, start, amount)
    if name == "days":
        return add_working_days(calendar, start, amount)
    raise ValueError(f"unknown unit {unit!r}")


def next_working_moment(calendar: WorkCalendar, at: dt.datetime) -> dt.datetime:
    """`at` itself when it is working time, else the start of the next working interval (UTC)."""
    return _datetime(_advance(calendar, _instant(at), _local_ordinal(calendar, at), 0))


def is_working_moment(calendar: WorkCalendar, at: dt.datetime) -> bool:
    """Whether `at` falls inside a working interval."""
    instant = _instant(at)
    _total, _first, _last, intervals = calendar._day(_local_ordinal(calendar, at))
    return any(start <= instant < end for start, end in intervals)


def _between(calendar: WorkCalendar, start: dt.datetime, end: dt.datetime) -> int:
    low, high = _instant(start), _instant(end)
    if high <= low:
        return -_between(calendar, end, start) if high < low else 0
    ordinal, last_ordinal = _local_ordinal(calendar, start), _local_ordinal(calendar, end)
    days = calendar._days
    result = 0
    while ordinal <= last_ordinal:
        day = days.get(ordinal)
        if day is None:
            day = calendar._day(ordinal)
        total, first, last, intervals = day
        if total:
            if low <= first and last <= high:
                result += total
            else:
                for interval_start, interval_end in intervals:
                    overlap = min(interval_end, high) - max(interval_start, low)
                    if overlap > 0:
                        result += overlap
        ordinal += 1
    return result


def working_time_between(
    calendar: WorkCalendar, start: dt.datetime, end: dt.datetime
) -> dt.timedelta:
    """Exact working time from `start` to `end` (negative when `end` is earlier)."""
    return dt.timedelta(microseconds=_between(calendar, start, end))


def working_minutes_between(calendar: WorkCalendar, start: dt.datetime, end: dt.datetime) -> int:
    """Whole working minutes from `start` to `end`, truncated toward zero (negative if reversed)."""
    amount = _between(calendar, start, end)
    return amount // US_PER_MINUTE if amount >= 0 else -(-amount // US_PER_MINUTE)


def is_working_day(calendar: WorkCalendar, day: dt.date) -> bool:
    """Whether the local `day` has any working time left after holidays and closures."""
    return bool(calendar._day(day.toordinal())[0])


def working_intervals(
    calendar: WorkCalendar, day: dt.date
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The working intervals of a local day as (start, end) aware UTC datetimes."""
    return [(_datetime(start), _datetime(end)) for start, end in calendar._day(day.toordinal())[3]]


# --- calendars from the database (thin wrappers; the reads live in queries.py) ------------------


def calendar_for_unit(org_unit: OrgUnit | None, *, at: dt.datetime | None = None) -> WorkCalendar:
    """The compiled calendar of an org unit (None: the default country); see queries.py."""
    from khedmat.calendars import queries

    return queries.calendar_for_unit(org_unit, at=at)


def calendar_for_scope(**scopes: Any) -> WorkCalendar:
    """The compiled calendar of explicit scope codes; see queries.calendar_for_scope."""
    from khedmat.calendars import queries

    return queries.calendar_for_scope(**scopes)


def calendars_for_units(org_units: Iterable[OrgUnit | int]) -> dict[int, WorkCalendar]:
    """{unit id: calendar} for many units in four queries; see queries.calendars_for_units."""
    from khedmat.calendars import queries

    return queries.calendars_for_units(org_units)
