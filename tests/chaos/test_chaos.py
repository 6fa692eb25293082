"""Chaos (issue 15, item 6): while applicants file requests (each starts its BPMN process and sends
an SMS from the job queue), web servers and job workers are killed with SIGKILL and PostgreSQL is
crash-restarted (`pg_ctl restart -m immediate`). Afterwards every accepted submission exists
exactly once, its process started once, every due SMS reached the provider exactly once, no job
is lost or left running, and the hash-chained audit trail verifies.

The test runs its own PostgreSQL cluster (initdb in a temporary folder, as the `postgres` system
user), so restarting it disturbs nothing else; the servers and workers run with production
settings and the database job queue (the default deployment; tests/topology covers Celery).
Runs once per CI run, in the PostgreSQL half; skipped elsewhere, and failed under CI=true when
PostgreSQL's programs or the `postgres` user are missing.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from khedmat.notifications.fake_sms import FAKE_API_KEY, SENDERS, FakeSmsServer
from tests.jobs.helpers import ProcessGroups
from tests.topology.test_topology import (
    HOST,
    KHEDMAT,
    REPO,
    SERVICE_CODE,
    Balancer,
    Deployment,
    Submission,
    answers,
    answers_for,
    call,
    free_port,
    rows,
    seed,
    wait_until,
)

pytestmark = pytest.mark.slow

PG_BIN = Path(os.environ.get("KHEDMAT_PG_BIN", "/usr/lib/postgresql/15/bin"))
APPLICANTS = 8
SUBMISSIONS = 40
CLIENTS = 4
SETTLE_SECONDS = 180
FOLLOW_UP_TASK = "khedmat.tickets.tasks.after_submission_task"
DELIVERY_TASK = "khedmat.notifications.tasks.deliver_message_task"


def _missing() -> str | None:
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        return f"PostgreSQL's programs are not in {PG_BIN}"
    if shutil.which("runuser") is None:
        return "runuser is missing"
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        return "there is no postgres system user"
    return None


class Cluster:
    """A PostgreSQL cluster of the test's own on 127.0.0.1 (trust authentication, fsync on)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="khedmat-chaos-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        shutil.chown(self.dir, user="postgres")

    def _pg(self, *args: str) -> None:
        as_root = os.geteuid() == 0
        command = [*(["runuser", "-u", "postgres", "--"] if as_root else []), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    @property
    def options(self) -> str:
        return f"-p {self.port} -k {self.dir} -c listen_addresses={HOST} -c max_connections=200"

    def start(self) -> Cluster:
        self._pg(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                 "-E", "UTF8", "--no-sync")  # fmt: skip
        self._pg(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"),
                 "-o", self.options, "-w", "start")  # fmt: skip
        subprocess.run(
            ["psql", "-h", HOST, "-p", str(self.port), "-U", "postgres", "-c",
             "CREATE DATABASE khedmat_chaos"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        return self

    def crash_restart(self) -> None:
        """Stop at once (no checkpoint: a crash for the database) and start again."""
        self._pg(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"),
                 "-m", "immediate", "-o", self.options, "-w", "restart")  # fmt: skip

    def stop(self) -> None:
        try:
            self._pg(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/khedmat_chaos"


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if connection.vendor != "postgresql":
        pytest.skip("the chaos test runs once per CI run, with the suite on PostgreSQL")
    missing = _missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"chaos test: {missing}")
        pytest.skip(missing)
    own = Cluster().start()
    try:
        yield own
    finally:
        own.stop()


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


@pytest.fixture
def deployment(cluster: Cluster, fake_provider: FakeSmsServer, tmp_path: Path) -> Deployment:
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("KHEDMAT_", "DJANGO_", "DATABASE_URL"))
    }
    env = {
        **base,
        "PYTHONPATH": str(REPO),
        "DJANGO_SETTINGS_MODULE": "khedmat.settings",
        "DATABASE_URL": cluster.url,
        "KHEDMAT_HOME": str(tmp_path),
        "KHEDMAT_SECRET_KEY": "chaos-test-secret-key-0123456789-0123456789-0123456789",
        "KHEDMAT_ALLOWED_HOSTS": f"{HOST},localhost",
        "KHEDMAT_HTTPS": "0",
        "KHEDMAT_LOG_LEVEL": "WARNING",
        "KHEDMAT_MEDIA_ROOT": str(tmp_path / "media"),
        "KHEDMAT_STATIC_ROOT": str(tmp_path / "static"),
        "KHEDMAT_AUDIT_ANCHOR_DIR": str(tmp_path / "anchors"),
        # a server whose database went away checks its connection on the next request
        "KHEDMAT_DB_CHECK_SECONDS": "0",
        "KHEDMAT_SMS_PROVIDERS": "kavenegar",
        "KHEDMAT_SMS_KAVENEGAR_URL": fake_provider.base_url("kavenegar"),
        "KHEDMAT_SMS_KAVENEGAR_API_KEY": FAKE_API_KEY,
        "KHEDMAT_SMS_KAVENEGAR_SENDER": SENDERS["kavenegar"],
        "KHEDMAT_QUIET_HOURS": "off",
        "KHEDMAT_MESSAGE_RATE_LIMIT": "0",
        "KHEDMAT_MAX_REQUESTS_PER_DAY": "0",
    }
    (tmp_path / "static").mkdir()
    return Deployment(env=env, database_url=cluster.url, queue="default")


@dataclass
class Stack:
    groups: ProcessGroups
    env: dict[str, str]
    generation: int = 0

    def web(self, port: int) -> str:
        self.generation += 1
        name = f"web-{port}-{self.generation}"
        self.groups.start(
            name,
            [KHEDMAT, "serve", "--port", str(port), "--workers", "2", "--threads", "4",
             "--no-access-log"],
            env=self.env, cwd=REPO,
        )  # fmt: skip
        return name

    def worker(self) -> str:
        self.generation += 1
        name = f"worker-{self.generation}"
        self.groups.start(name, [KHEDMAT, "worker", "--interval", "0.2"], env=self.env, cwd=REPO)
        return name


def submit_patiently(port: int, submission: Submission) -> None:
    """POST the request until it is answered 200/201, as a real client does through an outage:
    the same Idempotency-Key every time, waiting a little longer after each failure (a server
    answering 500 while the database restarts, a connection cut by a killed server)."""
    body = json.dumps(
        {"service_code": SERVICE_CODE, "answers": answers_for(submission.applicant)}
    ).encode()
    csrf = secrets.token_hex(16)
    headers = {
        "Content-Type": "application/json",
        "Cookie": f"sessionid={submission.applicant['session_key']}; csrftoken={csrf}",
        "X-CSRFToken": csrf,
        "Idempotency-Key": submission.key,
    }
    deadline = time.monotonic() + 180
    wait = 0.2
    while time.monotonic() < deadline:
        try:
            status, payload = call(port, "POST", "/api/v1/requests/", body, headers)
        except (OSError, http.client.HTTPException) as error:
            submission.statuses.append(type(error).__name__)
        else:
            submission.statuses.append(status)
            if status in (200, 201):
                submission.tracking_code = json.loads(payload)["tracking_code"]
                return
            if status < 500:
                raise AssertionError(f"{submission.key}: {status} {payload[:500]!r}")
        time.sleep(wait)
        wait = min(wait * 2, 3.0)
    raise AssertionError(f"{submission.key}: no answer in 180 s {submission.statuses}")


def khedmat(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [KHEDMAT, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=300
    )


def test_submissions_sms_and_jobs_survive_kills_and_a_database_crash(
    cluster: Cluster,
    deployment: Deployment,
    groups: ProcessGroups,
    fake_provider: FakeSmsServer,
) -> None:
    started = time.monotonic()
    applicants = seed(deployment)
    db = deployment.database_url
    stack = Stack(groups, deployment.env)
    ports = [free_port(), free_port()]
    webs = {port: stack.web(port) for port in ports}
    workers = [stack.worker(), stack.worker()]
    balancer = Balancer(ports).start()
    chaos_log: list[str] = []
    try:
        for port in ports:
            wait_until(
                lambda port=port: answers(port, "/healthz"),  # type: ignore[misc]
                seconds=60, what=f"server on {port}", log=groups.outputs(),
            )  # fmt: skip
        wait_until(lambda: answers(balancer.port, "/readyz"), seconds=60, what="/readyz",
                   log=groups.outputs())  # fmt: skip

        submissions = [
            Submission(key=f"chaos-{number}", applicant=applicants[number % APPLICANTS])
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
                    submit_patiently(balancer.port, submission)
                except BaseException as error:  # noqa: BLE001  (reported by the test thread)
                    errors.append(error)
                    return
                answered.release()

        def wait_answers(count: int) -> None:
            for _ in range(count):
                assert answered.acquire(timeout=180), groups.outputs()

        clients = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in clients:
            thread.start()

        wait_answers(8)
        groups.kill(webs[ports[0]])  # a server dies with requests in flight
        groups.kill(workers[0])  # and a worker with jobs in flight
        chaos_log.append("killed a server and a worker")
        wait_answers(6)
        cluster.crash_restart()  # the database crashes under the load and comes back
        chaos_log.append("PostgreSQL crash-restarted")
        webs[ports[0]] = stack.web(ports[0])
        workers.append(stack.worker())
        wait_answers(8)
        # The worker that lived through the crash waited for the database and carried on.
        assert groups.processes[workers[1]].poll() is None, groups.output(workers[1])
        assert "Database unreachable" in groups.output(workers[1])
        groups.kill(workers[1])  # the other worker dies too
        groups.kill(webs[ports[1]])
        chaos_log.append("killed the other server and worker")
        webs[ports[1]] = stack.web(ports[1])
        workers.append(stack.worker())

        for thread in clients:
            thread.join(timeout=600)
        assert not errors, f"{errors}\n{groups.outputs()}"
        assert all(submission.tracking_code for submission in submissions)

        def settled() -> bool:
            try:
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
            except Exception:  # noqa: BLE001  (the database may still be recovering)
                return False
            return bool(open_jobs == 0 and sent == SUBMISSIONS)

        try:
            wait_until(settled, seconds=SETTLE_SECONDS, what="jobs settled")
        except AssertionError as error:
            open_jobs = rows(
                db,
                "SELECT task_path, status, worker_ids, enqueued_at, started_at"
                " FROM django_tasks_database_dbtaskresult WHERE status IN ('READY', 'RUNNING')",
            )
            raise AssertionError(f"{error}\nopen jobs: {open_jobs}\n{groups.outputs()}") from None
    finally:
        balancer.stop()

    codes = [submission.tracking_code for submission in submissions]
    # Every accepted submission exactly once, each client with its own.
    tickets = rows(db, "SELECT id, tracking_code, submission_key FROM tickets_ticket")
    assert sorted(code for _id, code, _key in tickets) == sorted(codes)
    assert len(set(codes)) == SUBMISSIONS
    ticket_ids = {ticket_id for ticket_id, _code, _key in tickets}
    # Its process started once.
    instances = rows(db, "SELECT ticket_id, count(*) FROM processes_processinstance GROUP BY 1")
    assert dict(instances) == dict.fromkeys(ticket_ids, 1)
    # Every due SMS: one Message row, one message at the provider.
    messages = rows(
        db, "SELECT id, related_id FROM notifications_message WHERE event = 'request_submitted'"
    )
    assert sorted(int(related) for _id, related in messages) == sorted(ticket_ids)
    outbox = fake_provider.outbox()
    for code in codes:
        assert sum(code in (message["text"] or "") for message in outbox) == 1, code
    # No job lost: each follow-up and each delivery ran to success on one row.
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
    # The audit trail written through all of it seals into one chain that verifies.
    sealed = khedmat(deployment.env, "seal_audit")
    assert sealed.returncode == 0, sealed.stderr[-3000:]
    verified = khedmat(deployment.env, "verify_audit")
    assert verified.returncode == 0, verified.stdout[-3000:] + verified.stderr[-3000:]
    activity = rows(db, "SELECT count(*), count(seq) FROM core_activity")[0]
    assert activity[0] == activity[1] > SUBMISSIONS
    retried = sum(len(submission.statuses) > 1 for submission in submissions)
    print(
        f"chaos: {SUBMISSIONS} requests ({retried} sent again), {'; '.join(chaos_log)}, "
        f"{activity[0]} audit rows verified, {time.monotonic() - started:.0f} s"
    )
