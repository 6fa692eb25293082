"""The periodic SLA sweep over 100,000 open clocks on PostgreSQL (DESIGN.md §7: under 2 s).

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/khedmat_bench \\
     .venv/bin/python bench/bench_sla_sweep.py [--clocks N] [--repeat R] [--keep]

The database is migrated first; use a scratch database: the script adds its own unit, policy and
clocks (records are stand-in ids) and removes them, with the rows the sweep wrote, at the end.
Clocks are made with bulk_create, running, due over the next 30 days, each with a 75 % and a 90 %
warning. Three situations are timed, each `--repeat` times after resetting the clocks (median):

- idle: nothing is due (the usual minute: two index range scans that find nothing);
- minute: 1 % breach and another 1 % reach a warning (a busy minute: 1,000 + 1,000 clocks);
- burst: every clock is overdue at once (after a long outage; breaches all of them).

Each breach and warning writes an Activity row; each breach fires one escalation (notify),
enqueued as jobs of up to 1,000 clocks. The target is for "idle" and "minute"; "burst" is
reported for capacity planning (it is bound by writing 100,000 Activity rows and clock rows).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khedmat.settings")
os.environ.setdefault("KHEDMAT_DEBUG", "1")
os.environ.setdefault("KHEDMAT_LOG_LEVEL", "WARNING")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import F  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from khedmat.accounts.models import OrgUnit  # noqa: E402
from khedmat.core.models import Activity  # noqa: E402
from khedmat.sla.choices import (  # noqa: E402
    ClockState,
    DurationUnit,
    EscalationAction,
    EscalationEvent,
    TargetKind,
)
from khedmat.sla.models import SlaClock, SlaEscalation, SlaPolicy, SlaTarget  # noqa: E402
from khedmat.sla.services import sweep_clocks  # noqa: E402

TARGET_SECONDS = 2.0
UNIT_CODE = "bench-sla"
NOW = dt.datetime(2026, 5, 2, 8, 0, tzinfo=dt.UTC)
MINUTE = 60
HORIZON_MINUTES = 30 * 24 * 60


def setup(count: int) -> tuple[SlaTarget, ContentType]:
    """A unit, a policy with a 3-day target and a breach escalation, and `count` running clocks."""
    cleanup()
    unit = OrgUnit.objects.create(code=UNIT_CODE, name="Bench SLA")
    policy = SlaPolicy.objects.create(name="bench-sla", precedence=10_000, is_active=False)
    target = SlaTarget.objects.create(
        policy=policy, kind=TargetKind.RESOLUTION, amount=3, unit=DurationUnit.WORKING_DAYS
    )
    SlaEscalation.objects.create(
        target=target, event=EscalationEvent.BREACH, action=EscalationAction.NOTIFY
    )
    record_type = ContentType.objects.get_for_model(OrgUnit)
    clocks = []
    for index in range(count):
        # Due over the horizon, first warning after NOW; reset() moves some to NOW.
        offset = 11 * 3600 + (index * 7919 % HORIZON_MINUTES) * MINUTE
        due_at = NOW + dt.timedelta(seconds=offset)
        warn_75 = due_at - dt.timedelta(hours=10)
        warn_90 = due_at - dt.timedelta(hours=4)
        clocks.append(
            SlaClock(
                record_type=record_type,
                record_id=1_000_000 + index,
                target=target,
                kind=TargetKind.RESOLUTION,
                org_unit=unit,
                service_key=f"service-{index % 40}",
                priority="normal",
                state=ClockState.RUNNING,
                started_at=due_at - dt.timedelta(days=4),
                promised_at=due_at,
                due_at=due_at,
                target_minutes=1260,
                warning_schedule=[[75, warn_75.isoformat()], [90, warn_90.isoformat()]],
                warned_levels=[],
                next_warning_at=warn_75,
            )
        )
    started = time.perf_counter()
    SlaClock.objects.bulk_create(clocks, batch_size=5000)
    print(f"created {count:,} clocks in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sla_slaclock")
    return target, record_type


def reset(*, due: int, warn: int) -> None:
    """Running again, plans as made; then `due` clocks overdue and `warn` more at a warning."""
    clocks = SlaClock.objects.filter(org_unit__code=UNIT_CODE)
    ids = list(clocks.order_by("id").values_list("id", flat=True))
    with transaction.atomic():
        clocks.update(
            state=ClockState.RUNNING,
            due_at=F("promised_at"),
            next_warning_at=F("promised_at") - dt.timedelta(hours=10),
            warned_levels=[],
            breached_at=None,
            outcome_at=None,
        )
        if due:
            clocks.filter(id__lte=ids[due - 1]).update(
                due_at=NOW - dt.timedelta(minutes=1), next_warning_at=None
            )
        if warn:
            clocks.filter(id__gt=ids[due - 1] if due else 0, id__lte=ids[due + warn - 1]).update(
                next_warning_at=NOW - dt.timedelta(minutes=1)
            )
    drop_sweep_output()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE sla_slaclock")


def drop_sweep_output() -> None:
    """Delete the Activity rows and jobs earlier sweeps of the bench clocks wrote."""
    Activity.objects.filter(
        verb__in=["sla.breached", "sla.warning"],
        target_type=ContentType.objects.get_for_model(OrgUnit),
    ).delete()
    DBTaskResult.objects.filter(task_path="khedmat.sla.tasks.escalate_clocks").delete()


def cleanup() -> None:
    drop_sweep_output()
    SlaClock.objects.filter(org_unit__code=UNIT_CODE).delete()
    SlaPolicy.objects.filter(name="bench-sla").delete()
    OrgUnit.objects.filter(code=UNIT_CODE).delete()


def measure(name: str, *, due: int, warn: int, repeat: int) -> dict[str, Any]:
    times = []
    result = None
    for _ in range(repeat):
        reset(due=due, warn=warn)
        started = time.perf_counter()
        result = sweep_clocks(NOW)
        times.append(time.perf_counter() - started)
    assert result is not None
    assert (result.breached, result.warned) == (due, warn), result
    median = statistics.median(times)
    print(
        f"{name:>6}: {median * 1000:8.1f} ms median of {repeat} "
        f"(min {min(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms); "
        f"breached {result.breached:,}, warned {result.warned:,}, "
        f"escalations {result.escalations:,}"
    )
    return {"name": name, "median": median, "result": result}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clocks", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="leave the clocks in the database")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("warning: not PostgreSQL; the target is for PostgreSQL", file=sys.stderr)
    call_command("migrate", verbosity=0)
    print(
        f"{connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''}; "
        f"sweep batch {settings.KHEDMAT_SLA_SWEEP_BATCH:,}"
    )
    setup(args.clocks)
    try:
        busy = max(1, args.clocks // 100)
        idle = measure("idle", due=0, warn=0, repeat=args.repeat)
        minute = measure("minute", due=busy, warn=busy, repeat=args.repeat)
        measure("burst", due=args.clocks, warn=0, repeat=max(1, args.repeat // 2))
    finally:
        if not args.keep:
            cleanup()
    worst = max(idle["median"], minute["median"])
    verdict = "OK" if worst < TARGET_SECONDS else "OVER"
    print(f"target: sweep under {TARGET_SECONDS:.0f} s at {args.clocks:,} open clocks: {verdict}")
    return 0 if worst < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
