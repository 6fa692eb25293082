"""The change calendar's month: which month `?month=YYYY-MM` names (Jalali in Persian, Hijri
(Umm al-Qura) in Arabic with each day's Gregorian date beside it, Gregorian otherwise), its weeks
from Saturday, and which changes and freezes cover each day."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats, timezone, translation
from hijridate import Gregorian, Hijri
from persiantools.jdatetime import JalaliDate

from khedmat.core.dates import JALALI_MONTHS

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
#: Python's weekday() of Saturday: weeks start on it.
SATURDAY = 5


@dataclass(frozen=True)
class Month:
    """One month of the calendar the page shows: its year and number there, its Gregorian days."""

    calendar: str  # "jalali", "hijri" or "gregorian"
    year: int
    number: int
    first: dt.date
    last: dt.date

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.number:02d}"

    def shifted(self, step: int) -> Month:
        index = self.year * 12 + self.number - 1 + step
        return month_of(self.calendar, index // 12, index % 12 + 1)

    @property
    def previous(self) -> Month:
        return self.shifted(-1)

    @property
    def next(self) -> Month:
        return self.shifted(1)

    def span(self) -> tuple[dt.datetime, dt.datetime]:
        """[first midnight, midnight after the last day) in the active time zone."""
        zone = timezone.get_current_timezone()
        start = dt.datetime.combine(self.first, dt.time(), tzinfo=zone)
        end = dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        return start, end


@dataclass
class Day:
    """A day cell: its date, its number in the month's calendar, what covers it."""

    date: dt.date
    number: int
    in_month: bool
    other: str = ""  # the same day in a second calendar (Gregorian beside a Hijri month)
    changes: list[Any] = field(default_factory=list)
    freezes: list[Any] = field(default_factory=list)


def month_of(calendar: str, year: int, number: int) -> Month:
    """The month `number` of `year` in `calendar`, with its first and last Gregorian days."""
    if calendar == "jalali":
        first = JalaliDate(year, number, 1).to_gregorian()
        following = JalaliDate(year + number // 12, number % 12 + 1, 1).to_gregorian()
    elif calendar == "hijri":
        try:
            first = _date(Hijri(year, number, 1).to_gregorian())
            following = _date(Hijri(year + number // 12, number % 12 + 1, 1).to_gregorian())
        except OverflowError as error:  # outside the Umm al-Qura table (1343–1500 AH)
            raise ValueError(str(error)) from error
    else:
        first = dt.date(year, number, 1)
        following = dt.date(year + number // 12, number % 12 + 1, 1)
    return Month(calendar, year, number, first, following - dt.timedelta(days=1))


def _date(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, day.day)


def calendar_for(language: str) -> str:
    if language.startswith("fa"):
        return "jalali"
    return "hijri" if language.startswith("ar") else "gregorian"


def month_for(text: str | None, language: str, today: dt.date) -> Month:
    """The month `?month=` names in the language's calendar; this month when missing or wrong."""
    calendar = calendar_for(language)
    match = _MONTH.match(text or "")
    if match:
        year, number = int(match.group(1)), int(match.group(2))
        if 1 <= number <= 12 and 1000 <= year <= 3000:
            try:
                return month_of(calendar, year, number)
            except ValueError:
                pass
    if calendar == "jalali":
        jalali = JalaliDate(today)
        return month_of(calendar, jalali.year, jalali.month)
    if calendar == "hijri":
        hijri = Gregorian(today.year, today.month, today.day).to_hijri()
        return month_of(calendar, hijri.year, hijri.month)
    return month_of(calendar, today.year, today.month)


def month_name(month: Month, language: str) -> str:
    """`اسفند 1404`; `جمادى الآخرة 1448 هـ (نوفمبر – ديسمبر 2026)`; or the Gregorian month name
    and year (ASCII digits: the template localises them)."""
    if month.calendar == "jalali":
        return f"{JALALI_MONTHS[month.number - 1]} {month.year}"
    with translation.override(language):
        if month.calendar == "hijri":
            hijri = Hijri(month.year, month.number, 1)
            span = _gregorian_span(month.first, month.last)
            return f"{hijri.month_name('ar')} {month.year} {hijri.notation('ar')} ({span})"
        return str(formats.date_format(month.first, "F Y"))


def _gregorian_span(first: dt.date, last: dt.date) -> str:
    if first.year == last.year:
        return f"{formats.date_format(first, 'F')} – {formats.date_format(last, 'F Y')}"
    return f"{formats.date_format(first, 'F Y')} – {formats.date_format(last, 'F Y')}"


def _day_number(month: Month, day: dt.date) -> int:
    if month.calendar == "jalali":
        return JalaliDate(day).day
    if month.calendar == "hijri":
        return int(Gregorian(day.year, day.month, day.day).to_hijri().day)
    return day.day


def _other_day(month: Month, day: dt.date) -> str:
    """The Gregorian day and month beside a Hijri day (in the active language)."""
    if month.calendar != "hijri":
        return ""
    return str(formats.date_format(day, "j F"))


def _local_days(start: dt.datetime, end: dt.datetime) -> tuple[dt.date, dt.date]:
    """The first and last local day [start, end) touches."""
    last = timezone.localtime(end - dt.timedelta(microseconds=1)).date()
    return timezone.localtime(start).date(), last


def month_weeks(
    month: Month,
    changes: Iterable[Any],
    freezes: Iterable[Any],
) -> list[list[Day]]:
    """The month's weeks (Saturday first, padded with the neighbouring months' days), each day
    listing the changes whose planned window and the freezes that cover it."""
    first = month.first - dt.timedelta(days=(month.first.weekday() - SATURDAY) % 7)
    last = month.last + dt.timedelta(days=(SATURDAY + 6 - month.last.weekday()) % 7)
    days: dict[dt.date, Day] = {}
    day = first
    while day <= last:
        days[day] = Day(
            date=day,
            number=_day_number(month, day),
            in_month=month.first <= day <= month.last,
            other=_other_day(month, day),
        )
        day += dt.timedelta(days=1)
    _spread(days, changes, "planned_start", "planned_end", "changes")
    _spread(days, freezes, "starts_at", "ends_at", "freezes")
    ordered = list(days.values())
    return [ordered[index : index + 7] for index in range(0, len(ordered), 7)]


def _spread(days: dict[dt.date, Day], rows: Iterable[Any], start: str, end: str, into: str) -> None:
    for row in rows:
        begin, finish = _local_days(getattr(row, start), getattr(row, end))
        day = begin
        while day <= finish:
            if day in days:
                getattr(days[day], into).append(row)
            day += dt.timedelta(days=1)


def month_days(weeks: Sequence[Sequence[Day]]) -> list[Day]:
    """The month's own days that have a change or a freeze (the list view below the grid)."""
    return [day for week in weeks for day in week if day.in_month and (day.changes or day.freezes)]
