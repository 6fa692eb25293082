"""Use cases that change calendars: each writes Activity, bumps the revision, tells listeners."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from khedmat.accounts.models import OrgUnit
from khedmat.calendars.choices import HolidayKind, OverrideMode, ScopeKind
from khedmat.calendars.listeners import calendar_changed
from khedmat.calendars.models import (
    CalendarRevision,
    CalendarScope,
    Holiday,
    HoursOverride,
    UnitPlacement,
    WorkingHours,
    WorkWeek,
)
from khedmat.calendars.packs import get_pack
from khedmat.calendars.queries import forget_revision
from khedmat.core.services import record_activity

CalendarEntry = CalendarScope | UnitPlacement | WorkWeek | WorkingHours | HoursOverride | Holiday
# (scope, first day, last day, org unit id): what a row's change may affect.
Affected = tuple[CalendarScope | None, dt.date | None, dt.date | None, int | None]


def bump_revision() -> int:
    """Count one calendar change; every process recompiles its calendars on its next read."""
    now = timezone.now()
    updated = CalendarRevision.objects.filter(pk=1).update(number=F("number") + 1, changed_at=now)
    if not updated:
        CalendarRevision.objects.get_or_create(pk=1, defaults={"number": 1, "changed_at": now})
    forget_revision()
    transaction.on_commit(forget_revision)  # a thread that read meanwhile saw the old one
    return CalendarRevision.objects.values_list("number", flat=True).get(pk=1)


def describe(entry: models.Model) -> dict[str, Any]:
    """The row's concrete field values as JSON-ready data, for the Activity row."""
    data: dict[str, Any] = {}
    for field in entry._meta.concrete_fields:
        value = field.value_from_object(entry)
        if isinstance(value, dt.date | dt.time):
            value = value.isoformat()
        data[field.attname] = value
    return data


def affected_by(entry: models.Model) -> Affected:
    """The scope and dates a calendar row touches (a placement touches one unit)."""
    if isinstance(entry, Holiday):
        return entry.scope, entry.date, entry.end_date, None
    if isinstance(entry, HoursOverride):
        return entry.scope, entry.start_date, entry.end_date, None
    if isinstance(entry, WorkWeek):
        return entry.scope, entry.valid_from, entry.valid_until, None
    if isinstance(entry, WorkingHours):
        week = entry.work_week
        return week.scope, week.valid_from, week.valid_until, None
    if isinstance(entry, CalendarScope):
        return entry, None, None, None
    if isinstance(entry, UnitPlacement):
        return None, None, None, entry.org_unit_id
    raise TypeError(f"{type(entry).__name__} is not a calendar row")


def _merge(first: Affected, second: Affected) -> list[Affected]:
    if first[0] != second[0] or first[3] != second[3]:
        return [first, second]
    starts, ends = [first[1], second[1]], [first[2], second[2]]
    start = None if None in starts else min(day for day in starts if day is not None)
    end = None if None in ends else max(day for day in ends if day is not None)
    return [(first[0], start, end, first[3])]


def _notify(
    affected: Iterable[Affected],
    *,
    reason: str,
    actor: Any,
    notify_applicants: bool = False,
    holiday_id: int | None = None,
) -> None:
    for scope, start, end, org_unit_id in affected:
        calendar_changed(
            scope,
            start,
            end,
            reason=reason,
            actor=actor,
            notify_applicants=notify_applicants,
            org_unit_id=org_unit_id,
            holiday_id=holiday_id,
        )


def announce_closure(
    *,
    date: dt.date,
    scope: CalendarScope,
    name_fa: str,
    actor: Any,
    end_date: dt.date | None = None,
    name_ar: str = "",
    name_en: str = "",
    kind: str = HolidayKind.ADMINISTRATIVE_CLOSURE,
    notify_applicants: bool = False,
    source: str = "",
    note: str = "",
    starts_at: dt.time | None = None,
    ends_at: dt.time | None = None,
) -> Holiday:
    """Record an ad-hoc closure ("tomorrow, Tehran province") and recompute what it affects."""
    with transaction.atomic():
        holiday = Holiday(
            date=date,
            end_date=end_date or date,
            scope=scope,
            name_fa=name_fa,
            name_ar=name_ar,
            name_en=name_en,
            kind=kind,
            source=source,
            note=note,
            starts_at=starts_at,
            ends_at=ends_at,
            confirmed=True,
        )
        holiday.full_clean()
        holiday.save()
        record_activity(
            holiday,
            "holiday.closure_announced",
            actor=actor,
            new=describe(holiday),
            data={"notify_applicants": notify_applicants, "scope": f"{scope.kind}:{scope.code}"},
        )
        bump_revision()
        _notify(
            [affected_by(holiday)],
            reason="closure_announced",
            actor=actor,
            notify_applicants=notify_applicants,
            holiday_id=holiday.pk,
        )
    return holiday


