"""Celery on RabbitMQ for the broker backend (khedmat.jobs.celery_backend): the Celery app,
publishing a task row's message, and what a `khedmat celery_worker` process does with one.

A message carries only the id of a django-tasks-db row; the row is the truth. The worker:

1. loads the row; none (pruned), or finished: the message is a duplicate, dropped;
2. RUNNING: another process has it. If that process is dead (its heartbeat row says so, see
   `services.recover_task_if_abandoned`), the task is requeued and run here; if it is alive, the
   message is dropped (should it die later, the tick recovers and republishes the task);
3. READY but due later (a retry's backoff, or a countdown capped below RabbitMQ's consumer
   timeout): published again with the time left, dropped;
4. READY and due: claimed with a locked, conditional update (a second message for it finds it
   taken) and run by `KhedmatWorker.run_task`: success, failure, or a retry that is published
   with its backoff as countdown.

Messages are acknowledged after the task (`task_acks_late`), requeued when the process running
it dies (`task_reject_on_worker_lost`), one at a time per process (`worker_prefetch_multiplier`
1) and confirmed by the broker on publish (`confirm_publish`); queues and messages are durable.

Every process that runs tasks (each prefork child, or the worker itself with the solo and threads
pools) keeps a `WorkerHeartbeat` row fresh from a thread of its own, which also takes part in the
once-a-minute tick (`start_tick`: `claim_tick_minute` lets one process in the whole pool win each
minute), so no celery beat is needed.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from typing import Any

from celery import Celery, signals
from celery import Task as CeleryTask
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, close_old_connections, connections
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus, task_backends
from django_tasks_db.models import DBTaskResult, get_date_max
from django_tasks_db.utils import exclusive_transaction
from kombu import Exchange, Queue

from khedmat.jobs.celery_backend import publish
from khedmat.jobs.services import (
    delete_worker_heartbeat,
    recover_task_if_abandoned,
    refresh_worker_heartbeat,
    register_worker_heartbeat,
)
from khedmat.jobs.worker import KhedmatWorker

logger = logging.getLogger(__name__)

#: The one Celery task: run the task row named by the message.
RUN_TASK = "khedmat.jobs.run_task"
EXCHANGE = "khedmat"
#: RabbitMQ priorities 0..9 (x-max-priority); Django's -100..100 are mapped onto them.
MAX_PRIORITY = 9
#: A task due within this many seconds runs now rather than hopping again.
DUE_SLACK_SECONDS = 1.0
#: When a message arrives while the database is away, it comes back after this many seconds.
DATABASE_RETRY_SECONDS = 10

#: Set by `khedmat celery_worker` before the pool starts (inherited by its children).
TICK_ENABLED = True
TASKS_IN_MAIN_PROCESS = False

_apps: dict[tuple[str, str], Celery] = {}
_apps_lock = threading.Lock()


# --- the app and publishing ----------------------------------------------------------------------


def amqp_queue(queue_name: str) -> str:
    """The RabbitMQ queue of a Tasks queue name (KHEDMAT_BROKER_QUEUE_PREFIX + the name)."""
    return str(getattr(settings, "KHEDMAT_BROKER_QUEUE_PREFIX", "khedmat.")) + queue_name


def amqp_priority(priority: int) -> int:
    """Django's task priority (-100..100, 0 by default) as a RabbitMQ priority (0..9)."""
    return max(0, min(MAX_PRIORITY, round((priority + 100) * MAX_PRIORITY / 200)))


