"""The desk's incident list with 100,000 incidents on PostgreSQL: its queries, then the page.

Run: .venv/bin/python bench/bench_incidents.py [--incidents 100000] [--samples 30] [--plans]
     [--pg postgres://postgres@127.0.0.1:5432] [--keep]

The script creates a throwaway database (`khedmat_bench_incidents_<pid>` on `--pg`), migrates
it and bulk-creates `--incidents` incidents (bulk_create, not the services) in batches of 5,000,
created 150 s apart (about six months at 100,000), with one SLA resolution clock per open
incident. Incidents younger than 14 days are open at 60 %, older ones at 20 % (open: 35 % new,
45 % in progress, 20 % on hold; the rest 90 % closed, 10 % resolved); 40 % are in the IT unit
(its two teams), the rest in three regional units with a team each; handled incidents are held by
one of 14 agents (the measured agent holds 3 % of the IT ones).

Two staff members ask: an agent of the IT unit (in its service-desk team) and a supervisor of the
unit above every other (who sees them all). For each, the reads the desk list makes —
`khedmat.itsm.queries.incident_queue(user, queue)` → `incident_rows` →
`khedmat.core.pagination.keyset_page(..., order=INCIDENT_ORDER)` — are timed on the first page
and on a deep page (the cursor about 90 % down the queue), for the "open" and "all" queues,
and `open_counts(user)` (the counts by status on top of the list); then, if the desk view
`itsm:desk_incident_list` exists, the whole page through Django's test Client in-process
(middleware, session, verified second factor, counts, SLA badges, template) on its first and a
deep page. Printed: p50/p95/max of `--samples` calls after two warm-ups, the
queries of one page, the rows in the queue; then the plan of each keyset and count query (EXPLAIN
ANALYZE) with the named indexes it uses and whether it sorts. The database is dropped at the end
unless `--keep`.
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_process_steps import percentile, use_database

NOW = dt.datetime(2026, 5, 6, 9, 0, tzinfo=dt.UTC)
SPACING = dt.timedelta(seconds=150)
BATCH = 5_000
STATUS_OPEN = ("new", "in_progress", "on_hold")


@dataclass(frozen=True)
class World:
    """What the bulk rows point at."""

    units: list[Any]  # the IT unit first
    teams: list[Any]  # IT service desk, IT infrastructure, one per regional unit
    agent: Any
    supervisor: Any
    others: list[Any]
    categories: list[Any]
    target: Any
    incident_type: Any


@dataclass(frozen=True)
class Scenario:
    label: str
    who: str
    queue: str
    deep: bool = False


SCENARIOS = (
    Scenario("agent open, first page", "agent", "open"),
    Scenario("agent open, deep page", "agent", "open", deep=True),
    Scenario("agent all, first page", "agent", "all"),
    Scenario("agent all, deep page", "agent", "all", deep=True),
    Scenario("supervisor open, first page", "supervisor", "open"),
    Scenario("supervisor open, deep page", "supervisor", "open", deep=True),
    Scenario("supervisor all, first page", "supervisor", "all"),
    Scenario("supervisor all, deep page", "supervisor", "all", deep=True),
)


# --- database -----------------------------------------------------------------------------------


def create_database(pg: str) -> str:
    import psycopg

    name = f"khedmat_bench_incidents_{os.getpid()}"
    with psycopg.connect(f"{pg.rstrip('/')}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(pg: str, name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{pg.rstrip('/')}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- loading ------------------------------------------------------------------------------------


def prepare() -> World:
    """Migrate; the units, teams and staff; an inactive SLA target for the clocks."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command

    from khedmat.accounts.models import OrgUnit, Team
    from khedmat.accounts.services import create_user
    from khedmat.itsm.models import Incident, IncidentCategory
    from khedmat.sla.choices import DurationUnit, TargetKind
    from khedmat.sla.models import SlaPolicy, SlaTarget

    call_command("migrate", verbosity=0)
    agency = OrgUnit.objects.create(code="agency", name="Agency")
    units = [OrgUnit.objects.create(code="it", name="IT", parent=agency)] + [
        OrgUnit.objects.create(code=f"region-{n}", name=f"Region {n}", parent=agency)
        for n in range(3)
    ]
    teams = [
        Team.objects.create(code="service-desk", name="Service desk", org_unit=units[0]),
        Team.objects.create(code="infrastructure", name="Infrastructure", org_unit=units[0]),
    ] + [
        Team.objects.create(code=f"region-{n}-it", name=f"Region {n} IT", org_unit=unit)
        for n, unit in enumerate(units[1:])
    ]
    agent = create_user(
        "bench-agent", actor=None, roles=["agent"], org_unit=units[0], password=None
    )
    supervisor = create_user(
        "bench-supervisor", actor=None, roles=["supervisor"], org_unit=agency, password=None
    )
    others = [
        create_user(
            f"bench-agent-{n}", actor=None, roles=["agent"], org_unit=units[n % 4], password=None
        )
        for n in range(13)
    ]
    teams[0].members.add(agent, *others[0:8:4])
    teams[1].members.add(*others[4:12:4])
    for n, team in enumerate(teams[2:], start=1):
        team.members.add(*others[n::4])
    policy = SlaPolicy.objects.create(name="bench-incidents", precedence=10_000, is_active=False)
    target = SlaTarget.objects.create(
        policy=policy, kind=TargetKind.RESOLUTION, amount=2, unit=DurationUnit.WORKING_DAYS
    )
    return World(
        units=units,
        teams=teams,
        agent=agent,
        supervisor=supervisor,
        others=others,
        categories=list(IncidentCategory.objects.all()),
        target=target,
        incident_type=ContentType.objects.get_for_model(Incident),
    )


