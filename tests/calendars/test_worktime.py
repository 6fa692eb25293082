"""Working-time arithmetic on calendars built from plain data: R-37, R-39, R-40, R-42 vectors."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from persiantools.jdatetime import JalaliDate

from khedmat.calendars import worktime
from khedmat.calendars.packs import get_pack
from khedmat.calendars.worktime import (
    LIMIT,
    REPLACE,
    SHIFT,
    Closure,
    DatedWeek,
    HoursChange,
    NoWorkingTime,
    WorkCalendar,
    add_working_days,
    add_working_hours,
    add_working_minutes,
    add_working_time,
    calendar_from_pack,
    is_working_day,
    is_working_moment,
    make_week,
    next_working_moment,
    working_intervals,
    working_minutes_between,
    working_time_between,
)
from tests.calendars.helpers import TEHRAN, seed_module, tehran

UTC = dt.UTC


def holidays_1405(*, with_doubtful: bool = True) -> list[dt.date]:
    """The 1405 rows of §7.3 (1405/01/25 included unless asked otherwise)."""
    return [
        dt.date.fromisoformat(gregorian)
        for _jalali, gregorian, _basis, _keys, confirmed, _note in seed_module().HOLIDAYS_1405
        if confirmed or with_doubtful
    ]


def iran(thursday: str, **kwargs: object) -> WorkCalendar:
    return calendar_from_pack("IR", thursday=thursday, holidays=holidays_1405(), **kwargs)  # type: ignore[arg-type]


def jalali(at: dt.datetime) -> tuple[int, int, int]:
    day = JalaliDate(at.astimezone(TEHRAN).date())
    return (day.year, day.month, day.day)


class TestR40Vectors:
    """R-40: counting starts on the next working day; due at the end of the Nth working day."""

    @pytest.mark.parametrize("hour", [0, 7, 10, 14, 23])
    @pytest.mark.parametrize(
        ("submitted", "thursday", "due", "due_weekday"),
        [
            ((1405, 1, 26), "closed", (1405, 1, 31), "Mon"),
            ((1405, 1, 26), "working", (1405, 1, 30), "Sun"),
            ((1405, 1, 24), "closed", (1405, 1, 30), "Sun"),
            ((1405, 1, 24), "working", (1405, 1, 29), "Sat"),
        ],
    )
    def test_three_working_days(self, submitted, thursday, due, due_weekday, hour) -> None:  # type: ignore[no-untyped-def]
        day = JalaliDate(*submitted).to_gregorian()
        start = tehran(day.year, day.month, day.day, hour)
        result = add_working_days(iran(thursday), start, 3)
        assert jalali(result) == due
        assert result.astimezone(TEHRAN).strftime("%a %H:%M") == f"{due_weekday} 14:30"
        assert result.tzinfo is UTC

    def test_exact_instants(self) -> None:
        # Monday 1405/01/31 14:30 Tehran = 2026-04-20 11:00 UTC.
        result = add_working_days(iran("closed"), tehran(2026, 4, 15, 9), 3)
        assert result == dt.datetime(2026, 4, 20, 11, 0, tzinfo=UTC)
        result = add_working_days(iran("working"), tehran(2026, 4, 13, 9), 3)
        assert result == dt.datetime(2026, 4, 18, 11, 0, tzinfo=UTC)

    def test_submitted_on_monday_skips_the_holiday_of_25_farvardin(self) -> None:
        calendar = iran("closed")
        assert not is_working_day(calendar, dt.date(2026, 4, 14))
        without = calendar_from_pack(
            "IR", thursday="closed", holidays=holidays_1405(with_doubtful=False)
        )
        # Without the holiday Tuesday counts: due on Saturday 1405/01/29 instead of Sunday.
        assert jalali(add_working_days(without, tehran(2026, 4, 13, 9), 3)) == (1405, 1, 29)
        assert jalali(add_working_days(calendar, tehran(2026, 4, 13, 9), 3)) == (1405, 1, 30)

    def test_zero_days_is_the_next_working_moment(self) -> None:
        calendar = iran("closed")
        friday_evening = tehran(2026, 4, 17, 20)
        assert add_working_days(calendar, friday_evening, 0) == tehran(2026, 4, 18, 7, 30)

    def test_negative_days_are_refused(self) -> None:
        with pytest.raises(ValueError, match="negative"):
            add_working_days(iran("closed"), tehran(2026, 4, 15), -1)


class TestR37TimeZone:
    def test_tehran_noon_on_1_june_2026_is_0830_utc(self) -> None:
        calendar = calendar_from_pack("IR")
        assert calendar.time_zone == "Asia/Tehran"
        noon = dt.datetime(2026, 6, 1, 12, 0, tzinfo=calendar.tz)
        assert noon.astimezone(UTC) == dt.datetime(2026, 6, 1, 8, 30, tzinfo=UTC)

    def test_results_are_utc_and_opening_follows_the_zone(self) -> None:
        calendar = calendar_from_pack("IR")
        # Monday 1 June 2026 opens 07:30 Tehran = 04:00 UTC (+03:30 all year since 2023).
        opening = next_working_moment(calendar, tehran(2026, 6, 1, 6))
        assert opening == dt.datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
        assert opening.tzinfo is UTC
        # In 2022 Tehran still kept summer time (+04:30): 07:30 was 03:00 UTC.
        assert next_working_moment(calendar, tehran(2022, 6, 1, 6)) == dt.datetime(
            2022, 6, 1, 3, 0, tzinfo=UTC
        )

    def test_naive_datetimes_are_refused(self) -> None:
        with pytest.raises(ValueError, match="aware"):
            naive = dt.datetime(2026, 6, 1, 12)  # noqa: DTZ001  (the point of the test)
            add_working_hours(calendar_from_pack("IR"), naive, 1)

    def test_working_time_is_real_elapsed_time_across_a_daylight_saving_change(self) -> None:
        # New York springs forward at 02:00 on 8 March 2026: a 00:00-24:00 day lasts 23 hours.
        always = make_week({day: [("00:00", "24:00")] for day in range(7)})
        calendar = WorkCalendar(time_zone="America/New_York", default_week=always)
        zone = ZoneInfo("America/New_York")
        start = dt.datetime(2026, 3, 8, 0, 0, tzinfo=zone)
        end = dt.datetime(2026, 3, 9, 0, 0, tzinfo=zone)
        assert working_minutes_between(calendar, start, end) == 23 * 60
        assert add_working_hours(calendar, start, 23) == end.astimezone(UTC)


class TestR39Thursday:
    """A due date crossing a Thursday differs between Thursday closed and Thursday half-day."""

    # Wednesday 1405/02/02 = 22 April 2026; Ordibehesht 1405 has no holidays.
    def test_working_hours_across_thursday(self) -> None:
        start = tehran(2026, 4, 22, 13, 30)
        closed = add_working_hours(iran("closed"), start, 3)
        half = add_working_hours(iran("half_day"), start, 3)
        assert closed.astimezone(TEHRAN) == tehran(2026, 4, 25, 9, 30)  # Saturday
        assert half.astimezone(TEHRAN) == tehran(2026, 4, 23, 9, 30)  # Thursday
        assert closed != half

    def test_working_days_across_thursday(self) -> None:
        start = tehran(2026, 4, 21, 10)  # Tuesday
        closed = add_working_days(iran("closed"), start, 3)
        half = add_working_days(iran("half_day"), start, 3)
        assert closed.astimezone(TEHRAN) == tehran(2026, 4, 26, 14, 30)  # Sunday
        assert half.astimezone(TEHRAN) == tehran(2026, 4, 25, 14, 30)  # Saturday

    def test_half_day_is_five_hours(self) -> None:
        thursday = tehran(2026, 4, 23)
        assert (
            working_minutes_between(iran("half_day"), thursday, thursday + dt.timedelta(1)) == 300
        )
        assert working_minutes_between(iran("closed"), thursday, thursday + dt.timedelta(1)) == 0

    def test_unknown_thursday_rule_is_refused(self) -> None:
        with pytest.raises(ValueError, match="Thursday"):
            get_pack("IR").week("sometimes")
        with pytest.raises(ValueError, match="Thursday"):
            get_pack("SA").week("closed")


class TestOverridesAndClosures:
    def one_day(self, calendar: WorkCalendar, day: dt.datetime) -> int:
        return working_minutes_between(calendar, day, day + dt.timedelta(days=1))

    def test_eight_to_two_override_shortens_days(self) -> None:
        dey = HoursChange(
            dt.date(2025, 12, 22), dt.date(2026, 3, 20), LIMIT, opens=8 * 3600, closes=14 * 3600
        )
        calendar = calendar_from_pack("IR", changes=[dey])
        assert self.one_day(calendar, tehran(2025, 12, 21)) == 420  # Sunday before 1 Dey
        assert self.one_day(calendar, tehran(2025, 12, 22)) == 360  # Monday 1 Dey 1404
        assert next_working_moment(calendar, tehran(2025, 12, 22, 7)) == tehran(2025, 12, 22, 8)
        # Seven working hours from Monday 08:00 now end on Tuesday 09:00, not Monday 15:00.
        due = add_working_hours(calendar, tehran(2025, 12, 22, 8), 7)
        assert due == tehran(2025, 12, 23, 9)

    def test_replace_and_shift(self) -> None:
        summer = HoursChange(
            dt.date(2026, 6, 5), dt.date(2026, 9, 6), REPLACE, opens=6 * 3600, closes=13 * 3600
        )
        qadr = HoursChange(dt.date(2026, 6, 8), dt.date(2026, 6, 8), SHIFT, late_start=7200)
        calendar = calendar_from_pack("IR", changes=[summer, qadr])
        assert working_intervals(calendar, dt.date(2026, 6, 7)) == [
            (tehran(2026, 6, 7, 6), tehran(2026, 6, 7, 13))
        ]
        assert working_intervals(calendar, dt.date(2026, 6, 8)) == [
            (tehran(2026, 6, 8, 8), tehran(2026, 6, 8, 13))
        ]
        assert working_intervals(calendar, dt.date(2026, 6, 12)) == []  # Friday stays closed

    def test_override_limited_to_weekdays(self) -> None:
        late_mondays = HoursChange(
            dt.date(2026, 5, 1),
            dt.date(2026, 5, 31),
            SHIFT,
            late_start=3600,
            weekdays=frozenset({0}),
        )
        calendar = calendar_from_pack("IR", changes=[late_mondays])
        assert self.one_day(calendar, tehran(2026, 5, 4)) == 360  # Monday
        assert self.one_day(calendar, tehran(2026, 5, 5)) == 420  # Tuesday

    def test_partial_closure_keeps_the_morning(self) -> None:
        heat = Closure(dt.date(2026, 7, 22), dt.date(2026, 7, 22), starts=10 * 3600)
        calendar = calendar_from_pack("IR", closures=[heat])
        assert self.one_day(calendar, tehran(2026, 7, 22)) == 150
        assert is_working_day(calendar, dt.date(2026, 7, 22))
        assert not is_working_moment(calendar, tehran(2026, 7, 22, 11))

    def test_dated_weeks_pick_the_first_match(self) -> None:
        six_days = make_week({day: [("08:00", "12:00")] for day in (5, 6, 0, 1, 2, 3)})
        calendar = WorkCalendar(
            time_zone="Asia/Tehran",
            default_week=get_pack("IR").week(),
            weeks=[DatedWeek(dt.date(2026, 5, 1), dt.date(2026, 5, 31), six_days)],
        )
        assert is_working_day(calendar, dt.date(2026, 5, 7))  # a Thursday in May
        assert not is_working_day(calendar, dt.date(2026, 6, 4))

    def test_breaks_are_not_working_time(self) -> None:
        split = make_week({day: [("08:00", "12:00"), ("13:00", "16:00")] for day in range(5)})
        calendar = WorkCalendar(time_zone="Asia/Dubai", default_week=split)
        start = dt.datetime(2026, 6, 1, 11, tzinfo=ZoneInfo("Asia/Dubai"))
        assert add_working_minutes(calendar, start, 90) == dt.datetime(
            2026, 6, 1, 9, 30, tzinfo=UTC
        )
        assert not is_working_moment(calendar, start + dt.timedelta(hours=1, minutes=30))


class TestCountryPacks:
    """R-42 weekends: SA and IQ Friday–Saturday, AE Saturday–Sunday, IR Friday (Thursday set)."""

    @pytest.mark.parametrize(
        ("code", "zone", "weekend"),
        [
            ("SA", "Asia/Riyadh", {"Fri", "Sat"}),
            ("IQ", "Asia/Baghdad", {"Fri", "Sat"}),
            ("AE", "Asia/Dubai", {"Sat", "Sun"}),
            ("IR", "Asia/Tehran", {"Thu", "Fri"}),
        ],
    )
    def test_weekend_and_zone(self, code: str, zone: str, weekend: set[str]) -> None:
        calendar = calendar_from_pack(code)
        assert calendar.time_zone == zone
        week = [dt.date(2026, 6, 1) + dt.timedelta(days=offset) for offset in range(7)]
        closed = {day.strftime("%a") for day in week if not is_working_day(calendar, day)}
        assert closed == weekend

    def test_pack_weekend_field_matches_its_week(self) -> None:
        for code in ("SA", "IQ", "AE"):
            pack = get_pack(code)
            assert pack.working_weekdays() == frozenset(range(7)) - pack.weekend

    def test_saudi_due_date_skips_friday_and_saturday(self) -> None:
        riyadh = ZoneInfo("Asia/Riyadh")
        thursday = dt.datetime(2026, 6, 4, 10, tzinfo=riyadh)
        due = add_working_days(calendar_from_pack("SA"), thursday, 1)
        assert due == dt.datetime(2026, 6, 7, 14, 30, tzinfo=riyadh)  # Sunday

    def test_uae_friday_is_half_a_day(self) -> None:
        dubai = ZoneInfo("Asia/Dubai")
        friday = dt.datetime(2026, 6, 5, tzinfo=dubai)
        calendar = calendar_from_pack("AE")
        assert working_minutes_between(calendar, friday, friday + dt.timedelta(1)) == 270

    def test_unknown_pack(self) -> None:
        with pytest.raises(KeyError, match="known: AE, IQ, IR, SA"):
            get_pack("XX")


class TestEdges:
    def test_between_is_signed_and_exact(self) -> None:
        calendar = calendar_from_pack("IR")
        start, end = tehran(2026, 5, 2, 8), tehran(2026, 5, 3, 9)
        assert working_minutes_between(calendar, start, end) == 390 + 90
        assert working_minutes_between(calendar, end, start) == -(390 + 90)
        assert working_minutes_between(calendar, start, start) == 0
        assert working_time_between(calendar, start, start + dt.timedelta(seconds=90)) == (
            dt.timedelta(seconds=90)
        )

    def test_add_working_time_dispatches_on_the_unit(self) -> None:
        calendar = calendar_from_pack("IR")
        start = tehran(2026, 5, 2, 8)
        assert add_working_time(calendar, start, 90, "working_minutes") == tehran(2026, 5, 2, 9, 30)
        assert add_working_time(calendar, start, 2, "hours") == tehran(2026, 5, 2, 10)
        assert add_working_time(calendar, start, 1, "working_days") == tehran(2026, 5, 3, 14, 30)
        with pytest.raises(ValueError, match="unknown unit"):
            add_working_time(calendar, start, 1, "fortnights")

    def test_fractional_hours(self) -> None:
        calendar = calendar_from_pack("IR")
        assert add_working_hours(calendar, tehran(2026, 5, 2, 8), 1.5) == tehran(2026, 5, 2, 9, 30)

    def test_ends_exactly_at_closing_time(self) -> None:
        calendar = calendar_from_pack("IR")
        assert add_working_hours(calendar, tehran(2026, 5, 2, 7, 30), 7) == tehran(
            2026, 5, 2, 14, 30
        )
        assert add_working_minutes(calendar, tehran(2026, 5, 2, 14, 30), 0) == tehran(
            2026, 5, 3, 7, 30
        )

    def test_calendar_without_working_time_fails_loudly(self) -> None:
        closed = WorkCalendar(time_zone="Asia/Tehran", default_week=make_week({}))
        with pytest.raises(NoWorkingTime):
            add_working_days(closed, tehran(2026, 5, 2), 1)
        with pytest.raises(NoWorkingTime):
            next_working_moment(closed, tehran(2026, 5, 2))

    def test_week_must_have_seven_days(self) -> None:
        with pytest.raises(ValueError, match="seven"):
            WorkCalendar(time_zone="Asia/Tehran", default_week=((),))

    def test_time_seconds_and_midnight(self) -> None:
        assert worktime.time_seconds("07:30") == 27_000
        assert worktime.time_seconds(dt.time(14, 30)) == 52_200
        assert make_week({4: [("22:00", "00:00")]})[4] == ((79_200, 86_400),)
