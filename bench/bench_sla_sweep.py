"""The periodic SLA sweep over 100,000 open clocks on PostgreSQL (DESIGN.md §7: under 2 s).

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/khedmat_bench \\
     .venv/bin/python bench/bench_sla_sweep.py [--clocks N] [--repeat R] [--keep]

Production settings (KHEDMAT_DEBUG=0: no query log) unless KHEDMAT_DEBUG=1 is set; the sweep's
batch is KHEDMAT_SLA_SWEEP_BATCH. Each line prints the wall time and the CPU time of this process
and of its PostgreSQL backend (when the server runs on this machine): on a shared machine the
difference is time spent waiting for a core.

The database is migrated first; use a scratch database: the script adds its own unit, policy and
clocks (records are stand-in ids) and removes them, with the rows the sweep wrote, at the end.
Clocks are made with bulk_create, running, due over the next 30 days, each with a 75 % and a 90 %
warning. Three situations are timed, each `--repeat` times after resetting the clocks (median):

- idle: nothing is due (the usual minute: two index range scans that find nothing);
- minute: 1 % breach and another 1 % reach a warning (a busy minute: 1,000 + 1,000 clocks);
- burst: every clock is overdue at once (after a long outage; breaches all of them).

Breaches are one UPDATE per batch with one summary Activity row per SLA target (the records'
own rows are written by a job per summary row); each warning writes an Activity row; each breach
fires one escalation (notify), enqueued as jobs of up to 1,000 clocks. The budget holds for all
three lines (each prints PASS or FAIL; "after an outage" repeats the burst's verdict); the exit
status is 0 when each median is under it. The record_breaches jobs of the last burst are then run
once in this process and timed, for information (a worker runs them after the sweep).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khedmat.settings")
# Production settings (no query log) unless KHEDMAT_DEBUG=1 is set, as bench_inbox.py.
os.environ.setdefault("KHEDMAT_DEBUG", "0")
if os.environ["KHEDMAT_DEBUG"] == "0":
    os.environ.setdefault("KHEDMAT_SECRET_KEY", secrets.token_urlsafe(40))
    os.environ.setdefault("KHEDMAT_ALLOWED_HOSTS", "localhost")
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
from khedmat.core import audit  # noqa: E402
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
from khedmat.sla.tasks import record_breaches  # noqa: E402

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
    """Delete the Activity rows and jobs earlier sweeps of the bench clocks wrote (past the
    audit trail's append-only trigger: a bench database's chain is not kept)."""
    with audit.maintenance():
        _drop_sweep_activity()
    DBTaskResult.objects.filter(
        task_path__in=["khedmat.sla.tasks.escalate_clocks", "khedmat.sla.tasks.record_breaches"]
    ).delete()


def _drop_sweep_activity() -> None:
    Activity.objects.filter(
        verb__in=["sla.breached", "sla.warning"],
        target_type=ContentType.objects.get_for_model(OrgUnit),
    ).delete()
    targets = SlaTarget.objects.filter(policy__name="bench-sla").values_list("pk", flat=True)
    Activity.objects.filter(
        verb="sla.clocks_breached",
        target_type=ContentType.objects.get_for_model(SlaTarget),
        target_id__in=[str(pk) for pk in targets],
    ).delete()


def cleanup() -> None:
    drop_sweep_output()
    ids = list(SlaClock.objects.filter(org_unit__code=UNIT_CODE).values_list("id", flat=True))
    for start in range(0, len(ids), 10_000):  # one IN list per statement stays under 65,535
        SlaClock.objects.filter(id__in=ids[start : start + 10_000]).delete()
    SlaPolicy.objects.filter(name="bench-sla").delete()
    OrgUnit.objects.filter(code=UNIT_CODE).delete()


def backend_cpu_seconds() -> float | None:
    """CPU seconds this connection's database backend has used so far, when the server runs on
    this machine (PostgreSQL; read from /proc), else None. With the process's own CPU time it
    tells the sweep's cost apart from the time it waited for a core on a shared machine."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(name: str, *, due: int, warn: int, repeat: int) -> dict[str, Any]:
    times, python_cpu, database_cpu = [], [], []
    result = None
    for _ in range(repeat):
        reset(due=due, warn=warn)
        backend_before = backend_cpu_seconds()
        cpu_before = time.process_time()
        started = time.perf_counter()
        result = sweep_clocks(NOW)
        times.append(time.perf_counter() - started)
        python_cpu.append(time.process_time() - cpu_before)
        backend_after = backend_cpu_seconds()
        if backend_before is not None and backend_after is not None:
            database_cpu.append(backend_after - backend_before)
    assert result is not None
    assert (result.breached, result.warned) == (due, warn), result
    listed = Activity.objects.filter(verb="sla.clocks_breached").values_list("data", flat=True)
    assert sum(len(data["clocks"]) for data in listed) == due  # every breach in a summary row
    median = statistics.median(times)
    cpu = f"CPU median: python {statistics.median(python_cpu) * 1000:.0f} ms"
    if database_cpu:
        cpu += f", database {statistics.median(database_cpu) * 1000:.0f} ms"
    print(
        f"{name:>6}: {median * 1000:8.1f} ms median of {repeat} "
        f"(min {min(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms); "
        f"breached {result.breached:,}, warned {result.warned:,}, "
        f"escalations {result.escalations:,}; {cpu}; load average {os.getloadavg()[0]:.2f}; "
        f"{verdict(median)}"
    )
    return {"name": name, "median": median, "result": result}


def verdict(seconds: float) -> str:
    return "PASS" if seconds < TARGET_SECONDS else "FAIL"


def time_timeline_jobs(due: int) -> None:
    """Run the record_breaches jobs the last burst enqueued, in this process (as a worker would,
    after the sweep): informational, no budget; checks each clock got its row once."""
    jobs = DBTaskResult.objects.filter(task_path="khedmat.sla.tasks.record_breaches")
    summary_ids = [row["args"][0] for row in jobs.values_list("args_kwargs", flat=True)]
    started = time.perf_counter()
    written = sum(record_breaches.call(summary_id) for summary_id in summary_ids)
    elapsed = time.perf_counter() - started
    assert written == due, (written, due)
    assert sum(record_breaches.call(summary_id) for summary_id in summary_ids) == 0  # once
    print(
        f"  jobs: {elapsed * 1000:8.1f} ms for the {len(summary_ids)} record_breaches jobs "
        f"({written:,} timeline rows), run once after the burst, in the worker: informational"
    )


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
        f"sweep batch {settings.KHEDMAT_SLA_SWEEP_BATCH:,}; DEBUG={settings.DEBUG}"
    )
    setup(args.clocks)
    try:
        busy = max(1, args.clocks // 100)
        idle = measure("idle", due=0, warn=0, repeat=args.repeat)
        minute = measure("minute", due=busy, warn=busy, repeat=args.repeat)
        burst = measure("burst", due=args.clocks, warn=0, repeat=args.repeat)
        time_timeline_jobs(args.clocks)
    finally:
        if not args.keep:
            cleanup()
    print(
        f"after an outage ({args.clocks:,} clocks all overdue): sweep {burst['median']:.2f} s "
        f"median, budget {TARGET_SECONDS:.0f} s: {verdict(burst['median'])}"
    )
    worst = max(idle["median"], minute["median"], burst["median"])
    print(
        f"target: every sweep under {TARGET_SECONDS:.0f} s at {args.clocks:,} open clocks, "
        f"the burst included: {verdict(worst)} (load average {os.getloadavg()[0]:.2f})"
    )
    return 0 if worst < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
