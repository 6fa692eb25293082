"""Reads of the SLA app: which policy applies, a page of records' SLA state, the compliance report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import Team, User
from khedmat.accounts.queries import Viewer, visible_org_unit_ids
from khedmat.calendars.queries import calendar_for_unit, calendars_for_units, revision_token
from khedmat.calendars.worktime import (
    WorkCalendar,
    local_date,
    next_working_moment,
    working_intervals,
)
from khedmat.core.sql import ReusedQuery
from khedmat.sla.choices import ClockState, Colour, PauseReason, TargetKind
from khedmat.sla.models import SlaClock, SlaPolicy
from khedmat.sla.schedule import remaining_minutes

# --- policies --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyContext:
    """What a record looks like to the policy matcher (empty values match only "any" policies)."""

    service_key: str = ""
    priority: str = ""
    record_kind: str = ""
    requester_groups: frozenset[str] = frozenset()
    step_key: str = ""

    @classmethod
    def for_requester(cls, requester: User | None, **values: Any) -> PolicyContext:
        """A context whose requester groups are `requester`'s groups (their roles among them)."""
        groups: frozenset[str] = frozenset()
        if requester is not None and requester.pk is not None:
            groups = requester.group_names
        return cls(requester_groups=groups, **values)


def policy_matches(policy: SlaPolicy, context: PolicyContext) -> bool:
    """Whether every criterion the policy sets equals the context's value."""
    group = policy.requester_group
    return (
        policy.service_key in {"", context.service_key}
        and policy.priority in {"", context.priority}
        and policy.record_kind in {"", context.record_kind}
        and (group is None or group.name in context.requester_groups)
    )


def _active_policies() -> QuerySet[SlaPolicy]:
    return (
        SlaPolicy.objects.filter(is_active=True)
        .select_related("requester_group")
        .order_by("precedence", "id")
    )


# Read on every submission and every new record with clocks: compiled once (core.sql).
_ACTIVE_POLICIES = ReusedQuery(_active_policies, "sla.active_policies")


def policy_for(context: PolicyContext) -> SlaPolicy | None:
    """The first active policy, in precedence order, that matches (its targets are read when
    asked for: only the chosen policy's)."""
    policies = _ACTIVE_POLICIES.objects()
    return next((policy for policy in policies if policy_matches(policy, context)), None)


# --- the SLA state of records ----------------------------------------------------------------

RecordKey = tuple[int, int]


@dataclass(frozen=True)
class SlaState:
    """One record's SLA as every page shows it: the most urgent of its clocks."""

    state: str  # a Colour value: ok, warning, breached, paused, met, cancelled
    kind: str  # the TargetKind of the clock shown
    remaining_minutes: int | None  # working minutes left; negative when late; None when stopped
    pause_reason: str  # a PauseReason value, or ""
    expected_at: dt.datetime | None  # the internal due date (None while paused)
    promised_at: dt.datetime  # the date on the receipt, fixed at the start
    warned_levels: tuple[int, ...]
    clock_id: int
    working_day_minutes: int = 0  # length of a working day near the due date, to show days

    @property
    def state_label(self) -> str:
        """The translated colour state ("Due soon", "Overdue"...)."""
        return str(Colour(self.state).label)

    @property
    def pause_reason_label(self) -> str:
        """The translated pause reason, or ""."""
        return str(PauseReason(self.pause_reason).label) if self.pause_reason else ""

    @property
    def is_late(self) -> bool:
        """Whether the clock shown is past its due date."""
        return self.state == Colour.BREACHED


STATE_FIELDS = (
    "id",
    "record_type_id",
    "record_id",
    "kind",
    "state",
    "org_unit_id",
    "started_at",
    "due_at",
    "promised_at",
    "remaining_minutes",
    "paused_reason",
    "warned_levels",
    "next_warning_at",
    "stopped_at",
)


