"""Use cases of the SLA app: start, pause, resume and stop clocks; sweep; recompute; escalate.

Every change goes through here, in the caller's transaction, and leaves Activity rows on the record
the clock belongs to. The sweep and the recomputation are set-based (bulk reads and writes); the
sweep's breaches leave one summary row per batch and SLA target, and a job writes the records' rows
(services/breaches.py).
"""

from khedmat.core.actors import Actor
from khedmat.sla.queries import PolicyContext
from khedmat.sla.services.breaches import breach_summary, breached_clock_ids, record_breaches
from khedmat.sla.services.clocks import (
    cancel_clock,
    pause_clock,
    pause_record_clocks,
    resume_clock,
    resume_record_clocks,
    start_clocks,
    stop_clock,
    stop_record_clocks,
)
from khedmat.sla.services.recompute import (
    affected_unit_ids,
    recompute_open_clocks,
    schedule_recomputation,
)
from khedmat.sla.services.sweep import SweepResult, escalate_clock, sweep_clocks

__all__ = [
    "Actor",
    "PolicyContext",
    "SweepResult",
    "affected_unit_ids",
    "breach_summary",
    "breached_clock_ids",
    "cancel_clock",
    "escalate_clock",
    "pause_clock",
    "pause_record_clocks",
    "recompute_open_clocks",
    "record_breaches",
    "resume_clock",
    "resume_record_clocks",
    "schedule_recomputation",
    "start_clocks",
    "stop_clock",
    "stop_record_clocks",
    "sweep_clocks",
]