def confirm_holiday(holiday: Holiday, *, actor: Any) -> Holiday:
    """Mark a doubtful holiday as confirmed (it then closes the calendar); no-op if it already is."""
    with transaction.atomic():
        holiday = Holiday.objects.select_for_update().select_related("scope").get(pk=holiday.pk)
        if holiday.confirmed:
            return holiday
        holiday.confirmed = True
        holiday.save(update_fields=["confirmed"])
        record_activity(holiday, "holiday.confirmed", actor=actor, old=False, new=True)
        bump_revision()
        _notify([affected_by(holiday)], reason="holiday_confirmed", actor=actor)
    return holiday


def record_calendar_change(
    entry: CalendarEntry, *, actor: Any, created: bool, before: Affected | None = None
) -> None:
    """After a row was saved (admin): Activity, revision, listeners over old and new ranges."""
    with transaction.atomic():
        name = entry._meta.model_name
        verb = f"{name}.{'created' if created else 'changed'}"
        record_activity(entry, verb, actor=actor, new=describe(entry))
        bump_revision()
        after = affected_by(entry)
        _notify(_merge(before, after) if before else [after], reason=verb, actor=actor)


def delete_calendar_entry(entry: CalendarEntry, *, actor: Any) -> None:
    """Delete a calendar row with its Activity row, then tell listeners what it affected."""
    with transaction.atomic():
        affected = affected_by(entry)
        verb = f"{entry._meta.model_name}.deleted"
        record_activity(entry, verb, actor=actor, old=describe(entry))
        entry.delete()
        bump_revision()
        _notify([affected], reason=verb, actor=actor)


def create_work_week(
    scope: CalendarScope,
    *,
    name: str,
    valid_from: dt.date,
    hours: Mapping[int, Iterable[tuple[dt.time, dt.time]]],
    actor: Any,
    valid_until: dt.date | None = None,
) -> WorkWeek:
    """A work week with its hours ({python weekday: [(start, end), ...]}; absent days closed)."""
    with transaction.atomic():
        week = WorkWeek(scope=scope, name=name, valid_from=valid_from, valid_until=valid_until)
        week.full_clean()
        week.save()
        rows = [
            WorkingHours(work_week=week, weekday=weekday, starts_at=start, ends_at=end)
            for weekday, intervals in sorted(hours.items())
            for start, end in intervals
        ]
        for row in rows:
            row.full_clean(exclude=["work_week"])
        WorkingHours.objects.bulk_create(rows)
        record_calendar_change(week, actor=actor, created=True)
    return week


def create_hours_override(
    scope: CalendarScope,
    *,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    actor: Any,
    mode: str = OverrideMode.LIMIT,
    opens_at: dt.time | None = None,
    closes_at: dt.time | None = None,
    late_start_minutes: int = 0,
    early_end_minutes: int = 0,
    weekdays: Iterable[int] = (),
    note: str = "",
) -> HoursOverride:
    """Different hours on the working days of a date range (summer, Ramadan, energy saving)."""
    with transaction.atomic():
        override = HoursOverride(
            scope=scope,
            name=name,
            start_date=start_date,
            end_date=end_date,
            mode=mode,
            opens_at=opens_at,
            closes_at=closes_at,
            late_start_minutes=late_start_minutes,
            early_end_minutes=early_end_minutes,
            weekdays=list(weekdays),
            note=note,
        )
        override.full_clean()
        override.save()
        record_calendar_change(override, actor=actor, created=True)
    return override


def place_org_unit(
    org_unit: OrgUnit,
    *,
    location: CalendarScope,
    actor: Any,
    agency: CalendarScope | None = None,
    observes_administrative_closures: bool = True,
) -> UnitPlacement:
    """Put a unit (and the units below it) in a location and optionally an agency calendar."""
    with transaction.atomic():
        placement = UnitPlacement.objects.filter(org_unit=org_unit).first()
        created = placement is None
        placement = placement or UnitPlacement(org_unit=org_unit)
        placement.location = location
        placement.agency = agency
        placement.observes_administrative_closures = observes_administrative_closures
        placement.full_clean()
        placement.save()
        record_calendar_change(placement, actor=actor, created=created)
    return placement


def install_country_pack(
    code: str,
    *,
    actor: Any,
    thursday: str | None = None,
    valid_from: dt.date | None = None,
) -> CalendarScope:
    """The country's national scope and, unless it has one, a work week copied from its pack."""
    pack = get_pack(code)
    with transaction.atomic():
        scope, created = CalendarScope.objects.get_or_create(
            kind=ScopeKind.NATIONAL,
            code=pack.code,
            defaults={
                "name_fa": pack.name_fa,
                "name_ar": pack.name_ar,
                "name_en": pack.name_en,
                "time_zone": pack.time_zone,
            },
        )
        if created:
            record_calendar_change(scope, actor=actor, created=True)
        if not scope.work_weeks.exists():
            week = pack.week(thursday)
            create_work_week(
                scope,
                name=f"{pack.name_en}: {pack.name_fa}",
                valid_from=valid_from or timezone.localdate(),
                hours={
                    weekday: [(_time(start), _time(end)) for start, end in intervals]
                    for weekday, intervals in enumerate(week)
                    if intervals
                },
                actor=actor,
            )
    return scope


def _time(second: int) -> dt.time:
    if second >= 86_400:
        return dt.time(0)
    return dt.time(second // 3600, second % 3600 // 60, second % 60)
