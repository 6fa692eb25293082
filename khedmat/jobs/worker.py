"""The `khedmat worker` process: django-tasks-db's worker plus heartbeat, recovery, retries and tick."""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from typing import Any

from django.conf import settings
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connections,
)
from django.db.models import Q
from django.utils import timezone
from django_tasks_db.compat import TaskContext, TaskResultStatus, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult, get_date_max
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from khedmat.jobs.models import WorkerHeartbeat
from khedmat.jobs.services import (
    delete_worker_heartbeat,
    is_retryable,
    recover_abandoned_tasks,
    refresh_worker_heartbeat,
    register_worker_heartbeat,
    retry_delay,
    retry_task,
    start_tick,
)

logger = logging.getLogger(__name__)

DEFAULT_HEARTBEAT_SECONDS = 15.0
#: The first wait after the database went away; it doubles up to 10 s while it stays away.
DATABASE_RETRY_SECONDS = 0.5


class HeartbeatThread(threading.Thread):
    """Refreshes a worker's heartbeat row from its own database connection until stopped."""

    def __init__(self, heartbeat: WorkerHeartbeat, interval: float) -> None:
        super().__init__(name=f"heartbeat-{heartbeat.worker_id}", daemon=True)
        self.heartbeat = heartbeat
        self.interval = interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            while not self._stop_event.wait(self.interval):
                try:
                    close_old_connections()
                    self.heartbeat = refresh_worker_heartbeat(self.heartbeat)
                except Exception:  # keep beating through a locked or restarting database
                    logger.warning(
                        "Heartbeat of worker %s failed.", self.heartbeat.worker_id, exc_info=True
                    )
        finally:
            connections.close_all()  # this thread's connections only

    def stop(self, timeout: float = 5.0) -> None:
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout)


