"""One lock order for a request and its process: the ticket, then the process instance, then its
work items and service calls, then the request's SLA clocks (a status change moves them last).

Every path that writes more than one of these rows takes its row locks through these functions,
so they are always taken in that order: a staff action on a task, claiming or referring it, a
timer, the applicant's correction (the message it delivers), a service call's outcome, a decision
that stops the process, and an SLA escalation (which locks the ticket before its clocks). Two
transactions on the same request then queue on the ticket's row instead of each holding a row the
other waits for (a deadlock). `tickets.services.change_status` locks the ticket first as well, so
the request's own moves fit the order; a path that already holds a lock takes it again for free.

Each lock names its own table (`of=("self",)`): a joined row is read, never locked out of order.
On SQLite `select_for_update` does nothing: the database lets one writer in at a time.
"""

from __future__ import annotations

from khedmat.processes.choices import ACTIVE_INSTANCE_STATUSES
from khedmat.processes.models import ProcessInstance, ServiceCall, WorkItem
from khedmat.tickets.models import Ticket

#: The order in which a transaction locks a request's rows.
LOCK_ORDER: tuple[type, ...] = (Ticket, ProcessInstance, WorkItem, ServiceCall)


def lock_ticket(ticket_id: int) -> Ticket:
    """Lock the request's row: the first lock of every path."""
    return Ticket.objects.select_for_update(of=("self",)).get(pk=ticket_id)


def lock_instance(instance_id: int) -> ProcessInstance:
    """Lock the request, then the process instance (its definition and request come with it)."""
    ticket_id = ProcessInstance.objects.values_list("ticket_id", flat=True).get(pk=instance_id)
    ticket = lock_ticket(ticket_id)
    instance = (
        ProcessInstance.objects.select_for_update(of=("self",))
        .select_related("definition")
        .get(pk=instance_id)
    )
    instance.ticket = ticket
    return instance


def lock_work_item(item_id: int) -> WorkItem:
    """Lock the request, its process instance, then the work item (its request comes with it)."""
    instance_id = WorkItem.objects.values_list("instance_id", flat=True).get(pk=item_id)
    instance = lock_instance(instance_id)
    item = WorkItem.objects.select_for_update(of=("self",)).get(pk=item_id)
    item.ticket, item.instance = instance.ticket, instance
    return item


def lock_service_call(call_id: int) -> ServiceCall:
    """Lock the request, its process instance, then the service call (its request comes with it)."""
    instance_id = ServiceCall.objects.values_list("instance_id", flat=True).get(pk=call_id)
    instance = lock_instance(instance_id)
    call = ServiceCall.objects.select_for_update(of=("self",)).get(pk=call_id)
    call.ticket, call.instance = instance.ticket, instance
    return call


def active_instance_id(ticket: Ticket) -> int | None:
    """The request's running or waiting process instance, read without a lock (then lock it)."""
    return (
        ProcessInstance.objects.filter(ticket=ticket, status__in=ACTIVE_INSTANCE_STATUSES)
        .values_list("pk", flat=True)
        .first()
    )
