"""Domain errors of the integrations app; the provider ones tell the worker whether to retry."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from khedmat.core.errors import DomainError
from khedmat.jobs.errors import PermanentError, RetryableError


class IntegrationError(DomainError):
    """Base of the integrations errors that callers handle (not provider failures)."""


class IllegalStatusChangeError(IntegrationError):
    """The transition table does not allow this status change."""


class LetterNumberError(IntegrationError):
    """A letter number typed by hand that cannot be kept: recorded already, or too long."""

    default_message = _("This letter number is already recorded.")
    status_code = 422


class ParametersMismatchError(PermanentError):
    """The parameters given to a queued inquiry do not hash to the ones it was created with."""


class OfficeAutomationUnavailable(RetryableError):
    """The office automation timed out, failed (5xx) or could not be reached: try again later."""


class OfficeAutomationRejected(PermanentError):
    """The office automation refused the call (bad key, invalid letter, unknown number)."""
