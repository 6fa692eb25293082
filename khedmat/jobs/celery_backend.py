"""The broker backend of the Django Tasks API: Celery on RabbitMQ for several machines.

``KHEDMAT_TASK_BACKEND=celery`` (this class) and ``KHEDMAT_BROKER_URL=amqp://...``; application
code does not change (``some_task.enqueue(...)``), and ``khedmat celery_worker`` runs the tasks.

Why our own backend and not django-tasks-celery (0.1.1, the one on PyPI): it needs Python 3.12
and Django 6's ``django.tasks`` (we run Python 3.11, Django 5.2 and the django-tasks 0.12
backport); it publishes at once, inside the caller's transaction, so a rolled-back request would
still send its jobs; it keeps results only in a Celery result backend; and it registers tasks
through Celery's private API. This backend is a thin layer on the database queue instead:

- ``enqueue`` writes the task's row (django-tasks-db's ``DBTaskResult``) in the caller's
  transaction, exactly as the embedded default does, and publishes a message naming the row
  with ``transaction.on_commit``: a rolled-back transaction leaves neither row nor message, and
  a committed one a row even if the process dies before the publish (see below).
- The worker (``khedmat.jobs.broker``) claims the row with a conditional update and runs it with
  the same code as ``khedmat worker``: a duplicate message finds the row taken or finished and
  is dropped, so a task runs once per claim. Messages are acknowledged after the task
  (``acks_late``, ``reject_on_worker_lost``, prefetch 1): a killed worker's message goes back to
  the queue and the next worker re-runs the task once it sees the first one's process dead.
- Results, retries (``RetryableError``, backoff) and their attempt count live in the row, so
  ``get_result`` (inherited), the admin, pruning and recovery work as with the database queue.
- A task whose message was lost (the broker was down at publish time, or the process died
  between the commit and the publish) is still READY: the tick publishes such tasks again
  (``republish_overdue_tasks``) once they are ``KHEDMAT_BROKER_REPUBLISH_SECONDS`` overdue.

This module does not import Celery: only publishing does (``khedmat.jobs.broker``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import router, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend, TaskResult
from django_tasks_db.compat import Task, TaskResultStatus, task_backends
from django_tasks_db.models import DBTaskResult, get_date_max

logger = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")

#: At most this many overdue tasks are published again per tick.
REPUBLISH_BATCH = 1000
REPUBLISHED_KEY = "khedmat:jobs:republished:{}"


class CeleryBackend(DatabaseBackend):
    """Task rows in the database, published to RabbitMQ after the commit (see the module)."""

    def enqueue(
        self,
        task: Task[P, T],
        args: P.args,  # type: ignore[valid-type]
        kwargs: P.kwargs,  # type: ignore[valid-type]
    ) -> TaskResult[P, T]:
        result: TaskResult[P, T] = super().enqueue(task, args, kwargs)
        publish_on_commit(result.db_result)
        return result

    async def aenqueue(
        self,
        task: Task[P, T],
        args: P.args,  # type: ignore[valid-type]
        kwargs: P.kwargs,  # type: ignore[valid-type]
    ) -> TaskResult[P, T]:
        # Async code runs outside any transaction: the row is committed, publish it now.
        result: TaskResult[P, T] = await super().aenqueue(task, args, kwargs)
        await asyncio.to_thread(publish_on_commit, result.db_result)
        return result


def publish_on_commit(row: DBTaskResult[Any, Any]) -> None:
    """Publish the row's message once the current transaction commits (at once outside one)."""
    using = row._state.db or router.db_for_write(DBTaskResult)
    task_id = str(row.id)
    queue = row.queue_name
    priority = row.priority
    run_after = None if row.run_after == get_date_max() else row.run_after

    def publish_now() -> None:
        publish(task_id, queue=queue, priority=priority, run_after=run_after)

    transaction.on_commit(publish_now, using=using, robust=True)


def publish(
    task_id: str, *, queue: str, priority: int, run_after: dt.datetime | None = None
) -> bool:
    """Send the message of one task row; False (logged) when the broker refused or was away.

    A task left unpublished stays READY in the database: the tick publishes it again later.
    """
    from khedmat.jobs import broker

    try:
        broker.send(task_id, queue=queue, priority=priority, run_after=run_after)
    except Exception:  # the row is safe; the tick republishes it (any transport error)
        logger.warning(
            "Could not publish task id=%s to the broker; the tick will publish it again.",
            task_id,
            exc_info=True,
        )
        return False
    return True


def uses_broker(alias: str = "default") -> bool:
    """Whether the tasks backend `alias` is this broker backend."""
    return isinstance(task_backends[alias], CeleryBackend)


def republish_overdue_tasks(*, now: dt.datetime | None = None) -> int:
    """Publish again the READY tasks of the broker backend that should have run long ago.

    A task whose message was lost (broker down at publish time, a process that died between
    its commit and its publish) would otherwise wait forever. Each is published at most once per
    KHEDMAT_BROKER_REPUBLISH_SECONDS (a mark in the shared cache), so a long queue is not
    flooded; a duplicate message is harmless (the worker drops it). Returns how many were sent.
    A tick handler; does nothing with the database queue.
    """
    if not uses_broker():
        return 0
    now = now or timezone.now()
    seconds = int(getattr(settings, "KHEDMAT_BROKER_REPUBLISH_SECONDS", 120))
    overdue_before = now - dt.timedelta(seconds=seconds)
    # run_after is the far future for "no run_after" (django-tasks-db's convention).
    overdue = Q(run_after=get_date_max(), enqueued_at__lt=overdue_before) | Q(
        run_after__lt=overdue_before
    )
    rows = (
        DBTaskResult.objects.filter(
            overdue, status=TaskResultStatus.READY, backend_name=task_backends["default"].alias
        )
        .order_by("enqueued_at")
        .only("id", "queue_name", "priority", "run_after")[:REPUBLISH_BATCH]
    )
    sent = 0
    for row in rows:
        if not cache.add(REPUBLISHED_KEY.format(row.id), 1, timeout=seconds):
            continue  # published again less than a period ago
        if publish(str(row.id), queue=row.queue_name, priority=row.priority):
            sent += 1
    if sent:
        logger.warning("Published %d overdue task(s) again.", sent)
    return sent
