"""The periodic tick: one winner per minute, handlers isolated from each other."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
from django.db import connections
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from khedmat.jobs.services import TICK_PRIORITY, claim_tick_minute
from khedmat.jobs.tick import register_tick, run_tick_handlers, tick_handler_names, unregister_tick
from tests.fixtures.jobs import make_worker

pytestmark = pytest.mark.django_db(transaction=True)

TICK_TASK_PATH = "khedmat.jobs.tasks.run_tick"


class Calls:
    def __init__(self) -> None:
        self.count = 0

    def handler(self) -> None:
        self.count += 1


@pytest.fixture
def calls() -> Iterator[Calls]:
    recorder = Calls()
    register_tick(recorder.handler)
    try:
        yield recorder
    finally:
        unregister_tick(recorder.handler)


def broken_handler() -> None:
    raise RuntimeError("this handler is broken")


@pytest.fixture
def broken() -> Iterator[None]:
    register_tick(broken_handler)
    try:
        yield
    finally:
        unregister_tick(broken_handler)


def test_claiming_a_minute_succeeds_once() -> None:
    minute = timezone.now().replace(second=0, microsecond=0)

    assert claim_tick_minute(minute) is True
    assert claim_tick_minute(minute + dt.timedelta(seconds=30)) is False
    assert claim_tick_minute(minute - dt.timedelta(minutes=1)) is False
    assert claim_tick_minute(minute + dt.timedelta(minutes=1)) is True


def claim_from_threads(minute: dt.datetime, count: int) -> list[bool]:
    barrier = threading.Barrier(count)
    results: list[bool] = []

    def claim() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(claim_tick_minute(minute))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == count
    return results


def test_concurrent_claims_of_one_minute_have_one_winner() -> None:
    minute = timezone.now().replace(second=0, microsecond=0)

    assert sorted(claim_from_threads(minute, 6)) == [False] * 5 + [True]  # the row is created
    later = minute + dt.timedelta(minutes=1)
    assert sorted(claim_from_threads(later, 6)) == [False] * 5 + [True]  # the row is updated


def test_two_workers_one_minute_one_tick_and_each_handler_runs_once(calls: Calls) -> None:
    now = timezone.now()
    first, second = make_worker(tick=True), make_worker(tick=True)

    assert first.tick_if_due(now) is True
    assert second.tick_if_due(now) is False
    assert first.tick_if_due(now) is False
    assert DBTaskResult.objects.filter(task_path=TICK_TASK_PATH).count() == 1
    assert DBTaskResult.objects.get(task_path=TICK_TASK_PATH).priority == TICK_PRIORITY

    make_worker().run()
    make_worker().run()

    assert calls.count == 1
    tick = DBTaskResult.objects.get(task_path=TICK_TASK_PATH)
    assert tick.status == TaskResultStatus.SUCCESSFUL
    assert tick.args_kwargs["args"] == [now.replace(second=0, microsecond=0).isoformat()]


def test_builtin_handlers_are_registered() -> None:
    names = tick_handler_names()

    assert names[:4] == [
        "khedmat.jobs.services.recover_abandoned_tasks",
        "khedmat.jobs.services.prune_finished_tasks",
        "khedmat.jobs.services.prune_stale_heartbeats",
        "khedmat.jobs.celery_backend.republish_overdue_tasks",  # a no-op on the database queue
    ]


def test_a_failing_handler_does_not_stop_the_others(broken: None, calls: Calls) -> None:
    assert run_tick_handlers() == ["tests.jobs.test_tick.broken_handler"]
    assert calls.count == 1

    make_worker(tick=True).run()  # ticks, then runs the tick task

    assert calls.count == 2
    tick = DBTaskResult.objects.get(task_path=TICK_TASK_PATH)
    assert tick.status == TaskResultStatus.FAILED
    assert tick.exception_class_path == "khedmat.jobs.errors.TickHandlerError"
    assert "tests.jobs.test_tick.broken_handler" in tick.traceback
    assert len(tick.worker_ids) == 1  # not retried
