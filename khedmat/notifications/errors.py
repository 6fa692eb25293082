"""Domain errors of the notifications app; the delivery ones tell the worker whether to retry."""

from __future__ import annotations

from khedmat.core.errors import DomainError
from khedmat.jobs.errors import PermanentError, RetryableError


class NotificationError(DomainError):
    """Base of the notifications errors that callers handle."""


class TemplateMissingError(NotificationError):
    """No active template for this event and channel in the language or its fallbacks."""


class NoRecipientError(NotificationError):
    """The recipient has no address on this channel (no mobile, no email)."""


class IllegalStatusChangeError(NotificationError):
    """The transition table does not allow this status change."""


class NotResendableError(NotificationError):
    """Only failed or undelivered messages can be sent again."""


class DeliveryRetryError(RetryableError):
    """A temporary failure: the message stays queued and its job runs again after `retry_after`."""


class DeliveryFailedError(PermanentError):
    """A permanent failure: the message is failed and no retry is attempted."""
