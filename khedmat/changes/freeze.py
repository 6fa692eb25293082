"""Freeze windows: derived from the national calendar (Nowruz, the last ten days of Esfand,
Tasua and Ashura), and which of them apply to a change's CIs and window.

Derivation reads the holiday rows of Iran's national scope (`calendars.Holiday`); lunar dates are
rows, never computed (R-38). Only the Jalali month lengths (solar, deterministic) are computed,
with persiantools.

A Jalali year can hold two Muharrams (roughly once in 33 years; not 1404 nor 1405 in the seeded
rows). Each Tasua is paired with the Ashura that follows it; but `FreezeWindow` allows one derived
window per origin and year (constraint `changes_freeze_derived_once`), so only the first pair gets
the MUHARRAM window and every further pair is reported as missing: add it by hand (origin
"manual") until the constraint allows one window per pair.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from persiantools.jdatetime import JalaliDate

from khedmat.calendars.models import Holiday
from khedmat.changes.choices import FreezeOrigin
from khedmat.changes.models import FreezeWindow
from khedmat.cmdb.models import ConfigurationItem
from khedmat.core.actors import Actor
from khedmat.core.digits import to_arabic_digits, to_persian_digits
from khedmat.core.services import record_activity

logger = logging.getLogger(__name__)

#: Iran's time zone: derived windows start and end at local midnight.
IRAN_TIME_ZONE = ZoneInfo("Asia/Tehran")
#: How many days at the end of Esfand are frozen.
ESFAND_DAYS = 10
#: Nature Day: the last day of the Nowruz holidays (13 Farvardin).
NATURE_DAY = 13


@dataclass
class FreezeDerivation:
    """What deriving a year made or updated, and what the calendar lacked (messages for people)."""

    jalali_year: int
    windows: list[FreezeWindow] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Span:
    origin: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    names: tuple[str, str, str]


def midnight(day: dt.date) -> dt.datetime:
    """00:00 of `day` in Iran."""
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=IRAN_TIME_ZONE)


def jalali_year_bounds(jalali_year: int) -> tuple[dt.date, dt.date]:
    """The first Gregorian day of the Jalali year and the first day of the next one."""
    first = JalaliDate(jalali_year, 1, 1).to_gregorian()
    following = JalaliDate(jalali_year + 1, 1, 1).to_gregorian()
    return first, following


def esfand_length(jalali_year: int) -> int:
    """29 days, 30 in a leap year."""
    return 30 if JalaliDate.is_leap(jalali_year) else 29


def _names(jalali_year: int, fa: str, ar: str, en: str) -> tuple[str, str, str]:
    year = str(jalali_year)
    return (
        f"{fa} {to_persian_digits(year)}",
        f"{ar} {to_arabic_digits(year)}",
        f"{en} {year}",
    )


def _national_holidays(jalali_year: int) -> list[Holiday]:
    first, following = jalali_year_bounds(jalali_year)
    return list(
        Holiday.objects.filter(
            scope__kind="national",
            scope__code="IR",
            date__gte=first,
            date__lt=following,
        )
        .filter(
            Q(name_en__icontains="Nowruz")
            | Q(name_en__icontains="Tasua")
            | Q(name_en__icontains="Ashura")
        )
        .order_by("date", "id")
    )


def _nowruz(jalali_year: int, holidays: list[Holiday], missing: list[str]) -> list[_Span]:
    farvardin_end = JalaliDate(jalali_year, 1, NATURE_DAY + 1).to_gregorian()
    days = [h.date for h in holidays if "nowruz" in h.name_en.lower() and h.date < farvardin_end]
    if not days:
        missing.append(
            str(_("No Nowruz holiday in %(year)s: the Nowruz freeze was not derived."))
            % {"year": jalali_year}
        )
        return []
    names = _names(jalali_year, "تعطیلات نوروز", "عطلة النوروز", "Nowruz holidays")
    return [_Span(FreezeOrigin.NOWRUZ, midnight(min(days)), midnight(farvardin_end), names)]


def _esfand(jalali_year: int) -> _Span:
    last = esfand_length(jalali_year)
    first_day = JalaliDate(jalali_year, 12, last - ESFAND_DAYS + 1).to_gregorian()
    _, following = jalali_year_bounds(jalali_year)
    names = _names(
        jalali_year, "دهه پایانی اسفند", "العشر الأواخر من إسفند", "Last ten days of Esfand"
    )
    return _Span(FreezeOrigin.ESFAND, midnight(first_day), midnight(following), names)


def _muharram(jalali_year: int, holidays: list[Holiday], missing: list[str]) -> list[_Span]:
    tasuas = [h for h in holidays if "tasua" in h.name_en.lower()]
    ashuras = [h for h in holidays if "ashura" in h.name_en.lower()]
    pairs: list[tuple[Holiday, Holiday]] = []
    for tasua in tasuas:
        following = [a for a in ashuras if a.date > tasua.date]
        if following and (following[0].date - tasua.date).days <= 2:
            pairs.append((tasua, following[0]))
    if not pairs:
        missing.append(
            str(_("No Tasua and Ashura in %(year)s: the Muharram freeze was not derived."))
            % {"year": jalali_year}
        )
        return []
    for extra, _ashura in pairs[1:]:
        missing.append(
            str(_("A second Tasua on %(date)s in %(year)s: add its freeze window by hand."))
            % {"date": extra.date.isoformat(), "year": jalali_year}
        )
    tasua, ashura = pairs[0]
    names = _names(jalali_year, "تاسوعا و عاشورای", "تاسوعاء وعاشوراء", "Tasua and Ashura")
    ends = midnight(ashura.end_date + dt.timedelta(days=1))
    return [_Span(FreezeOrigin.MUHARRAM, midnight(tasua.date), ends, names)]


def derive_year(jalali_year: int, *, actor: Actor = None) -> FreezeDerivation:
    """Create or update the derived freeze windows of `jalali_year` from the national calendar.

    Idempotent (one window per origin and year): a second run updates the dates and names and
    keeps what people set by hand (active or not, scoped CIs, note).
    """
    result = FreezeDerivation(jalali_year)
    holidays = _national_holidays(jalali_year)
    spans = [
        *_nowruz(jalali_year, holidays, result.missing),
        _esfand(jalali_year),
        *_muharram(jalali_year, holidays, result.missing),
    ]
    with transaction.atomic():
        for span in spans:
            result.windows.append(_store(jalali_year, span, actor=actor))
    for message in result.missing:
        logger.warning("freeze windows %s: %s", jalali_year, message)
    return result


def _store(jalali_year: int, span: _Span, *, actor: Actor) -> FreezeWindow:
    name_fa, name_ar, name_en = span.names
    values = {
        "starts_at": span.starts_at,
        "ends_at": span.ends_at,
        "name_fa": name_fa,
        "name_ar": name_ar,
        "name_en": name_en,
    }
    window = (
        FreezeWindow.objects.select_for_update()
        .filter(origin=span.origin, jalali_year=jalali_year)
        .first()
    )
    if window is None:
        window = FreezeWindow.objects.create(origin=span.origin, jalali_year=jalali_year, **values)
        record_activity(window, "freeze_window.derived", actor=actor, new=_bounds(window))
        return window
    old = _bounds(window)
    changed = any(getattr(window, name) != value for name, value in values.items())
    if changed:
        for name, value in values.items():
            setattr(window, name, value)
        window.save(update_fields=[*values])
        record_activity(
            window, "freeze_window.rederived", actor=actor, old=old, new=_bounds(window)
        )
    return window


def _bounds(window: FreezeWindow) -> dict[str, str]:
    return {"starts_at": window.starts_at.isoformat(), "ends_at": window.ends_at.isoformat()}


def derive_freeze_windows(jalali_year: int, *, actor: Actor = None) -> list[FreezeWindow]:
    """The derived freeze windows of `jalali_year`, created or updated (see `derive_year`; what
    the calendar lacked is logged as a warning)."""
    return derive_year(jalali_year, actor=actor).windows


def _ids(items: Iterable[ConfigurationItem | int]) -> set[int]:
    return {item if isinstance(item, int) else int(item.pk) for item in items}


def _impacted(ids: set[int]) -> set[int]:
    """The CIs that the failure of `ids` reaches (asked only for windows limited to CIs)."""
    from khedmat.cmdb.impact import impacted_ids

    return set(impacted_ids(ids))


def freezes_for(
    items: Iterable[ConfigurationItem | int], start: dt.datetime, end: dt.datetime
) -> list[FreezeWindow]:
    """The active freeze windows overlapping [start, end) that apply to a change on `items`.

    A window without CIs applies to everything. A window scoped to CIs applies when one of the
    change's CIs is one of them or is impacted by (depends on, runs on…) one of them.
    """
    change_ids = _ids(items)
    windows = list(
        FreezeWindow.objects.filter(is_active=True, starts_at__lt=end, ends_at__gt=start)
        .prefetch_related("items")
        .order_by("starts_at", "id")
    )
    applying = []
    for window in windows:
        scope = {item.pk for item in window.items.all()}
        if not scope:
            applying.append(window)
            continue
        if change_ids & scope or change_ids & _impacted(scope):
            applying.append(window)
    return applying
