"""Helpers of the notifications tests."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from khedmat.core.services import record_activity
from khedmat.notifications import services
from khedmat.notifications.choices import MessageKind
from khedmat.notifications.models import Message


def change_stage(
    record: Any, stage: str, *, recipient: Any, number: int, actor: Any = None
) -> Message:
    """What the process engine will do: the stage change, its Activity and its SMS, one transaction."""
    with transaction.atomic():
        record_activity(record, "stage.changed", actor=actor, new=stage, public=True)
        return services.notify(
            "stage_changed",
            record=record,
            recipient=recipient,
            language="fa",
            context={
                "tracking_code": "140312345678",
                "service_title": "پروانه کسب",
                "stage": stage,
                "link": "https://khedmat.example.ir/track/140312345678",
            },
            kind=MessageKind.TRANSACTIONAL,
            actor=actor,
            idempotency_key=f"stage:{record.pk}:{number}",
        )
