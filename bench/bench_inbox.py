"""The staff inbox (/desk/work/) and the desk's request list (/desk/requests/) at 100,000 and
1,000,000 requests, each with an open work item, against their latency budgets.

Run: .venv/bin/python bench/bench_inbox.py [--sizes 1000,100000] [--samples 50]   # SQLite file
     DATABASE_URL=postgres://postgres@127.0.0.1:5432/khedmat_bench_inbox \\
     .venv/bin/python bench/bench_inbox.py --sizes 1000,100000,1000000

Without DATABASE_URL the script uses a SQLite file in a temporary folder (removed at the end);
with it, the database is migrated first: use a scratch database and drop it afterwards. Settings
are production's (KHEDMAT_DEBUG=0: cached templates, no query log, manifest static files
collected into the temporary folder) unless KHEDMAT_DEBUG=1 is set.

The script loads the demo catalog, publishes one linear process (bench_process_steps.linear_bpmn),
files one real request and starts its process; that request, its instance, open work item and an
SLA clock are the prototypes of the bulk rows. Up to each of `--sizes` in turn it loads, set-based
(INSERT ... SELECT from a plan table, filled with COPY on PostgreSQL), requests (Ticket), their
running ProcessInstance (the real instance's serialised state), one open WorkItem each and one
running SLA clock each. The rows are spread over four units (the agent's unit holds 40 %), three
queues (75 % "agent" role, 15 % "supervisor" role, 10 % the agent's team) and fourteen assignees
(the agent holds 2 % of the agent items and 10 % of the team's; a quarter of the agent items are
held by other agents), created 150 s apart going back from now (about six months at 100,000,
four and a half years at 1,000,000), due 2-12 days after they were created (10 % without a due
date).

At each size, an agent (of the unit, in the team) and a supervisor (of the unit above all four)
ask for the pages with Django's test Client (full middleware, session, second factor, template):
first pages and deep keyset pages (a real `after=` cursor 90 % down the list) of each inbox tab
and sort order, and of the request list. The timed requests go round-robin over the pages, so a
burst of load from elsewhere spreads over all of them. Printed: p50/p95 latency, the number of
queries per page (which must not grow with the rows), the rows in the list and on the page, the
load average; a PASS/FAIL line per budget (p95 <= 50 ms at 100,000 requests, <= 100 ms at
1,000,000); then the plan of each page's main query (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY
PLAN on SQLite) with the indexes it reads. `--profile LABEL` profiles one page at the last size
(cProfile over `--samples` requests). The exit status is 1 when a query count changes with the
size or a budget fails.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import random
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
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

SPACING = dt.timedelta(seconds=150)  # 100,000 requests over about 174 days
CHUNK = 100_000  # plan rows per INSERT ... SELECT (one transaction each)
DEEP = 0.9  # a deep page starts this far down its list
#: (largest size, p95 budget in ms): the first line whose size is at least the measured one.
BUDGETS = ((100_000, 50.0), (1_000_000, 100.0))


@dataclass(frozen=True)
class World:
    """What the bulk rows point at."""

    now: dt.datetime
    unit_ids: list[int]
    small_unit_id: int
    team_id: int
    team_code: str
    agent: Any
    supervisor: Any
    small_agent: Any
    other_ids: list[int]
    ticket: Any  # the prototypes: the real request, its instance, its work item
    instance: Any
    work_item: Any
    clock: Any  # an unsaved SlaClock


@dataclass(frozen=True)
class Scenario:
    label: str
    who: str
    view: str = ""
    sort: str = ""
    deep: bool = False
    page: str = "inbox"  # or "requests": the desk's request list (/desk/requests/)


SCENARIOS = (
    Scenario("agent team newest", "agent", "team", "newest"),
    Scenario("agent team newest deep", "agent", "team", "newest", deep=True),
    Scenario("agent team due", "agent", "team", "due"),
    Scenario("agent team due deep", "agent", "team", "due", deep=True),
    Scenario("agent mine newest", "agent", "mine", "newest"),
    Scenario("agent mine due deep", "agent", "mine", "due", deep=True),
    Scenario("agent unassigned newest", "agent", "unassigned", "newest"),
    Scenario("agent unassigned due deep", "agent", "unassigned", "due", deep=True),
    Scenario("supervisor team newest", "supervisor", "team", "newest"),
    Scenario("supervisor team newest deep", "supervisor", "team", "newest", deep=True),
    Scenario("supervisor team due", "supervisor", "team", "due"),
    Scenario("supervisor team due deep", "supervisor", "team", "due", deep=True),
    Scenario("supervisor unassigned deep", "supervisor", "unassigned", "newest", deep=True),
    Scenario("supervisor mine newest", "supervisor", "mine", "newest"),
    # an agent of a unit with about 2 % of the items (the unit indexes' case)
    Scenario("small-unit agent team newest deep", "small", "team", "newest", deep=True),
    Scenario("small-unit agent team due deep", "small", "team", "due", deep=True),
    # the desk's request list reads the same requests through Ticket.objects.visible_to_staff
    Scenario("agent desk requests", "agent", page="requests"),
    Scenario("agent desk requests deep", "agent", deep=True, page="requests"),
    Scenario("supervisor desk requests", "supervisor", page="requests"),
    Scenario("supervisor desk requests deep", "supervisor", deep=True, page="requests"),
)


# --- loading ------------------------------------------------------------------------------------


def prepare() -> World:
    """Migrate; demo catalog, units, team, staff, one published process and one started request."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.utils import timezone

    from khedmat.accounts.models import OrgUnit, Team
    from khedmat.accounts.services import create_user
    from khedmat.catalog.demo import load_demo_catalog
    from khedmat.catalog.models import Service
    from khedmat.processes import services as processes
    from khedmat.sla.choices import ClockState, DurationUnit, TargetKind
    from khedmat.sla.models import SlaClock, SlaPolicy, SlaTarget
    from khedmat.tickets import services as tickets
    from khedmat.tickets.choices import Status
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
    small = OrgUnit.objects.create(code="bench-small", name="Bench small desk", parent=agency)
    small_agent = create_user(
        "bench-small-agent", actor=None, roles=["agent"], org_unit=small, password=None
    )
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
    now = timezone.now().replace(second=0, microsecond=0)
    # what every bulk row shares with its prototype (the per-row columns are set in load())
    ticket.status, ticket.stage_title, ticket.submission_key = Status.IN_PROGRESS, "Step 1", ""
    ticket.team_id = ticket.assignee_id = ticket.promised_at = ticket.closed_at = None
    item.title, item.task_name = "Step 1", "Task_1"
    clock = SlaClock(
        record_type=ContentType.objects.get_for_model(Ticket),
        record_id=0,
        target=target,
        kind=TargetKind.RESOLUTION,
        org_unit=home,
        service_key=SERVICE_CODE,
        priority="normal",
        state=ClockState.RUNNING,
        started_at=now,
        promised_at=now,
        due_at=now,
        target_minutes=2100,
    )
    return World(
        now=now,
        unit_ids=[unit.pk for unit in units],
        small_unit_id=small.pk,
        team_id=team.pk,
        team_code=team.code,
        agent=agent,
        supervisor=supervisor,
        small_agent=small_agent,
        other_ids=[other.pk for other in others],
        ticket=ticket,
        instance=instance,
        work_item=item,
        clock=clock,
    )


