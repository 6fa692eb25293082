"""The broker backend (khedmat.jobs.celery_backend, khedmat.jobs.broker) on kombu's in-memory
transport: publish after the commit only, nothing on rollback, results in the task rows, retries
published with their backoff, duplicate and redelivered messages, lost messages published again.

The worker side runs in this process (`BrokerWorker.execute`, what `khedmat celery_worker`'s
task calls with each message); tests/jobs/test_celery_worker.py runs real workers on RabbitMQ.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.core.cache import cache
from django.db import connections, transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultDoesNotExist, TaskResultStatus, task_backends
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings

from khedmat.jobs import broker
from khedmat.jobs.celery_backend import CeleryBackend, republish_overdue_tasks, uses_broker
from khedmat.jobs.models import WorkerHeartbeat
from khedmat.jobs.services import start_tick
from tests.jobs.sample_tasks import fail_permanently, fail_then_succeed, read_lines, record

pytestmark = pytest.mark.django_db(transaction=True)

BACKEND = "khedmat.jobs.celery_backend.CeleryBackend"


@dataclass(frozen=True)
class Sent:
    """One message as the broker holds it."""

    task_id: str
    eta: dt.datetime | None
    priority: int


class Queue:
    """The test's view of the broker queue: what was published, taken off as it is read."""

    def __init__(self) -> None:
        self.name = broker.amqp_queue("default")

    def _channel_call(self, purge: bool) -> list[Sent]:
        app = broker.get_app()
        sent: list[Sent] = []
        with app.connection_for_read() as connection:
            channel = connection.default_channel
            app.amqp.queues[self.name](channel).declare()
            if purge:
                channel.queue_purge(self.name)
                return []
            while (message := channel.basic_get(self.name, no_ack=True)) is not None:
                assert message.headers["task"] == broker.RUN_TASK
                args, kwargs, _embed = message.decode()
                assert kwargs == {}
                eta = message.headers.get("eta")
                sent.append(
                    Sent(
                        task_id=args[0],
                        eta=dt.datetime.fromisoformat(eta) if eta else None,
                        priority=message.properties["priority"],
                    )
                )
        return sent

    def take(self) -> list[Sent]:
        """Every message published since the last take."""
        return self._channel_call(purge=False)

    def ids(self) -> list[str]:
        return [message.task_id for message in self.take()]

    def purge(self) -> None:
        self._channel_call(purge=True)


@pytest.fixture
def queue(settings: Settings) -> Iterator[Queue]:
    """The broker backend on the in-memory transport, with a queue of this test's own."""
    settings.TASKS = {"default": {"BACKEND": BACKEND, "QUEUES": ["default"]}}
    settings.KHEDMAT_BROKER_URL = "memory://localhost/"
    settings.KHEDMAT_BROKER_QUEUE_PREFIX = f"test-{uuid.uuid4().hex[:8]}."
    settings.KHEDMAT_TASK_BACKOFF_SECONDS = 5
    settings.KHEDMAT_TASK_MAX_ATTEMPTS = 3
    cache.clear()
    queue = Queue()
    queue.purge()
    try:
        yield queue
    finally:
        queue.purge()


def worker() -> broker.BrokerWorker:
    return broker.BrokerWorker(worker_id=f"test-{uuid.uuid4().hex[:12]}", tick=False)


def row(task_id: str) -> DBTaskResult[Any, Any]:
    return DBTaskResult.objects.get(id=task_id)


# --- publishing --------------------------------------------------------------------------------


def test_settings_choose_the_backend(queue: Queue) -> None:
    assert isinstance(task_backends["default"], CeleryBackend)
    assert uses_broker()


def test_enqueue_in_a_transaction_publishes_only_after_the_commit(
    queue: Queue, tmp_path: Path
) -> None:
    with transaction.atomic():
        result = record.enqueue(str(tmp_path / "log"), "committed")
        assert row(result.id).status == TaskResultStatus.READY  # the row is in the transaction
        assert queue.take() == []  # nothing published yet

    assert queue.take() == [Sent(task_id=result.id, eta=None, priority=4)]
    assert queue.take() == []


