"""The periodic sweep (set-based warnings and breaches) and the escalations it fires."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from khedmat.core.actors import Actor
from khedmat.core.models import Activity
from khedmat.sla import handlers
from khedmat.sla.choices import (
    PRIORITY_RANK,
    ClockState,
    EscalationAction,
    EscalationEvent,
    TargetKind,
)
from khedmat.sla.models import SlaClock, SlaEscalation
from khedmat.sla.schedule import parse_warning_schedule
from khedmat.sla.services.breaches import mark_breached, record_breach_batch
from khedmat.sla.services.common import (
    _calendar,
    _close_segment,
    _group,
    _iso,
    _lock,
    _open_segment,
    _record_activity,
)
from khedmat.sla.services.escalation_messages import send_escalation_messages

# Clocks per escalation job.
ESCALATION_CHUNK = 1000


# --- the sweep -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    """What one sweep did."""

    warned: int = 0
    breached: int = 0
    escalations: int = 0

    def __add__(self, other: SweepResult) -> SweepResult:
        return SweepResult(
            self.warned + other.warned,
            self.breached + other.breached,
            self.escalations + other.escalations,
        )


def sweep_clocks(now: dt.datetime | None = None, *, batch_size: int | None = None) -> SweepResult:
    """Breach and warn every running clock whose due or warning instant has come (set-based)."""
    now = now or timezone.now()
    batch_size = batch_size or settings.KHEDMAT_SLA_SWEEP_BATCH
    total = SweepResult()
    for step in (_breach_due_clocks, _warn_due_clocks):
        while True:
            with transaction.atomic():
                result, count = step(now, batch_size)
            total += result
            if count < batch_size:
                break
    return total


def _due_rows(
    condition: Q, batch_size: int, order: str, fields: Sequence[str]
) -> list[dict[str, Any]]:
    """Running clocks meeting `condition`, locked (others skip them), one batch."""
    clocks = SlaClock.objects.select_for_update(skip_locked=True, of=("self",))
    running = clocks.filter(condition, state=ClockState.RUNNING).order_by(order)
    return list(running.values(*fields)[:batch_size])


SWEEP_FIELDS = ("id", "record_type_id", "record_id", "target_id", "kind", "due_at")


def _breach_due_clocks(now: dt.datetime, batch_size: int) -> tuple[SweepResult, int]:
    """One batch: mark the clocks, write one summary row per SLA target, and enqueue the jobs
    that write the records' timeline rows and carry out the escalations (services/breaches.py).

    A job names its clocks by their place in the summary row, not by a list of ids: at a burst
    the ids of 100,000 clocks would cost more to send to the queue than to breach.
    """
    from khedmat.sla.tasks import escalate_clocks, record_breaches

    breached = mark_breached(now, batch_size)
    if not breached:
        return SweepResult(), 0
    summaries = record_breach_batch(breached)
    escalations = SlaEscalation.objects.filter(
        target_id__in=[int(summary.target_id) for summary in summaries],
        event=EscalationEvent.BREACH,
    ).order_by("id")
    by_target = _group(escalations.values_list("target_id", "id"))
    fired = 0
    for summary in summaries:
        record_breaches.enqueue(summary.pk)
        count = len(summary.data["clocks"])
        for escalation_id in by_target.get(int(summary.target_id), ()):
            for start in range(0, count, ESCALATION_CHUNK):
                stop = min(start + ESCALATION_CHUNK, count)
                escalate_clocks.enqueue(
                    escalation_id, summary_id=summary.pk, start=start, stop=stop
                )
            fired += count
    return SweepResult(breached=len(breached), escalations=fired), len(breached)


def _warn_due_clocks(now: dt.datetime, batch_size: int) -> tuple[SweepResult, int]:
    fields = (*SWEEP_FIELDS, "warning_schedule", "warned_levels")
    rows = _due_rows(Q(next_warning_at__lte=now), batch_size, "next_warning_at", fields)
    if not rows:
        return SweepResult(), 0
    updates: list[tuple[int, list[int], dt.datetime | None]] = []
    fired_by_id = {}
    for row in rows:
        schedule = parse_warning_schedule(row["warning_schedule"])
        warned = set(row["warned_levels"] or ())
        fired = sorted(level for level, at in schedule if at <= now and level not in warned)
        warned |= set(fired)
        pending = [at for level, at in schedule if level not in warned]
        fired_by_id[row["id"]] = fired
        updates.append((row["id"], sorted(warned), min(pending) if pending else None))
    _set_warnings(updates)
    _bulk_activity(
        rows,
        "sla.warning",
        lambda row: {"levels": fired_by_id[row["id"]], "due_at": _iso(row["due_at"])},
    )
    escalations = SlaEscalation.objects.filter(
        target_id__in={row["target_id"] for row in rows}, event=EscalationEvent.WARNING
    ).values_list("target_id", "level", "id")
    by_level: dict[tuple[int, int | None], list[int]] = {}
    for target_id, level, escalation_id in escalations:
        by_level.setdefault((target_id, level), []).append(escalation_id)
    pairs = [
        (row["id"], esc)
        for row in rows
        for level in fired_by_id[row["id"]]
        for esc in by_level.get((row["target_id"], level), ())
    ]
    _enqueue_escalations(pairs)
    return SweepResult(warned=len(rows), escalations=len(pairs)), len(rows)


def _set_warnings(updates: Sequence[tuple[int, list[int], dt.datetime | None]]) -> None:
    """Store each clock's warned levels and next warning instant: one UPDATE per 1,000 clocks.

    Django's bulk_update builds a CASE per field and row, which costs more in Python than the
    database spends; an UPDATE joined to a VALUES list (PostgreSQL, SQLite 3.33+) does not.
    """
    table = connection.ops.quote_name(SlaClock._meta.db_table)
    postgres = connection.vendor == "postgresql"
    levels, instant = (
        ("v.column2::jsonb", "v.column3::timestamptz")
        if postgres
        else (
            "v.column2",
            "v.column3",
        )
    )
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        for start in range(0, len(updates), 1000):
            chunk = updates[start : start + 1000]
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            params: list[Any] = []
            for clock_id, warned, next_at in chunk:
                params += [clock_id, json.dumps(warned), adapt(next_at) if next_at else None]
            cursor.execute(
                f"UPDATE {table} SET warned_levels = {levels}, next_warning_at = {instant} "  # noqa: S608
                f"FROM (VALUES {values}) AS v WHERE {table}.id = v.column1",
                params,
            )


def _bulk_activity(rows: Sequence[dict[str, Any]], verb: str, data_for: Any) -> None:
    Activity.objects.bulk_create(
        [
            Activity(
                target_type_id=row["record_type_id"],
                target_id=str(row["record_id"]),
                verb=verb,
                data={"clock": row["id"], "kind": row["kind"], **data_for(row)},
                is_public=False,
            )
            for row in rows
        ],
        batch_size=2000,
    )


def _enqueue_escalations(pairs: Sequence[tuple[int, int]]) -> None:
    """Jobs for (clock, escalation) pairs, in the sweep's transaction: per escalation, 1,000 clocks."""
    from khedmat.sla.tasks import escalate_clocks

    by_escalation: dict[int, list[int]] = {}
    for clock_id, escalation_id in pairs:
        by_escalation.setdefault(escalation_id, []).append(clock_id)
    for escalation_id, clock_ids in sorted(by_escalation.items()):
        for start in range(0, len(clock_ids), ESCALATION_CHUNK):
            escalate_clocks.enqueue(escalation_id, clock_ids[start : start + ESCALATION_CHUNK])