def plan(world: World, number: int) -> dict[str, Any]:
    """Where incident `number` sits: unit, team, holder, status, times (deterministic)."""
    draw = random.Random(number)  # noqa: S311  (test data)
    at = NOW - dt.timedelta(days=180) + number * SPACING
    if draw.random() < 0.4:
        unit = world.units[0]
        team = world.teams[0] if draw.random() < 0.7 else world.teams[1]
    else:
        region = draw.randrange(3)
        unit, team = world.units[region + 1], world.teams[region + 2]
    open_share = 0.6 if NOW - at < dt.timedelta(days=14) else 0.2
    if draw.random() < open_share:
        status = draw.choices(STATUS_OPEN, weights=(35, 45, 20))[0]
    else:
        status = "closed" if draw.random() < 0.9 else "resolved"
    assignee = None
    if status != "new":
        if unit == world.units[0] and draw.random() < 0.03:
            assignee = world.agent
        else:
            members = [m for m in world.others if m.org_unit_id == unit.pk]
            assignee = members[draw.randrange(len(members))]
    impact, urgency = draw.choice(("low", "medium", "high")), draw.choice(("low", "medium", "high"))
    return {
        "at": at,
        "unit": unit,
        "team": team,
        "assignee": assignee,
        "status": status,
        "impact": impact,
        "urgency": urgency,
        "category": world.categories[number % len(world.categories)],
        "resolved": at + dt.timedelta(hours=draw.randrange(1, 72)),
    }


def incident(number: int, p: dict[str, Any]) -> Any:
    from khedmat.itsm.models import Incident
    from khedmat.itsm.services.common import DEFAULT_MATRIX

    done = p["status"] in ("resolved", "closed")
    return Incident(
        tracking_code=f"8{number:09d}",
        title=f"قطع دسترسی به سامانه شماره {number % 500}",
        description="کاربران نمی‌توانند وارد سامانه شوند.",
        category=p["category"],
        impact=p["impact"],
        urgency=p["urgency"],
        priority=DEFAULT_MATRIX[(p["impact"], p["urgency"])],
        reporter_name="کارمند آزمون",
        reporter_mobile="+989120000001",
        org_unit=p["unit"],
        team=p["team"],
        assignee=p["assignee"],
        status=p["status"],
        status_changed_at=p["resolved"] if done else p["at"],
        hold_reason="awaiting_supplier" if p["status"] == "on_hold" else "",
        resolution_code="permanent" if done else "",
        resolution_note="برطرف شد." if done else "",
        promised_at=p["at"] + dt.timedelta(days=2),
        created_at=p["at"],
        resolved_at=p["resolved"] if done else None,
        closed_at=p["resolved"] + dt.timedelta(days=3) if p["status"] == "closed" else None,
    )


