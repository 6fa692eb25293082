"""Reads: the compiled calendar of a unit or scope (cached per revision), units in a scope.

A unit's calendar is the union of the rows of its scopes, widest first: its location (country,
province, city, from the nearest `UnitPlacement` up the org-unit tree, else the default country),
its agency, then the org-unit scopes of its ancestors and itself. The narrowest work week in force
on a day wins; hour overrides apply widest first; holidays and closures of every scope close the
day. Compiled calendars are kept per process and thrown away when the revision row changes.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet

from khedmat.accounts.models import OrgUnit
from khedmat.calendars.choices import SCOPE_RANK, HolidayKind, ScopeKind
from khedmat.calendars.models import (
    CalendarRevision,
    CalendarScope,
    Holiday,
    HoursOverride,
    UnitPlacement,
    WorkWeek,
)
from khedmat.calendars.packs import PACKS, CountryPack
from khedmat.calendars.worktime import (
    Closure,
    DatedWeek,
    HoursChange,
    WorkCalendar,
    make_week,
    time_seconds,
)
from khedmat.core.sql import ReusedQuery

_lock = threading.Lock()
_compiled: dict[tuple[Any, ...], WorkCalendar] = {}
_compiled_token: tuple[int, str] | None = None


def default_country() -> str:
    """The country whose calendar applies to units placed nowhere (KHEDMAT_CALENDAR_COUNTRY)."""
    return str(getattr(settings, "KHEDMAT_CALENDAR_COUNTRY", "IR")).upper()


def count_unconfirmed() -> bool:
    """Whether unconfirmed holidays close the calendar (KHEDMAT_CALENDAR_COUNT_UNCONFIRMED)."""
    return bool(getattr(settings, "KHEDMAT_CALENDAR_COUNT_UNCONFIRMED", False))


def _revision_rows(pk: int) -> QuerySet[Any]:
    return CalendarRevision.objects.filter(pk=pk).values_list("number", "changed_at").order_by()


_REVISION = ReusedQuery(_revision_rows, "calendars.revision_token")


#: The revision read last by this process and when (time.monotonic()): read again after
#: KHEDMAT_CALENDAR_RECHECK_SECONDS, so a calendar changed in another process counts here within
#: that time; a change made in this process counts at once (bump_revision forgets it).
_read_revision: list[Any] = [None, 0.0]


def revision_token() -> tuple[int, str]:
    """The current revision (number, time of the change): one small query at most every
    KHEDMAT_CALENDAR_RECHECK_SECONDS per process, compiled once (every submission and page with
    SLA badges reads it)."""
    token, read_at = _read_revision
    seconds = settings.KHEDMAT_CALENDAR_RECHECK_SECONDS
    if token is not None and time.monotonic() - read_at < seconds:
        return token  # type: ignore[no-any-return]
    token = _read_token()
    _read_revision[:] = [token, time.monotonic()]
    return token


def forget_revision() -> None:
    """Read the revision again on the next call (a change made here; tests)."""
    _read_revision[:] = [None, 0.0]


def _read_token() -> tuple[int, str]:
    rows = _REVISION.rows(1)
    if not rows:
        return (0, "")
    number, changed_at = rows[0]
    return (number, changed_at.isoformat() if changed_at else "")


def revision_number() -> int:
    """How many calendar changes have been recorded."""
    return revision_token()[0]


def clear_calendar_cache() -> None:
    """Forget every compiled calendar of this process (tests; the revision does it otherwise)."""
    global _compiled_token
    with _lock:
        _compiled.clear()
        _compiled_token = None


def _calendar(
    scopes: Sequence[CalendarScope],
    country: str,
    observes: bool,
    token: tuple[int, str] | None = None,
) -> WorkCalendar:
    """The compiled calendar of `scopes`, from this process's cache when the revision is unchanged."""
    global _compiled_token
    token = token or revision_token()
    unconfirmed = count_unconfirmed()
    key = (token, unconfirmed, country, observes, tuple(scope.pk for scope in scopes))
    with _lock:
        if token != _compiled_token:
            _compiled.clear()
            _compiled_token = token
        calendar = _compiled.get(key)
    if calendar is None:
        calendar = compile_calendar(
            scopes,
            country=country,
            observes_administrative_closures=observes,
            count_unconfirmed=unconfirmed,
        )
        with _lock:
            if token == _compiled_token:
                _compiled[key] = calendar
    return calendar


