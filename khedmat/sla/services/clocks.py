"""Start, pause, resume, stop and cancel clocks, one record at a time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from khedmat.accounts.models import OrgUnit, Team
from khedmat.calendars.worktime import WorkCalendar
from khedmat.core.actors import Actor
from khedmat.sla.choices import SUBMISSION_TARGET_KINDS, ClockState, SegmentKind, TargetKind
from khedmat.sla.errors import ClockTransitionError
from khedmat.sla.models import SlaClock, SlaPolicy, SlaTarget
from khedmat.sla.queries import PolicyContext, policy_for, unit_calendars
from khedmat.sla.schedule import plan_clock, remaining_minutes
from khedmat.sla.services.common import (
    _apply_plan,
    _calendar,
    _close_segment,
    _iso,
    _lock,
    _move,
    _open_segment,
    _plan,
    _record_activity,
)

# --- start -----------------------------------------------------------------------------------


def _targets_to_start(
    targets: Iterable[SlaTarget], kinds: frozenset[str], step_key: str
) -> list[SlaTarget]:
    """One target per kind: for steps, the step's own target before the any-step one."""
    chosen: dict[str, SlaTarget] = {}
    for target in sorted(targets, key=lambda item: item.step_key == ""):
        if target.kind not in kinds or target.kind in chosen:
            continue
        if target.kind == TargetKind.STEP and target.step_key not in {"", step_key}:
            continue
        chosen[target.kind] = target
    return list(chosen.values())


def start_clocks(
    record: models.Model,
    *,
    policy_context: PolicyContext,
    org_unit: OrgUnit | int,
    started_at: dt.datetime | None = None,
    actor: Actor,
    team: Team | None = None,
    kinds: Iterable[str] = SUBMISSION_TARGET_KINDS,
    policy: SlaPolicy | None = None,
) -> list[SlaClock]:
    """Start the matching policy's clocks for `record` (or `policy`'s, when a contract names
    the policy: a supplier's underpinning contract); each stores its promise and due date."""
    if record.pk is None:
        raise ValueError("start_clocks needs a saved record")
    started_at = started_at or timezone.now()
    policy = policy or policy_for(policy_context)
    if policy is None:
        return []
    wanted = _targets_to_start(policy.targets.all(), frozenset(kinds), policy_context.step_key)
    if not wanted:
        return []
    # The calendar in force now: the promise is computed with it and never again.
    unit_id = org_unit if isinstance(org_unit, int) else org_unit.pk
    calendar = unit_calendars([unit_id])[unit_id]
    record_type = ContentType.objects.get_for_model(record, for_concrete_model=False)
    clocks = []
    with transaction.atomic():
        running = SlaClock.objects.open().filter(record_type=record_type, record_id=record.pk)
        busy = set(running.values_list("kind", "step_key"))
        for target in wanted:
            step_key = policy_context.step_key if target.kind == TargetKind.STEP else ""
            if (target.kind, step_key) in busy:
                continue
            clock = _start_clock(
                record_type,
                record,
                target,
                calendar,
                org_unit_id=unit_id,
                team=team,
                context=policy_context,
                step_key=step_key,
                started_at=started_at,
                actor=actor,
            )
            clocks.append(clock)
    return clocks


def _start_clock(
    record_type: ContentType,
    record: models.Model,
    target: SlaTarget,
    calendar: WorkCalendar,
    *,
    org_unit_id: int,
    team: Team | None,
    context: PolicyContext,
    step_key: str,
    started_at: dt.datetime,
    actor: Actor,
) -> SlaClock:
    schedule = plan_clock(
        calendar,
        started_at=started_at,
        amount=target.amount,
        unit=target.unit,
        warning_percents=target.warning_percents,
    )
    clock = SlaClock.objects.create(
        record_type=record_type,
        record_id=record.pk,
        target=target,
        kind=target.kind,
        step_key=step_key,
        org_unit_id=org_unit_id,
        team=team,
        service_key=context.service_key,
        priority=context.priority,
        record_kind=context.record_kind,
        started_at=started_at,
        promised_at=schedule.due_at,
        due_at=schedule.due_at,
        target_minutes=schedule.target_minutes,
        warning_schedule=schedule.warning_schedule(),
        next_warning_at=schedule.next_warning_at(()),
    )
    _open_segment(clock, SegmentKind.RUNNING, at=started_at, actor=actor)
    _record_activity(
        clock,
        "sla.started",
        actor=actor,
        new={"state": clock.state, "due_at": _iso(clock.due_at)},
        data={"promised_at": _iso(clock.promised_at), "target": target.pk},
    )
    return clock


# --- pause, resume, stop ---------------------------------------------------------------------


def pause_clock(
    clock: SlaClock, *, reason: str, actor: Actor, at: dt.datetime | None = None
) -> SlaClock:
    """Stop counting for `reason` (R-41); pausing again with another reason switches the reason."""
    at = at or timezone.now()
    with transaction.atomic():
        clock = _lock(clock)
        if clock.state == ClockState.PAUSED and clock.paused_reason == reason:
            return clock
        old = {"state": clock.state, "reason": clock.paused_reason}
        calendar = _calendar(clock)
        if clock.state == ClockState.PAUSED:
            clock.paused_minutes += _close_segment(clock, calendar, at)
            schedule = _plan(clock, calendar, paused_minutes=clock.paused_minutes)
        else:
            _move(clock, ClockState.PAUSED)
            _close_segment(clock, calendar, at)
            schedule = _plan(clock, calendar, paused_minutes=clock.paused_minutes)
        clock.remaining_minutes = remaining_minutes(calendar, at, schedule.due_at)
        clock.paused_reason = reason
        clock.due_at = clock.next_warning_at = None
        clock.save()
        _open_segment(clock, SegmentKind.PAUSED, at=at, actor=actor, reason=reason)
        new = {"state": clock.state, "reason": reason}
        _record_activity(clock, "sla.paused", actor=actor, old=old, new=new)
    return clock


