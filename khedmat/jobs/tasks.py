"""Background entry points of the job runtime."""

from __future__ import annotations

from django_tasks import task

from khedmat.jobs.errors import TickHandlerError
from khedmat.jobs.tick import run_tick_handlers, tick_handler_names


@task()
def run_tick(minute: str) -> int:
    """Run the tick handlers for `minute` (ISO 8601); fails, after running them all, if any failed."""
    failed = run_tick_handlers()
    if failed:
        raise TickHandlerError(
            f"Tick {minute}: {len(failed)} handler(s) failed: {', '.join(failed)}"
        )
    return len(tick_handler_names())
