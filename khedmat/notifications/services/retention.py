"""Keeping secrets out of the outbox: the tick that removes a login code or survey link from any
message older than KHEDMAT_SECRET_MESSAGE_MINUTES, whatever happened to it.

A status change that ends a message's sending (sent, failed, cancelled) already drops its secret
(`outbox._move`); this sweep catches the rest: a message still held or queued past the window is
cancelled (a late code is useless, and a survey is reminded with a fresh link), and any message
that somehow kept its secret loses it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from khedmat.core.services import record_activity
from khedmat.notifications import queries
from khedmat.notifications.choices import PENDING, MessageStatus
from khedmat.notifications.models import Message
from khedmat.notifications.services.outbox import _move, _now, secret_removal

SECRET_EXPIRED = _("Not sent in time: its login code or private link was removed.")


def _secret_cutoff(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(minutes=int(settings.KHEDMAT_SECRET_MESSAGE_MINUTES))


def _purge(message_id: int, now: dt.datetime) -> bool:
    with transaction.atomic():
        locked = Message.objects.select_for_update().filter(pk=message_id).first()
        if locked is None or not locked.contains_secret or locked.secret_removed_at is not None:
            return False
        if locked.status in PENDING:
            _move(locked, MessageStatus.CANCELLED, actor=None, now=now, error=str(SECRET_EXPIRED))
            return True
        changes = secret_removal(locked, now)
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(changes))
        record_activity(locked, "message.secret_removed", data={"message": locked.pk})
        return True


def purge_message_secrets(*, now: dt.datetime | None = None) -> int:
    """Tick: remove the secret of every message older than the window; returns how many."""
    now = _now(now)
    due = queries.messages_keeping_secrets(_secret_cutoff(now))
    return sum(_purge(message_id, now) for message_id in due)
