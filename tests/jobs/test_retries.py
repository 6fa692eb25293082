"""Retries in the worker: backoff for errors that say a retry can help, failure for the rest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings

from khedmat.jobs.models import WorkerHeartbeat
from tests.fixtures.jobs import make_worker
from tests.jobs.sample_tasks import (
    always_retryable,
    exit_process,
    fail_ordinarily,
    fail_permanently,
    fail_then_succeed,
    fail_with_retryable_attribute,
    read_lines,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fast_backoff(settings: Settings) -> None:
    settings.KHEDMAT_TASK_BACKOFF_SECONDS = 1
    settings.KHEDMAT_TASK_MAX_ATTEMPTS = 4


def test_retryable_error_is_retried_with_growing_backoff_until_success(tmp_path: Path) -> None:
    log = tmp_path / "attempts.log"
    result = fail_then_succeed.enqueue(str(log), 2)
    waits: list[float] = []  # run_after minus the failed attempt's start, per failure
    due: dt.datetime | None = None  # the first attempt is due at once

    for attempt in (1, 2):
        make_worker().run(now=due)
        row = DBTaskResult.objects.get(id=result.id)
        assert (row.status, len(row.worker_ids)) == (TaskResultStatus.READY, attempt)
        assert row.exception_class_path == "khedmat.jobs.errors.RetryableError"
        assert f"attempt {attempt} failed" in row.traceback
        assert row.started_at is not None
        waits.append((row.run_after - row.started_at).total_seconds())
        make_worker().run(now=row.run_after - dt.timedelta(milliseconds=1))  # not due yet
        assert read_lines(log) == ["attempt"] * attempt
        due = row.run_after
    make_worker().run(now=due)

    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value == 3
    assert len(row.worker_ids) == 3
    assert (row.exception_class_path, row.traceback) == ("", "")
    assert 1.0 <= waits[0] < 1.9
    assert 2.0 <= waits[1] < 3.2
    assert read_lines(log) == ["attempt"] * 3


def test_attempts_stop_at_the_maximum(tmp_path: Path) -> None:
    log = tmp_path / "attempts.log"
    result = always_retryable.enqueue(str(log))

    make_worker().run()  # retry_after=0: every attempt is ready again at once

    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == TaskResultStatus.FAILED
    assert len(row.worker_ids) == 4
    assert read_lines(log) == ["attempt"] * 4
    assert row.exception_class_path == "khedmat.jobs.errors.RetryableError"
    assert row.finished_at is not None


@pytest.mark.parametrize(
    ("failing_task", "error_path"),
    [
        (fail_permanently, "khedmat.jobs.errors.PermanentError"),
        (fail_ordinarily, "builtins.ValueError"),
    ],
)
def test_other_errors_fail_at_once(failing_task: object, error_path: str, tmp_path: Path) -> None:
    log = tmp_path / "attempts.log"
    result = failing_task.enqueue(str(log))  # type: ignore[attr-defined]

    make_worker().run()

    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == TaskResultStatus.FAILED
    assert len(row.worker_ids) == 1
    assert read_lines(log) == ["attempt"]
    assert row.exception_class_path == error_path


def test_retryable_attribute_on_any_exception_schedules_a_retry(tmp_path: Path) -> None:
    log = tmp_path / "attempts.log"
    result = fail_with_retryable_attribute.enqueue(str(log))
    before = timezone.now()

    make_worker().run()

    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == TaskResultStatus.READY
    assert len(row.worker_ids) == 1
    assert read_lines(log) == ["attempt"]
    assert row.exception_class_path == "tests.jobs.sample_tasks.FlakyTransportError"
    assert 1.0 <= (row.run_after - before).total_seconds() < 2.5


def test_forced_stop_mid_task_requeues_it_and_exits(tmp_path: Path) -> None:
    log = tmp_path / "attempts.log"
    result = exit_process.enqueue(str(log))
    worker = make_worker()

    with pytest.raises(SystemExit):
        worker.run()

    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == TaskResultStatus.READY
    assert row.run_after <= timezone.now()
    assert len(row.worker_ids) == 1
    assert not WorkerHeartbeat.objects.filter(worker_id=worker.worker_id).exists()
