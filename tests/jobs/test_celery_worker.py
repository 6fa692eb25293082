"""`khedmat celery_worker` on RabbitMQ as real processes: a worker killed mid-task loses nothing
(the message comes back and the next worker runs the task once more), rolled-back work is never
sent, and the workers' processes beat and tick."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import transaction
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings

from khedmat.jobs import broker
from khedmat.jobs.models import WorkerHeartbeat
from tests.fixtures.jobs import REPO, worker_env
from tests.jobs.helpers import (
    BROKER_URL,
    Gate,
    Listener,
    ProcessGroups,
    delete_queues,
    rabbitmq_error,
    require_services,
)
from tests.jobs.sample_tasks import block_until_released, read_lines, record, report_running

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

KHEDMAT = str(Path(sys.executable).parent / "khedmat")


@pytest.fixture
def celery_env(settings: Settings) -> Iterator[dict[str, str]]:
    """This test process and its workers on the broker backend, with queues of their own."""
    require_services(RabbitMQ=rabbitmq_error())
    prefix = f"khedmat-test-{uuid.uuid4().hex[:8]}."
    settings.TASKS = {
        "default": {"BACKEND": "khedmat.jobs.celery_backend.CeleryBackend", "QUEUES": ["default"]}
    }
    settings.KHEDMAT_BROKER_URL = BROKER_URL
    settings.KHEDMAT_BROKER_QUEUE_PREFIX = prefix
    env = worker_env(
        KHEDMAT_TASK_BACKEND="celery",
        KHEDMAT_BROKER_URL=BROKER_URL,
        KHEDMAT_BROKER_QUEUE_PREFIX=prefix,
        KHEDMAT_LOG_LEVEL="INFO",
    )
    try:
        yield env
    finally:
        delete_queues(BROKER_URL, [prefix + "default"])


@pytest.fixture
def groups(tmp_path: Path) -> Iterator[ProcessGroups]:
    groups = ProcessGroups(tmp_path)
    try:
        yield groups
    finally:
        groups.kill_all()


def start_worker(groups: ProcessGroups, name: str, env: dict[str, str]) -> None:
    groups.start(
        name,
        [KHEDMAT, "celery_worker", "--concurrency", "1", "--name", f"{name}@%h"],
        env=env,
        cwd=REPO,
    )


def test_worker_killed_mid_task_loses_nothing_and_sends_no_rolled_back_work(
    celery_env: dict[str, str],
    groups: ProcessGroups,
    listener: Listener,
    gate: Gate,
    tmp_path: Path,
) -> None:
    log = tmp_path / "blocking.log"
    others = tmp_path / "others.log"
    blocking = block_until_released.enqueue(str(log), listener.address, str(gate.path))

    start_worker(groups, "first", celery_env)
    assert listener.receive(timeout=60) == "started", groups.outputs()
    row = DBTaskResult.objects.get(id=blocking.id)
    assert row.status == TaskResultStatus.RUNNING
    (first_runner,) = row.worker_ids
    assert WorkerHeartbeat.objects.filter(worker_id=first_runner).exists()  # the pool child's
    groups.kill("first")  # the machine dies: worker and pool child, message unacknowledged

    with pytest.raises(RuntimeError), transaction.atomic():
        record.enqueue(str(others), "rolled back")
        raise RuntimeError("the request fails")
    with transaction.atomic():
        committed = record.enqueue(str(others), "committed")

    start_worker(groups, "second", celery_env)
    assert listener.receive(timeout=60) == "started", groups.outputs()  # redelivered, run again
    gate.open()
    report_running.enqueue(listener.address)  # one task at a time: runs after the others
    assert listener.receive(timeout=60) == "running", groups.outputs()

    row = DBTaskResult.objects.get(id=blocking.id)
    assert row.status == TaskResultStatus.SUCCESSFUL, groups.outputs()
    assert row.return_value == "done"
    assert row.worker_ids[0] == first_runner
    assert len(row.worker_ids) == 2
    assert read_lines(log) == ["started", "started", "done"]
    assert read_lines(others) == ["committed"]
    assert DBTaskResult.objects.get(id=committed.id).status == TaskResultStatus.SUCCESSFUL
    assert not DBTaskResult.objects.filter(args_kwargs__args__1="rolled back").exists()
    # The second worker's process beats and took the tick (one per minute across the pool).
    assert WorkerHeartbeat.objects.exclude(worker_id=first_runner).exists()
    ticks = DBTaskResult.objects.filter(task_path="khedmat.jobs.tasks.run_tick")
    minutes = [tick.args_kwargs["args"][0] for tick in ticks]
    assert minutes, groups.outputs()
    assert len(minutes) == len(set(minutes))
    assert broker.amqp_queue("default") == celery_env["KHEDMAT_BROKER_QUEUE_PREFIX"] + "default"
