"""`khedmat worker` as a real process: transactional enqueue, exactly-once runs, SIGKILL recovery."""

from __future__ import annotations

import datetime as dt
import os
import signal
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from khedmat.jobs.models import WorkerHeartbeat
from khedmat.jobs.queries import latest_worker_heartbeat
from tests.fixtures.jobs import WorkerProcesses
from tests.jobs.helpers import Gate, Listener
from tests.jobs.sample_tasks import block_until_released, read_lines, record, report_running

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def statuses() -> dict[str, str]:
    return {str(pk): status for pk, status in DBTaskResult.objects.values_list("id", "status")}


def test_task_enqueued_in_rolled_back_transaction_never_runs(
    worker_processes: WorkerProcesses, tmp_path: Path
) -> None:
    log = tmp_path / "side-effect.log"
    with pytest.raises(RuntimeError), transaction.atomic():
        record.enqueue(str(log), "rolled back")
        assert DBTaskResult.objects.count() == 1  # visible inside the transaction only
        raise RuntimeError("the business transaction fails")
    assert DBTaskResult.objects.count() == 0

    worker_processes.run_batch("--no-tick")

    assert not log.exists()
    assert DBTaskResult.objects.count() == 0


def test_committed_task_runs_exactly_once(
    worker_processes: WorkerProcesses, tmp_path: Path
) -> None:
    log = tmp_path / "side-effect.log"
    with transaction.atomic():
        result = record.enqueue(str(log), "committed")

    worker_processes.run_batch("--no-tick")
    worker_processes.run_batch("--no-tick")

    assert read_lines(log) == ["committed"]
    assert statuses() == {result.id: TaskResultStatus.SUCCESSFUL}
    result.refresh()
    assert result.return_value == "committed"
    assert len(result.worker_ids) == 1


def test_worker_killed_mid_task_loses_nothing_after_restart(
    worker_processes: WorkerProcesses, tmp_path: Path, listener: Listener, gate: Gate
) -> None:
    log = tmp_path / "blocking.log"
    others_log = tmp_path / "others.log"
    blocking = block_until_released.enqueue(str(log), listener.address, str(gate.path))
    others = [record.enqueue(str(others_log), f"task {number}") for number in range(5)]

    first = worker_processes.start("--interval", "0.1")
    assert listener.receive() == "started", worker_processes.output(first)
    assert read_lines(log) == ["started"]
    row = DBTaskResult.objects.get(id=blocking.id)
    assert row.status == TaskResultStatus.RUNNING, worker_processes.output(first)
    os.kill(first.pid, signal.SIGKILL)
    assert first.wait(timeout=10) == -signal.SIGKILL
    assert DBTaskResult.objects.get(id=blocking.id).status == TaskResultStatus.RUNNING

    gate.open()
    second = worker_processes.start("--batch", "--interval", "0")  # exits when nothing is left
    assert second.wait(timeout=60) == 0, worker_processes.output(second)
    assert listener.receive() == "started"  # the recovered task, run again

    assert all(status == TaskResultStatus.SUCCESSFUL for status in statuses().values())
    assert read_lines(log) == ["started", "started", "done"]
    assert sorted(read_lines(others_log)) == [f"task {number}" for number in range(5)]
    blocking.refresh()
    assert blocking.status == TaskResultStatus.SUCCESSFUL
    assert len(blocking.worker_ids) == 2
    assert blocking.worker_ids[0] != blocking.worker_ids[1]
    for other in others:
        other.refresh()
        assert other.status == TaskResultStatus.SUCCESSFUL
    assert not WorkerHeartbeat.objects.filter(pid=second.pid).exists()


def test_running_worker_keeps_a_recent_heartbeat(
    worker_processes: WorkerProcesses, listener: Listener
) -> None:
    assert latest_worker_heartbeat() is None
    report_running.enqueue(listener.address)

    process = worker_processes.start("--interval", "0.2")
    # The worker registers its heartbeat before it runs a task.
    assert listener.receive() == "running", worker_processes.output(process)
    seen = latest_worker_heartbeat()

    assert seen is not None
    assert timezone.now() - seen < dt.timedelta(minutes=2)
    heartbeat = WorkerHeartbeat.objects.get()
    assert heartbeat.pid == process.pid
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0, worker_processes.output(process)
    assert latest_worker_heartbeat() is None  # a clean exit removes the row
