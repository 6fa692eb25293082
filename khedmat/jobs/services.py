"""Use cases of the job runtime: worker heartbeats, recovery, retries, pruning and the tick guard."""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import socket
import traceback
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import retry

from khedmat.jobs.errors import WorkerLostError
from khedmat.jobs.models import TickState, WorkerHeartbeat
from khedmat.jobs.tasks import run_tick

logger = logging.getLogger(__name__)

TICK_NAME = "tick"
HEARTBEAT_RETENTION = dt.timedelta(days=1)
PRUNE_BATCH_SIZE = 1000
# Ticks go before ordinary work (priority 0), so a busy queue does not delay the housekeeping.
TICK_PRIORITY = 50
BACKOFF_JITTER = 0.1  # up to 10 % added, so tasks that failed together do not retry together

# Worker ids run by this very process; a heartbeat row with our pid but another id is a dead one.
_live_worker_ids: set[str] = set()


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")[:64]
    except OSError:
        return ""


def _process_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this machine and is not a zombie."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


# --- heartbeats -------------------------------------------------------------------------------


def register_worker_heartbeat(worker_id: str) -> WorkerHeartbeat:
    """Record that a worker with this id has started in this process on this host."""
    now = timezone.now()
    heartbeat, _created = WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "pid_namespace": _pid_namespace(),
            "started_at": now,
            "last_seen_at": now,
        },
    )
    _live_worker_ids.add(worker_id)
    return heartbeat


def refresh_worker_heartbeat(heartbeat: WorkerHeartbeat) -> WorkerHeartbeat:
    """Stamp the worker as seen now; recreate its row if it was pruned while the worker slept."""
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=heartbeat.worker_id).update(last_seen_at=now)
    heartbeat.last_seen_at = now
    if not updated:
        heartbeat, _created = WorkerHeartbeat.objects.update_or_create(
            worker_id=heartbeat.worker_id,
            defaults={
                "hostname": heartbeat.hostname,
                "pid": heartbeat.pid,
                "pid_namespace": heartbeat.pid_namespace,
                "started_at": heartbeat.started_at,
                "last_seen_at": now,
            },
        )
    return heartbeat


def delete_worker_heartbeat(worker_id: str) -> int:
    """Forget a worker that exits cleanly; returns the number of rows deleted."""
    _live_worker_ids.discard(worker_id)
    deleted, _per_model = WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()
    return deleted


def prune_stale_heartbeats(*, now: dt.datetime | None = None) -> int:
    """Delete heartbeat rows of workers not seen for over a day; returns how many."""
    cutoff = (now or timezone.now()) - HEARTBEAT_RETENTION
    deleted, _per_model = WorkerHeartbeat.objects.filter(last_seen_at__lt=cutoff).delete()
    return deleted


# --- recovery ---------------------------------------------------------------------------------


def _worker_is_dead(
    worker_id: str | None,
    heartbeat: WorkerHeartbeat | None,
    started_at: dt.datetime | None,
    stale_before: dt.datetime,
) -> bool:
    if worker_id is not None and worker_id in _live_worker_ids:
        return False
    if heartbeat is None:
        return started_at is None or started_at < stale_before
    if heartbeat.last_seen_at < stale_before:
        return True
    same_machine = (
        heartbeat.hostname == socket.gethostname()[:255]
        and heartbeat.pid_namespace == _pid_namespace()
    )
    if not same_machine:
        return False
    return heartbeat.pid == os.getpid() or not _process_alive(heartbeat.pid)


def _requeue_abandoned(row: DBTaskResult[Any, Any], worker_id: str | None, now: dt.datetime) -> int:
    attempts = len(row.worker_ids)
    message = f"Worker {worker_id} stopped while running this task (attempt {attempts}).\n"
    changes: dict[str, object] = {
        "exception_class_path": f"{WorkerLostError.__module__}.{WorkerLostError.__qualname__}",
        "traceback": message,
    }
    if attempts >= _setting("KHEDMAT_TASK_MAX_ATTEMPTS", 6):
        changes.update(status=TaskResultStatus.FAILED, finished_at=now, return_value=None)
    else:
        changes.update(status=TaskResultStatus.READY)
    # Conditional on the claim we saw, so two recovering workers cannot both requeue it.
    updated = DBTaskResult.objects.filter(
        id=row.id, status=TaskResultStatus.RUNNING, started_at=row.started_at
    ).update(**changes)
    if updated:
        logger.warning(
            "Task id=%s (%s) was left running by worker %s; now %s.",
            row.id,
            row.task_path,
            worker_id,
            changes["status"],
        )
    return updated