def _urgency(row: dict[str, Any]) -> tuple[int, float]:
    """Sort key of a clock for the badge: late first, then the earliest due, then paused, then done."""
    state = row["state"]
    if state == ClockState.BREACHED and row["stopped_at"] is None:
        return (0, row["due_at"].timestamp())
    if state == ClockState.RUNNING:
        return (1, row["due_at"].timestamp())
    if state == ClockState.PAUSED:
        return (2, float(row["remaining_minutes"] or 0))
    resolution_first = 0 if row["kind"] == TargetKind.RESOLUTION else 1
    return (3 + resolution_first, -row["started_at"].timestamp())


def _colour(row: dict[str, Any], now: dt.datetime) -> str:
    state, due_at = row["state"], row["due_at"]
    if state == ClockState.RUNNING:
        if due_at <= now:
            return Colour.BREACHED  # the sweep has not run yet this minute
        warned = row["warned_levels"] or (row["next_warning_at"] and row["next_warning_at"] <= now)
        return Colour.WARNING if warned else Colour.OK
    return {
        ClockState.PAUSED: Colour.PAUSED,
        ClockState.BREACHED: Colour.BREACHED,
        ClockState.MET: Colour.MET,
    }.get(state, Colour.CANCELLED)


def _state_of(row: dict[str, Any], calendar: WorkCalendar, now: dt.datetime) -> SlaState:
    state, due_at = row["state"], row["due_at"]
    if row["stopped_at"] is not None or state in {ClockState.MET, ClockState.CANCELLED}:
        remaining = None
    elif state == ClockState.PAUSED:
        remaining = row["remaining_minutes"]
    else:
        remaining = remaining_minutes(calendar, now, due_at)
    day_minutes = _day_minutes(calendar, due_at or now)
    return SlaState(
        state=_colour(row, now),
        kind=row["kind"],
        remaining_minutes=remaining,
        pause_reason=row["paused_reason"] if state == ClockState.PAUSED else "",
        expected_at=due_at if state != ClockState.PAUSED else None,
        promised_at=row["promised_at"],
        warned_levels=tuple(row["warned_levels"] or ()),
        clock_id=row["id"],
        working_day_minutes=day_minutes,
    )