def resume_clock(clock: SlaClock, *, actor: Actor, at: dt.datetime | None = None) -> SlaClock:
    """Count again after a pause; the due date moves by the working time spent paused."""
    at = at or timezone.now()
    with transaction.atomic():
        clock = _lock(clock)
        if clock.state == ClockState.RUNNING:
            return clock
        old = {"state": clock.state, "reason": clock.paused_reason}
        if clock.state != ClockState.PAUSED:
            raise ClockTransitionError(f"An SLA clock cannot resume from {clock.state}.")
        _move(clock, ClockState.RUNNING)
        calendar = _calendar(clock)
        clock.paused_minutes += _close_segment(clock, calendar, at)
        _apply_plan(clock, _plan(clock, calendar, paused_minutes=clock.paused_minutes))
        clock.paused_reason, clock.remaining_minutes = "", None
        clock.save()
        _open_segment(clock, SegmentKind.RUNNING, at=at, actor=actor)
        new = {"state": clock.state, "due_at": _iso(clock.due_at)}
        _record_activity(clock, "sla.resumed", actor=actor, old=old, new=new)
    return clock


def stop_clock(clock: SlaClock, *, actor: Actor, at: dt.datetime | None = None) -> SlaClock:
    """The target was reached at `at`: met if in time, else breached (kept breached if already)."""
    at = at or timezone.now()
    with transaction.atomic():
        clock = _lock(clock)
        if not clock.is_open:
            return clock
        old = {"state": clock.state}
        calendar = _calendar(clock)
        if clock.state == ClockState.PAUSED:
            clock.paused_minutes += _close_segment(clock, calendar, at)
            _apply_plan(clock, _plan(clock, calendar, paused_minutes=clock.paused_minutes))
        else:
            _close_segment(clock, calendar, at)
        if clock.state != ClockState.BREACHED:
            assert clock.due_at is not None
            late = at > clock.due_at
            _move(clock, ClockState.BREACHED if late else ClockState.MET)
            if late:
                clock.breached_at = clock.due_at
            else:
                clock.met_at = at
            clock.outcome_at = clock.breached_at or at
        clock.stopped_at, clock.paused_reason = at, ""
        clock.remaining_minutes = remaining_minutes(calendar, at, clock.due_at or at)
        clock.next_warning_at = None
        clock.save()
        new = {"state": clock.state, "remaining_minutes": clock.remaining_minutes}
        _record_activity(clock, "sla.stopped", actor=actor, old=old, new=new)
    return clock


def cancel_clock(clock: SlaClock, *, actor: Actor, at: dt.datetime | None = None) -> SlaClock:
    """The target no longer applies (request withdrawn, step skipped): leaves the report."""
    at = at or timezone.now()
    with transaction.atomic():
        clock = _lock(clock)
        if clock.state == ClockState.CANCELLED or not clock.is_open:
            return clock
        old = {"state": clock.state}
        _move(clock, ClockState.CANCELLED)
        _close_segment(clock, _calendar(clock), at)
        clock.stopped_at, clock.next_warning_at, clock.outcome_at = at, None, None
        clock.save()
        _record_activity(clock, "sla.cancelled", actor=actor, old=old, new={"state": clock.state})
    return clock


def _open_clocks_of(record: models.Model, kinds: Iterable[str] | None) -> list[SlaClock]:
    clocks = SlaClock.objects.open().for_record(record).order_by("id")
    return list(clocks.filter(kind__in=list(kinds)) if kinds is not None else clocks)


def pause_record_clocks(
    record: models.Model,
    *,
    reason: str,
    actor: Actor,
    at: dt.datetime | None = None,
    kinds: Iterable[str] | None = None,
) -> list[SlaClock]:
    """Pause every running or paused clock of `record` (of `kinds`) for `reason`."""
    with transaction.atomic():
        return [
            pause_clock(clock, reason=reason, actor=actor, at=at)
            for clock in _open_clocks_of(record, kinds)
            if clock.state != ClockState.BREACHED
        ]


def resume_record_clocks(
    record: models.Model,
    *,
    actor: Actor,
    at: dt.datetime | None = None,
    kinds: Iterable[str] | None = None,
) -> list[SlaClock]:
    """Resume every paused clock of `record` (of `kinds`)."""
    with transaction.atomic():
        return [
            resume_clock(clock, actor=actor, at=at)
            for clock in _open_clocks_of(record, kinds)
            if clock.state == ClockState.PAUSED
        ]


def stop_record_clocks(
    record: models.Model,
    *,
    actor: Actor,
    at: dt.datetime | None = None,
    kinds: Iterable[str] | None = None,
) -> list[SlaClock]:
    """Stop every open clock of `record` (of `kinds`): met or breached by the time."""
    with transaction.atomic():
        return [stop_clock(clock, actor=actor, at=at) for clock in _open_clocks_of(record, kinds)]