def test_rolled_back_transaction_publishes_nothing(queue: Queue, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        record.enqueue(str(tmp_path / "log"), "rolled back")
        raise RuntimeError("the request fails")

    assert queue.take() == []
    assert DBTaskResult.objects.count() == 0


def test_inner_savepoint_rolled_back_publishes_nothing_of_it(queue: Queue, tmp_path: Path) -> None:
    with transaction.atomic():
        kept = record.enqueue(str(tmp_path / "log"), "kept")
        with pytest.raises(RuntimeError), transaction.atomic():
            record.enqueue(str(tmp_path / "log"), "dropped")
            raise RuntimeError("a savepoint fails")

    assert queue.ids() == [kept.id]


def test_enqueue_outside_a_transaction_publishes_at_once(queue: Queue, tmp_path: Path) -> None:
    result = record.enqueue(str(tmp_path / "log"), "now")

    assert queue.ids() == [result.id]


def test_priority_and_run_after_reach_the_message(queue: Queue, tmp_path: Path) -> None:
    later = timezone.now() + dt.timedelta(seconds=40)

    result = record.using(priority=100, run_after=later).enqueue(str(tmp_path / "log"), "x")

    assert queue.take() == [Sent(task_id=result.id, eta=later, priority=broker.MAX_PRIORITY)]
    assert [broker.amqp_priority(value) for value in (-100, 0, 50, 100)] == [0, 4, 7, 9]


def test_a_long_delay_is_published_capped_and_hops(
    queue: Queue, settings: Settings, tmp_path: Path
) -> None:
    settings.KHEDMAT_BROKER_MAX_COUNTDOWN_SECONDS = 60
    now = timezone.now()
    result = record.using(run_after=now + dt.timedelta(hours=2)).enqueue(str(tmp_path / "l"), "x")
    (first,) = queue.take()
    assert first.eta is not None
    assert dt.timedelta(seconds=55) < first.eta - now <= dt.timedelta(seconds=61)

    assert worker().execute(result.id) == "deferred"  # arrived early: published again

    (second,) = queue.take()
    assert second.task_id == result.id
    assert row(result.id).status == TaskResultStatus.READY
    assert read_lines(tmp_path / "l") == []


def test_the_tick_is_published_after_its_minute_is_claimed(queue: Queue) -> None:
    minute = timezone.now().replace(second=0, microsecond=0)

    assert start_tick(minute) is True
    assert start_tick(minute) is False  # one per minute, whoever asks

    (message,) = queue.take()
    assert row(message.task_id).task_path == "khedmat.jobs.tasks.run_tick"
    assert message.priority == broker.amqp_priority(50)


# --- the worker side -----------------------------------------------------------------------------


def test_result_is_readable_after_the_worker_ran_the_message(queue: Queue, tmp_path: Path) -> None:
    log = tmp_path / "log"
    result = record.enqueue(str(log), "hello")
    (message,) = queue.take()

    assert worker().execute(message.task_id) == TaskResultStatus.SUCCESSFUL

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == "hello"
    assert len(result.worker_ids) == 1
    assert record.get_result(result.id).return_value == "hello"
    assert task_backends["default"].get_result(result.id).is_finished
    assert read_lines(log) == ["hello"]
    with pytest.raises(TaskResultDoesNotExist):
        task_backends["default"].get_result(str(uuid.uuid4()))


def test_a_duplicate_message_runs_nothing_twice(queue: Queue, tmp_path: Path) -> None:
    log = tmp_path / "log"
    result = record.enqueue(str(log), "once")
    runner = worker()

    assert runner.execute(result.id) == TaskResultStatus.SUCCESSFUL
    assert runner.execute(result.id) == "finished"
    assert worker().execute(result.id) == "finished"
    assert worker().execute(str(uuid.uuid4())) == "missing"
    assert worker().execute("not-a-uuid") == "missing"

    assert read_lines(log) == ["once"]


def test_retryable_error_is_retried_with_its_backoff_published(
    queue: Queue, tmp_path: Path
) -> None:
    log = tmp_path / "attempts"
    result = fail_then_succeed.enqueue(str(log), 1)
    queue.take()

    assert worker().execute(result.id) == TaskResultStatus.READY  # failed, retry scheduled

    first = row(result.id)
    assert first.exception_class_path == "khedmat.jobs.errors.RetryableError"
    assert first.started_at is not None
    assert 5.0 <= (first.run_after - first.started_at).total_seconds() < 6.5
    (retry,) = queue.take()
    assert retry.task_id == result.id
    assert retry.eta is not None
    assert abs((retry.eta - first.run_after).total_seconds()) < 0.01

    assert worker().execute(result.id) == "deferred"  # the message came early: hop again
    assert [message.task_id for message in queue.take()] == [result.id]
    assert read_lines(log) == ["attempt"]

    assert worker().execute(result.id, now=first.run_after) == TaskResultStatus.SUCCESSFUL

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 2
    assert len(result.worker_ids) == 2
    assert read_lines(log) == ["attempt", "attempt"]
    assert queue.take() == []


def test_last_attempt_fails_and_publishes_nothing(
    queue: Queue, settings: Settings, tmp_path: Path
) -> None:
    settings.KHEDMAT_TASK_MAX_ATTEMPTS = 1
    result = fail_then_succeed.enqueue(str(tmp_path / "attempts"), 5)
    queue.take()

    assert worker().execute(result.id) == TaskResultStatus.FAILED
    assert queue.take() == []


def test_permanent_error_fails_at_once(queue: Queue, tmp_path: Path) -> None:
    result = fail_permanently.enqueue(str(tmp_path / "attempts"))
    queue.take()

    assert worker().execute(result.id) == TaskResultStatus.FAILED

    result.refresh()
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class_path == "khedmat.jobs.errors.PermanentError"
    assert queue.take() == []


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def claimed_by(task_id: str, pid: int) -> str:
    """Mark the task RUNNING by a worker process `pid` on this host, with its heartbeat row."""
    worker_id = f"celery-{uuid.uuid4().hex[:8]}"
    try:
        namespace = os.readlink("/proc/self/ns/pid")[:64]
    except OSError:
        namespace = ""
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        hostname=socket.gethostname()[:255],
        pid=pid,
        pid_namespace=namespace,
        started_at=now,
        last_seen_at=now,
    )
    row(task_id).claim(worker_id)
    return worker_id


