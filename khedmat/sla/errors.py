"""Domain errors raised by the SLA services; views and APIs turn them into messages."""

from __future__ import annotations

from khedmat.core.errors import DomainError


class SlaError(DomainError):
    """Base of the SLA errors."""


class ClockTransitionError(SlaError):
    """The transition table does not allow this move from the clock's current state."""
