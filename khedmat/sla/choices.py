"""SLA targets, clock states and their transition table, pause reasons, escalation actions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TargetKind(models.TextChoices):
    """What a target measures."""

    FIRST_RESPONSE = "first_response", _("First response")
    RESOLUTION = "resolution", _("Resolution")
    STEP = "step", _("Process step (OLA)")
    UNDERPINNING = "underpinning", _("Supplier (underpinning contract)")


# The clocks a submission starts unless the caller asks for others.
SUBMISSION_TARGET_KINDS: frozenset[str] = frozenset(
    {TargetKind.FIRST_RESPONSE, TargetKind.RESOLUTION}
)


class DurationUnit(models.TextChoices):
    """Units of a target's duration; all of them count working time only (R-40)."""

    WORKING_MINUTES = "working_minutes", _("Working minutes")
    WORKING_HOURS = "working_hours", _("Working hours")
    WORKING_DAYS = "working_days", _("Working days")


class Priority(models.TextChoices):
    """Priority of a record, lowest first (the tickets app will own the record's field)."""

    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


PRIORITY_RANK: dict[str, int] = {value: rank for rank, value in enumerate(Priority.values)}


class ClockState(models.TextChoices):
    """Where a clock is: counting, stopped for a reason, or finished."""

    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Cancelled")


# Clocks the sweep and the calendar recomputation look at (a breached clock stays open until it
# is stopped: its lateness keeps growing on the queue).
OPEN_STATES: frozenset[str] = frozenset(
    {ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED}
)

# Allowed moves; everything else is refused by the one service that changes the state.
# BREACHED -> RUNNING only happens when a calendar change moves the due date past now.
CLOCK_TRANSITIONS: dict[str, frozenset[str]] = {
    ClockState.RUNNING: frozenset(
        {ClockState.PAUSED, ClockState.MET, ClockState.BREACHED, ClockState.CANCELLED}
    ),
    ClockState.PAUSED: frozenset(
        {ClockState.RUNNING, ClockState.MET, ClockState.BREACHED, ClockState.CANCELLED}
    ),
    ClockState.BREACHED: frozenset({ClockState.RUNNING, ClockState.CANCELLED}),
    ClockState.MET: frozenset(),
    ClockState.CANCELLED: frozenset(),
}


def can_move(old: str, new: str) -> bool:
    """Whether the transition table allows a clock to go from `old` to `new`."""
    return new in CLOCK_TRANSITIONS.get(old, frozenset())


class SegmentKind(models.TextChoices):
    """A stretch of a clock's life: counting or paused."""

    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")


class PauseReason(models.TextChoices):
    """Why a clock stopped counting (R-41); shown on the tracking page."""

    WAITING_FOR_APPLICANT = "waiting_for_applicant", _("Waiting for the applicant")
    WAITING_FOR_INQUIRY = "waiting_for_inquiry", _("Waiting for an inquiry")
    WAITING_FOR_PAYMENT = "waiting_for_payment", _("Waiting for payment")
    WAITING_FOR_SUPPLIER = "waiting_for_supplier", _("Waiting for a supplier")


class EscalationEvent(models.TextChoices):
    """When an escalation fires."""

    WARNING = "warning", _("At a warning threshold")
    BREACH = "breach", _("On breach")


class EscalationAction(models.TextChoices):
    """What an escalation does."""

    NOTIFY = "notify", _("Notify")
    REASSIGN = "reassign", _("Reassign to a team")
    RAISE_PRIORITY = "raise_priority", _("Raise the priority")


class Colour(models.TextChoices):
    """How a record's SLA state is coloured on every page."""

    OK = "ok", _("On time")
    WARNING = "warning", _("Due soon")
    BREACHED = "breached", _("Overdue")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    CANCELLED = "cancelled", _("Cancelled")
