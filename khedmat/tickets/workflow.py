"""The port through which a process engine drives requests: tickets announce, processes answer.

Tickets never imports the processes app (it sits above tickets). The processes app registers its
implementation in its ``AppConfig.ready()``::

    from khedmat.tickets.workflow import Workflow, register_workflow

    register_workflow(Workflow(start=..., deliver=..., cancel=..., running=...))

Each hook runs in the caller's transaction. Without a registered workflow a request whose service
names a process cannot be filed (the engine is missing), and the others do nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from khedmat.tickets.models import Ticket


@dataclass(frozen=True)
class Workflow:
    """What tickets asks of the engine that runs a service's process."""

    #: start(ticket, actor=...): start the service's process for a request just filed
    start: Callable[..., object]
    #: deliver(ticket, message, actor=...): hand a message (request_corrected) to a waiting process
    deliver: Callable[..., object]
    #: cancel(ticket, actor=..., reason=...): stop the request's process where it is
    cancel: Callable[..., object]
    #: running(ticket) -> bool: whether a process drives the request now (read under its lock)
    running: Callable[[Any], bool]


_workflow: Workflow | None = None


def register_workflow(workflow: Workflow) -> None:
    """Install the process engine's hooks (once, from its app's ready())."""
    global _workflow
    _workflow = workflow


def start_process(ticket: Ticket, *, actor: Any) -> None:
    """Start the service's process, if the service names one."""
    if not ticket.service.process_key:
        return
    if _workflow is None:
        raise ImproperlyConfigured("A service names a process but no process engine is installed.")
    _workflow.start(ticket, actor=actor)


def deliver_message(ticket: Ticket, message: str, *, actor: Any) -> None:
    """Tell the request's process `message`, if a process runs it."""
    if _workflow is not None:
        _workflow.deliver(ticket, message, actor=actor)


def cancel_process(ticket: Ticket, *, actor: Any, reason: str) -> None:
    """Stop the request's process (a decision by hand ends it)."""
    if _workflow is not None:
        _workflow.cancel(ticket, actor=actor, reason=reason)


def process_running(ticket: Ticket) -> bool:
    """Whether a process drives the request now."""
    return _workflow is not None and _workflow.running(ticket)
