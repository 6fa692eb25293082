"""Escalation by message: tell the people of a role in the clock's unit, through notifications."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from khedmat.accounts.models import User
from khedmat.notifications.choices import Channel, MessageKind
from khedmat.notifications.services import notify
from khedmat.sla.models import SlaClock, SlaEscalation

EVENT = "sla_escalation"


def escalation_recipients(clock: SlaClock, escalation: SlaEscalation) -> list[User]:
    """Active users holding the escalation's role in the clock's unit."""
    if not escalation.notify_role or clock.org_unit_id is None:
        return []
    users = User.objects.filter(
        org_unit_id=clock.org_unit_id, groups__name=escalation.notify_role, is_active=True
    )
    return list(users.distinct().order_by("pk"))


def send_escalation_messages(
    clock: SlaClock, escalation: SlaEscalation, *, actor: Any
) -> list[int]:
    """Queue one message per recipient (email if they have one, else SMS); ids of those told."""
    told = []
    for user in escalation_recipients(clock, escalation):
        channel = Channel.EMAIL if user.email else Channel.SMS if user.mobile else None
        if channel is None:
            continue
        notify(
            EVENT,
            record=clock.record if clock.record is not None else clock,
            recipient=user,
            channel=channel,
            kind=MessageKind.TRANSACTIONAL,
            actor=actor,
            context={
                "service_title": clock.service_key,
                "stage": escalation.get_event_display(),
                "due_date": clock.due_at,
                "link": reverse("admin:sla_slaclock_change", args=[clock.pk]),
            },
            idempotency_key=f"{EVENT}:{clock.pk}:{escalation.pk}:{user.pk}",
        )
        told.append(user.pk)
    return told