def load(world: World, count: int) -> float:
    """`count` incidents and the clocks of the open ones; seconds taken."""
    from django.db import transaction

    from khedmat.itsm.models import Incident
    from khedmat.sla.choices import ClockState, TargetKind
    from khedmat.sla.models import SlaClock

    began = time.perf_counter()
    for low in range(0, count, BATCH):
        numbers = range(low, min(count, low + BATCH))
        plans = [plan(world, number) for number in numbers]
        with transaction.atomic():
            rows = Incident.objects.bulk_create(
                incident(number, p) for number, p in zip(numbers, plans, strict=True)
            )
            SlaClock.objects.bulk_create(
                SlaClock(
                    record_type=world.incident_type,
                    record_id=row.pk,
                    target=world.target,
                    kind=TargetKind.RESOLUTION,
                    org_unit=p["unit"],
                    team=p["team"],
                    priority=row.priority,
                    record_kind="incident",
                    state=ClockState.RUNNING,
                    started_at=p["at"],
                    promised_at=p["at"] + dt.timedelta(days=2),
                    due_at=p["at"] + dt.timedelta(days=2),
                    target_minutes=840,
                )
                for row, p in zip(rows, plans, strict=True)
                if p["status"] in STATUS_OPEN
            )
    return time.perf_counter() - began


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("itsm_incident", "sla_slaclock", "accounts_team_members"):
            cursor.execute(f"VACUUM ANALYZE {table}")


# --- measuring ----------------------------------------------------------------------------------


