"""Domain errors of complaints, with a message the person can read."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from khedmat.core.errors import DomainError


class ComplaintError(DomainError):
    """A complaint use case refused; `message` says why."""

    default_message = _("The complaint could not be changed.")


class ComplaintTransitionError(ComplaintError):
    default_message = _("This complaint cannot move to that status now.")


class RequestNotYoursError(ComplaintError):
    default_message = _("We found no request with this tracking code for this national code.")


class ComplaintSubjectMissingError(ComplaintError):
    default_message = _("Choose the service or the request the complaint is about.")


class AnswerEmptyError(ComplaintError):
    default_message = _("Write the answer to the complainant.")
