"""Dates for people: Jalali in fa, Hijri (Umm al-Qura) with Gregorian in ar, Gregorian in en.

Stored values stay UTC; these functions convert at the edge, in the active time zone.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import formats, timezone, translation
from hijridate import Gregorian, Hijri
from persiantools.jdatetime import JalaliDate

from khedmat.core.digits import fold_digits, localize_digits

#: Typed dates: Y/M/D with /, - or . and any digits. A year from 1800 on is Gregorian; below it the
#: year is in the field's local calendar (Jalali ~1405 and Hijri ~1448 in 2026 are far below).
GREGORIAN_FROM_YEAR = 1800
_TYPED_DATE = re.compile(r"^\s*(\d{4})[/\-.](\d{1,2})[/\-.](\d{1,2})\s*$")
JALALI, HIJRI, GREGORIAN = "jalali", "hijri", "gregorian"


def parse_local_date(text: str, calendar: str = JALALI) -> dt.date:
    """The Gregorian date of a date typed as Y/M/D in `calendar` (jalali, hijri or gregorian).

    The one parser of typed dates (forms, the form builder, the calendar admin): any digits, one
    year cut-off. ValueError when the text is not Y/M/D or names a day that does not exist.
    """
    match = _TYPED_DATE.match(fold_digits(text))
    if match is None:
        raise ValueError("not Y/M/D")
    year, month, day = (int(part) for part in match.groups())
    try:
        if year >= GREGORIAN_FROM_YEAR:
            return dt.date(year, month, day)
        if calendar == JALALI:
            return JalaliDate(year, month, day).to_gregorian()
        if calendar == HIJRI:
            gregorian = Hijri(year, month, day).to_gregorian()
            return dt.date(gregorian.year, gregorian.month, gregorian.day)
    except OverflowError as error:
        raise ValueError(str(error)) from error
    raise ValueError("a Gregorian year is expected")


JALALI_MONTHS = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)


def _as_local_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


def _as_local_datetime(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def jalali_date(value: dt.date | dt.datetime) -> str:
    """`1 آذر 1405` (ASCII digits; localise them for display)."""
    jalali = JalaliDate(_as_local_date(value))
    return f"{jalali.day} {JALALI_MONTHS[jalali.month - 1]} {jalali.year}"


def jalali_numeric(value: dt.date | dt.datetime) -> str:
    """`1405/09/01`."""
    jalali = JalaliDate(_as_local_date(value))
    return f"{jalali.year:04d}/{jalali.month:02d}/{jalali.day:02d}"


def hijri_date(value: dt.date | dt.datetime) -> str | None:
    """`1 شوال 1447 هـ`, or None outside the Umm al-Qura table (1924-08-01 .. 2077-11-16)."""
    day = _as_local_date(value)
    try:
        hijri = Gregorian(day.year, day.month, day.day).to_hijri()
    except (OverflowError, ValueError):
        return None
    return f"{hijri.day} {hijri.month_name('ar')} {hijri.year} {hijri.notation('ar')}"


def gregorian_date(value: dt.date | dt.datetime, language: str) -> str:
    with translation.override(language):
        return formats.date_format(_as_local_date(value), "j F Y")


def format_date(value: dt.date | dt.datetime | None, language: str | None = None) -> str:
    """A date as people of `language` read it, with the language's digits."""
    if value is None:
        return ""
    language = (language or translation.get_language() or "fa")[:2]
    if language == "fa":
        text = jalali_date(value)
    elif language == "ar":
        gregorian = gregorian_date(value, "ar")
        hijri = hijri_date(value)
        text = f"{hijri} ({gregorian})" if hijri else gregorian
    else:
        text = gregorian_date(value, "en")
    return localize_digits(text, language)


def format_time(value: dt.datetime | dt.time | None, language: str | None = None) -> str:
    """`14:05` in the active time zone, with the language's digits."""
    if value is None:
        return ""
    language = (language or translation.get_language() or "fa")[:2]
    if isinstance(value, dt.datetime):
        value = _as_local_datetime(value).time()
    return localize_digits(f"{value.hour:02d}:{value.minute:02d}", language)


def format_datetime(value: dt.datetime | None, language: str | None = None) -> str:
    """Date and time in the active time zone, e.g. `1 آذر 1405، 14:05` (localised digits)."""
    if value is None:
        return ""
    language = (language or translation.get_language() or "fa")[:2]
    separator = "، " if language in {"fa", "ar"} else ", "
    return f"{format_date(value, language)}{separator}{format_time(value, language)}"
