"""Background entry points of the notifications app: each loads by id and calls one service."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_message_task(message_id: int) -> str:
    """Deliver one message; retries and failures come from the service's errors."""
    from khedmat.notifications import services
    from khedmat.notifications.models import Message

    message = Message.objects.filter(pk=message_id).first()
    if message is None:
        return "missing"
    return str(services.deliver_message(message).status)


@task()
def poll_delivery_statuses_task(provider: str) -> int:
    """Ask one provider for the delivery status of its sent messages."""
    from khedmat.notifications import services

    return services.poll_delivery_statuses(provider)