def _pack(country: str) -> CountryPack:
    return PACKS.get(country.upper()) or PACKS.get(default_country()) or PACKS["IR"]


def _hours_change(row: HoursOverride) -> HoursChange:
    return HoursChange(
        first_day=row.start_date,
        last_day=row.end_date,
        mode=row.mode,
        opens=time_seconds(row.opens_at) if row.opens_at is not None else None,
        closes=(time_seconds(row.closes_at) or 86_400) if row.closes_at is not None else None,
        late_start=row.late_start_minutes * 60,
        early_end=row.early_end_minutes * 60,
        weekdays=frozenset(row.weekdays) if row.weekdays else None,
    )


def compile_calendar(
    scopes: Sequence[CalendarScope],
    *,
    country: str,
    observes_administrative_closures: bool = True,
    count_unconfirmed: bool = False,
) -> WorkCalendar:
    """Build the calendar of `scopes` (widest first) from the rows: four queries, no cache."""
    rank = {scope.pk: index for index, scope in enumerate(scopes)}
    pack = _pack(country)
    weeks = sorted(
        WorkWeek.objects.filter(scope_id__in=rank).prefetch_related("hours"),
        key=lambda week: (-rank[week.scope_id], -week.valid_from.toordinal(), -week.pk),
    )
    dated = [
        DatedWeek(
            week.valid_from,
            week.valid_until,
            make_week(
                _hours_by_weekday(
                    (row.weekday, row.starts_at, row.ends_at) for row in week.hours.all()
                )
            ),
        )
        for week in weeks
    ]
    overrides = sorted(
        HoursOverride.objects.filter(scope_id__in=rank),
        key=lambda row: (rank[row.scope_id], row.start_date, row.pk),
    )
    holidays = Holiday.objects.filter(scope_id__in=rank)
    if not count_unconfirmed:
        holidays = holidays.filter(confirmed=True)
    if not observes_administrative_closures:
        holidays = holidays.exclude(kind=HolidayKind.ADMINISTRATIVE_CLOSURE)
    closures = [
        Closure(
            first_day,
            last_day or first_day,
            time_seconds(starts_at) if starts_at is not None else None,
            (time_seconds(ends_at) or 86_400) if ends_at is not None else None,
        )
        for first_day, last_day, starts_at, ends_at in holidays.values_list(
            "date", "end_date", "starts_at", "ends_at"
        )
    ]
    zones = [scope.time_zone for scope in reversed(scopes) if scope.time_zone]
    time_zone = zones[0] if zones else pack.time_zone or settings.TIME_ZONE
    codes = "/".join(f"{scope.kind}:{scope.code}" for scope in scopes) or "-"
    return WorkCalendar(
        time_zone=time_zone,
        default_week=pack.week(),
        weeks=dated,
        changes=[_hours_change(row) for row in overrides],
        closures=closures,
        key=f"{country}|{codes}",
    )


def _hours_by_weekday(
    rows: Iterable[tuple[int, dt.time, dt.time]],
) -> dict[int, list[tuple[dt.time, dt.time]]]:
    hours: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for weekday, starts_at, ends_at in rows:
        hours.setdefault(weekday, []).append((starts_at, ends_at))
    return hours


def _location_chain(location: CalendarScope | None) -> list[CalendarScope]:
    chain: list[CalendarScope] = []
    while location is not None and len(chain) < 8:
        chain.append(location)
        location = location.parent
    return chain[::-1]


