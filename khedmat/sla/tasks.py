"""Background entry points of the SLA app: the timeline rows and escalations of the sweep's
breaches, recomputation."""

from __future__ import annotations

import datetime as dt
import logging

from django_tasks import task

from khedmat.sla import services
from khedmat.sla.models import SlaClock, SlaEscalation

logger = logging.getLogger(__name__)


@task()
def escalate_clocks(
    escalation_id: int,
    clock_ids: list[int] | None = None,
    *,
    summary_id: int | None = None,
    start: int = 0,
    stop: int = 0,
) -> int:
    """Carry out one escalation the sweep fired on each of the clocks: `clock_ids`, or those at
    [start:stop] of the clocks a breach summary row lists (`summary_id`); returns how many."""
    if summary_id is not None:
        clock_ids = services.breached_clock_ids(summary_id)[start:stop]
    clock_ids = clock_ids or []
    escalation = SlaEscalation.objects.select_related("team").filter(pk=escalation_id).first()
    if escalation is None:
        logger.warning(
            "SLA escalation %s is gone; %s clocks not escalated.", escalation_id, len(clock_ids)
        )
        return 0
    clocks = SlaClock.objects.in_bulk(clock_ids)
    for clock_id in clock_ids:
        clock = clocks.get(clock_id)
        if clock is not None:
            services.escalate_clock(clock, escalation=escalation, actor=None)
    return len(clocks)


@task()
def record_breaches(summary_id: int) -> int:
    """Write the records' timeline rows of the clocks one sweep batch breached; returns how many."""
    summary = services.breach_summary(summary_id)
    if summary is None:
        logger.warning("SLA breach summary %s is gone; no timeline rows written.", summary_id)
        return 0
    return services.record_breaches(summary)


@task()
def recompute_clocks(
    unit_ids: list[int] | None,
    start: str | None,
    end: str | None,
    notify_applicants: bool = False,
) -> int:
    """Move the due dates of open clocks after a calendar change (ISO 8601 bounds or None)."""
    return services.recompute_open_clocks(
        unit_ids=unit_ids,
        start=dt.datetime.fromisoformat(start) if start else None,
        end=dt.datetime.fromisoformat(end) if end else None,
        notify_applicants=notify_applicants,
    )
