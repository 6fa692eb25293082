"""Process steps per second, each with its database write (the processes app's use cases).

Run: .venv/bin/python bench/bench_process_steps.py [--requests N] [--tasks T]   # SQLite file
     DATABASE_URL=postgres://postgres@127.0.0.1:5432/khedmat_bench_steps \\
     .venv/bin/python bench/bench_process_steps.py

Without DATABASE_URL the script uses a SQLite file in a temporary folder (removed at the end);
with it, the database is migrated first: use a scratch database and drop it afterwards. The
script loads the demo catalog, makes a designer, an agent and an applicant, then goes through
the real use cases of `khedmat.processes.services`:

- publish: `create_definition` + `publish_definition` of a generated linear process of `--tasks`
  user tasks in the "agent" lane (validation, engine parse, Activity rows);
- submit: `tickets.services.submit_request` of `--requests` consumer complaints (informational);
- start: `start_process` of each request (lock the request, run Spiff to the first user task,
  save the state, open the work item, Activity row, stage title);
- step: `complete_work_item` on the open item of each instance, round-robin over the instances
  (`--tasks` rounds): lock the instance, run Spiff, sync the work items, save the state, move
  the request's stage (the first step moves it to "in progress" with an SMS, the last completes
  the request), write the Activity row, commit.

Printed: calls/s, p50/p95/max ms per call and queries per call, for start and for each kind of
step (first, middle, last) and all steps together; the serialised state's size.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVICE_CODE = "17041325130"  # complaints against shops: a short form, no file asked
PROCESS_KEY = "bench-linear"


def linear_bpmn(tasks: int, *, lane: str = "agent", process_id: str = "bench_linear") -> str:
    """A process of `tasks` user tasks in a row, all in one lane (a valid, publishable document)."""
    names = [f"Task_{index}" for index in range(1, tasks + 1)]
    nodes = ["StartEvent_1", *names, "EndEvent_1"]
    refs = "".join(f"<bpmn:flowNodeRef>{node}</bpmn:flowNodeRef>" for node in nodes)
    body = [
        '<bpmn:startEvent id="StartEvent_1" name="Filed"><bpmn:outgoing>Flow_0</bpmn:outgoing>'
        "</bpmn:startEvent>"
    ]
    for index, name in enumerate(names, start=1):
        body.append(
            f'<bpmn:userTask id="{name}" name="Step {index}">'
            f"<bpmn:incoming>Flow_{index - 1}</bpmn:incoming>"
            f"<bpmn:outgoing>Flow_{index}</bpmn:outgoing></bpmn:userTask>"
        )
    body.append(
        f'<bpmn:endEvent id="EndEvent_1" name="Done"><bpmn:incoming>Flow_{tasks}</bpmn:incoming>'
        "</bpmn:endEvent>"
    )
    for index in range(tasks + 1):
        body.append(
            f'<bpmn:sequenceFlow id="Flow_{index}" sourceRef="{nodes[index]}" '
            f'targetRef="{nodes[index + 1]}" />'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'id="Definitions_bench" targetNamespace="http://bpmn.io/schema/bpmn">'
        '<bpmn:collaboration id="Collaboration_bench">'
        f'<bpmn:participant id="Participant_1" name="Bench office" processRef="{process_id}" />'
        "</bpmn:collaboration>"
        f'<bpmn:process id="{process_id}" name="Bench linear process" isExecutable="true">'
        f'<bpmn:laneSet id="LaneSet_1"><bpmn:lane id="Lane_1" name="{lane}">{refs}</bpmn:lane>'
        f"</bpmn:laneSet>{''.join(body)}</bpmn:process></bpmn:definitions>\n"
    )


def national_code(number: int) -> str:
    """A valid 10-digit national code for a running number."""
    body = f"{number:09d}"
    remainder = sum(int(digit) * (10 - index) for index, digit in enumerate(body)) % 11
    return body + str(remainder if remainder < 2 else 11 - remainder)


def complaint_answers(national: str, mobile: str) -> dict[str, Any]:
    return {
        "national_code": national,
        "mobile": mobile,
        "shop_name": "فروشگاه لوازم خانگی نمونه",
        "place": ["tehran", "rey"],
        "amount": 12_500_000,
        "complaint": "یخچال خریداری‌شده از روز اول خراب بود و فروشنده از تعویض آن خودداری کرد.",
    }


def use_database() -> Path:
    """Point Django at DATABASE_URL, or at a SQLite file; returns the temporary folder to remove
    (the SQLite file and the media files are in it)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khedmat.settings")
    os.environ.setdefault("KHEDMAT_DEBUG", "1")
    os.environ.setdefault("KHEDMAT_LOG_LEVEL", "WARNING")
    scratch = Path(tempfile.mkdtemp(prefix="khedmat-bench-"))
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'bench.sqlite3'}"
    os.environ.setdefault("KHEDMAT_MEDIA_ROOT", str(scratch / "media"))
    os.environ.setdefault("KHEDMAT_MAX_REQUESTS_PER_DAY", "0")  # one applicant files them all
    import django

    django.setup()
    return scratch


# --- measuring ----------------------------------------------------------------------------------


@dataclass
class Series:
    """Durations (s) and query counts of one kind of call."""

    name: str
    seconds: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)

    def add(self, other: Series) -> None:
        self.seconds += other.seconds
        self.queries += other.queries


