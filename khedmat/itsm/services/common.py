"""What the ITSM use cases share: codes, the priority matrix, the guarded move, telling people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from khedmat.accounts.models import User
from khedmat.core.actors import Actor
from khedmat.core.services import record_activity
from khedmat.core.tracking import generate_tracking_code
from khedmat.itsm.choices import Impact, Urgency
from khedmat.itsm.errors import TransitionError
from khedmat.itsm.models import CODE_LENGTH, Incident, KnownError, PriorityRule, Problem
from khedmat.notifications.choices import Channel, MessageKind
from khedmat.notifications.errors import TemplateMissingError
from khedmat.notifications.services import notify
from khedmat.sla.choices import Priority

#: The matrix used when no rule is stored for a cell (ITIL's usual 3 × 3 folded onto 4 levels).
DEFAULT_MATRIX: dict[tuple[str, str], str] = {
    (Impact.HIGH, Urgency.HIGH): Priority.URGENT,
    (Impact.HIGH, Urgency.MEDIUM): Priority.HIGH,
    (Impact.MEDIUM, Urgency.HIGH): Priority.HIGH,
    (Impact.HIGH, Urgency.LOW): Priority.NORMAL,
    (Impact.MEDIUM, Urgency.MEDIUM): Priority.NORMAL,
    (Impact.LOW, Urgency.HIGH): Priority.NORMAL,
    (Impact.MEDIUM, Urgency.LOW): Priority.LOW,
    (Impact.LOW, Urgency.MEDIUM): Priority.LOW,
    (Impact.LOW, Urgency.LOW): Priority.LOW,
}


def priority_for(impact: str, urgency: str) -> str:
    """The priority the matrix gives an impact and an urgency (stored rule, else the default)."""
    stored = (
        PriorityRule.objects.filter(impact=impact, urgency=urgency)
        .values_list("priority", flat=True)
        .first()
    )
    return stored or DEFAULT_MATRIX.get((impact, urgency), Priority.NORMAL)


def new_code(model: type[models.Model], field: str = "tracking_code") -> str:
    """An unused random code with a check digit for `model`'s `field`."""
    manager = model._default_manager

    def exists(code: str) -> bool:
        return bool(manager.filter(**{field: code}).exists())

    return generate_tracking_code(CODE_LENGTH, exists=exists)


def actor_user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) and actor.is_authenticated else None


Record = Incident | Problem | KnownError


def move(
    record: Incident | Problem,
    new_status: str,
    *,
    actor: Actor,
    verb: str,
    now: dt.datetime | None = None,
    data: dict[str, Any] | None = None,
    public: bool = False,
) -> None:
    """The one guarded status change: refuse what the table forbids, stamp, write Activity."""
    if not record.can_move_to(new_status):
        raise TransitionError()
    old = record.status
    record.status = new_status
    record.status_changed_at = now or timezone.now()
    record_activity(
        record, verb, actor=actor_user(actor), old=old, new=new_status, data=data, public=public
    )


def public_link(incident: Incident) -> str:
    """Where the reporter follows the incident (sent in messages)."""
    base = settings.KHEDMAT_PUBLIC_URL.rstrip("/")
    return f"{base}/incidents/{incident.tracking_code}/"


def tell_reporter(incident: Incident, event: str, *, key: str, **context: Any) -> bool:
    """Queue the reporter's message for `event` by SMS (else e-mail); False when none could be."""
    channels = [(Channel.SMS, incident.reporter_mobile), (Channel.EMAIL, incident.reporter_email)]
    for channel, address in channels:
        if address:
            return _queue(incident, event, channel, address, key=key, context=context)
    return False


def tell_staff(
    incident: Incident, event: str, users: list[User], *, key: str, **context: Any
) -> int:
    """Queue `event` to each staff member by SMS, else e-mail; returns how many were told."""
    told = 0
    for user in users:
        for channel, address in ((Channel.SMS, user.mobile), (Channel.EMAIL, user.email)):
            if address:
                told += _queue(
                    incident, event, channel, address, key=f"{key}:{user.pk}", context=context
                )
                break
    return told


def _queue(
    incident: Incident,
    event: str,
    channel: str,
    address: str,
    *,
    key: str,
    context: dict[str, Any],
) -> bool:
    values = {
        "tracking_code": incident.tracking_code,
        "title": incident.title,
        "status": _status_label(incident),
        "link": public_link(incident),
        **context,
    }
    try:
        notify(
            event,
            record=incident,
            recipient=address,
            language=incident.language,
            context=values,
            kind=MessageKind.TRANSACTIONAL,
            channel=channel,
            idempotency_key=f"incident:{incident.pk}:{key}:{channel}",
        )
    except TemplateMissingError:
        record_activity(incident, "message.template_missing", data={"event": event})
        return False
    return True


def _status_label(incident: Incident) -> str:
    from django.utils import translation

    with translation.override(incident.language):
        return str(incident.get_status_display())


def after_commit(action: Callable[[], Any]) -> None:
    """Run `action` once the transaction commits (search indexing)."""
    from django.db import transaction

    transaction.on_commit(action)