def build_app(broker_url: str) -> Celery:
    """A Celery app on `broker_url` with the delivery guarantees the module describes."""
    app = Celery("khedmat", set_as_current=False)
    exchange = Exchange(EXCHANGE, type="direct", durable=True)
    queue_names = sorted(task_backends["default"].queues or {"default"})
    app.conf.update(
        broker_url=broker_url,
        broker_connection_retry_on_startup=True,
        # The broker confirms each message is stored before publish returns.
        broker_transport_options={"confirm_publish": True},
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,  # results are the task rows
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_queues=[
            Queue(
                amqp_queue(name),
                exchange,
                routing_key=amqp_queue(name),
                durable=True,
                queue_arguments={"x-max-priority": MAX_PRIORITY},
            )
            for name in queue_names
        ],
        task_default_queue=amqp_queue("default"),
        task_default_exchange=EXCHANGE,
        task_default_routing_key=amqp_queue("default"),
        task_create_missing_queues=False,
        task_publish_retry=True,
        task_publish_retry_policy={
            "max_retries": 3,
            "interval_start": 0,
            "interval_step": 0.5,
            "interval_max": 2,
        },
        # On a lost connection a running task goes on (its message comes back to another
        # worker, which finds the row RUNNING by a live process and drops it).
        worker_cancel_long_running_tasks_on_connection_loss=False,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        worker_send_task_events=False,
        enable_utc=True,
        timezone="UTC",
    )
    app.task(name=RUN_TASK, bind=True, ignore_result=True)(run_task_message)
    return app


def get_app() -> Celery:
    """The Celery app of KHEDMAT_BROKER_URL (one per URL, queue prefix and process)."""
    url = str(settings.KHEDMAT_BROKER_URL)
    key = (url, amqp_queue(""))
    with _apps_lock:
        app = _apps.get(key)
        if app is None:
            app = _apps[key] = build_app(url)
    return app


def send(task_id: str, *, queue: str, priority: int, run_after: dt.datetime | None = None) -> None:
    """Publish the message of one task row (a delay is capped; the worker hops the rest)."""
    eta: dt.datetime | None = None
    if run_after is not None:
        now = timezone.now()
        cap = dt.timedelta(seconds=float(settings.KHEDMAT_BROKER_MAX_COUNTDOWN_SECONDS))
        if run_after > now:
            eta = min(run_after, now + cap)
    get_app().send_task(
        RUN_TASK,
        args=[task_id],
        queue=amqp_queue(queue),
        routing_key=amqp_queue(queue),
        priority=amqp_priority(priority),
        eta=eta,
        add_to_parent=False,
    )


def publish_row(row: DBTaskResult[Any, Any]) -> bool:
    """Publish a READY row again, at its run_after (False, logged, if the broker refused: the
    tick publishes it later)."""
    run_after = None if row.run_after == get_date_max() else row.run_after
    return publish(str(row.id), queue=row.queue_name, priority=row.priority, run_after=run_after)


# --- the worker side -------------------------------------------------------------------------------


class BrokerWorker(KhedmatWorker):
    """Runs the task rows named by messages, with `khedmat worker`'s run, retry and failure."""

    def __init__(self, *, worker_id: str, tick: bool) -> None:
        super().__init__(
            queue_names=["*"],
            interval=0,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
            tick=tick,
        )

    def execute(self, task_id: str, *, now: dt.datetime | None = None) -> str:
        """Handle one message (see the module); returns what happened, for the log and tests."""
        now = now or timezone.now()
        try:
            row = DBTaskResult.objects.filter(id=task_id).first()
        except ValidationError:
            row = None
        if row is None:
            return "missing"
        if row.status == TaskResultStatus.RUNNING:
            if not recover_task_if_abandoned(row, now=now):
                return "running elsewhere"
            logger.warning("Task id=%s: its worker died; running it again.", task_id)
            row.refresh_from_db()
        if row.status != TaskResultStatus.READY:
            return "finished"
        if row.run_after != get_date_max() and row.run_after > now + dt.timedelta(
            seconds=DUE_SLACK_SECONDS
        ):
            publish_row(row)
            return "deferred"
        claimed = self.claim(task_id)
        if claimed is None:
            return "taken"
        self.run_task(claimed)
        return str(claimed.status)

    def claim(self, task_id: str) -> DBTaskResult[Any, Any] | None:
        """Lock the row and mark it RUNNING by this process if it is still READY."""
        with exclusive_transaction(DBTaskResult.objects.db):
            row = (
                DBTaskResult.objects.select_for_update()
                .filter(id=task_id, status=TaskResultStatus.READY)
                .first()
            )
            if row is not None:
                row.claim(self.worker_id)
        return row

    def settle_failure(
        self,
        db_task_result: DBTaskResult[Any, Any],
        error: BaseException,
        *,
        retryable: bool,
        delay: float | None = None,
    ) -> None:
        """As `khedmat worker` does, then publish a scheduled retry with its backoff."""
        super().settle_failure(db_task_result, error, retryable=retryable, delay=delay)
        if db_task_result.status == TaskResultStatus.READY:
            publish_row(db_task_result)


