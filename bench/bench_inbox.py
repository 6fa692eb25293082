"""The staff inbox (/desk/work/) with 100,000 requests and their open work items.

Run: .venv/bin/python bench/bench_inbox.py [--sizes 1000,100000] [--samples 20]   # SQLite file
     DATABASE_URL=postgres://postgres@127.0.0.1:5432/khedmat_bench_inbox \\
     .venv/bin/python bench/bench_inbox.py

Without DATABASE_URL the script uses a SQLite file in a temporary folder (removed at the end);
with it, the database is migrated first: use a scratch database and drop it afterwards.

The script loads the demo catalog, publishes one linear process (bench_process_steps.linear_bpmn),
files one real request and starts its process, then bulk-creates requests (Ticket), their
running ProcessInstance (the real instance's serialised state, reused), one open WorkItem each
and one running SLA clock each, up to each of `--sizes` in turn. The rows are spread over four
units (the agent's unit holds 40 %), three queues (75 % "agent" role, 15 % "supervisor" role,
10 % the agent's team) and fourteen assignees (the agent holds 2 % of the agent items and 10 % of
the team's; a quarter of the agent items are held by other agents), created over about six
months, due 2-12 days later (10 % without a due date).

At each size, an agent (of the unit, in the team) and a supervisor (of the unit above all four)
ask for the page with Django's test Client (full middleware, session, second factor, template):
first pages and deep keyset pages (`after=` about 90 % down the list) of each tab and sort order.
Printed: p50/p95 latency, the number of queries per page (which must not grow with the rows),
the rows shown; then the plan of the page's main query (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN
QUERY PLAN on SQLite) and whether it uses processes_workitem_inbox_idx / _assign_idx.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import shutil
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_process_steps import (
    SERVICE_CODE,
    complaint_answers,
    linear_bpmn,
    national_code,
    percentile,
    use_database,
)

if TYPE_CHECKING:
    from collections.abc import Callable

NOW = dt.datetime(2026, 5, 2, 8, 0, tzinfo=dt.UTC)
SPACING = dt.timedelta(seconds=150)  # 100,000 requests over about 174 days
BATCH = 5_000
INDEXES = ("processes_workitem_inbox_idx", "processes_workitem_assign_idx")


@dataclass(frozen=True)
class World:
    """What the bulk rows point at."""

    units: list[Any]
    team: Any
    agent: Any
    supervisor: Any
    others: list[Any]
    applicant: Any
    version: Any
    definition: Any
    state: str
    task_id: str
    target: Any
    ticket_type: Any


@dataclass(frozen=True)
class Scenario:
    label: str
    who: str
    view: str
    sort: str
    deep: bool = False
    page: str = "inbox"  # or "requests": the desk's request list (/desk/requests/)


SCENARIOS = (
    Scenario("agent team newest", "agent", "team", "newest"),
    Scenario("agent team newest deep", "agent", "team", "newest", deep=True),
    Scenario("agent team due", "agent", "team", "due"),
    Scenario("agent team due deep", "agent", "team", "due", deep=True),
    Scenario("agent mine newest", "agent", "mine", "newest"),
    Scenario("agent mine due", "agent", "mine", "due"),
    Scenario("agent unassigned newest", "agent", "unassigned", "newest"),
    Scenario("agent unassigned due deep", "agent", "unassigned", "due", deep=True),
    Scenario("supervisor team newest", "supervisor", "team", "newest"),
    Scenario("supervisor team due", "supervisor", "team", "due"),
    Scenario("supervisor unassigned deep", "supervisor", "unassigned", "newest", deep=True),
    Scenario("supervisor mine newest", "supervisor", "mine", "newest"),
    # the desk's request list reads the same rows through Ticket.objects.visible_to_staff
    Scenario("agent desk requests", "agent", "", "", page="requests"),
    Scenario("supervisor desk requests", "supervisor", "", "", page="requests"),
)


# --- loading ------------------------------------------------------------------------------------


def prepare() -> World:
    """Migrate; demo catalog, units, team, staff, one published process and one started request."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command

    from khedmat.accounts.models import OrgUnit, Team
    from khedmat.accounts.services import create_user
    from khedmat.catalog.demo import load_demo_catalog
    from khedmat.catalog.models import Service
    from khedmat.processes import services as processes
    from khedmat.sla.choices import DurationUnit, TargetKind
    from khedmat.sla.models import SlaPolicy, SlaTarget
    from khedmat.tickets import services as tickets
    from khedmat.tickets.models import Ticket

    call_command("migrate", verbosity=0)
    load_demo_catalog()
    agency = OrgUnit.objects.get(code="agency")
    home = OrgUnit.objects.get(code="consumer-protection")
    units = [
        home,
        OrgUnit.objects.get(code="licences"),
        OrgUnit.objects.create(code="bench-north", name="Bench north", parent=agency),
        OrgUnit.objects.create(code="bench-south", name="Bench south", parent=agency),
    ]
    designer = create_user("bench-designer", actor=None, roles=["admin"], password=None)
    agent = create_user(
        "bench-agent",
        actor=None,
        roles=["agent"],
        org_unit=home,
        password=None,
        first_name="Sara",
        last_name="Agent",
    )
    supervisor = create_user(
        "bench-supervisor", actor=None, roles=["supervisor"], org_unit=agency, password=None
    )
    others = [
        create_user(
            f"bench-agent-{n}",
            actor=None,
            roles=["agent"],
            org_unit=units[n % 4],
            password=None,
            first_name="Agent",
            last_name=str(n),
        )
        for n in range(12)
    ]
    team = Team.objects.create(code="bench-desk", name="Bench desk", org_unit=home)
    team.members.add(agent, *others[:3])
    applicant = create_user(
        "bench-applicant",
        actor=None,
        mobile="+989120000001",
        national_code=national_code(4242),
        password=None,
    )
    version = Service.objects.get(code=SERVICE_CODE).current_version
    draft = processes.create_definition("bench-inbox", linear_bpmn(3), name="Bench", actor=designer)
    definition = processes.publish_definition(draft, actor=designer)
    ticket = tickets.submit_request(
        version,
        answers=complaint_answers(applicant.national_code, "09120000001"),
        requester=applicant,
        filed_by=applicant,
        principal=tickets.Principal(name="متقاضی آزمون", national_code=applicant.national_code),
    )
    instance = processes.start_process(ticket, definition, actor=designer)
    (item,) = instance.work_items.all()
    policy = SlaPolicy.objects.create(name="bench-inbox", precedence=10_000, is_active=False)
    target = SlaTarget.objects.create(
        policy=policy, kind=TargetKind.RESOLUTION, amount=5, unit=DurationUnit.WORKING_DAYS
    )
    return World(
        units=units,
        team=team,
        agent=agent,
        supervisor=supervisor,
        others=others,
        applicant=applicant,
        version=version,
        definition=definition,
        state=instance.state,
        task_id=item.task_id,
        target=target,
        ticket_type=ContentType.objects.get_for_model(Ticket),
    )