def calendar_for_scope(
    *,
    country: str | None = None,
    province: str | None = None,
    city: str | None = None,
    agency: str | None = None,
    org_units: Sequence[str] = (),
    observes_administrative_closures: bool = True,
    at: dt.datetime | None = None,
) -> WorkCalendar:
    """The calendar of explicit scope codes (a city brings its province and country along).

    `at` is accepted for symmetry with `calendar_for_unit`: a compiled calendar covers every date.
    """
    wanted = Q(kind=ScopeKind.NATIONAL, code__iexact=country or default_country())
    for kind, code in ((ScopeKind.PROVINCE, province), (ScopeKind.CITY, city)):
        if code:
            wanted |= Q(kind=kind, code=code)
    if agency:
        wanted |= Q(kind=ScopeKind.AGENCY, code=agency)
    if org_units:
        wanted |= Q(kind=ScopeKind.ORG_UNIT, code__in=list(org_units))
    found = list(CalendarScope.objects.filter(wanted).select_related("parent__parent"))
    by_kind: dict[str, list[CalendarScope]] = {}
    for scope in found:
        by_kind.setdefault(scope.kind, []).append(scope)
    narrowest = next(
        iter(by_kind.get(ScopeKind.CITY) or by_kind.get(ScopeKind.PROVINCE) or []), None
    )
    location = _location_chain(narrowest)
    if not location or location[0].kind != ScopeKind.NATIONAL:
        location = by_kind.get(ScopeKind.NATIONAL, [])[:1] + location
    scopes = location + by_kind.get(ScopeKind.AGENCY, [])
    unit_scopes = {scope.code: scope for scope in by_kind.get(ScopeKind.ORG_UNIT, [])}
    scopes += [unit_scopes[code] for code in org_units if code in unit_scopes]
    country_code = _country_of(location) or (country or default_country()).upper()
    return _calendar(scopes, country_code, observes_administrative_closures)


def _country_of(location: Sequence[CalendarScope]) -> str:
    return location[0].code.upper() if location and location[0].kind == ScopeKind.NATIONAL else ""


def _unit_chain(unit_id: int) -> list[tuple[int, str]]:
    """(id, code) of the unit and its ancestors, the unit first: one recursive query."""
    table = connection.ops.quote_name(OrgUnit._meta.db_table)
    sql = (
        f"WITH RECURSIVE chain (id, parent_id, code, depth) AS ("  # noqa: S608 - table name only
        f" SELECT id, parent_id, code, 0 FROM {table} WHERE id = %s"
        f" UNION ALL SELECT u.id, u.parent_id, u.code, chain.depth + 1 FROM {table} u"
        f" JOIN chain ON u.id = chain.parent_id WHERE chain.depth < 64"
        f") SELECT id, code FROM chain ORDER BY depth"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [unit_id])
        return [(row[0], row[1]) for row in cursor.fetchall()]


def _resolve(
    chain: Sequence[tuple[int, str]],
    placements: Mapping[int, UnitPlacement],
    national: CalendarScope | None,
    unit_scopes: Mapping[str, CalendarScope],
    token: tuple[int, str] | None = None,
) -> WorkCalendar:
    """The calendar of a unit given its chain (the unit first) and the rows already read."""
    placement = next((placements[unit] for unit, _code in chain if unit in placements), None)
    location = _location_chain(placement.location) if placement else []
    if not location or location[0].kind != ScopeKind.NATIONAL:
        location = ([national] if national else []) + location
    scopes = list(location)
    if placement is not None and placement.agency is not None:
        scopes.append(placement.agency)
    scopes += [unit_scopes[code] for _unit, code in reversed(chain) if code in unit_scopes]
    observes = placement.observes_administrative_closures if placement else True
    return _calendar(scopes, _country_of(location) or default_country(), observes, token)


def _placements(unit_ids: Iterable[int] | None = None) -> dict[int, UnitPlacement]:
    rows = UnitPlacement.objects.select_related("location__parent__parent", "agency")
    if unit_ids is not None:
        rows = rows.filter(org_unit_id__in=list(unit_ids))
    return {placement.org_unit_id: placement for placement in rows}


def _scopes_for_units(
    codes: Iterable[str] | None,
) -> tuple[CalendarScope | None, dict[str, CalendarScope]]:
    units = Q(kind=ScopeKind.ORG_UNIT)
    if codes is not None:
        units &= Q(code__in=list(codes))
    found = CalendarScope.objects.filter(
        units | Q(kind=ScopeKind.NATIONAL, code__iexact=default_country())
    )
    national = None
    unit_scopes: dict[str, CalendarScope] = {}
    for scope in found:
        if scope.kind == ScopeKind.NATIONAL:
            national = scope
        else:
            unit_scopes[scope.code] = scope
    return national, unit_scopes


