"""The periodic tick: handlers registered here run once a minute, on one worker across the pool.

A later app registers a handler at import time or in its ``AppConfig.ready()``::

    from khedmat.jobs.tick import register_tick

    @register_tick
    def fire_due_timers() -> None:
        ...

Handlers take no arguments (read the clock with ``timezone.now()``), must be idempotent and quick,
and enqueue tasks for slow work. One failing handler is logged and does not stop the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

logger = logging.getLogger(__name__)

Handler = TypeVar("Handler", bound=Callable[[], object])

_handlers: dict[str, Callable[[], object]] = {}


def _handler_name(handler: Callable[[], object]) -> str:
    module = getattr(handler, "__module__", "?")
    name = getattr(handler, "__qualname__", repr(handler))
    return f"{module}.{name}"


def register_tick(handler: Handler) -> Handler:
    """Run `handler()` on every tick (usable as a decorator); registering it again is harmless."""
    _handlers[_handler_name(handler)] = handler
    return handler


def unregister_tick(handler: Callable[[], object]) -> None:
    """Stop running `handler` on ticks (for tests and plugins that switch off)."""
    _handlers.pop(_handler_name(handler), None)


def tick_handler_names() -> list[str]:
    """Dotted names of the registered handlers, in the order they run."""
    return list(_handlers)


def run_tick_handlers() -> list[str]:
    """Call every registered handler, each isolated; returns the names of those that failed."""
    failed: list[str] = []
    for name, handler in list(_handlers.items()):
        try:
            handler()
        except Exception:
            logger.exception("Tick handler %s failed.", name)
            failed.append(name)
    return failed
