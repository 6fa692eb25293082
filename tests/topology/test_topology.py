"""Khedmat across several machines: two application servers behind a load balancer, two Celery
workers on RabbitMQ, sessions and cache in Redis, one PostgreSQL database of the test's own.

Applicants file requests over the public API (as bench/bench_submission.py does) through a
round-robin TCP balancer; in the middle one server and one worker are SIGKILLed (each with its
process group: gunicorn's and Celery's pool children too) while the clients keep filing, retrying
a failed call with the same Idempotency-Key as a real client would. Then every request exists
exactly once, its process started once (one instance, one first work item), its "filed" SMS is
one Message row and one message at the (fake) provider, and no job is lost or left running.

Needs RabbitMQ, Redis and PostgreSQL on 127.0.0.1: skipped when one is unreachable, failed under
CI=true. The servers and workers run with production settings (no debug).
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from django.db import connection

from khedmat.notifications.fake_sms import FAKE_API_KEY, SENDERS, FakeSmsServer
from tests.jobs.helpers import (
    BROKER_URL,
    REDIS_URL,
    ProcessGroups,
    delete_queues,
    rabbitmq_error,
    redis_error,
    require_services,
)

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
KHEDMAT = str(Path(sys.executable).parent / "khedmat")
HOST = "127.0.0.1"
PG_ADMIN = os.environ.get("KHEDMAT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432")
SERVICE_CODE = "17041325130"  # consumer complaints: a short form, no file, runs a process
APPLICANTS = 8
SUBMISSIONS = 48
KILL_AFTER = 16  # answered submissions before one server and one worker die
CLIENTS = 4
ATTEMPTS = 30  # per submission, through the balancer (a refused or cut call is sent again)
# For the jobs to finish once the last request is answered: a server killed between a commit and
# its publish leaves that job's message unsent, which the tick republishes after
# KHEDMAT_BROKER_REPUBLISH_SECONDS (30 here) at its next minute, so allow both and a margin.
SETTLE_SECONDS = 150
TICK_TASK = "khedmat.jobs.tasks.run_tick"
FOLLOW_UP_TASK = "khedmat.tickets.tasks.after_submission_task"
DELIVERY_TASK = "khedmat.notifications.tasks.deliver_message_task"


def postgres_error() -> str | None:
    try:
        with psycopg.connect(f"{PG_ADMIN}/postgres", connect_timeout=3):
            return None
    except psycopg.Error as error:
        return f"{type(error).__name__}: {error}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def wait_until(check: Callable[[], bool], *, seconds: float, what: str, log: str = "") -> None:
    """Poll `check` until it holds: other processes finish their work on their own time, with
    nothing the test could block on; bounded so a broken run fails instead of hanging."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds:.0f} s\n{log}")
        time.sleep(0.25)


# --- the load balancer ----------------------------------------------------------------------------


