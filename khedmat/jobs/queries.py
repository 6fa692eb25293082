"""Reads over the job runtime's rows."""

from __future__ import annotations

import datetime as dt

from khedmat.jobs.models import WorkerHeartbeat


def latest_worker_heartbeat() -> dt.datetime | None:
    """When any worker was last seen alive, or None."""
    row = (
        WorkerHeartbeat.objects.order_by("-last_seen_at")
        .values_list("last_seen_at", flat=True)
        .first()
    )
    return row
