"""Recovery of tasks left running by dead workers, pruning, and the heartbeat thread."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from django.db import connections
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings

from khedmat.jobs import worker as worker_module
from khedmat.jobs.models import WorkerHeartbeat
from khedmat.jobs.services import (
    delete_worker_heartbeat,
    prune_finished_tasks,
    prune_stale_heartbeats,
    recover_abandoned_tasks,
    refresh_worker_heartbeat,
    register_worker_heartbeat,
)
from tests.fixtures.jobs import make_worker
from tests.jobs.sample_tasks import record

pytestmark = pytest.mark.django_db(transaction=True)


def pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def heartbeat(worker_id: str, *, pid: int, seen_ago: float, hostname: str = "") -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        hostname=hostname or socket.gethostname(),
        pid=pid,
        pid_namespace=pid_namespace(),
        started_at=now - dt.timedelta(hours=1),
        last_seen_at=now - dt.timedelta(seconds=seen_ago),
    )


def running_task(tmp_path: Path, *worker_ids: str, started_ago: float) -> str:
    result = record.enqueue(str(tmp_path / "never.log"), "never")
    row = DBTaskResult.objects.get(id=result.id)
    for worker_id in worker_ids:
        row.claim(worker_id)
    DBTaskResult.objects.filter(id=row.id).update(
        started_at=timezone.now() - dt.timedelta(seconds=started_ago)
    )
    return result.id


def test_recovery_requeues_only_tasks_of_dead_workers(tmp_path: Path, settings: Settings) -> None:
    settings.KHEDMAT_WORKER_STALE_SECONDS = 120
    settings.KHEDMAT_TASK_MAX_ATTEMPTS = 2
    heartbeat("dead-here", pid=dead_pid(), seen_ago=5)
    heartbeat("alive-here", pid=os.getppid(), seen_ago=5)
    heartbeat("alive-elsewhere", pid=1, seen_ago=5, hostname="other-host")
    heartbeat("silent-elsewhere", pid=1, seen_ago=600, hostname="other-host")
    register_worker_heartbeat("live-in-this-process")
    try:
        assert_recovery(tmp_path)
    finally:
        delete_worker_heartbeat("live-in-this-process")


def assert_recovery(tmp_path: Path) -> None:
    expected = {
        running_task(tmp_path, "dead-here", started_ago=10): TaskResultStatus.READY,
        running_task(tmp_path, "silent-elsewhere", started_ago=10): TaskResultStatus.READY,
        running_task(tmp_path, "no-heartbeat", started_ago=600): TaskResultStatus.READY,
        running_task(tmp_path, "earlier", "dead-here", started_ago=10): TaskResultStatus.FAILED,
        running_task(tmp_path, "alive-here", started_ago=600): TaskResultStatus.RUNNING,
        running_task(tmp_path, "alive-elsewhere", started_ago=600): TaskResultStatus.RUNNING,
        running_task(tmp_path, "no-heartbeat-yet", started_ago=10): TaskResultStatus.RUNNING,
        running_task(tmp_path, "live-in-this-process", started_ago=600): TaskResultStatus.RUNNING,
    }

    assert recover_abandoned_tasks() == 4
    assert recover_abandoned_tasks() == 0

    statuses = {str(pk): status for pk, status in DBTaskResult.objects.values_list("id", "status")}
    assert statuses == expected
    failed = DBTaskResult.objects.get(status=TaskResultStatus.FAILED)
    assert failed.exception_class_path == "khedmat.jobs.errors.WorkerLostError"
    assert failed.finished_at is not None
    requeued = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert {row.exception_class_path for row in requeued} == {"khedmat.jobs.errors.WorkerLostError"}
    assert all(len(row.worker_ids) == 1 for row in requeued)  # attempts are kept


def finished_task(tmp_path: Path, status: str, *, days_ago: float) -> str:
    result = record.enqueue(str(tmp_path / "never.log"), "never")
    when = timezone.now() - dt.timedelta(days=days_ago)
    finished_at = when if status in {TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED} else None
    DBTaskResult.objects.filter(id=result.id).update(
        status=status, enqueued_at=when, started_at=when, finished_at=finished_at
    )
    return result.id


def test_prune_deletes_only_old_finished_tasks(tmp_path: Path, settings: Settings) -> None:
    settings.KHEDMAT_TASK_RETENTION_DAYS = 14
    finished_task(tmp_path, TaskResultStatus.SUCCESSFUL, days_ago=15)
    finished_task(tmp_path, TaskResultStatus.FAILED, days_ago=20)
    kept = {
        finished_task(tmp_path, TaskResultStatus.SUCCESSFUL, days_ago=13),
        finished_task(tmp_path, TaskResultStatus.FAILED, days_ago=1),
        finished_task(tmp_path, TaskResultStatus.READY, days_ago=30),
        finished_task(tmp_path, TaskResultStatus.RUNNING, days_ago=30),
    }

    assert prune_finished_tasks() == 2

    assert {str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)} == kept


def test_prune_deletes_heartbeats_silent_for_over_a_day() -> None:
    heartbeat("gone", pid=1, seen_ago=25 * 3600)
    heartbeat("quiet", pid=2, seen_ago=23 * 3600)

    assert prune_stale_heartbeats() == 1

    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["quiet"]


def test_heartbeat_thread_refreshes_last_seen_and_clean_exit_removes_the_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    worker = make_worker(batch=False, interval=0.05, heartbeat_seconds=0.1)
    refreshed = threading.Event()

    def refresh_and_tell(heartbeat: WorkerHeartbeat) -> WorkerHeartbeat:
        """The real refresh, then a signal to the test (which waits for it, not for the clock)."""
        heartbeat = refresh_worker_heartbeat(heartbeat)
        refreshed.set()
        return heartbeat

    monkeypatch.setattr(worker_module, "refresh_worker_heartbeat", refresh_and_tell)

    def run() -> None:
        try:
            worker.run()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        assert refreshed.wait(timeout=20), "the heartbeat thread never refreshed the row"
        row = WorkerHeartbeat.objects.get(worker_id=worker.worker_id)
        assert row.last_seen_at > row.started_at
        assert row.pid == os.getpid()
        assert row.hostname == socket.gethostname()
    finally:
        worker.running = False
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert not WorkerHeartbeat.objects.filter(worker_id=worker.worker_id).exists()