def plan(world: World, number: int) -> tuple[Any, ...]:
    """Where request `number` sits (deterministic): the plan table's row."""
    draw = random.Random(number)  # noqa: S311  (test data)
    at = world.now - number * SPACING
    unit = world.unit_ids[0] if draw.random() < 0.4 else world.unit_ids[draw.randrange(1, 4)]
    if unit == world.unit_ids[3] and number % 7 == 0:
        unit = world.small_unit_id  # a seventh of the south unit's: about 3 % of the items
    queue, held = draw.random(), draw.random()
    team = None
    if queue < 0.75:
        role = "agent"
        assignee = (
            world.agent.pk
            if held < 0.02
            else world.other_ids[draw.randrange(12)]
            if held < 0.27
            else None
        )
    elif queue < 0.90:
        role = "supervisor"
        assignee = world.supervisor.pk if held < 0.05 else None
    else:
        role, unit, team = world.team_code, world.unit_ids[0], world.team_id
        assignee = world.agent.pk if held < 0.10 else None
    due = None if draw.random() < 0.1 else at + dt.timedelta(hours=draw.randrange(48, 288))
    deadline = due or at + dt.timedelta(days=7)
    return (number, f"9{number:011d}", at, unit, role, team, assignee, due, deadline)


PLAN_TABLE = "bench_inbox_plan"
PLAN_COLUMNS = ("n", "code", "at", "unit_id", "role", "team_id", "assignee_id", "due", "deadline")