def recover_abandoned_tasks(*, now: dt.datetime | None = None) -> int:
    """Put tasks left RUNNING by dead workers back in the queue (FAILED past the attempt limit)."""
    now = now or timezone.now()
    stale_before = now - dt.timedelta(seconds=_setting("KHEDMAT_WORKER_STALE_SECONDS", 120))
    running = list(
        DBTaskResult.objects.running()
        .order_by()
        .only("id", "task_path", "worker_ids", "started_at", "status")
    )
    if not running:
        return 0
    last_ids = {row.worker_ids[-1] for row in running if row.worker_ids}
    heartbeats = {
        heartbeat.worker_id: heartbeat
        for heartbeat in WorkerHeartbeat.objects.filter(worker_id__in=last_ids)
    }
    recovered = 0
    for row in running:
        worker_id = row.worker_ids[-1] if row.worker_ids else None
        heartbeat = heartbeats.get(worker_id) if worker_id else None
        if _worker_is_dead(worker_id, heartbeat, row.started_at, stale_before):
            recovered += _requeue_abandoned(row, worker_id, now)
    return recovered


def recover_task_if_abandoned(
    row: DBTaskResult[Any, Any], *, now: dt.datetime | None = None
) -> bool:
    """Requeue one RUNNING task if its worker is dead (FAILED past the attempt limit), as
    `recover_abandoned_tasks` does for all of them; True when this call changed it. The broker
    worker calls it when a redelivered message finds its task still running."""
    now = now or timezone.now()
    stale_before = now - dt.timedelta(seconds=_setting("KHEDMAT_WORKER_STALE_SECONDS", 120))
    worker_id = row.worker_ids[-1] if row.worker_ids else None
    heartbeat = WorkerHeartbeat.objects.filter(worker_id=worker_id).first() if worker_id else None
    if not _worker_is_dead(worker_id, heartbeat, row.started_at, stale_before):
        return False
    return bool(_requeue_abandoned(row, worker_id, now))


# --- retries ----------------------------------------------------------------------------------


def is_retryable(error: BaseException) -> bool:
    """Whether the error says a later attempt can succeed (RetryableError or `retryable = True`)."""
    return bool(getattr(error, "retryable", False))


def retry_delay(attempt: int, error: BaseException | None = None) -> float:
    """Seconds to wait before the next attempt: the error's retry_after, else exponential backoff."""
    cap = float(_setting("KHEDMAT_TASK_BACKOFF_MAX_SECONDS", 3600))
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        return min(max(float(retry_after), 0.0), cap)
    base = float(_setting("KHEDMAT_TASK_BACKOFF_SECONDS", 30))
    delay: float = min(base * 2 ** max(attempt - 1, 0), cap)
    return delay + random.uniform(0, delay * BACKOFF_JITTER)  # noqa: S311 (not for security)


@retry()
def retry_task(result: DBTaskResult[Any, Any], error: BaseException, *, delay: float) -> bool:
    """Put a running task back in the queue to run after `delay` seconds, keeping its last error."""
    run_after = timezone.now() + dt.timedelta(seconds=delay)
    changes = {
        "status": TaskResultStatus.READY,
        "run_after": run_after,
        "exception_class_path": f"{type(error).__module__}.{type(error).__qualname__}",
        "traceback": "".join(traceback.format_exception(error)),
        "return_value": None,
        "finished_at": None,
    }
    updated = DBTaskResult.objects.filter(
        id=result.id, status=TaskResultStatus.RUNNING, started_at=result.started_at
    ).update(**changes)
    for name, value in changes.items():
        setattr(result, name, value)
    if not updated:
        logger.warning("Task id=%s was no longer running when its retry was scheduled.", result.id)
    return bool(updated)


# --- pruning ----------------------------------------------------------------------------------


def prune_finished_tasks(*, now: dt.datetime | None = None) -> int:
    """Delete SUCCESSFUL and FAILED task rows finished before the retention period; returns how many."""
    days = _setting("KHEDMAT_TASK_RETENTION_DAYS", 14)
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    old = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED], finished_at__lt=cutoff
    ).order_by()
    total = 0
    while ids := list(old.values_list("id", flat=True)[:PRUNE_BATCH_SIZE]):
        deleted, _per_model = DBTaskResult.objects.filter(id__in=ids).delete()
        if not deleted:
            break
        total += deleted
    return total


# --- the periodic tick ------------------------------------------------------------------------


def claim_tick_minute(minute: dt.datetime, *, name: str = TICK_NAME) -> bool:
    """Claim `minute` for this worker; True for exactly one caller per minute across all workers."""
    minute = minute.replace(second=0, microsecond=0)
    if TickState.objects.filter(name=name, last_minute__lt=minute).update(last_minute=minute):
        return True
    if TickState.objects.filter(name=name).exists():
        return False
    try:
        with transaction.atomic():
            TickState.objects.create(name=name, last_minute=minute)
    except IntegrityError:
        return False
    return True


def start_tick(minute: dt.datetime) -> bool:
    """Claim the minute and enqueue its tick task in one transaction; False if another worker has it."""
    minute = minute.replace(second=0, microsecond=0)
    with transaction.atomic():
        if not claim_tick_minute(minute):
            return False
        tick = run_tick
        if tick.get_backend().supports_priority:
            tick = tick.using(priority=TICK_PRIORITY)
        tick.enqueue(minute.isoformat())
    return True