def calendar_for_unit(
    org_unit: OrgUnit | int | None, *, at: dt.datetime | None = None
) -> WorkCalendar:
    """The compiled calendar of an org unit (or its id; None: the default country).

    Four small queries when the calendar is already compiled (revision, unit chain, placements,
    scopes), four more the first time. `at` is accepted for API stability: the compiled calendar
    covers every date, dated rows being resolved day by day.
    """
    if org_unit is None:
        return calendar_for_scope()
    chain = _unit_chain(org_unit if isinstance(org_unit, int) else org_unit.pk)
    placements = _placements(unit for unit, _code in chain)
    national, unit_scopes = _scopes_for_units(code for _unit, code in chain)
    return _resolve(chain, placements, national, unit_scopes)


def calendars_for_units(org_units: Iterable[OrgUnit | int]) -> dict[int, WorkCalendar]:
    """{unit id: calendar} for many units in four queries (for sweeps and recomputations)."""
    ids = {unit if isinstance(unit, int) else unit.pk for unit in org_units}
    if not ids:
        return {}
    token = revision_token()
    tree = {
        unit: (parent, code)
        for unit, parent, code in OrgUnit.objects.values_list("id", "parent_id", "code")
    }
    placements = _placements()
    national, unit_scopes = _scopes_for_units(None)
    result: dict[int, WorkCalendar] = {}
    for unit_id in ids:
        chain: list[tuple[int, str]] = []
        current: int | None = unit_id
        while current is not None and current in tree and len(chain) < 64:
            parent, code = tree[current]
            chain.append((current, code))
            current = parent
        result[unit_id] = _resolve(chain, placements, national, unit_scopes, token)
    return result


def org_unit_ids_in_scope(scope: CalendarScope) -> set[int]:
    """Ids of the org units whose calendar includes `scope` (three queries, whole tree)."""
    units = list(OrgUnit.objects.values_list("id", "parent_id", "code"))
    parents = {unit: parent for unit, parent, _code in units}
    codes = {unit: code for unit, _parent, code in units}
    placements = dict(
        (row[0], (row[1], row[2]))
        for row in UnitPlacement.objects.values_list("org_unit_id", "location_id", "agency_id")
    )
    scope_parents = dict(CalendarScope.objects.values_list("id", "parent_id"))
    matched: set[int] = set()
    for unit in parents:
        location_id, agency_id, chain_codes = _effective(unit, parents, codes, placements)
        if scope.kind == ScopeKind.ORG_UNIT:
            hit = scope.code in chain_codes
        elif scope.kind == ScopeKind.AGENCY:
            hit = agency_id == scope.pk
        elif location_id is None:
            hit = scope.kind == ScopeKind.NATIONAL and scope.code.upper() == default_country()
        else:
            hit = scope.pk in _ancestors(location_id, scope_parents)
        if hit:
            matched.add(unit)
    return matched


def _effective(
    unit: int,
    parents: Mapping[int, int | None],
    codes: Mapping[int, str],
    placements: Mapping[int, tuple[int, int | None]],
) -> tuple[int | None, int | None, set[str]]:
    chain_codes: set[str] = set()
    placement: tuple[int, int | None] | None = None
    current: int | None = unit
    seen = 0
    while current is not None and seen < 64:
        chain_codes.add(codes[current])
        if placement is None and current in placements:
            placement = placements[current]
        current = parents.get(current)
        seen += 1
    if placement is None:
        return None, None, chain_codes
    return placement[0], placement[1], chain_codes


def _ancestors(scope_id: int, scope_parents: Mapping[int, int | None]) -> set[int]:
    result: set[int] = set()
    current: int | None = scope_id
    while current is not None and current not in result:
        result.add(current)
        current = scope_parents.get(current)
    return result


def scope_rank(scope: CalendarScope) -> int:
    """0 for a country up to 4 for an org unit: how narrow a scope is."""
    return SCOPE_RANK[scope.kind]
