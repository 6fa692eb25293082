"""Delivering messages: the delivery job's service, and the tick's sweeps (held messages, lost
jobs, delivery-status polling) and providers' pushed reports.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django_tasks_db.compat import TaskResultDoesNotExist, TaskResultStatus

from khedmat.core.services import record_activity
from khedmat.jobs.services import retry_delay
from khedmat.notifications import queries, rules, transports
from khedmat.notifications.choices import MessageStatus
from khedmat.notifications.errors import DeliveryFailedError, DeliveryRetryError
from khedmat.notifications.models import Message
from khedmat.notifications.providers.base import FINAL_STATUSES, SmsDeliveryError
from khedmat.notifications.providers.registry import get_backend
from khedmat.notifications.services.outbox import _dispatch, _move, _now, change_message_status
from khedmat.notifications.tasks import deliver_message_task, poll_delivery_statuses_task

logger = logging.getLogger(__name__)


# A delivery report may move a message only to one of these (a provider never "queues" ours).
REPORTED_STATUSES = frozenset({*FINAL_STATUSES, MessageStatus.DELIVERED})


# --- delivery -------------------------------------------------------------------------------


def _max_attempts() -> int:
    return int(getattr(settings, "KHEDMAT_MESSAGE_MAX_ATTEMPTS", 6))


def _claim(message_id: int) -> Message | None:
    """Count an attempt on a queued message (committed before any network call); None if not queued."""
    with transaction.atomic():
        locked = Message.objects.select_for_update().filter(pk=message_id).first()
        if locked is None or locked.status != MessageStatus.QUEUED:
            return None
        locked.attempts += 1
        locked.save(update_fields=["attempts"])
        return locked


def _settle_success(message: Message, outcome: transports.Outcome, now: dt.datetime) -> Message:
    changes = {
        "provider": outcome.provider,
        "provider_message_id": outcome.provider_message_id,
        "cost": outcome.cost,
        "next_attempt_at": None,
        "last_error": "",
    }
    data = {"failover": outcome.notes} if outcome.notes else {}
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if (
            locked.status != MessageStatus.QUEUED
        ):  # cancelled meanwhile: keep what the provider said
            for name, value in changes.items():
                setattr(locked, name, value)
            locked.save(update_fields=list(changes))
            return locked
        return _move(locked, outcome.status, actor=None, now=now, data=data, changes=changes)


def _fail(message: Message, error: transports.TransportError, now: dt.datetime) -> Message:
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        changes = {"provider": error.provider} if error.provider else {}
        data = {"attempts": locked.attempts, "failover": error.notes}
        if locked.status in (MessageStatus.QUEUED, MessageStatus.HELD):
            _move(
                locked,
                MessageStatus.FAILED,
                actor=None,
                now=now,
                error=str(error),
                data=data,
                changes=changes,
            )
    return locked


def _schedule_retry(message: Message, error: transports.TransportError, now: dt.datetime) -> float:
    delay = retry_delay(message.attempts)
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        locked.next_attempt_at = now + dt.timedelta(seconds=delay)
        locked.last_error = str(error)
        locked.save(update_fields=["next_attempt_at", "last_error"])
        data = {"attempts": locked.attempts, "error": str(error), "failover": error.notes}
        data["next_attempt_at"] = locked.next_attempt_at.isoformat()
        record_activity(locked, "message.retry_scheduled", data=data)
    return delay


def deliver_message(message: Message, *, now: dt.datetime | None = None) -> Message:
    """Hand a queued message to its channel and record the outcome (at least once per key).

    Raises DeliveryRetryError (the job runs again after a backoff) or DeliveryFailedError (the
    message is failed, no retry). A message that is no longer queued is left alone.
    """
    claimed = _claim(message.pk)
    if claimed is None:
        return Message.objects.get(pk=message.pk)
    try:
        outcome = transports.send(claimed)
    except transports.TransportError as caught:
        now = _now(now)
        error = transports.scrubbed(caught, claimed)
        # The job keeps the traceback: a secret message's chain may hold what was sent.
        cause = None if claimed.contains_secret else caught
        if error.retryable and claimed.attempts < _max_attempts():
            delay = _schedule_retry(claimed, error, now)
            raise DeliveryRetryError(str(error), retry_after=delay) from cause
        failed = _fail(claimed, error, now)
        raise DeliveryFailedError(failed.last_error) from cause
    return _settle_success(claimed, outcome, _now(now))


# --- the periodic tick ----------------------------------------------------------------------


def _release(message_id: int, now: dt.datetime) -> bool:
    with transaction.atomic():
        locked = Message.objects.select_for_update().filter(pk=message_id).first()
        if locked is None or locked.status != MessageStatus.HELD:
            return False
        if locked.next_attempt_at and locked.next_attempt_at > now:
            return False
        decision = rules.decide(
            kind=locked.kind, channel=locked.channel, recipient=locked.recipient, now=now
        )
        if decision.status == MessageStatus.HELD:
            locked.next_attempt_at = decision.release_at
            locked.save(update_fields=["next_attempt_at"])
            return False
        error = str(decision.reason) if decision.status == MessageStatus.CANCELLED else ""
        _move(locked, decision.status, actor=None, now=now, error=error)
        if decision.status == MessageStatus.QUEUED:
            _dispatch(locked, now)
        return decision.status == MessageStatus.QUEUED


def release_held_messages(*, now: dt.datetime | None = None) -> int:
    """Queue the held messages whose hold has ended (the rules are applied again); returns how many."""
    now = _now(now)
    return sum(_release(message_id, now) for message_id in queries.due_held_message_ids(now))


def _live_task_ids(task_ids: list[str]) -> set[str]:
    """Which of these delivery jobs are still waiting or running."""
    backend = deliver_message_task.get_backend()
    live: set[str] = set()
    for task_id in task_ids:
        try:
            result = backend.get_result(task_id)
        except (TaskResultDoesNotExist, ValueError, ValidationError):
            continue
        if result.status in (TaskResultStatus.READY, TaskResultStatus.RUNNING):
            live.add(task_id)
    return live


def redispatch_stuck_messages(*, now: dt.datetime | None = None) -> int:
    """Give queued messages whose job is gone a new job (or fail them past the attempt limit)."""
    now = _now(now)
    stuck = queries.stuck_queued_messages(now)
    live = _live_task_ids([message.task_id for message in stuck if message.task_id])
    count = 0
    for message in stuck:
        if message.task_id in live:
            continue
        with transaction.atomic():
            locked = Message.objects.select_for_update().get(pk=message.pk)
            if locked.status != MessageStatus.QUEUED:
                continue
            if locked.attempts >= _max_attempts():
                error = locked.last_error or "No attempts left."
                _move(locked, MessageStatus.FAILED, actor=None, now=now, error=error)
                continue
            _dispatch(locked, now)
            record_activity(locked, "message.redispatched", data={"task": locked.task_id})
            count += 1
    return count


def request_status_polls(*, now: dt.datetime | None = None) -> int:
    """Enqueue one delivery-status poll per provider with sent SMS due for a check."""
    providers = queries.providers_to_poll(_now(now))
    for provider in providers:
        poll_delivery_statuses_task.enqueue(provider)
    return len(providers)


def poll_delivery_statuses(provider: str, *, now: dt.datetime | None = None) -> int:
    """Ask one provider for the status of its sent SMS; returns how many messages changed."""
    now = _now(now)
    messages = queries.messages_to_poll(provider, now)
    if not messages:
        return 0
    try:
        statuses = get_backend(provider).status([m.provider_message_id for m in messages])
    except SmsDeliveryError as error:
        if error.retryable:
            raise DeliveryRetryError(str(error)) from error
        logger.warning("Status poll of %s failed: %s", provider, error)
        return 0
    changed = 0
    for message in messages:
        status = statuses.get(message.provider_message_id)
        if status in REPORTED_STATUSES and message.can_change_to(status):
            change_message_status(message, status, now=now, data={"source": "poll"})
            changed += 1
    Message.objects.filter(pk__in=[m.pk for m in messages]).update(status_checked_at=now)
    return changed


def record_delivery_report(
    provider: str,
    provider_message_id: str,
    status: str,
    *,
    data: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Message | None:
    """Apply a provider's pushed delivery report; None when the message is not ours."""
    message = queries.message_by_provider_id(provider, provider_message_id)
    if message is None:
        return None
    if status not in REPORTED_STATUSES or not message.can_change_to(status):
        return message
    details = {"source": "callback", **(data or {})}
    if message.contains_secret:  # a report may quote the text: keep only where it came from
        details = {"source": "callback"}
    return change_message_status(message, status, data=details, now=now)