def _fill_plan(world: World, start: int, stop: int) -> None:
    """The plan table's rows [start, stop): COPY on PostgreSQL, executemany on SQLite."""
    from django.db import connection

    rows = (plan(world, number) for number in range(start, stop))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = ", ".join(PLAN_COLUMNS)
            with cursor.cursor.copy(f"COPY {PLAN_TABLE} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        adapt = connection.ops.adapt_datetimefield_value
        values = ", ".join(["%s"] * len(PLAN_COLUMNS))
        cursor.executemany(
            f"INSERT INTO {PLAN_TABLE} VALUES ({values})",  # noqa: S608  (constants)
            [
                (n, code, adapt(at), unit, role, team, held, adapt(due), adapt(deadline))
                for n, code, at, unit, role, team, held, due, deadline in rows
            ],
        )


def insert_select(model: Any, proto: Any, overrides: dict[str, str], source: str) -> int:
    """INSERT INTO model's table SELECT the prototype's values, with per-row SQL `overrides` by
    column, FROM `source` (SQL); returns the rows inserted."""
    from django.db import connection

    quote = connection.ops.quote_name
    columns, values, params = [], [], []
    for item in model._meta.concrete_fields:
        if item.primary_key:
            continue
        columns.append(quote(item.column))
        if item.column in overrides:
            values.append(overrides[item.column])
            continue
        value = item.get_db_prep_save(item.pre_save(proto, add=True), connection)
        cast = item.cast_db_type(connection) if connection.vendor == "postgresql" else None
        values.append(f"CAST(%s AS {cast})" if cast else "%s")
        params.append(value)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def load(world: World, start: int, stop: int) -> float:
    """Requests, instances, open work items and clocks numbered [start, stop); seconds taken."""
    from django.db import connection, transaction

    from khedmat.processes.models import ProcessInstance, WorkItem
    from khedmat.sla.models import SlaClock
    from khedmat.tickets.models import Ticket

    timestamp = "timestamp with time zone" if connection.vendor == "postgresql" else "text"
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {PLAN_TABLE}")
        cursor.execute(
            f"CREATE TABLE {PLAN_TABLE} (n bigint PRIMARY KEY, code varchar(12), at {timestamp},"
            f" unit_id bigint, role varchar(200), team_id bigint, assignee_id bigint,"
            f" due {timestamp}, deadline {timestamp})"
        )
    joined = (
        f"FROM {PLAN_TABLE} p JOIN tickets_ticket t ON t.tracking_code = p.code"
        " WHERE p.n >= {low} AND p.n < {high}"
    )
    for low in range(start, stop, CHUNK):
        high = min(stop, low + CHUNK)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
            _fill_plan(world, low, high)
            insert_select(
                Ticket,
                world.ticket,
                {
                    "tracking_code": "p.code",
                    "org_unit_id": "p.unit_id",
                    "submitted_at": "p.at",
                    "status_changed_at": "p.at",
                },
                f"FROM {PLAN_TABLE} p WHERE p.n >= {low} AND p.n < {high}",
            )
            insert_select(
                ProcessInstance,
                world.instance,
                {"ticket_id": "t.id", "created_at": "p.at"},
                joined.format(low=low, high=high),
            )
            insert_select(
                WorkItem,
                world.work_item,
                {
                    "instance_id": "i.id",
                    "ticket_id": "t.id",
                    "lane": "p.role",
                    "role": "p.role",
                    "team_id": "p.team_id",
                    "org_unit_id": "p.unit_id",
                    "assignee_id": "p.assignee_id",
                    "due_at": "p.due",
                    "created_at": "p.at",
                },
                joined.replace(
                    "WHERE", "JOIN processes_processinstance i ON i.ticket_id = t.id WHERE"
                ).format(low=low, high=high),
            )
            insert_select(
                SlaClock,
                world.clock,
                {
                    "record_id": "t.id",
                    "org_unit_id": "p.unit_id",
                    "started_at": "p.at",
                    "promised_at": "p.deadline",
                    "due_at": "p.deadline",
                },
                joined.format(low=low, high=high),
            )
        print(f"  {high - 1:,} requests", end="\r", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {PLAN_TABLE}")
    return time.perf_counter() - began


def analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in (
                "processes_workitem",
                "processes_processinstance",
                "tickets_ticket",
                "sla_slaclock",
            ):
                cursor.execute(f"VACUUM ANALYZE {table}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# --- measuring ----------------------------------------------------------------------------------


def staff(world: World | None) -> dict[str, Any]:
    """Who asks for the pages: the agent, the supervisor, the small unit's agent."""
    if world is not None:
        return {"agent": world.agent, "supervisor": world.supervisor, "small": world.small_agent}
    from khedmat.accounts.models import User

    names = {"agent": "bench-agent", "supervisor": "bench-supervisor", "small": "bench-small-agent"}
    return {who: User.objects.get(username=name) for who, name in names.items()}


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


def page_list(user: Any, scenario: Scenario) -> tuple[Any, tuple[str, ...], tuple[str, ...]]:
    """The scenario's whole list (a queryset), its keyset order and nullable fields."""
    from khedmat.processes.queries import NULLS_LAST, inbox_items, work_item_order
    from khedmat.tickets.models import Ticket
    from khedmat.tickets.queries import TICKET_ORDER

    if scenario.page == "requests":
        return Ticket.objects.visible_to_staff(user), TICKET_ORDER, ()
    return inbox_items(user, scenario.view), work_item_order(scenario.sort), NULLS_LAST


def deep_cursor(user: Any, scenario: Scenario, total: int) -> str | None:
    """The `after` cursor of the row DEEP down the list (what the "next" links would reach)."""
    from khedmat.core.pagination import encode_cursor, ordered

    if total < 60:
        return None
    rows, order, nulls_last = page_list(user, scenario)
    names = [spec.removeprefix("-") for spec in order]
    position = ordered(rows, order, nulls_last=nulls_last).values_list(*names)[int(total * DEEP)]
    return encode_cursor(position)


@dataclass
class Probe:
    """One page: its URL and parameters, what one warm request sent, and the timed requests."""

    scenario: Scenario
    client: Any
    url: str
    params: dict[str, Any]
    total: int
    queries: int = 0
    rows: int = 0
    main_sql: str = ""
    main_params: Any = None
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # this thread's CPU time (no waiting)


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


def probe(client: Any, user: Any, scenario: Scenario) -> Probe:
    """Set up a page: its cursor, two warm-ups, the statements of one warm request."""
    from django.db import connection, transaction
    from django.urls import reverse

    if scenario.page == "requests":
        url, params = reverse("tickets:desk_request_list"), {}
    else:
        url, params = reverse("processes:inbox"), {"view": scenario.view, "sort": scenario.sort}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # the script's own counting and skipping, not the pages': at 1,000,000 requests
            # visible_to_staff's `pk IN (open tasks)` no longer fits the default 4 MB as a hash,
            # and PostgreSQL runs the subquery once per request (hours for a count)
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '256MB'")
        rows, _order, _nulls = page_list(user, scenario)
        total = rows.count()
        position = deep_cursor(user, scenario, total) if scenario.deep else None
    if position is not None:
        params["after"] = position
    result = Probe(scenario, client, url, params, total)
    for _ in range(2):  # warm-up: per-process caches (unit calendars, content types) filled
        assert client.get(url, params, secure=True).status_code == 200
    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        response = client.get(url, params, secure=True)
    assert response.status_code == 200, (scenario, response.status_code)
    marker = b"data-ticket=" if scenario.page == "requests" else b"data-work-item="
    result.rows = response.content.count(marker)
    result.queries = len(recorder.statements)
    main = [(sql, args) for sql, args in recorder.statements if _is_main(sql, scenario)]
    if main:
        result.main_sql, result.main_params = main[-1]
    if scenario.deep and "after" in params:
        # a deep page starts where the first page does not: the cursor was read, not refused
        first = client.get(url, {k: v for k, v in params.items() if k != "after"}, secure=True)
        shown = re.findall(marker + rb'"([^"]+)"', response.content)
        assert shown[:1] != re.findall(marker + rb'"([^"]+)"', first.content)[:1], scenario
    return result


def _is_main(sql: str, scenario: Scenario) -> bool:
    """The page's rows: the work-item (or request) select with an ORDER BY and a LIMIT."""
    text = sql.upper()
    table = '"TICKETS_TICKET"' if scenario.page == "requests" else '"PROCESSES_WORKITEM"'
    return f"FROM {table}" in text and "ORDER BY" in text and "LIMIT" in text


def time_pages(probes: list[Probe], samples: int) -> None:
    """`samples` timed requests per page, round-robin over the pages."""
    for _ in range(samples):
        for item in probes:
            started, cpu = time.perf_counter(), time.thread_time()
            response = item.client.get(item.url, item.params, secure=True)
            item.seconds.append(time.perf_counter() - started)
            item.cpu.append(time.thread_time() - cpu)
            assert response.status_code == 200


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


def budget_for(size: int) -> float | None:
    return next((limit for most, limit in BUDGETS if size <= most), None)


def run_size(
    users: dict[str, Any], size: int, samples: int, clients: dict[str, Any]
) -> list[Probe]:
    load_before = os.getloadavg()[0]
    probes = [probe(clients[item.who], users[item.who], item) for item in SCENARIOS]
    time_pages(probes, samples)
    load_after = os.getloadavg()[0]
    print(
        f"\n{size:,} requests with open work items (load average {load_before:.1f} -> "
        f"{load_after:.1f}, {samples} requests per page):"
    )
    print(
        f"{'page':<34} {'in list':>9} {'shown':>5} {'queries':>7} {'p50 ms':>7} {'p95 ms':>7}"
        f" {'max ms':>7} {'cpu p50':>7}"
    )
    for item in probes:
        print(
            f"{item.scenario.label:<34} {item.total:>9,} {item.rows:>5} {item.queries:>7}"
            f" {statistics.median(item.seconds) * 1000:>7.1f}"
            f" {percentile(item.seconds, 0.95) * 1000:>7.1f} {max(item.seconds) * 1000:>7.1f}"
            f" {statistics.median(item.cpu) * 1000:>7.1f}"
        )
    return probes


def check_budget(size: int, probes: list[Probe]) -> bool:
    """Print the budget line of this size; False if a page's p95 is over it."""
    limit = budget_for(size)
    if limit is None:
        print(f"budget at {size:,} requests: none set")
        return True
    worst = max(probes, key=lambda item: percentile(item.seconds, 0.95))
    over = [item for item in probes if percentile(item.seconds, 0.95) * 1000 > limit]
    verdict = "PASS" if not over else "FAIL"
    print(
        f"{verdict}: p95 <= {limit:.0f} ms at {size:,} requests, inbox and request list"
        f" ({len(probes) - len(over)} of {len(probes)} pages within; worst"
        f" {worst.scenario.label} {percentile(worst.seconds, 0.95) * 1000:.1f} ms)"
        + (f"; over: {', '.join(item.scenario.label for item in over)}" if over else "")
    )
    return not over


def print_plans(probes: list[Probe], *, full: bool) -> None:
    from django.db import connection

    print(f"\nplans of each page's main query ({connection.vendor}):")
    for item in probes:
        if not item.main_sql:
            print(f"- {item.scenario.label}: main query not found")
            continue
        plan_text = explain(item.main_sql, item.main_params)
        used = sorted(set(re.findall(r"(?:using|USING INDEX|on) (\w+_(?:idx|pkey)\w*)", plan_text)))
        sort = "sorts" if re.search(r"\bSort\b|USE TEMP B-TREE", plan_text) else "no sort"
        timing = re.search(r"Execution Time: ([\d.]+) ms", plan_text)
        print(
            f"- {item.scenario.label}: {', '.join(used) or 'no index'}; {sort}"
            f"{f'; {timing.group(1)} ms in the database' if timing else ''}"
        )
        if full:
            print("    " + plan_text.replace("\n", "\n    "))


def profile(item: Probe, samples: int) -> None:
    """cProfile over `samples` requests of one page: the functions with the most time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(samples):
        item.client.get(item.url, item.params, secure=True)
    profiler.disable()
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(40)
        print(f"\nprofile of {item.scenario.label!r}, {samples} requests, by {key}:")
        print(out.getvalue())


def production_settings(static: Path) -> None:
    """Production settings serve static files from the manifest: collect them."""
    from django.conf import settings
    from django.core.management import call_command

    if settings.DEBUG:
        return
    started = time.perf_counter()
    call_command("collectstatic", interactive=False, verbosity=0)
    print(f"static files collected into {static} in {time.perf_counter() - started:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000", help="row counts, ascending")
    parser.add_argument("--samples", type=int, default=50, help="timed requests per page")
    parser.add_argument("--plans", action="store_true", help="print every plan in full")
    parser.add_argument("--profile", metavar="LABEL", help="profile this page at the last size")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the rows an earlier run left in DATABASE_URL again (no loading)",
    )
    args = parser.parse_args()
    sizes = [int(value) for value in args.sizes.split(",")]
    if sizes != sorted(sizes) or sizes[0] < 100:
        parser.error("--sizes must be ascending and at least 100")
    if args.profile and args.profile not in {item.label for item in SCENARIOS}:
        parser.error(f"--profile: one of {', '.join(item.label for item in SCENARIOS)}")
    os.environ.setdefault("KHEDMAT_DEBUG", "0")  # production settings unless asked otherwise
    if os.environ["KHEDMAT_DEBUG"] == "0":
        os.environ.setdefault("KHEDMAT_SECRET_KEY", secrets.token_urlsafe(40))
        os.environ.setdefault("KHEDMAT_ALLOWED_HOSTS", "localhost,testserver")
    # the calendar revision is read at most once per this many seconds per process: every timed
    # page then sends the same statements (production reads it about once a second)
    os.environ.setdefault("KHEDMAT_CALENDAR_RECHECK_SECONDS", "3600")
    static = Path(tempfile.mkdtemp(prefix="khedmat-bench-static-"))
    os.environ.setdefault("KHEDMAT_STATIC_ROOT", str(static))
    scratch = use_database()
    ok = True
    try:
        from django.conf import settings
        from django.db import connection

        production_settings(static)
        started = time.perf_counter()
        world = None if args.reuse else prepare()
        print(
            f"prepared: migrated, demo catalog, staff, one started process in "
            f"{time.perf_counter() - started:.1f} s"
            if world
            else "reusing the rows in the database"
        )
        users = staff(world)
        version_text = f" {connection.pg_version}" if connection.vendor == "postgresql" else ""
        print(
            f"{connection.vendor}{version_text}; test Client in-process (KHEDMAT_DEBUG="
            f"{os.environ.get('KHEDMAT_DEBUG')}, DEBUG={settings.DEBUG}); {args.samples} timed"
            f" requests per page after 2 warm-ups; {os.cpu_count()} CPUs,"
            f" load {os.getloadavg()[0]:.1f}"
        )
        clients = {who: login(user) for who, user in users.items()}
        loaded, by_size = 1, {}  # the real request counts as one
        if world is None:
            from khedmat.tickets.models import Ticket

            sizes = [Ticket.objects.count()]
        for size in sizes:
            if world is not None:
                seconds = load(world, loaded, size)
                analyze_started = time.perf_counter()
                analyze()
                print(
                    f"\nloaded {size - loaded:,} requests (+ instances, work items, clocks) in"
                    f" {seconds:.1f} s, analysed in {time.perf_counter() - analyze_started:.1f} s"
                )
            loaded = size
            by_size[size] = run_size(users, size, args.samples, clients)
            ok = check_budget(size, by_size[size]) and ok
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
        ok = ok and not changed
        print_plans(last, full=args.plans)
        if args.profile:
            (chosen,) = [item for item in last if item.scenario.label == args.profile]
            profile(chosen, args.samples)
        print("\nbudgets and query counts:", "PASS" if ok else "FAIL")
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(static, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