class Balancer:
    """A round-robin TCP proxy on 127.0.0.1: each connection goes to the next server that accepts
    it (a dead one refuses, so the next is tried), as nginx's upstream with passive checks does."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.port = free_port()
        self.served: Counter[int] = Counter()
        self._next = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None

    def start(self) -> Balancer:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, HOST, self.port), self._loop
        )
        self._server = started.result(timeout=10)
        return self

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in self.ports:
            port = self.ports[self._next % len(self.ports)]
            self._next += 1
            try:
                upstream_reader, upstream_writer = await asyncio.open_connection(HOST, port)
            except OSError:
                continue
            self.served[port] += 1
            pipes = [
                asyncio.ensure_future(self._pipe(reader, upstream_writer)),
                asyncio.ensure_future(self._pipe(upstream_reader, writer)),
            ]
            await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
            for pipe in pipes:
                pipe.cancel()
            upstream_writer.close()
            break
        writer.close()

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await source.read(65536):
                target.write(data)
                await target.drain()


# --- the clients --------------------------------------------------------------------------------


@dataclass
class Submission:
    """One request an applicant files, with its Idempotency-Key (kept across retries)."""

    key: str
    applicant: dict[str, str]
    tracking_code: str = ""
    statuses: list[int | str] = field(default_factory=list)


def answers_for(applicant: dict[str, str]) -> dict[str, Any]:
    return {
        "national_code": applicant["national_code"],
        "mobile": applicant["mobile"],
        "shop_name": "فروشگاه لوازم خانگی نمونه",
        "place": ["tehran", "rey"],
        "amount": 12_500_000,
        "complaint": "یخچال خریداری‌شده از روز اول خراب بود و فروشنده از تعویض آن خودداری کرد.",
    }


def call(
    port: int, method: str, path: str, body: bytes | None, headers: dict[str, str]
) -> tuple[int, bytes]:
    """One HTTP call on a connection of its own (so the balancer spreads the calls)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request(method, path, body=body, headers={**headers, "Connection": "close"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def submit(port: int, submission: Submission) -> None:
    """POST /api/v1/requests/ until it is answered 200 or 201 (the same key files once)."""
    csrf = secrets.token_hex(16)
    body = json.dumps(
        {"service_code": SERVICE_CODE, "answers": answers_for(submission.applicant)}
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "Cookie": f"sessionid={submission.applicant['session_key']}; csrftoken={csrf}",
        "X-CSRFToken": csrf,
        "Idempotency-Key": submission.key,
    }
    for _ in range(ATTEMPTS):
        try:
            status, payload = call(port, "POST", "/api/v1/requests/", body, headers)
        except (OSError, http.client.HTTPException) as error:
            submission.statuses.append(type(error).__name__)  # cut by the killed server
            continue
        submission.statuses.append(status)
        if status in (200, 201):
            submission.tracking_code = json.loads(payload)["tracking_code"]
            return
        if status < 500:
            raise AssertionError(f"{submission.key}: {status} {payload[:500]!r}")
    raise AssertionError(
        f"{submission.key}: no answer after {ATTEMPTS} tries {submission.statuses}"
    )


# --- the deployment -----------------------------------------------------------------------------


@pytest.fixture
def database() -> Iterator[str]:
    """A PostgreSQL database of this test's own: its DATABASE_URL."""
    if connection.vendor != "postgresql":
        # It makes its own PostgreSQL database whatever the suite's is: run it once per CI run,
        # in the PostgreSQL half (where it is never skipped: CI=true fails on a missing service).
        pytest.skip("the topology runs with the suite on PostgreSQL")
    require_services(PostgreSQL=postgres_error(), RabbitMQ=rabbitmq_error(), Redis=redis_error())
    name = f"khedmat_topology_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(f"{PG_ADMIN}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN}/{name}"
    finally:
        with psycopg.connect(f"{PG_ADMIN}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fake_provider() -> Iterator[FakeSmsServer]:
    server = FakeSmsServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def groups(tmp_path: Path) -> Iterator[ProcessGroups]:
    groups = ProcessGroups(tmp_path)
    try:
        yield groups
    finally:
        groups.kill_all()


@dataclass
class Deployment:
    env: dict[str, str]
    database_url: str
    queue: str
    redis_keys: list[str] = field(default_factory=list)  # removed at the end


@pytest.fixture
def deployment(database: str, fake_provider: FakeSmsServer, tmp_path: Path) -> Iterator[Deployment]:
    """The environment every server and worker of the deployment runs with."""
    prefix = f"khedmat-topology-{uuid.uuid4().hex[:8]}."
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("KHEDMAT_", "DJANGO_", "DATABASE_URL"))
    }
    env = {
        **base,
        "PYTHONPATH": str(REPO),
        "DJANGO_SETTINGS_MODULE": "khedmat.settings",
        "DATABASE_URL": database,
        "KHEDMAT_HOME": str(tmp_path),
        "KHEDMAT_SECRET_KEY": "topology-test-secret-key-0123456789-0123456789-012345",
        "KHEDMAT_ALLOWED_HOSTS": f"{HOST},localhost",
        "KHEDMAT_HTTPS": "0",
        "KHEDMAT_LOG_LEVEL": "WARNING",
        "KHEDMAT_MEDIA_ROOT": str(tmp_path / "media"),
        "KHEDMAT_STATIC_ROOT": str(tmp_path / "static"),
        # jobs on RabbitMQ, cache and sessions in Redis
        "KHEDMAT_TASK_BACKEND": "celery",
        "KHEDMAT_BROKER_URL": BROKER_URL,
        "KHEDMAT_BROKER_QUEUE_PREFIX": prefix,
        "KHEDMAT_BROKER_REPUBLISH_SECONDS": "30",
        "KHEDMAT_CACHE_URL": REDIS_URL,
        "KHEDMAT_SESSION_ENGINE": "cache",
        # the applicants' SMS go to the fake Kavenegar at once
        "KHEDMAT_SMS_PROVIDERS": "kavenegar",
        "KHEDMAT_SMS_KAVENEGAR_URL": fake_provider.base_url("kavenegar"),
        "KHEDMAT_SMS_KAVENEGAR_API_KEY": FAKE_API_KEY,
        "KHEDMAT_SMS_KAVENEGAR_SENDER": SENDERS["kavenegar"],
        "KHEDMAT_QUIET_HOURS": "off",
        "KHEDMAT_MESSAGE_RATE_LIMIT": "0",
        "KHEDMAT_MAX_REQUESTS_PER_DAY": "0",
    }
    (tmp_path / "static").mkdir()
    deployment = Deployment(env=env, database_url=database, queue=prefix + "default")
    try:
        yield deployment
    finally:
        delete_queues(BROKER_URL, [prefix + "default"])
        if deployment.redis_keys:
            redis.Redis.from_url(REDIS_URL).delete(*deployment.redis_keys)