# --- escalations -----------------------------------------------------------------------------


def escalate_clock(clock: SlaClock, *, escalation: SlaEscalation, actor: Actor) -> SlaClock:
    """Carry out one escalation action on a clock's record (notify, reassign, raise priority)."""
    with transaction.atomic():
        _lock_record(clock)
        clock = _lock(clock)
        if escalation.action == EscalationAction.NOTIFY:
            data = {"escalation": escalation.pk, "role": escalation.notify_role}
            data["org_unit"] = clock.org_unit_id
            data["notified"] = send_escalation_messages(clock, escalation, actor=actor)
            _record_activity(clock, "sla.escalation.notify", actor=actor, data=data)
        elif escalation.action == EscalationAction.REASSIGN:
            _reassign(clock, escalation, actor=actor)
        elif escalation.action == EscalationAction.RAISE_PRIORITY:
            _raise_priority(clock, escalation, actor=actor)
    return clock


def _lock_record(clock: SlaClock) -> None:
    """Lock the clock's record before the clock: a record's own moves (a request's status change)
    lock the record first and its clocks after, and an escalation keeps that order (no deadlock;
    see khedmat/processes/locks.py)."""
    model = ContentType.objects.get_for_id(clock.record_type_id).model_class()
    if model is not None:
        rows = model._default_manager.select_for_update().filter(pk=clock.record_id)
        list(rows.values_list("pk", flat=True))


def _record_clocks(clock: SlaClock) -> models.QuerySet[SlaClock]:
    """The open clocks of the clock's record that follow the record (not another team's step)."""
    same_record = SlaClock.objects.open().filter(
        record_type_id=clock.record_type_id, record_id=clock.record_id
    )
    return same_record.filter(~Q(kind=TargetKind.STEP) | Q(pk=clock.pk))


def _reassign(clock: SlaClock, escalation: SlaEscalation, *, actor: Actor) -> None:
    team = escalation.team
    if team is None or clock.team_id == team.pk:
        return
    old_team = clock.team_id
    calendar = _calendar(clock)
    now = timezone.now()
    for each in _record_clocks(clock).select_for_update(of=("self",)):
        open_segment = each.segments.filter(ended_at__isnull=True).first()
        each.team = team
        each.save(update_fields=["team"])
        if open_segment is not None:
            # The new team holds the time from now on: a new segment says so.
            _close_segment(each, calendar, now)
            _open_segment(each, open_segment.kind, at=now, actor=actor, reason=open_segment.reason)
    handler = handlers.handler_for(clock.record_type_id, EscalationAction.REASSIGN)
    if handler is not None and clock.record is not None:
        handler(clock.record, team=team, actor=actor)
    _record_activity(
        clock,
        "sla.escalation.reassigned",
        actor=actor,
        old={"team": old_team},
        new={"team": team.pk},
        data={"escalation": escalation.pk},
    )


def _raise_priority(clock: SlaClock, escalation: SlaEscalation, *, actor: Actor) -> None:
    wanted = escalation.priority
    if PRIORITY_RANK.get(clock.priority, -1) >= PRIORITY_RANK.get(wanted, -1):
        return
    old = clock.priority
    _record_clocks(clock).update(priority=wanted)
    handler = handlers.handler_for(clock.record_type_id, EscalationAction.RAISE_PRIORITY)
    if handler is not None and clock.record is not None:
        handler(clock.record, priority=wanted, actor=actor)
    _record_activity(
        clock,
        "sla.escalation.priority_raised",
        actor=actor,
        old={"priority": old},
        new={"priority": wanted},
        data={"escalation": escalation.pk},
    )