class Recorder:
    """The statements sent on the default connection (a test Client request resets
    connection.queries, so CaptureQueriesContext cannot count across it)."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any]] = []

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.statements.append((sql, params))
        return execute(sql, params, many, context)


@contextmanager
def recording() -> Iterator[Recorder]:
    from django.db import connection

    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        yield recorder


def rows_for(user: Any, queue: str) -> Any:
    from khedmat.itsm.queries import incident_queue, incident_rows

    return incident_rows(incident_queue(user, queue))


def deep_cursor(user: Any, queue: str) -> tuple[str, int]:
    """The cursor about 90 % down the queue in the list's order, and the queue's length."""
    from khedmat.core.pagination import encode_cursor
    from khedmat.itsm.queries import INCIDENT_ORDER, incident_queue

    ordered = incident_queue(user, queue).order_by(*INCIDENT_ORDER)
    total = ordered.count()
    created_at, pk = ordered.values_list("created_at", "id")[int(total * 0.9)]
    return encode_cursor([created_at, pk]), total


@dataclass
class Result:
    label: str
    seconds: list[float]
    queries: int
    rows: int
    total: int
    main: tuple[str, Any] | None


def timed(call: Callable[[], Any], samples: int) -> list[float]:
    for _ in range(2):  # warm-up: per-process caches, prepared statements
        call()
    seconds = []
    for _ in range(samples):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return seconds


def measure_query(user: Any, scenario: Scenario, samples: int) -> Result:
    from khedmat.core.pagination import keyset_page
    from khedmat.itsm.queries import INCIDENT_ORDER, PAGE_SIZE

    after, total = deep_cursor(user, scenario.queue) if scenario.deep else ("", 0)
    if not scenario.deep:
        total = rows_for(user, scenario.queue).count()

    def call() -> Any:
        rows = rows_for(user, scenario.queue)
        return keyset_page(rows, order=INCIDENT_ORDER, after=after or None, size=PAGE_SIZE)

    with recording() as recorder:
        page = call()
    seconds = timed(call, samples)
    main = recorder.statements[-1] if recorder.statements else None
    return Result(scenario.label, seconds, len(recorder.statements), len(page.items), total, main)


def measure_counts(user: Any, who: str, samples: int) -> Result:
    """The open counts by status the list shows on top (`itsm.queries.open_counts`)."""
    from khedmat.itsm.queries import open_counts

    with recording() as recorder:
        counts = open_counts(user)
    seconds = timed(lambda: open_counts(user), samples)
    main = recorder.statements[-1] if recorder.statements else None
    total = sum(counts.values())
    return Result(f"{who} open counts", seconds, len(recorder.statements), 3, total, main)


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


def measure_page(client: Any, user: Any, scenario: Scenario, samples: int) -> Result:
    from django.urls import reverse

    url = reverse("itsm:desk_incident_list")
    params = {"queue": scenario.queue}
    total = rows_for(user, scenario.queue).count()
    if scenario.deep:
        params["after"], total = deep_cursor(user, scenario.queue)

    def call() -> Any:
        response = client.get(url, params)
        assert response.status_code == 200, (scenario, response.status_code)
        return response

    call()
    with recording() as recorder:
        response = call()
    rows = response.content.count(b"data-incident=")
    seconds = timed(call, samples)
    return Result(f"page: {scenario.label}", seconds, len(recorder.statements), rows, total, None)


def desk_view_exists() -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("itsm:desk_incident_list")
    except NoReverseMatch:
        return False
    return True


def print_results(results: list[Result]) -> None:
    print(
        f"{'read':<36} {'queue rows':>10} {'shown':>5} {'queries':>7} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'max ms':>7}"
    )
    for result in results:
        print(
            f"{result.label:<36} {result.total:>10,} {result.rows:>5} {result.queries:>7} "
            f"{statistics.median(result.seconds) * 1000:>7.1f} "
            f"{percentile(result.seconds, 0.95) * 1000:>7.1f} {max(result.seconds) * 1000:>7.1f}"
        )


def explain(sql: str, params: Any) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        return "\n".join(str(row[0]) for row in cursor.fetchall())


def print_plans(results: list[Result], *, full: bool) -> None:
    from khedmat.itsm.models import Incident

    names = [index.name for index in Incident._meta.indexes]
    print("\nplans of the keyset and count queries (EXPLAIN ANALYZE):")
    for result in results:
        if result.main is None:
            continue
        text = explain(*result.main)
        used = sorted({name for name in names if name and name in text})
        other = sorted(set(re.findall(r"(?:using|on) (\w+(?:_idx|_pkey)\w*)", text)) - set(used))
        sort = "sorts" if re.search(r"\bSort\b", text) else "no sort"
        timing = re.search(r"Execution Time: ([\d.]+) ms", text)
        print(
            f"- {result.label}: {', '.join(used) or 'no itsm index'}"
            f"{'; also ' + ', '.join(other) if other else ''}; {sort}"
            f"{f'; {timing.group(1)} ms in the database' if timing else ''}"
        )
        if full:
            print("    " + text.replace("\n", "\n    "))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=30, help="timed calls per line")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--plans", action="store_true", help="print every plan in full")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    name = create_database(args.pg)
    os.environ["DATABASE_URL"] = f"{args.pg.rstrip('/')}/{name}"
    scratch = use_database()
    try:
        from django.db import connection

        started = time.perf_counter()
        world = prepare()
        print(f"migrated and prepared in {time.perf_counter() - started:.1f} s")
        seconds = load(world, args.incidents)
        analyze()
        print(
            f"loaded {args.incidents:,} incidents (+ clocks of the open ones) in {seconds:.1f} s; "
            f"PostgreSQL {connection.pg_version}, KHEDMAT_DEBUG={os.environ.get('KHEDMAT_DEBUG')}, "
            f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}\n"
        )
        users = {"agent": world.agent, "supervisor": world.supervisor}
        results = [measure_query(users[s.who], s, args.samples) for s in SCENARIOS]
        results += [measure_counts(user, who, args.samples) for who, user in users.items()]
        pages: list[Result] = []
        if desk_view_exists():
            clients = {who: login(user) for who, user in users.items()}
            pages = [
                measure_page(clients[s.who], users[s.who], s, args.samples)
                for s in SCENARIOS
                if s.queue == "open"
            ]
        else:
            print("(the desk view itsm:desk_incident_list does not exist: pages not measured)")
        print_results(results + pages)
        print_plans(results, full=args.plans)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if args.keep:
            print(f"\nkept: DATABASE_URL={os.environ['DATABASE_URL']}")
        else:
            drop_database(args.pg, name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