def seed(deployment: Deployment) -> list[dict[str, str]]:
    result = subprocess.run(
        [sys.executable, "-m", "tests.topology.seed", str(APPLICANTS)],
        cwd=REPO,
        env=deployment.env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    applicants: list[dict[str, str]] = json.loads(result.stdout)
    # Django's Redis cache keys of the sessions (KEY_PREFIX "", VERSION 1).
    deployment.redis_keys += [
        f":1:django.contrib.sessions.cache{applicant['session_key']}" for applicant in applicants
    ]
    return applicants


def rows(database_url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(database_url, autocommit=True) as connection:
        return connection.execute(sql, params).fetchall()  # type: ignore[arg-type]


def answers(port: int, path: str) -> bool:
    try:
        return call(port, "GET", path, None, {})[0] == 200
    except (OSError, http.client.HTTPException):
        return False


def test_requests_survive_a_server_and_a_worker_dying(
    deployment: Deployment, groups: ProcessGroups, fake_provider: FakeSmsServer
) -> None:
    started = time.monotonic()
    applicants = seed(deployment)
    db = deployment.database_url
    web_ports = [free_port(), free_port()]
    for name, port in zip(("web-a", "web-b"), web_ports, strict=True):
        groups.start(
            name,
            [KHEDMAT, "serve", "--port", str(port), "--workers", "2", "--threads", "4",
             "--no-access-log"],
            env=deployment.env,
            cwd=REPO,
        )  # fmt: skip
    for name in ("worker-a", "worker-b"):
        groups.start(
            name,
            [KHEDMAT, "celery_worker", "--concurrency", "2", "--name", f"{name}@%h"],
            env=deployment.env,
            cwd=REPO,
        )
    balancer = Balancer(web_ports).start()
    try:
        for port in web_ports:
            wait_until(
                lambda port=port: answers(port, "/healthz"),  # type: ignore[misc]
                seconds=60,
                what=f"server on {port}",
                log=groups.outputs(),
            )
        # Ready: database, migrations and a job worker's heartbeat (the Celery pool children's).
        wait_until(
            lambda: answers(balancer.port, "/readyz"),
            seconds=60,
            what="/readyz",
            log=groups.outputs(),
        )

        submissions = [
            Submission(key=f"topology-{number}", applicant=applicants[number % APPLICANTS])
            for number in range(SUBMISSIONS)
        ]
        pending = iter(submissions)
        lock = threading.Lock()
        answered = threading.Semaphore(0)
        errors: list[BaseException] = []

        def client() -> None:
            while True:
                with lock:
                    submission = next(pending, None)
                if submission is None:
                    return
                try:
                    submit(balancer.port, submission)
                except BaseException as error:  # noqa: BLE001  (reported by the test thread)
                    errors.append(error)
                    return
                answered.release()

        clients = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in clients:
            thread.start()
        for _ in range(KILL_AFTER):
            assert answered.acquire(timeout=120), groups.outputs()
        groups.kill("web-a")  # in the middle: requests in flight on it are cut
        groups.kill("worker-a")  # and its jobs in flight go back to the queue
        for thread in clients:
            thread.join(timeout=300)
        assert not errors, f"{errors}\n{groups.outputs()}"
        assert all(submission.tracking_code for submission in submissions)
        assert balancer.served[web_ports[0]] >= 1 and balancer.served[web_ports[1]] >= 1

        # The jobs finish on the surviving worker: every follow-up and SMS delivery done.
        def settled() -> bool:
            open_jobs = rows(
                db,
                "SELECT count(*) FROM django_tasks_database_dbtaskresult"
                " WHERE task_path IN (%s, %s) AND status IN ('READY', 'RUNNING')",
                FOLLOW_UP_TASK,
                DELIVERY_TASK,
            )[0][0]
            sent = rows(
                db,
                "SELECT count(*) FROM notifications_message"
                " WHERE event = 'request_submitted' AND status IN ('sent', 'delivered')",
            )[0][0]
            return bool(open_jobs == 0 and sent == SUBMISSIONS)

        try:
            wait_until(settled, seconds=SETTLE_SECONDS, what="jobs settled")
        except AssertionError as error:
            open_jobs = rows(
                db,
                "SELECT task_path, status, worker_ids, enqueued_at, run_after, started_at"
                " FROM django_tasks_database_dbtaskresult WHERE status IN ('READY', 'RUNNING')",
            )
            raise AssertionError(f"{error}\nopen jobs: {open_jobs}\n{groups.outputs()}") from None
    finally:
        balancer.stop()

    codes = [submission.tracking_code for submission in submissions]
    # Every request exactly once, and each client got its own.
    tickets = rows(db, "SELECT id, tracking_code, submission_key FROM tickets_ticket")
    assert sorted(code for _id, code, _key in tickets) == sorted(codes)
    assert len(set(codes)) == SUBMISSIONS
    assert sorted(key for _id, _code, key in tickets) == sorted(s.key for s in submissions)
    ticket_ids = {ticket_id for ticket_id, _code, _key in tickets}
    # Its process started once: one instance, one first step (the expert's review).
    instances = rows(db, "SELECT ticket_id, count(*) FROM processes_processinstance GROUP BY 1")
    assert dict(instances) == dict.fromkeys(ticket_ids, 1)
    steps = rows(db, "SELECT ticket_id, task_name, count(*) FROM processes_workitem GROUP BY 1, 2")
    assert sorted(steps) == sorted((ticket_id, "Review", 1) for ticket_id in ticket_ids)
    # Its "filed" SMS: one Message row, one message at the provider.
    messages = rows(
        db,
        "SELECT id, related_id, status FROM notifications_message"
        " WHERE event = 'request_submitted'",
    )
    assert sorted(int(related) for _id, related, _status in messages) == sorted(ticket_ids)
    outbox = fake_provider.outbox()
    local_ids = [message["local_id"] for message in outbox]
    assert sorted(local_ids) == sorted(str(message_id) for message_id, _r, _s in messages)
    for code in codes:
        assert sum(code in (message["text"] or "") for message in outbox) == 1, code
    # No job lost, none failed: each follow-up ran once to success (a retry after the killed
    # worker counts a second attempt on the same row, never a second row).
    jobs = rows(
        db,
        "SELECT task_path, status, count(*) FROM django_tasks_database_dbtaskresult"
        " WHERE task_path IN (%s, %s) GROUP BY 1, 2",
        FOLLOW_UP_TASK,
        DELIVERY_TASK,
    )
    assert sorted(jobs) == sorted(
        [(FOLLOW_UP_TASK, "SUCCESSFUL", SUBMISSIONS), (DELIVERY_TASK, "SUCCESSFUL", SUBMISSIONS)]
    )
    # The tick ran, at most once per minute, with Celery workers only.
    minutes = [args for (args,) in rows(
        db, "SELECT args_kwargs->'args'->>0 FROM django_tasks_database_dbtaskresult"
        " WHERE task_path = %s", TICK_TASK,
    )]  # fmt: skip
    assert minutes and len(minutes) == len(set(minutes))
    # Sessions lived in Redis, shared by both servers: none in the database.
    assert rows(db, "SELECT count(*) FROM django_session") == [(0,)]
    assert redis.Redis.from_url(REDIS_URL).exists(*deployment.redis_keys) == APPLICANTS
    retried = sum(len(submission.statuses) > 1 for submission in submissions)
    rerun = rows(
        db,
        "SELECT count(*) FROM django_tasks_database_dbtaskresult"
        " WHERE jsonb_array_length(worker_ids) > 1",
    )[0][0]
    print(
        f"topology: {SUBMISSIONS} requests ({retried} sent again after a cut or refused call), "
        f"{rerun} job(s) run again after the killed worker, servers served "
        f"{dict(balancer.served)}, provider got {len(fake_provider.requests())} call(s) for "
        f"{len(outbox)} message(s), {time.monotonic() - started:.0f} s"
    )
    assert time.monotonic() - started < 180
