"""What the app that owns a record does when an escalation reassigns it or raises its priority.

The SLA app knows records only through a generic relation, so the owning app (tickets, processes)
registers its handlers here, in its ``AppConfig.ready()``::

    from khedmat.sla.handlers import register_escalation_handler

    register_escalation_handler(Ticket, "reassign", reassign_from_sla)
    # called as reassign_from_sla(ticket, team=team, actor=None)

Without a handler the SLA app still moves its own clocks (team, priority) and writes the Activity row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

Handler = Callable[..., object]

#: Called as handler(record, due_at=..., actor=None) when a calendar change announced with
#: "notify applicants" moves the record's due date; the owning app tells its applicant.
NOTIFY_APPLICANT = "notify_applicant"

_handlers: dict[tuple[str, str], Handler] = {}


def register_escalation_handler(model: type[models.Model], action: str, handler: Handler) -> None:
    """Call `handler(record, **details, actor=...)` when an escalation `action` hits a `model` row."""
    _handlers[(model._meta.label_lower, action)] = handler


def unregister_escalation_handler(model: type[models.Model], action: str) -> None:
    """Forget the handler (for tests)."""
    _handlers.pop((model._meta.label_lower, action), None)


def handler_for(record_type_id: int, action: str) -> Handler | None:
    """The handler registered for records of this content type, if any."""
    if not _handlers:
        return None
    content_type: Any = ContentType.objects.get_for_id(record_type_id)
    return _handlers.get((f"{content_type.app_label}.{content_type.model}", action))
