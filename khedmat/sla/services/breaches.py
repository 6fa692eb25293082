"""Breaches found by the sweep: one set-based UPDATE per batch, one summary Activity row per SLA
target in the batch, and the records' own timeline rows written afterwards by a job.

After an outage every running clock can be overdue at once. Writing 100,000 clock rows is the
floor; writing 100,000 Activity rows in the same transactions doubled it. So the sweep's
transaction marks the clocks (``UPDATE … RETURNING``, computed by the database), writes one
``sla.clocks_breached`` row per SLA target (its clock ids in ``data["clocks"]``: the audit of the
change, committed with it) and enqueues a ``record_breaches`` job per summary row; the job writes
the ``sla.breached`` row on each record's timeline (the desk timelines of requests and incidents
read those), stamped with the summary's time, once even if it runs twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import CharField, DateTimeField, F, JSONField, Q, Value
from django.db.models.functions import Cast, JSONObject

from khedmat.core.models import Activity
from khedmat.sla.choices import ClockState
from khedmat.sla.models import SlaClock, SlaTarget
from khedmat.sla.services.common import _group

#: The record's own timeline row of a breach (one per clock).
BREACHED = "sla.breached"
#: The sweep's row of one batch: the clocks of one SLA target it breached.
CLOCKS_BREACHED = "sla.clocks_breached"
#: Clocks per transaction of the job that writes the timeline rows.
TIMELINE_CHUNK = 1000


def mark_breached(now: dt.datetime, batch_size: int) -> list[tuple[int, int]]:
    """Breach up to `batch_size` running clocks due by `now`, oldest due first, in one statement;
    returns their (clock id, target id), by clock id.

    The rows are chosen and locked by a subquery (``FOR UPDATE SKIP LOCKED`` on PostgreSQL: a
    clock another transaction holds waits for the next sweep) and changed by the database
    itself: no clock row travels to Python and back.
    """
    due = (
        SlaClock.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(state=ClockState.RUNNING, due_at__lte=now)
        .order_by("due_at")
        .values("id")[:batch_size]
    )
    due_sql, due_params = due.query.sql_with_params()
    # PostgreSQL reads the chosen ids through the primary key (a join would scan the table).
    among = f"= ANY(ARRAY({due_sql}))" if connection.vendor == "postgresql" else f"IN ({due_sql})"
    column = _columns(SlaClock)
    sets = ", ".join(
        [
            f"{column['state']} = %s",
            f"{column['breached_at']} = {column['due_at']}",
            f"{column['outcome_at']} = {column['due_at']}",
            f"{column['next_warning_at']} = NULL",
        ]
    )
    table = connection.ops.quote_name(SlaClock._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {sets} WHERE {column['id']} {among} "  # noqa: S608
            f"RETURNING {column['id']}, {column['target']}",
            [ClockState.BREACHED.value, *due_params],
        )
        return sorted(cursor.fetchall())


def _columns(model: type[SlaClock]) -> dict[str, str]:
    quote = connection.ops.quote_name
    return {field.name: quote(str(field.column)) for field in model._meta.concrete_fields}


def record_breach_batch(breached: Iterable[tuple[int, int]]) -> list[Activity]:
    """The sweep's Activity rows of one batch: one per SLA target, listing its breached clocks."""
    by_target = _group((target_id, clock_id) for clock_id, target_id in breached)
    target_type = ContentType.objects.get_for_model(SlaTarget)
    rows = [
        Activity(
            target_type=target_type,
            target_id=str(target_id),
            verb=CLOCKS_BREACHED,
            old_value={"state": ClockState.RUNNING},
            new_value={"state": ClockState.BREACHED},
            data={"count": len(clock_ids), "clocks": sorted(clock_ids)},
            is_public=False,
        )
        for target_id, clock_ids in sorted(by_target.items())
    ]
    return Activity.objects.bulk_create(rows)


def breach_summary(summary_id: int) -> Activity | None:
    """The sweep's summary row of one batch and SLA target, or None when it is gone."""
    return Activity.objects.filter(pk=summary_id, verb=CLOCKS_BREACHED).first()


def breached_clock_ids(summary_id: int) -> list[int]:
    """The ids of the clocks a summary row lists, in its order (by id); [] when it is gone."""
    summary = breach_summary(summary_id)
    data = summary.data if summary is not None and isinstance(summary.data, dict) else {}
    return [int(clock_id) for clock_id in data.get("clocks", ())]


def record_breaches(summary: Activity) -> int:
    """Write the ``sla.breached`` row on the record of each clock a summary row lists (stamped
    with the summary's time); a clock that already has its row is skipped. Returns rows written.

    Run again (a worker that died before it acknowledged), it writes only what is missing; each
    chunk locks the summary row first, so two runs at once write each row once too.
    """
    data = summary.data if isinstance(summary.data, dict) else {}
    clock_ids = sorted(int(clock_id) for clock_id in data.get("clocks", ()))
    written = 0
    for start in range(0, len(clock_ids), TIMELINE_CHUNK):
        with transaction.atomic():
            locked = Activity.objects.select_for_update().filter(pk=summary.pk)
            if not list(locked.values_list("pk", flat=True)):
                break  # deleted meanwhile: nothing to list any more
            chunk = clock_ids[start : start + TIMELINE_CHUNK]
            missing = sorted(set(chunk) - _clocks_with_row(chunk, summary.created_at))
            written += _insert_breach_rows(missing, summary.created_at)
    return written


def _clocks_with_row(clock_ids: Sequence[int], at: dt.datetime) -> set[int]:
    """Which of the clocks already have the timeline row stamped `at` (a job that ran before)."""
    records: dict[int, list[str]] = {}
    clocks = SlaClock.objects.filter(id__in=clock_ids).values_list("record_type_id", "record_id")
    for record_type_id, record_id in clocks:
        records.setdefault(record_type_id, []).append(str(record_id))
    if not records:
        return set()
    on_records = Q()
    for record_type_id, record_ids in records.items():
        on_records |= Q(target_type_id=record_type_id, target_id__in=record_ids)
    rows = Activity.objects.filter(on_records, verb=BREACHED, created_at=at)
    return {int(clock) for clock in rows.values_list("data__clock", flat=True) if clock is not None}


def _insert_breach_rows(clock_ids: Sequence[int], at: dt.datetime) -> int:
    """One Activity row per clock on its record, built by the database (INSERT … SELECT)."""
    if not clock_ids:
        return 0
    # Activity column <- expression over the clock (aliases may not reuse the clock's names).
    values = {
        "target_type": F("record_type_id"),
        "target_id": Cast("record_id", CharField()),
        "verb": Value(BREACHED),
        "old_value": Value({"state": ClockState.RUNNING}, output_field=JSONField()),
        "new_value": Value({"state": ClockState.BREACHED}, output_field=JSONField()),
        "data": JSONObject(clock=F("id"), kind=F("kind")),
        "is_public": Value(False),
        "created_at": Value(at, output_field=DateTimeField()),
    }
    select = (
        SlaClock.objects.filter(id__in=clock_ids)
        .order_by("id")
        .values(**{f"activity_{name}": expression for name, expression in values.items()})
    )
    sql, params = select.query.sql_with_params()
    quote = connection.ops.quote_name
    fields = {field.name: str(field.column) for field in Activity._meta.concrete_fields}
    columns = ", ".join(quote(fields[name]) for name in values)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(Activity._meta.db_table)} ({columns}) {sql}", params)
        return int(cursor.rowcount)