def run_task_message(self: CeleryTask, task_id: str) -> str:
    """The Celery task: run the task row `task_id` in this process (see the module)."""
    worker = process_worker()
    try:
        outcome = worker.execute(task_id)
    except DatabaseError as error:
        # The row is safe in the database; try the message again once it answers.
        logger.warning("Task id=%s: the database is unreachable; retrying.", task_id)
        raise self.retry(exc=error, countdown=DATABASE_RETRY_SECONDS, max_retries=None) from error
    logger.debug("Task id=%s: %s.", task_id, outcome)
    return outcome


# --- the executing process: heartbeat and tick -------------------------------------------------------


class ProcessBeat(threading.Thread):
    """Keeps this process's heartbeat row fresh and, when enabled, tries to win each minute's tick."""

    def __init__(self, worker: BrokerWorker, interval: float) -> None:
        super().__init__(name=f"beat-{worker.worker_id}", daemon=True)
        self.worker = worker
        self.interval = interval
        self.registered = threading.Event()
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            heartbeat = None
            while heartbeat is None and not self._stop_event.is_set():
                try:
                    heartbeat = register_worker_heartbeat(self.worker.worker_id)
                except DatabaseError:
                    logger.warning("Could not register worker %s.", self.worker.worker_id)
                    self._stop_event.wait(self.interval)
            self.registered.set()
            while heartbeat is not None and not self._stop_event.is_set():
                close_old_connections()
                try:
                    heartbeat = refresh_worker_heartbeat(heartbeat)
                    if self.worker.tick:
                        self.worker.tick_if_due()
                except Exception:  # keep beating through a locked or restarting database
                    logger.warning(
                        "Heartbeat or tick of worker %s failed.",
                        self.worker.worker_id,
                        exc_info=True,
                    )
                self._stop_event.wait(self.interval)
        finally:
            connections.close_all()  # this thread's connections only

    def stop(self, timeout: float = 5.0) -> None:
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout)


_process: tuple[int, BrokerWorker, ProcessBeat] | None = None
_process_lock = threading.Lock()


def new_worker_id() -> str:
    """celery-<host>-<pid>-<random>: the heartbeat and the task rows name this process by it."""
    return f"celery-{socket.gethostname()[:40]}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def process_worker() -> BrokerWorker:
    """This process's worker, started (heartbeat thread, tick) on first use after a fork."""
    global _process
    with _process_lock:
        if _process is None or _process[0] != os.getpid():
            worker = BrokerWorker(worker_id=new_worker_id(), tick=TICK_ENABLED)
            # Tick at once (the first minute), then every heartbeat interval.
            beat = ProcessBeat(worker, min(worker.heartbeat_seconds, 15.0))
            beat.start()
            beat.registered.wait(10)
            _process = (os.getpid(), worker, beat)
        return _process[1]


def stop_process_worker() -> None:
    """Stop the heartbeat thread and forget this process's heartbeat row (a clean exit)."""
    global _process
    with _process_lock:
        if _process is None or _process[0] != os.getpid():
            return
        _pid, worker, beat = _process
        _process = None
    beat.stop()
    try:
        delete_worker_heartbeat(worker.worker_id)
    except DatabaseError:
        logger.warning("Could not delete the heartbeat of worker %s.", worker.worker_id)
    finally:
        connections.close_all()


@signals.worker_process_init.connect
def _pool_process_started(**kwargs: Any) -> None:
    process_worker()  # a prefork child: beats (and ticks) before its first task


@signals.worker_process_shutdown.connect
def _pool_process_stopping(**kwargs: Any) -> None:
    stop_process_worker()


@signals.worker_ready.connect
def _worker_ready(**kwargs: Any) -> None:
    if TASKS_IN_MAIN_PROCESS:
        process_worker()  # solo and threads pools run tasks in the worker process itself


@signals.worker_shutdown.connect
def _worker_stopping(**kwargs: Any) -> None:
    stop_process_worker()