def _day_minutes(calendar: WorkCalendar, at: dt.datetime) -> int:
    """Working minutes of the working day at or after `at` (to show remaining time in days)."""
    day = local_date(calendar, next_working_moment(calendar, at))
    seconds = sum((end - start).total_seconds() for start, end in working_intervals(calendar, day))
    return int(seconds // 60)


def record_key(record: models.Model) -> RecordKey:
    """The (content type id, primary key) a record's SLA state is filed under."""
    content_type = ContentType.objects.get_for_model(record, for_concrete_model=False)
    return (content_type.pk, int(record.pk))


def sla_state_for(
    records: Iterable[models.Model], *, now: dt.datetime | None = None
) -> dict[RecordKey, SlaState]:
    """The SLA state of each record that has clocks, in one query whatever the page size."""
    return sla_state_for_keys([record_key(record) for record in records], now=now)


def sla_state_for_keys(
    keys: Sequence[RecordKey], *, now: dt.datetime | None = None
) -> dict[RecordKey, SlaState]:
    """As `sla_state_for`, from (content type id, primary key) pairs."""
    if not keys:
        return {}
    now = now or timezone.now()
    best: dict[RecordKey, dict[str, Any]] = {}
    for row in _clock_rows(keys):
        key = (row["record_type_id"], row["record_id"])
        if key not in best or _urgency(row) < _urgency(best[key]):
            best[key] = row
    calendars = unit_calendars({row["org_unit_id"] for row in best.values()})
    return {key: _state_of(row, calendars[row["org_unit_id"]], now) for key, row in best.items()}


def _one_record_clocks(type_id: int, record_id: int) -> QuerySet[Any]:
    return SlaClock.objects.filter(record_type_id=type_id, record_id=record_id).values_list(
        *STATE_FIELDS
    )


# One record's clocks (a request's page, a tracking answer): compiled once (core.sql).
_ONE_RECORD = ReusedQuery(_one_record_clocks, "sla.one_record_clocks")


def _clock_rows(keys: Sequence[RecordKey]) -> list[dict[str, Any]]:
    """The STATE_FIELDS of every clock of these records, in one query."""
    if len(keys) == 1:
        ((type_id, record_id),) = keys
        rows = _ONE_RECORD.rows(type_id, record_id)
        return [dict(zip(STATE_FIELDS, row, strict=True)) for row in rows]
    by_type: dict[int, list[int]] = {}
    for type_id, record_id in keys:
        by_type.setdefault(type_id, []).append(record_id)
    condition = Q()
    for type_id, ids in by_type.items():
        condition |= Q(record_type_id=type_id, record_id__in=ids)
    return list(SlaClock.objects.filter(condition).values(*STATE_FIELDS))


def sla_state_for_record(record: models.Model) -> SlaState | None:
    """One record's SLA state, or None when it has no clock."""
    return sla_state_for([record]).get(record_key(record))


# Compiled calendars per unit for the current calendar revision: a page then costs one query
# for the revision instead of the few `calendar_for_unit` needs per unit. (Moving a unit to
# another parent does not bump the revision: a process picks that up on the next calendar change.)
_unit_calendar_cache: dict[int, WorkCalendar] = {}
_unit_calendar_token: list[Any] = [None]
UNIT_CALENDAR_CACHE_SIZE = 10_000


def unit_calendars(unit_ids: Iterable[int]) -> dict[int, WorkCalendar]:
    """The compiled calendar of each unit; one query when all are cached for this revision."""
    unit_ids = set(unit_ids)
    if not unit_ids:
        return {}
    token = revision_token()
    if token != _unit_calendar_token[0] or len(_unit_calendar_cache) > UNIT_CALENDAR_CACHE_SIZE:
        _unit_calendar_cache.clear()
        _unit_calendar_token[0] = token
    calendars = {
        unit: _unit_calendar_cache[unit] for unit in unit_ids if unit in _unit_calendar_cache
    }
    missing = unit_ids - calendars.keys()
    if len(missing) == 1:
        (unit_id,) = missing
        compiled = {unit_id: calendar_for_unit(unit_id)}
    else:
        compiled = calendars_for_units(missing)  # four queries for any number of units
    if _unit_calendar_token[0] == token:  # not if another thread saw a newer revision meanwhile
        _unit_calendar_cache.update(compiled)
    return {**calendars, **compiled}


def clear_unit_calendars() -> None:
    """Forget the cached unit calendars (tests; a new calendar revision does it otherwise)."""
    _unit_calendar_cache.clear()
    _unit_calendar_token[0] = None


def clocks_for_record(record: models.Model) -> models.QuerySet[SlaClock]:
    """Every clock of a record with its target and segments (who held the time, why it paused)."""
    return (
        SlaClock.objects.for_record(record)
        .select_related("target", "team")
        .prefetch_related("segments__actor", "segments__team")
        .order_by("started_at", "id")
    )


def visible_clocks(viewer: Viewer) -> models.QuerySet[SlaClock]:
    """Clocks of the units `viewer` may see (admins all, supervisors their subtree)."""
    unit_ids = visible_org_unit_ids(viewer)
    if unit_ids is None:
        return SlaClock.objects.all()
    return SlaClock.objects.filter(org_unit_id__in=unit_ids)


# --- the compliance report -------------------------------------------------------------------

# The label of each kind of record (SlaClock.record_kind) the report names, registered by the app
# that owns the records in its AppConfig.ready() (itsm: incidents). Unnamed kinds (requests) show
# only their service, as before.
_record_kind_labels: dict[str, Promise] = {}


def register_record_kind(kind: str, label: Promise) -> None:
    """Name `kind` in the compliance report (its rows read "<label>: <service>")."""
    _record_kind_labels[kind] = label


@dataclass(frozen=True)
class ComplianceRow:
    """Met and breached clocks of one kind of record, service and team in a period, and the time
    they waited."""

    service_key: str
    team_id: int | None
    team_name: str
    met: int
    breached: int
    paused_minutes: int
    record_kind: str = ""

    @property
    def kind_label(self) -> str:
        """The translated name of the kind of record, when its app registered one, else ""."""
        label = _record_kind_labels.get(self.record_kind)
        return str(label) if label is not None else ""

    @property
    def service_label(self) -> str:
        """The service as the report's first column reads: "<kind>: <service>" for a named kind."""
        kind = self.kind_label
        if not kind:
            return self.service_key
        return f"{kind}: {self.service_key}" if self.service_key else kind

    @property
    def total(self) -> int:
        """Clocks decided in the period."""
        return self.met + self.breached

    @property
    def compliance_percent(self) -> Decimal | None:
        """Share met, to one decimal; None when nothing was decided."""
        if not self.total:
            return None
        share = Decimal(self.met * 100) / Decimal(self.total)
        return share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def paused_hours(self) -> Decimal:
        """Working hours spent paused, to one decimal."""
        return (Decimal(self.paused_minutes) / 60).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def compliance_report(
    clocks: models.QuerySet[SlaClock],
    *,
    date_from: dt.date,
    date_to: dt.date,
    service_key: str = "",
    team_id: int | None = None,
    kind: str = TargetKind.RESOLUTION,
) -> list[ComplianceRow]:
    """Per kind of record, service and team: `clocks` met and breached between the dates (local,
    inclusive)."""
    clocks = clocks.filter(
        kind=kind,
        outcome_at__gte=_day_start(date_from),
        outcome_at__lt=_day_start(date_to + dt.timedelta(days=1)),
        state__in=[ClockState.MET, ClockState.BREACHED],
    )
    if service_key:
        clocks = clocks.filter(service_key=service_key)
    if team_id is not None:
        clocks = clocks.filter(team_id=team_id)
    rows = (
        clocks.values("record_kind", "service_key", "team_id", "team__name")
        .annotate(
            met=Count("id", filter=Q(state=ClockState.MET)),
            breached=Count("id", filter=Q(state=ClockState.BREACHED)),
            paused=Sum("paused_minutes"),
        )
        .order_by("record_kind", "service_key", "team__name", "team_id")
    )
    return [
        ComplianceRow(
            service_key=row["service_key"],
            team_id=row["team_id"],
            team_name=row["team__name"] or "",
            met=row["met"],
            breached=row["breached"],
            paused_minutes=row["paused"] or 0,
            record_kind=row["record_kind"],
        )
        for row in rows
    ]


def compliance_total(rows: Iterable[ComplianceRow]) -> ComplianceRow:
    """The sum of the report's rows."""
    rows = list(rows)
    return ComplianceRow(
        service_key="",
        team_id=None,
        team_name="",
        met=sum(row.met for row in rows),
        breached=sum(row.breached for row in rows),
        paused_minutes=sum(row.paused_minutes for row in rows),
    )


@dataclass(frozen=True)
class ReportScope:
    """What a viewer may report on: their units' clocks, teams and the services seen in them."""

    clocks: models.QuerySet[SlaClock]
    teams: models.QuerySet[Team]

    def services(self) -> list[str]:
        """Service keys of the clocks in scope (for the report's filter)."""
        keys = (
            self.clocks.exclude(service_key="")
            .order_by("service_key")
            .values_list("service_key", flat=True)
        )
        return list(keys.distinct())


def report_scope(viewer: Viewer) -> ReportScope:
    """Clocks and teams of the units `viewer` may see (admins all, supervisors their subtree)."""
    unit_ids = visible_org_unit_ids(viewer)
    if unit_ids is None:
        return ReportScope(clocks=SlaClock.objects.all(), teams=Team.objects.order_by("name"))
    return ReportScope(
        clocks=SlaClock.objects.filter(org_unit_id__in=unit_ids),
        teams=Team.objects.filter(org_unit_id__in=unit_ids).order_by("name"),
    )


#: The verbs the clocks write on their record's timeline (registered in SlaConfig.ready()).
ACTIVITY_LABELS: dict[str, Promise] = {
    "sla.started": _("SLA clock started"),
    "sla.paused": _("SLA clock paused"),
    "sla.resumed": _("SLA clock resumed"),
    "sla.stopped": _("SLA clock stopped"),
    "sla.due_changed": _("SLA due date changed"),
    "sla.warning": _("SLA deadline near"),
    "sla.breached": _("SLA breached"),
    "sla.clocks_breached": _("SLA clocks breached by the sweep"),
    "sla.cancelled": _("SLA clock cancelled"),
}