@contextmanager
def explicit_created_at(*models: Any) -> Iterator[None]:
    """Let bulk_create keep the given created_at (auto_now_add would stamp them all now)."""
    fields = [model._meta.get_field("created_at") for model in models]
    for item in fields:
        item.auto_now_add = False
    try:
        yield
    finally:
        for item in fields:
            item.auto_now_add = True


def load(world: World, start: int, stop: int) -> float:
    """Requests, instances, open work items and clocks numbered [start, stop); seconds taken."""
    from django.db import transaction

    from khedmat.processes.models import ProcessInstance, WorkItem
    from khedmat.sla.choices import ClockState, TargetKind
    from khedmat.sla.models import SlaClock
    from khedmat.tickets.choices import Status
    from khedmat.tickets.models import Ticket

    answers = complaint_answers(world.applicant.national_code, "09120000001")
    began = time.perf_counter()
    for low in range(start, stop, BATCH):
        numbers = range(low, min(stop, low + BATCH))
        plans = [plan(world, number) for number in numbers]
        with transaction.atomic(), explicit_created_at(ProcessInstance, WorkItem):
            requests = Ticket.objects.bulk_create(
                Ticket(
                    tracking_code=f"9{number:011d}",
                    service_id=world.version.service_id,
                    service_version=world.version,
                    requester=world.applicant,
                    filed_by=world.applicant,
                    principal_name="متقاضی آزمون",
                    principal_national_code=world.applicant.national_code,
                    answers=answers,
                    status=Status.IN_PROGRESS,
                    stage_title="Step 1",
                    org_unit=p["unit"],
                    submitted_at=p["at"],
                    status_changed_at=p["at"],
                )
                for number, p in zip(numbers, plans, strict=True)
            )
            instances = ProcessInstance.objects.bulk_create(
                ProcessInstance(
                    ticket=ticket,
                    definition=world.definition,
                    state=world.state,
                    created_at=p["at"],
                )
                for ticket, p in zip(requests, plans, strict=True)
            )
            WorkItem.objects.bulk_create(
                WorkItem(
                    instance=instance,
                    ticket=ticket,
                    task_id=world.task_id,
                    task_name="Task_1",
                    title="Step 1",
                    lane=p["lane"],
                    role=p["role"],
                    team=p["team"],
                    org_unit=p["unit"],
                    assignee=p["assignee"],
                    due_at=p["due"],
                    created_at=p["at"],
                )
                for instance, ticket, p in zip(instances, requests, plans, strict=True)
            )
            SlaClock.objects.bulk_create(
                SlaClock(
                    record_type=world.ticket_type,
                    record_id=ticket.pk,
                    target=world.target,
                    kind=TargetKind.RESOLUTION,
                    org_unit=p["unit"],
                    service_key=SERVICE_CODE,
                    priority="normal",
                    state=ClockState.RUNNING,
                    started_at=p["at"],
                    promised_at=p["due"] or p["at"] + dt.timedelta(days=7),
                    due_at=p["due"] or p["at"] + dt.timedelta(days=7),
                    target_minutes=2100,
                )
                for ticket, p in zip(requests, plans, strict=True)
            )
    return time.perf_counter() - began