class KhedmatWorker(Worker):
    """A django-tasks-db worker that beats, recovers dead workers' tasks, retries and ticks."""

    def __init__(
        self, *, tick: bool = True, heartbeat_seconds: float | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.tick = tick
        self.heartbeat_seconds = heartbeat_seconds or float(
            getattr(settings, "KHEDMAT_WORKER_HEARTBEAT_SECONDS", DEFAULT_HEARTBEAT_SECONDS)
        )
        self._tick_minute: dt.datetime | None = None
        self._database_failures = 0
        self._interrupted: tuple[DBTaskResult, BaseException] | None = None

    def run(self, *, now: dt.datetime | None = None) -> None:
        """Beat, recover, then process tasks; `now` fixes the time that decides which are due."""
        heartbeat = register_worker_heartbeat(self.worker_id)
        beat = HeartbeatThread(heartbeat, self.heartbeat_seconds)
        beat.start()
        try:
            recovered = recover_abandoned_tasks()
            if recovered:
                logger.warning("Requeued %d task(s) left running by stopped workers.", recovered)
            self.process_tasks(now=now)
        finally:
            beat.stop()
            try:
                delete_worker_heartbeat(self.worker_id)
            except DatabaseError:
                logger.warning("Could not delete the heartbeat of worker %s.", self.worker_id)

    def process_tasks(self, *, now: dt.datetime | None = None) -> None:
        """The loop of django-tasks-db's Worker.run, with the tick and a signal-safe claim."""
        logger.info(
            "Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names)
        )
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 (spread a thundering herd)
        while self.running:
            try:
                self._settle_interrupted()
                retrieved, task_result = self._one_round(now)
            except (OperationalError, InterfaceError) as error:
                self._database_lost(error)
                continue
            self._database_failures = 0
            if self.batch and retrieved and task_result is None:
                logger.info("No more tasks to run for worker_id=%s - exiting.", self.worker_id)
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info(
                    "Ran %d task(s) on worker_id=%s - exiting.", self._run_tasks, self.worker_id
                )
                return
            close_old_connections()
            if self.running and task_result is None:
                time.sleep(self.interval)

    def _one_round(self, now: dt.datetime | None) -> tuple[bool, DBTaskResult | None]:
        """The tick when due, then claim and run the next task."""
        close_old_connections()
        # A first SIGTERM now lets the claimed task run and end, instead of exiting mid-claim.
        self.running_task = True
        try:
            if self.tick:
                self.tick_if_due(now)
            retrieved, task_result = self.claim_next_task(now=now)
            if task_result is not None:
                self.run_task(task_result)
        finally:
            self.running_task = False
        return retrieved, task_result

    def _database_lost(self, error: BaseException) -> None:
        """The database went away (a restart, a failover): drop the connections and wait, longer
        each time, instead of exiting; the next round reconnects."""
        self._database_failures += 1
        wait = min(DATABASE_RETRY_SECONDS * 2 ** (self._database_failures - 1), 10.0)
        logger.warning(
            "Database unreachable (%s); worker %s tries again in %.1f s.",
            str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__,
            self.worker_id,
            wait,
        )
        connections.close_all()
        time.sleep(wait)

    def _settle_interrupted(self) -> None:
        """A task whose outcome could not be written when the database went away runs again
        (at least once: the task's own idempotency keeps its effects single)."""
        if self._interrupted is None:
            return
        db_task_result, error = self._interrupted
        db_task_result.refresh_from_db()
        if db_task_result.status == TaskResultStatus.RUNNING:
            self.settle_failure(db_task_result, error, retryable=True, delay=0.0)
        self._interrupted = None

    def claim_next_task(
        self, *, now: dt.datetime | None = None
    ) -> tuple[bool, DBTaskResult | None]:
        """Lock and claim the next task due at `now` (default: the clock); (False, None) when the
        database was busy."""
        # django-tasks-db's ready(), at `now`: no run_after (the far future), or run_after passed.
        due = Q(run_after=get_date_max()) | Q(run_after__lte=now or timezone.now())
        tasks = DBTaskResult.objects.filter(due, status=TaskResultStatus.READY)
        tasks = tasks.filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        try:
            with exclusive_transaction(tasks.db):
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
        except OperationalError as error:
            if is_locked_database_exception(error):
                return False, None
            raise
        return True, task_result

    def tick_if_due(self, now: dt.datetime | None = None) -> bool:
        """Once per minute per worker, try to win the minute; True when this worker enqueued its tick."""
        minute = (now or timezone.now()).replace(second=0, microsecond=0)
        if minute == self._tick_minute:
            return False
        try:
            started = start_tick(minute)
        except OperationalError as error:
            if is_locked_database_exception(error):
                return False  # try again on the next loop
            raise
        self._tick_minute = minute
        return started

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run one claimed task: success, a retry after backoff, or failure."""
        try:
            self.running_task = True
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                return_value = task.call(
                    TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs
                )
            else:
                return_value = task.call(*task_result.args, **task_result.kwargs)
            db_task_result.set_successful(return_value)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except (KeyboardInterrupt, SystemExit) as error:
            # Forced stop mid-task: the task did not fail, it runs again (at least once).
            self.settle_failure(db_task_result, error, retryable=True, delay=0.0)
            raise
        except BaseException as error:  # noqa: BLE001  (any failure settles the task, then re-raises)
            try:
                self.settle_failure(db_task_result, error, retryable=is_retryable(error))
            except (OperationalError, InterfaceError):
                # The database is gone: the task is settled once it is back.
                self._interrupted = (db_task_result, error)
                raise
        finally:
            self.running_task = False
            self._run_tasks += 1

    def settle_failure(
        self,
        db_task_result: DBTaskResult,
        error: BaseException,
        *,
        retryable: bool,
        delay: float | None = None,
    ) -> None:
        """Requeue a retryable failure while attempts remain; otherwise mark the task FAILED."""
        attempt = len(db_task_result.worker_ids)
        max_attempts = int(getattr(settings, "KHEDMAT_TASK_MAX_ATTEMPTS", 6))
        if retryable and attempt < max_attempts:
            wait = retry_delay(attempt, error) if delay is None else delay
            retry_task(db_task_result, error, delay=wait)
            logger.warning(
                "Task id=%s attempt %d/%d failed with %s; retrying in %.1f s.",
                db_task_result.id,
                attempt,
                max_attempts,
                type(error).__name__,
                wait,
            )
            return
        db_task_result.set_failed(error)
        logger.error(
            "Task id=%s failed after %d attempt(s).", db_task_result.id, attempt, exc_info=error
        )
        try:
            sender = type(db_task_result.task.get_backend())
            finished = db_task_result.task_result
        except Exception:
            logger.exception("Task id=%s failed unexpectedly", db_task_result.id)
        else:
            task_finished.send(sender=sender, task_result=finished)