class QueryCounter:
    """Counts the statements sent on the default connection (cheaper than capturing them)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


@contextmanager
def counting() -> Iterator[QueryCounter]:
    from django.db import connection

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        yield counter


def timed(series: Series, counter: QueryCounter, call: Callable[[], Any]) -> Any:
    before = counter.count
    started = time.perf_counter()
    result = call()
    series.seconds.append(time.perf_counter() - started)
    series.queries.append(counter.count - before)
    return result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def print_table(rows: list[Series]) -> None:
    print(
        f"{'line':<28} {'calls':>6} {'calls/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'queries':>8}"
    )
    for row in rows:
        if not row.seconds:
            continue
        total = sum(row.seconds)
        low, high = min(row.queries), max(row.queries)
        queries = f"{low}" if low == high else f"{low}-{high}"
        print(
            f"{row.name:<28} {len(row.seconds):>6,} {len(row.seconds) / total:>8,.1f} "
            f"{percentile(row.seconds, 0.5) * 1000:>7.1f} {percentile(row.seconds, 0.95) * 1000:>7.1f} "
            f"{max(row.seconds) * 1000:>7.1f} {queries:>8}"
        )


# --- the run ------------------------------------------------------------------------------------


def prepare_people() -> tuple[Any, Any, Any]:
    """A designer (admin), an agent of the complaints unit and an applicant."""
    from khedmat.accounts.models import OrgUnit
    from khedmat.accounts.services import create_user

    unit = OrgUnit.objects.get(code="consumer-protection")
    designer = create_user("bench-designer", actor=None, roles=["admin"], password=None)
    agent = create_user("bench-agent", actor=None, roles=["agent"], org_unit=unit, password=None)
    applicant = create_user(
        "bench-applicant",
        actor=None,
        first_name="متقاضی",
        last_name="آزمون",
        mobile="+989120000001",
        national_code=national_code(4242),
        password=None,
    )
    return designer, agent, applicant


def run(args: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.db import connection

    from khedmat.catalog.demo import load_demo_catalog
    from khedmat.catalog.models import Service
    from khedmat.processes import services as processes
    from khedmat.processes.choices import Decision, InstanceStatus
    from khedmat.processes.models import ProcessInstance, WorkItem
    from khedmat.tickets import services as tickets
    from khedmat.tickets.choices import Status
    from khedmat.tickets.models import Ticket

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_demo_catalog()
    if Service.objects.filter(code=SERVICE_CODE, process_key__gt="").exists():
        raise SystemExit(f"service {SERVICE_CODE} starts a process itself; use a fresh database")
    designer, agent, applicant = prepare_people()
    version = Service.objects.get(code=SERVICE_CODE).current_version
    assert version is not None and applicant.national_code and applicant.mobile
    answers = complaint_answers(applicant.national_code, "0" + applicant.mobile[3:])
    principal = tickets.Principal(name="متقاضی آزمون", national_code=applicant.national_code)
    print(f"prepared: migrated, demo catalog, 3 users in {time.perf_counter() - started:.1f} s")

    publish, submit, start = (
        Series("publish definition"),
        Series("submit_request"),
        Series("start_process"),
    )
    first, middle, last = (
        Series("step: first (-> in progress)"),
        Series("step: middle"),
        Series("step: last (completes)"),
    )
    document = linear_bpmn(args.tasks)
    with counting() as counter:
        definition = None

        def create_and_publish() -> Any:
            draft = processes.create_definition(PROCESS_KEY, document, name="Bench", actor=designer)
            return processes.publish_definition(draft, actor=designer)

        for _ in range(args.publish):
            definition = timed(publish, counter, create_and_publish)
        assert definition is not None and definition.is_published

        def file_one() -> Any:
            return tickets.submit_request(
                version,
                answers=answers,
                requester=applicant,
                filed_by=applicant,
                principal=principal,
            )

        requests = [timed(submit, counter, file_one) for _ in range(args.requests)]
        instances = []
        for ticket in requests:
            instances.append(
                timed(
                    start,
                    counter,
                    lambda t=ticket: processes.start_process(t, definition, actor=agent),
                )
            )
        ids = [instance.pk for instance in instances]
        state_before = len(instances[0].state)
        for round_number in range(args.tasks):
            series = (
                first if round_number == 0 else last if round_number == args.tasks - 1 else middle
            )
            items = {
                item.instance_id: item
                for item in WorkItem.objects.open().filter(instance_id__in=ids)
            }
            for instance_id in ids:
                item = items[instance_id]
                timed(
                    series,
                    counter,
                    lambda item=item: processes.complete_work_item(
                        item,
                        data={"note": "checked"},
                        decision=Decision.APPROVE,
                        actor=agent,
                    ),
                )
    done = ProcessInstance.objects.filter(pk__in=ids, status=InstanceStatus.COMPLETED).count()
    closed = Ticket.objects.filter(pk__in=[t.pk for t in requests], status=Status.COMPLETED).count()
    assert done == closed == len(ids), (done, closed, len(ids))
    state_after = len(ProcessInstance.objects.get(pk=ids[0]).state)

    steps = Series("all steps")
    for series in (first, middle, last):
        steps.add(series)
    vendor = connection.vendor
    version_text = f" {connection.pg_version}" if vendor == "postgresql" else ""
    print(
        f"{vendor}{version_text}; {args.requests:,} requests x {args.tasks} user tasks "
        f"(a linear process); one client; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    print_table([publish, submit, start, first, middle, last, steps])
    print(
        f"state: {state_before:,} bytes after start, {state_after:,} bytes when completed; "
        f"{sum(steps.seconds):.1f} s for {len(steps.seconds):,} steps"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests (process instances)")
    parser.add_argument("--tasks", type=int, default=5, help="user tasks in the process (>= 3)")
    parser.add_argument("--publish", type=int, default=5, help="definition versions to publish")
    args = parser.parse_args()
    if args.tasks < 3:
        parser.error("--tasks must be at least 3 (first, middle and last steps)")
    scratch = use_database()
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
