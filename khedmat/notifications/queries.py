"""Reads of the notifications app: templates, opt-outs, rate windows, due work and the staff list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from khedmat.core.models import Activity
from khedmat.core.pagination import Page, keyset_page
from khedmat.core.verbs import verb_label
from khedmat.notifications.choices import MessageStatus
from khedmat.notifications.models import Message, MessageTemplate, OptOut

PAGE_SIZE = 50
FALLBACK_LANGUAGES = ("fa", "en")


def template_for(event: str, channel: str, language: str) -> MessageTemplate | None:
    """The active template for an event and channel in `language`, else in fa, else in en."""
    languages = [language[:2], *(code for code in FALLBACK_LANGUAGES if code != language[:2])]
    found = {
        template.language: template
        for template in MessageTemplate.objects.filter(
            event=event, channel=channel, language__in=languages, is_active=True
        )
    }
    return next((found[code] for code in languages if code in found), None)


def is_opted_out(recipient: str, channel: str) -> bool:
    """Whether the recipient refused optional messages on this channel."""
    return OptOut.objects.filter(recipient=recipient, channel=channel).exists()


def queued_times_since(recipient: str, channel: str, since: dt.datetime) -> list[dt.datetime]:
    """When the recipient's messages on this channel were queued after `since`, oldest first."""
    times = (
        Message.objects.filter(recipient=recipient, channel=channel, queued_at__gt=since)
        .order_by("queued_at")
        .values_list("queued_at", flat=True)
    )
    return [moment for moment in times if moment is not None]


def message_by_key(idempotency_key: str) -> Message | None:
    """The message written under this idempotency key, if any."""
    return Message.objects.filter(idempotency_key=idempotency_key).first()


# --- due work for the tick ------------------------------------------------------------------


def due_held_message_ids(now: dt.datetime, *, limit: int = 500) -> list[int]:
    """Held messages whose hold ends by `now`, oldest first."""
    due = Message.objects.filter(status=MessageStatus.HELD, next_attempt_at__lte=now)
    return list(due.order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit])


def stuck_queued_messages(now: dt.datetime, *, limit: int = 200) -> list[Message]:
    """Queued messages that should have been tried by now (queued or due over the timeout ago)."""
    cutoff = now - dt.timedelta(seconds=int(settings.KHEDMAT_MESSAGE_STUCK_SECONDS))
    overdue = Q(next_attempt_at__isnull=True, queued_at__lt=cutoff) | Q(next_attempt_at__lt=cutoff)
    stuck = Message.objects.filter(overdue, status=MessageStatus.QUEUED)
    return list(stuck.order_by("id").only("id", "task_id", "attempts", "status")[:limit])


def _poll_window(now: dt.datetime) -> Q:
    every = dt.timedelta(seconds=int(settings.KHEDMAT_MESSAGE_POLL_SECONDS))
    oldest = now - dt.timedelta(hours=int(settings.KHEDMAT_MESSAGE_POLL_HOURS))
    checked = Q(status_checked_at__isnull=True) | Q(status_checked_at__lte=now - every)
    return Q(sent_at__lte=now - every, sent_at__gte=oldest) & checked


def providers_to_poll(now: dt.datetime) -> list[str]:
    """Providers with sent SMS due for a delivery-status check."""
    due = Message.objects.awaiting_report().filter(_poll_window(now))
    return sorted(set(due.order_by().values_list("provider", flat=True).distinct()))


def messages_to_poll(provider: str, now: dt.datetime, *, limit: int = 500) -> list[Message]:
    """One provider's sent SMS due for a delivery-status check, oldest first."""
    due = Message.objects.awaiting_report().filter(_poll_window(now), provider=provider)
    return list(due.exclude(provider_message_id="").order_by("sent_at", "id")[:limit])


def message_by_provider_id(provider: str, provider_message_id: str) -> Message | None:
    """The message a provider knows by this id."""
    return (
        Message.objects.filter(provider=provider, provider_message_id=provider_message_id)
        .order_by("-id")
        .first()
    )


def messages_keeping_secrets(created_before: dt.datetime, *, limit: int = 500) -> list[int]:
    """Messages created before the cutoff that still keep their secret, oldest first."""
    kept = Message.objects.filter(
        contains_secret=True, secret_removed_at__isnull=True, created_at__lt=created_before
    )
    return list(kept.order_by("id").values_list("id", flat=True)[:limit])


# --- the staff list -------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageFilters:
    """What the staff list is narrowed to; empty values mean no filter."""

    status: str = ""
    channel: str = ""
    provider: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in the active time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filtered_messages(filters: MessageFilters, *, user: Any) -> QuerySet[Message]:
    """Messages the user may read matching the filters (dates are local days, both ends in)."""
    messages = Message.objects.visible_to_staff(user)
    if filters.status:
        messages = messages.filter(status=filters.status)
    if filters.channel:
        messages = messages.filter(channel=filters.channel)
    if filters.provider:
        messages = messages.filter(provider=filters.provider)
    if filters.date_from:
        messages = messages.filter(created_at__gte=_start_of(filters.date_from))
    if filters.date_to:
        messages = messages.filter(created_at__lt=_start_of(filters.date_to + dt.timedelta(days=1)))
    return messages


def message_page(
    filters: MessageFilters, *, user: Any, after: str | None = None, size: int = PAGE_SIZE
) -> Page[Message]:
    """Newest first, `size` messages the user may read after the cursor `after`, with their
    records (constant queries). Raises BadCursor."""
    messages = (
        filtered_messages(filters, user=user)
        .select_related("related_type")
        .prefetch_related("related")
        .defer("provider_params", "secret_values")
    )
    return keyset_page(messages, order=("-id",), after=after, size=size)


def provider_names() -> list[str]:
    """Providers that have carried at least one message (the list's provider filter)."""
    names = Message.objects.exclude(provider="").order_by().values_list("provider", flat=True)
    return sorted(set(names.distinct()))


def message_timeline(message: Message) -> list[Activity]:
    """The Activity rows of one message, newest first, each with a readable `label`."""
    rows = list(Activity.objects.for_target(message).select_related("actor"))
    for row in rows:
        row.label = verb_label(row.verb)  # type: ignore[attr-defined]
    return rows


def message_detail(message_id: int, *, user: Any) -> Message | None:
    """One message the user may read, with its record and the message it resends."""
    return (
        Message.objects.visible_to_staff(user)
        .select_related("related_type", "resent_from", "created_by")
        .prefetch_related("related", "resends")
        .filter(pk=message_id)
        .first()
    )
