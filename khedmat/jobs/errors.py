"""Errors a background task raises to tell the worker whether running it again can help."""

from __future__ import annotations


class RetryableError(Exception):
    """A temporary failure (timeout, busy provider): the worker runs the task again after a backoff.

    ``retry_after`` (seconds), when given, replaces the computed backoff, for example from an HTTP
    ``Retry-After`` header. Any exception with a true ``retryable`` attribute is treated the same.
    """

    retryable = True

    def __init__(self, *args: object, retry_after: float | None = None) -> None:
        super().__init__(*args)
        self.retry_after = retry_after


class PermanentError(Exception):
    """A failure no retry can fix (bad address, rejected request): the task fails at once."""

    retryable = False


class WorkerLostError(Exception):
    """Recorded on a task whose worker died while running it (never raised by task code)."""


class TickHandlerError(Exception):
    """One or more periodic tick handlers failed; the others still ran."""
