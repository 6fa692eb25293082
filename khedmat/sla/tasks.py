"""Background entry points of the SLA app: escalations fired by the sweep, recomputation."""

from __future__ import annotations

import datetime as dt
import logging

from django_tasks import task

from khedmat.sla import services
from khedmat.sla.models import SlaClock, SlaEscalation

logger = logging.getLogger(__name__)


@task()
def escalate_clocks(escalation_id: int, clock_ids: list[int]) -> int:
    """Carry out one escalation the sweep fired on each of the clocks; returns how many."""
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