def test_redelivered_message_of_a_dead_workers_task_runs_it_again(
    queue: Queue, tmp_path: Path
) -> None:
    log = tmp_path / "log"
    result = record.enqueue(str(log), "again")
    dead = claimed_by(result.id, dead_pid())

    assert worker().execute(result.id) == TaskResultStatus.SUCCESSFUL

    done = row(result.id)
    assert done.worker_ids[0] == dead
    assert len(done.worker_ids) == 2
    assert read_lines(log) == ["again"]


def test_redelivered_message_of_a_live_workers_task_is_dropped(
    queue: Queue, tmp_path: Path
) -> None:
    result = record.enqueue(str(tmp_path / "log"), "elsewhere")
    claimed_by(result.id, os.getppid())  # a live process of this host holds it

    assert worker().execute(result.id) == "running elsewhere"

    assert row(result.id).status == TaskResultStatus.RUNNING
    assert read_lines(tmp_path / "log") == []


# --- lost messages -------------------------------------------------------------------------------


def test_publish_failure_keeps_the_committed_row_for_the_tick(
    queue: Queue, settings: Settings, tmp_path: Path
) -> None:
    memory = settings.KHEDMAT_BROKER_URL
    settings.KHEDMAT_BROKER_URL = "amqp://guest:guest@127.0.0.1:1//"  # nothing listens there
    with transaction.atomic():
        result = record.enqueue(str(tmp_path / "log"), "kept")

    assert row(result.id).status == TaskResultStatus.READY  # the request's work is safe
    settings.KHEDMAT_BROKER_URL = memory
    assert queue.take() == []
    long_ago = timezone.now() + dt.timedelta(seconds=121)

    assert republish_overdue_tasks(now=long_ago) == 1

    assert queue.ids() == [result.id]
    assert worker().execute(result.id) == TaskResultStatus.SUCCESSFUL


def test_overdue_tasks_are_published_again_once_per_period(
    queue: Queue, settings: Settings, tmp_path: Path
) -> None:
    settings.KHEDMAT_BROKER_REPUBLISH_SECONDS = 120
    waiting = record.enqueue(str(tmp_path / "log"), "lost")
    done = record.enqueue(str(tmp_path / "log"), "done")
    queue.take()
    worker().execute(done.id)
    now = timezone.now()

    assert republish_overdue_tasks(now=now + dt.timedelta(seconds=60)) == 0  # not overdue yet
    assert republish_overdue_tasks(now=now + dt.timedelta(seconds=121)) == 1
    assert republish_overdue_tasks(now=now + dt.timedelta(seconds=122)) == 0  # sent this period

    assert queue.ids() == [waiting.id]


def test_republishing_does_nothing_with_the_database_queue(
    settings: Settings, tmp_path: Path
) -> None:
    result = record.enqueue(str(tmp_path / "log"), "db")

    assert not uses_broker()
    assert republish_overdue_tasks(now=timezone.now() + dt.timedelta(days=1)) == 0
    assert row(result.id).status == TaskResultStatus.READY


def test_async_enqueue_publishes_the_committed_row(queue: Queue, tmp_path: Path) -> None:
    def enqueue_from_async_code() -> Any:
        try:
            return async_to_sync(record.aenqueue)(str(tmp_path / "log"), "async")
        finally:
            connections.close_all()  # this thread's own connection

    # In a thread of its own, as async code runs: a browser test earlier in the same process may
    # leave Playwright's event loop on the main thread, where async_to_sync refuses to run.
    with ThreadPoolExecutor(max_workers=1) as pool:
        result = pool.submit(enqueue_from_async_code).result()

    assert row(result.id).status == TaskResultStatus.READY
    assert queue.ids() == [result.id]
