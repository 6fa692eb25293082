"""Property tests of the working-time algebra (esd-requirements §7.5)."""

from __future__ import annotations

import datetime as dt

from hypothesis import example, given, settings
from hypothesis import strategies as st

from khedmat.calendars.worktime import (
    LIMIT,
    Closure,
    HoursChange,
    WorkCalendar,
    add_working_days,
    add_working_hours,
    add_working_minutes,
    calendar_from_pack,
    is_working_day,
    is_working_moment,
    local_date,
    next_working_moment,
    working_intervals,
    working_minutes_between,
    working_time_between,
)

FAST = settings(max_examples=200, deadline=None)
ONE_MICROSECOND = dt.timedelta(microseconds=1)
FIRST_DAY, LAST_DAY = dt.date(2025, 1, 1), dt.date(2027, 12, 31)


@st.composite
def calendars(draw: st.DrawFn) -> WorkCalendar:
    """A country pack (Iran with each Thursday rule, SA, AE) with random closures and overrides."""
    code, thursday = draw(
        st.sampled_from(
            [("IR", "closed"), ("IR", "half_day"), ("IR", "working"), ("SA", None), ("AE", None)]
        )
    )
    days = draw(st.lists(st.dates(FIRST_DAY, LAST_DAY), max_size=40))
    windows = draw(
        st.lists(
            st.tuples(
                st.dates(FIRST_DAY, LAST_DAY),
                st.integers(0, 10),
                st.integers(6 * 3600, 12 * 3600),
                st.integers(3600, 6 * 3600),
            ),
            max_size=5,
        )
    )
    closures = [Closure(day, day) for day in days] + [
        Closure(day, day + dt.timedelta(days=length), starts, starts + span)
        for day, length, starts, span in windows
    ]
    changes = []
    if draw(st.booleans()):
        first = draw(st.dates(FIRST_DAY, LAST_DAY))
        changes.append(
            HoursChange(first, first + dt.timedelta(days=90), LIMIT, 8 * 3600, 13 * 3600)
        )
    return calendar_from_pack(code, thursday=thursday, closures=closures, changes=changes)


instants = st.datetimes(
    # hypothesis takes naive bounds and attaches the zone itself
    min_value=dt.datetime(2025, 1, 1),  # noqa: DTZ001
    max_value=dt.datetime(2027, 6, 30),  # noqa: DTZ001
    timezones=st.just(dt.UTC),
)
minutes = st.integers(min_value=0, max_value=30 * 8 * 60)


def in_working_time(calendar: WorkCalendar, at: dt.datetime) -> bool:
    """`at` is inside a working interval or exactly at the end of one."""
    return is_working_moment(calendar, at) or is_working_moment(calendar, at - ONE_MICROSECOND)


IRAN = calendar_from_pack("IR")
OPENING = dt.datetime(2026, 5, 2, 4, 0, tzinfo=dt.UTC)  # Saturday 07:30 Tehran
CLOSING = dt.datetime(2026, 5, 2, 11, 0, tzinfo=dt.UTC)  # Saturday 14:30 Tehran


@FAST
@given(calendars(), instants, minutes)
@example(IRAN, OPENING, 420)
@example(IRAN, CLOSING, 0)
@example(IRAN, CLOSING - ONE_MICROSECOND, 1)
def test_adding_then_measuring_gives_back_n(calendar: WorkCalendar, start, amount: int) -> None:  # type: ignore[no-untyped-def]
    end = add_working_minutes(calendar, start, amount)
    assert working_minutes_between(calendar, start, end) == amount
    assert working_time_between(calendar, start, end) == dt.timedelta(minutes=amount)


@FAST
@given(calendars(), instants, minutes, minutes)
def test_monotonic_in_the_amount(calendar: WorkCalendar, start, first: int, second: int) -> None:  # type: ignore[no-untyped-def]
    low, high = sorted((first, second))
    assert add_working_minutes(calendar, start, low) <= add_working_minutes(calendar, start, high)


@FAST
@given(calendars(), instants, instants, minutes)
def test_monotonic_in_the_start(calendar: WorkCalendar, one, other, amount: int) -> None:  # type: ignore[no-untyped-def]
    early, late = sorted((one, other))
    assert add_working_minutes(calendar, early, amount) <= add_working_minutes(
        calendar, late, amount
    )


@FAST
@given(calendars(), instants, st.integers(1, 30 * 8 * 60))
@example(IRAN, OPENING, 420)
@example(IRAN, CLOSING, 1)
def test_never_lands_in_a_closed_period(calendar: WorkCalendar, start, amount: int) -> None:  # type: ignore[no-untyped-def]
    end = add_working_minutes(calendar, start, amount)
    assert end > start
    assert in_working_time(calendar, end)
    assert is_working_day(calendar, local_date(calendar, end - ONE_MICROSECOND))


@FAST
@given(calendars(), instants)
def test_adding_zero_gives_the_next_working_moment(calendar: WorkCalendar, start) -> None:  # type: ignore[no-untyped-def]
    moment = next_working_moment(calendar, start)
    assert add_working_minutes(calendar, start, 0) == moment
    assert add_working_hours(calendar, start, 0) == moment
    assert moment >= start
    assert is_working_moment(calendar, moment)
    assert working_time_between(calendar, start, moment) == dt.timedelta(0)
    if is_working_moment(calendar, start):
        assert moment == start


@FAST
@given(calendars(), instants, minutes, st.integers(1, 30 * 8 * 60))
def test_adding_twice_is_adding_the_sum(
    calendar: WorkCalendar, start, first: int, second: int
) -> None:  # type: ignore[no-untyped-def]
    twice = add_working_minutes(calendar, add_working_minutes(calendar, start, first), second)
    assert twice == add_working_minutes(calendar, start, first + second)


@FAST
@given(calendars(), instants, st.integers(0, 200))
def test_hours_are_sixty_minutes(calendar: WorkCalendar, start, hours: int) -> None:  # type: ignore[no-untyped-def]
    assert add_working_hours(calendar, start, hours) == add_working_minutes(
        calendar, start, hours * 60
    )


@FAST
@given(calendars(), instants, st.integers(1, 40))
def test_working_days_end_the_nth_working_day(calendar: WorkCalendar, start, days: int) -> None:  # type: ignore[no-untyped-def]
    due = add_working_days(calendar, start, days)
    due_day = local_date(calendar, due)
    assert working_intervals(calendar, due_day)[-1][1] == due
    first = local_date(calendar, start) + dt.timedelta(days=1)
    counted = sum(
        is_working_day(calendar, first + dt.timedelta(days=offset))
        for offset in range((due_day - first).days + 1)
    )
    assert counted == days
    assert add_working_days(calendar, start, days - 1 or 0) <= due
