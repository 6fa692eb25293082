"""Request submission and tracking through the API under load (DESIGN.md §7).

Run: .venv/bin/python bench/bench_submission.py [--sqlite] [--duration S] [--rounds R]
     [--clients 8] [--workers 2] [--threads 4] [--users 200] [--pg postgres://...] [--keep]

The script makes a throwaway database (PostgreSQL on 127.0.0.1:5432 as user postgres by default,
or a SQLite file with --sqlite), migrates it, loads the demo catalog and `--users` applicants
with complete profiles and a session each (rows written directly, as a login would), then starts
gunicorn on a free 127.0.0.1 port (`khedmat serve`'s command line, production settings, without
worker recycling) and drives it with `--clients` concurrent clients: one process each, one
keep-alive HTTP connection, a new request as soon as the last one answered. Each round runs,
for `--duration` seconds after a one-second warm-up:

- baseline: GET /api/v1/version, the minimal JSON view (the ceiling of this server and machine);
- submit: POST /api/v1/requests/ as JSON (session cookie, CSRF token, a fresh Idempotency-Key),
  the consumer complaint service of the demo catalog (17041325130: no file asked);
- track: POST /api/v1/requests/track with the code and national code of requests filed before.

Printed: requests/s (median of the rounds), p50 and p95 latency, non-2xx answers, the workers'
memory. Targets: submission >= 800/s on PostgreSQL; tracking >= 50 % of the baseline. The
exit status is 0 when both are met. The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVICE_CODE = "17041325130"  # complaints against shops: a short form, no file asked
SUBMIT_TARGET = 800.0
TRACK_SHARE_TARGET = 0.5
WARMUP_SECONDS = 1.0
PRESUBMITTED = 200
HOST = "127.0.0.1"


# --- database ---------------------------------------------------------------------------------


def create_database(args: argparse.Namespace, scratch: Path) -> tuple[str, str | None]:
    """A new empty database: its DATABASE_URL, and its PostgreSQL name (None for SQLite)."""
    if args.sqlite:
        return f"sqlite:///{scratch / 'bench.sqlite3'}", None
    import psycopg

    name = f"khedmat_bench_submission_{os.getpid()}"
    with psycopg.connect(f"{args.pg.rstrip('/')}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{args.pg.rstrip('/')}/{name}", name


def drop_database(args: argparse.Namespace, name: str | None) -> None:
    if name is None:
        return
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{args.pg.rstrip('/')}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def national_code(number: int) -> str:
    """A valid 10-digit national code for a running number."""
    body = f"{number:09d}"
    remainder = sum(int(digit) * (10 - index) for index, digit in enumerate(body)) % 11
    return body + str(remainder if remainder < 2 else 11 - remainder)


@dataclass(frozen=True)
class Applicant:
    session_key: str
    csrf_token: str
    national_code: str
    mobile: str


def answers_for(applicant: Applicant) -> dict[str, Any]:
    return {
        "national_code": applicant.national_code,
        "mobile": applicant.mobile,
        "shop_name": "فروشگاه لوازم خانگی نمونه",
        "place": ["tehran", "rey"],
        "amount": 12_500_000,
        "complaint": "یخچال خریداری‌شده از روز اول خراب بود و فروشنده از تعویض آن خودداری کرد.",
    }


def prepare(database_url: str, users: int) -> tuple[list[Applicant], list[tuple[str, str]]]:
    """Migrate, load the demo catalog, make applicants with sessions and a few requests."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khedmat.settings")
    os.environ.setdefault("KHEDMAT_DEBUG", "1")
    os.environ.setdefault("KHEDMAT_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from khedmat.accounts.models import User
    from khedmat.catalog.demo import load_demo_catalog
    from khedmat.catalog.models import Service
    from khedmat.tickets import services

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_demo_catalog()
    version = Service.objects.get(code=SERVICE_CODE).current_version
    assert version is not None
    unusable = make_password(None)
    people = User.objects.bulk_create(
        [
            User(
                username=f"bench-{index}",
                first_name="متقاضی",
                last_name=f"آزمون {index}",
                mobile=f"+98912{index:07d}",
                national_code=national_code(1000 + index),
                password=unusable,  # applicants sign in with a one-time code
            )
            for index in range(users)
        ]
    )
    group = Group.objects.get(name="applicant")
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=person.pk, group_id=group.pk) for person in people]
    )
    applicants = []
    for person in people:
        session = SessionStore()
        session[SESSION_KEY] = str(person.pk)
        session[BACKEND_SESSION_KEY] = "khedmat.accounts.backends.AccountBackend"
        session[HASH_SESSION_KEY] = person.get_session_auth_hash()
        session.create()
        assert person.national_code and person.mobile
        applicants.append(
            Applicant(
                session_key=str(session.session_key),
                csrf_token=secrets.token_hex(16),
                national_code=person.national_code,
                mobile="0" + person.mobile[3:],
            )
        )
    services.validate_submission(version, answers_for(applicants[0]), {})  # fail early
    codes = []
    for index in range(min(PRESUBMITTED, users)):
        person, applicant = people[index], applicants[index]
        ticket = services.submit_request(
            version,
            answers=answers_for(applicant),
            requester=person,
            filed_by=person,
            principal=services.Principal(
                name=person.get_full_name(), national_code=applicant.national_code
            ),
        )
        codes.append((ticket.tracking_code, applicant.national_code))
    print(
        f"prepared: migrated, demo catalog, {users:,} applicants with sessions, "
        f"{len(codes):,} requests in {time.perf_counter() - started:.1f} s"
    )
    return applicants, codes


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def start_server(
    args: argparse.Namespace, database_url: str, scratch: Path, port: int
) -> subprocess.Popen[bytes]:
    from khedmat.site.management.commands.serve import gunicorn_argv

    argv = gunicorn_argv(
        bind=f"{HOST}:{port}",
        workers=args.workers,
        threads=args.threads,
        timeout=30,
        access_log=False,
    )
    argv += ["--max-requests", "0"]  # no recycling in the middle of a measurement
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "khedmat.settings",
        "KHEDMAT_DEBUG": "0",
        "KHEDMAT_ALLOWED_HOSTS": f"{HOST},localhost",
        "KHEDMAT_HTTPS": "0",
        "KHEDMAT_LOG_LEVEL": "WARNING",
        "KHEDMAT_MEDIA_ROOT": str(scratch / "media"),
        "KHEDMAT_STATIC_ROOT": str(scratch / "static"),
        "KHEDMAT_MAX_REQUESTS_PER_DAY": "0",  # each applicant files many times: no daily cap
    }
    if args.prepared:
        # Experiment: server-side binding and prepared statements (psycopg 3), which settings
        # do not turn on; PostgreSQL then plans each repeated query once per connection.
        (scratch / "bench_settings.py").write_text(
            "from khedmat.settings import *  # noqa: F403\n"
            'DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}\n'
        )
        env["DJANGO_SETTINGS_MODULE"] = "bench_settings"
        env["PYTHONPATH"] = os.pathsep.join([str(scratch), str(ROOT)])
    (scratch / "static").mkdir(exist_ok=True)
    server = subprocess.Popen(argv, env=env, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/api/v1/version")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
        if server.poll() is not None:
            break
    stop_server(server)
    raise SystemExit("gunicorn did not answer /api/v1/version within 60 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def worker_rss_mb(server: subprocess.Popen[bytes]) -> list[float]:
    """Resident memory of the gunicorn workers (the children of the arbiter), in MB."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(server.pid) and "VmRSS" in fields:
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sorted(sizes)


# --- the clients ------------------------------------------------------------------------------


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: int = 0
    codes: list[tuple[str, str]] = field(default_factory=list)


def request_for(
    scenario: str, client: int, number: int, data: list[Any]
) -> tuple[str, str, bytes | None, dict[str, str]]:
    """The request a client sends next in a scenario."""
    if scenario == "baseline":
        return "GET", "/api/v1/version", None, {}
    item = data[(client + number * 7) % len(data)]
    if scenario == "submit":
        applicant: Applicant = item
        body = {"service_code": SERVICE_CODE, "answers": answers_for(applicant)}
        headers = {
            "Content-Type": "application/json",
            "Cookie": f"sessionid={applicant.session_key}; csrftoken={applicant.csrf_token}",
            "X-CSRFToken": applicant.csrf_token,
            "Idempotency-Key": f"bench-{client}-{number}-{uuid.uuid4().hex[:12]}",
        }
        return "POST", "/api/v1/requests/", json.dumps(body).encode(), headers
    code, national = item
    body = {"tracking_code": code, "national_code": national}
    headers = {"Content-Type": "application/json"}
    return "POST", "/api/v1/requests/track", json.dumps(body).encode(), headers


def client_loop(
    scenario: str,
    client: int,
    port: int,
    data: list[Any],
    measure_from: float,
    stop_at: float,
    results: Any,
) -> None:
    """One client: a request as soon as the previous one answered, until `stop_at`."""
    outcome = Outcome()
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    number = 0
    while (now := time.monotonic()) < stop_at:
        method, path, body, headers = request_for(scenario, client, number, data)
        number += 1
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            outcome.failures += 1
            connection.close()
            continue
        if now < measure_from:
            continue
        outcome.latencies.append(time.monotonic() - now)
        outcome.statuses[response.status] += 1
        if scenario == "submit" and response.status == 201 and len(outcome.codes) < 2000:
            national = json.loads(body or b"{}")["answers"]["national_code"]
            outcome.codes.append((json.loads(payload)["tracking_code"], national))
    connection.close()
    results.put((outcome.latencies, dict(outcome.statuses), outcome.failures, outcome.codes))


@dataclass
class Run:
    scenario: str
    seconds: float
    outcome: Outcome

    @property
    def rate(self) -> float:
        ok = sum(count for status, count in self.outcome.statuses.items() if status < 300)
        return ok / self.seconds


def run(scenario: str, args: argparse.Namespace, port: int, data: list[Any]) -> Run:
    """All clients for one scenario; the answered requests after the warm-up."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start = time.monotonic() + 0.3
    measure_from, stop_at = start + WARMUP_SECONDS, start + WARMUP_SECONDS + args.duration
    processes = [
        context.Process(
            target=client_loop,
            args=(scenario, client, port, data, measure_from, stop_at, results),
        )
        for client in range(args.clients)
    ]
    for process in processes:
        process.start()
    outcome = Outcome()
    for _ in processes:
        latencies, statuses, failures, codes = results.get()
        outcome.latencies += latencies
        outcome.statuses.update(statuses)
        outcome.failures += failures
        outcome.codes += codes
    for process in processes:
        process.join()
    return Run(scenario, args.duration, outcome)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(name: str, runs: list[Run]) -> float:
    rate = statistics.median(run.rate for run in runs)
    latencies = [value for run in runs for value in run.outcome.latencies]
    statuses: Counter[int] = Counter()
    for item in runs:
        statuses.update(item.outcome.statuses)
    others = {status: count for status, count in statuses.items() if status >= 300}
    failures = sum(item.outcome.failures for item in runs)
    rates = ", ".join(f"{item.rate:,.0f}" for item in runs)
    print(
        f"{name:>9}: {rate:8,.0f} req/s (rounds: {rates})  p50 {percentile(latencies, 0.5) * 1000:6.1f} ms"
        f"  p95 {percentile(latencies, 0.95) * 1000:6.1f} ms"
        f"{f'  non-2xx {others}' if others else ''}{f'  failed {failures}' if failures else ''}"
    )
    return rate


# --- main -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per scenario")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="per worker (khedmat serve: 4)")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the database and print its URL")
    parser.add_argument(
        "--prepared",
        action="store_true",
        help="experiment: PostgreSQL prepared statements (server-side binding) in the server",
    )
    args = parser.parse_args()

    # Sessions are signed with the secret key: the one the sessions are made with serves them.
    os.environ["KHEDMAT_SECRET_KEY"] = secrets.token_urlsafe(40)
    scratch = Path(tempfile.mkdtemp(prefix="khedmat-bench-submission-"))
    database_url, pg_name = create_database(args, scratch)
    server = None
    try:
        applicants, codes = prepare(database_url, args.users)
        from django.db import connection, connections

        vendor = connection.vendor
        connections.close_all()  # the clients are forked: no connection crosses the fork
        port = free_port()
        server = start_server(args, database_url, scratch, port)
        print(
            f"{vendor}{' (prepared statements)' if args.prepared else ''}; "
            f"gunicorn {args.workers} workers x {args.threads} threads on {HOST}:{port}; "
            f"{args.clients} clients; {args.rounds} rounds of {args.duration:g} s per scenario; "
            f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
        )
        runs: dict[str, list[Run]] = {"baseline": [], "submit": [], "track": []}
        for _round in range(args.rounds):
            runs["baseline"].append(run("baseline", args, port, []))
            submitted = run("submit", args, port, applicants)
            runs["submit"].append(submitted)
            codes += submitted.outcome.codes
            runs["track"].append(run("track", args, port, codes))
        baseline = report("baseline", runs["baseline"])
        submit = report("submit", runs["submit"])
        track = report("track", runs["track"])
        rss = ", ".join(f"{size:.0f}" for size in worker_rss_mb(server))
        print(f"worker memory (RSS, MB): {rss}")
    finally:
        if server is not None:
            stop_server(server)
        if args.keep:
            print(f"kept: DATABASE_URL={database_url}")
        else:
            drop_database(args, pg_name)
            shutil.rmtree(scratch, ignore_errors=True)
    submit_ok = submit >= SUBMIT_TARGET
    track_ok = track >= TRACK_SHARE_TARGET * baseline
    print(
        f"targets: submission >= {SUBMIT_TARGET:,.0f}/s: {'OK' if submit_ok else 'MISSED'} "
        f"({submit:,.0f}/s, {submit / baseline:.0%} of the baseline); tracking >= "
        f"{TRACK_SHARE_TARGET:.0%} of the baseline: {'OK' if track_ok else 'MISSED'} "
        f"({track / baseline:.0%})"
    )
    if vendor != "postgresql":
        print("note: the submission target is for PostgreSQL", file=sys.stderr)
    return 0 if submit_ok and track_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
