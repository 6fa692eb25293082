"""The "calendar changed" hook: other apps register here; calendars never imports them.

The SLA app registers its recomputation of open clocks (and, through the notifications app, the
message to affected applicants) in its ``AppConfig.ready()``::

    from khedmat.calendars.listeners import on_calendar_change

    @on_calendar_change
    def recompute_open_clocks(change: CalendarChange) -> None:
        ...

Listeners run synchronously, in the caller's transaction, in registration order, after the
change is saved and the revision bumped: `calendar_for_unit` already sees the new rows. An
exception rolls the whole change back, so a listener with slow work should enqueue a job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from khedmat.calendars.models import CalendarScope


@dataclass(frozen=True)
class CalendarChange:
    """What changed: a scope (None: every scope) or one unit, and the dates it may affect."""

    scope: CalendarScope | None
    start: dt.date | None
    end: dt.date | None
    reason: str
    notify_applicants: bool = False
    actor: Any = None
    org_unit_id: int | None = None
    holiday_id: int | None = None

    def overlaps(self, first: dt.date, last: dt.date) -> bool:
        """Whether the changed dates meet `first`..`last` (open ends overlap everything)."""
        return (self.start is None or self.start <= last) and (
            self.end is None or first <= self.end
        )


Listener = Callable[[CalendarChange], object]
L = TypeVar("L", bound=Listener)

_listeners: dict[str, Listener] = {}


def _name(listener: Listener) -> str:
    module = getattr(listener, "__module__", "?")
    return f"{module}.{getattr(listener, '__qualname__', repr(listener))}"


def on_calendar_change(listener: L) -> L:
    """Call `listener(change)` on every calendar change (a decorator; registering twice is harmless)."""
    _listeners[_name(listener)] = listener
    return listener


def remove_calendar_change_listener(listener: Listener) -> None:
    """Stop calling `listener` (for tests and plugins that switch off)."""
    _listeners.pop(_name(listener), None)


def calendar_change_listener_names() -> list[str]:
    """Dotted names of the registered listeners, in the order they run."""
    return list(_listeners)


def calendar_changed(
    scope: CalendarScope | None,
    start: dt.date | None,
    end: dt.date | None,
    *,
    reason: str,
    notify_applicants: bool = False,
    actor: Any = None,
    org_unit_id: int | None = None,
    holiday_id: int | None = None,
) -> CalendarChange:
    """Tell every listener that the calendar of `scope` changed between `start` and `end`."""
    change = CalendarChange(
        scope=scope,
        start=start,
        end=end,
        reason=reason,
        notify_applicants=notify_applicants,
        actor=actor,
        org_unit_id=org_unit_id,
        holiday_id=holiday_id,
    )
    for listener in list(_listeners.values()):
        listener(change)
    return change