def plan(world: World, number: int) -> dict[str, Any]:
    """Where request `number` sits: unit, queue, holder, times (deterministic)."""
    draw = random.Random(number)  # noqa: S311  (test data)
    at = NOW - dt.timedelta(days=180) + number * SPACING
    unit = world.units[0] if draw.random() < 0.4 else world.units[draw.randrange(1, 4)]
    queue, held = draw.random(), draw.random()
    team = None
    if queue < 0.75:
        lane = role = "agent"
        assignee = (
            world.agent
            if held < 0.02
            else world.others[draw.randrange(12)]
            if held < 0.27
            else None
        )
    elif queue < 0.90:
        lane = role = "supervisor"
        assignee = world.supervisor if held < 0.05 else None
    else:
        lane = role = world.team.code
        unit, team = world.units[0], world.team
        assignee = world.agent if held < 0.10 else None
    due = None if draw.random() < 0.1 else at + dt.timedelta(hours=draw.randrange(48, 288))
    return {
        "at": at,
        "unit": unit,
        "lane": lane,
        "role": role,
        "team": team,
        "assignee": assignee,
        "due": due,
    }


def analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("processes_workitem", "tickets_ticket", "sla_slaclock"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# --- measuring ----------------------------------------------------------------------------------


def login(user: Any) -> Any:
    """A test client signed in with a verified second factor (as after the TOTP code)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="authenticator", defaults={"confirmed": True}
    )
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def deep_after(user: Any, scenario: Scenario) -> int | None:
    """The id about 90 % down the tab's list (the `after` of a deep page), or None if short."""
    from django.db.models import F

    from khedmat.processes.queries import SORT_DUE, inbox_items

    items = inbox_items(user, scenario.view)
    total = items.count()
    if total < 60:
        return None
    if scenario.sort == SORT_DUE:
        ordered = items.order_by(F("due_at").asc(nulls_last=True), "id")
    else:
        ordered = items.order_by("-created_at", "-id")
    return int(ordered.values_list("pk", flat=True)[int(total * 0.9)])


@dataclass
class Result:
    scenario: Scenario
    seconds: list[float]
    queries: int
    rows: int
    main_sql: str
    main_params: Any
    total: int


class Recorder:
    """Records the statements sent on the default connection (a request resets connection.queries,
    so CaptureQueriesContext cannot count across a test Client request)."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any]] = []

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.statements.append((sql, params))
        return execute(sql, params, many, context)


def measure(client: Any, user: Any, scenario: Scenario, samples: int) -> Result:
    from django.db import connection
    from django.urls import reverse

    from khedmat.processes.queries import inbox_items

    if scenario.page == "requests":
        return measure_requests(client, user, scenario, samples)
    params: dict[str, Any] = {"view": scenario.view, "sort": scenario.sort}
    if scenario.deep:
        after = deep_after(user, scenario)
        if after is not None:
            params["after"] = after
    url = reverse("processes:inbox")
    for _ in range(2):  # warm-up: per-process caches (unit calendars, content types) filled
        assert client.get(url, params).status_code == 200
    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        response = client.get(url, params)
    assert response.status_code == 200, (scenario, response.status_code)
    rows = response.content.count(b"data-work-item=")
    main = [(sql, args) for sql, args in recorder.statements if _is_main(sql)]
    seconds = []
    for _ in range(samples):
        started = time.perf_counter()
        response = client.get(url, params)
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200
    total = inbox_items(user, scenario.view).count()
    sql, args = main[-1] if main else ("", None)
    return Result(scenario, seconds, len(recorder.statements), rows, sql, args, total)


def measure_requests(client: Any, user: Any, scenario: Scenario, samples: int) -> Result:
    """The desk's request list: its first page, with the same counting as the inbox pages."""
    from django.db import connection
    from django.urls import reverse

    from khedmat.tickets.models import Ticket

    url = reverse("tickets:desk_request_list")
    for _ in range(2):
        assert client.get(url).status_code == 200
    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        response = client.get(url)
    assert response.status_code == 200, (scenario, response.status_code)
    rows = response.content.count(b"data-ticket=")
    main = [
        (sql, args)
        for sql, args in recorder.statements
        if 'FROM "TICKETS_TICKET"' in sql.upper() and "LIMIT" in sql.upper()
    ]
    seconds = []
    for _ in range(samples):
        started = time.perf_counter()
        assert client.get(url).status_code == 200
        seconds.append(time.perf_counter() - started)
    total = Ticket.objects.visible_to_staff(user).open().count()
    sql, args = main[-1] if main else ("", None)
    return Result(scenario, seconds, len(recorder.statements), rows, sql, args, total)


def _is_main(sql: str) -> bool:
    """The page's rows: the work-item select with an ORDER BY and a LIMIT."""
    text = sql.upper()
    return 'FROM "PROCESSES_WORKITEM"' in text and "ORDER BY" in text and "LIMIT" in text


def explain(sql: str, params: Any) -> str:
    from django.db import connection

    prefix = (
        "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
        if connection.vendor == "postgresql"
        else "EXPLAIN QUERY PLAN "
    )
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        rows = cursor.fetchall()
    if connection.vendor == "postgresql":
        return "\n".join(str(row[0]) for row in rows)
    return "\n".join(str(row[-1]) for row in rows)


def run_size(world: World, size: int, samples: int, clients: dict[str, Any]) -> list[Result]:
    users = {"agent": world.agent, "supervisor": world.supervisor}
    results = [measure(clients[item.who], users[item.who], item, samples) for item in SCENARIOS]
    print(f"\n{size:,} requests with open work items:")
    print(
        f"{'page':<28} {'tab rows':>8} {'shown':>5} {'queries':>7} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}"
    )
    for result in results:
        print(
            f"{result.scenario.label:<28} {result.total:>8,} {result.rows:>5} "
            f"{result.queries:>7} {statistics.median(result.seconds) * 1000:>7.1f} "
            f"{percentile(result.seconds, 0.95) * 1000:>7.1f} {max(result.seconds) * 1000:>7.1f}"
        )
    return results


def print_plans(results: list[Result], *, full: bool) -> None:
    from django.db import connection

    print(f"\nplans of the main inbox query ({connection.vendor}):")
    for result in results:
        if not result.main_sql:
            print(f"- {result.scenario.label}: main query not found")
            continue
        plan_text = explain(result.main_sql, result.main_params)
        used = [name for name in INDEXES if name in plan_text]
        other = sorted(
            set(re.findall(r"(?:USING INDEX|using) (\w+_idx\w*)", plan_text)) - set(used)
        )
        sort = "sorts" if re.search(r"\bSort\b|USE TEMP B-TREE", plan_text) else "no sort"
        timing = re.search(r"Execution Time: ([\d.]+) ms", plan_text)
        print(
            f"- {result.scenario.label}: {', '.join(used) or 'neither named index'}"
            f"{'; also ' + ', '.join(other) if other else ''}; {sort}"
            f"{f'; {timing.group(1)} ms in the database' if timing else ''}"
        )
        if full:
            print("    " + plan_text.replace("\n", "\n    "))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000", help="row counts, ascending")
    parser.add_argument("--samples", type=int, default=20, help="timed requests per page")
    parser.add_argument("--plans", action="store_true", help="print every plan in full")
    args = parser.parse_args()
    sizes = [int(value) for value in args.sizes.split(",")]
    if sizes != sorted(sizes) or sizes[0] < 100:
        parser.error("--sizes must be ascending and at least 100")
    scratch = use_database()
    try:
        from django.db import connection

        started = time.perf_counter()
        world = prepare()
        print(
            f"prepared: migrated, demo catalog, staff, one started process in "
            f"{time.perf_counter() - started:.1f} s"
        )
        version_text = f" {connection.pg_version}" if connection.vendor == "postgresql" else ""
        print(
            f"{connection.vendor}{version_text}; test Client in-process (KHEDMAT_DEBUG="
            f"{os.environ.get('KHEDMAT_DEBUG')}); {args.samples} timed requests per page after 2 "
            f"warm-ups; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
        )
        clients = {"agent": login(world.agent), "supervisor": login(world.supervisor)}
        loaded, by_size = 1, {}  # the real request counts as one
        for size in sizes:
            seconds = load(world, loaded, size)
            analyze()
            print(
                f"\nloaded {size - loaded:,} requests (+ instances, work items, clocks) "
                f"in {seconds:.1f} s"
            )
            loaded = size
            by_size[size] = run_size(world, size, args.samples, clients)
        first, last = by_size[sizes[0]], by_size[sizes[-1]]
        changed = [
            f"{a.scenario.label} ({a.queries} -> {b.queries})"
            for a, b in zip(first, last, strict=True)
            if a.queries != b.queries
        ]
        print(
            f"\nqueries per page at {sizes[0]:,} and {sizes[-1]:,} rows: "
            + ("the same on every page" if not changed else "CHANGED: " + ", ".join(changed))
        )
        print_plans(last, full=args.plans)
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0 if not changed else 1


if __name__ == "__main__":
    raise SystemExit(main())
