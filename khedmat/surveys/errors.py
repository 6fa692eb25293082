"""Domain errors of the surveys, each with a message fit for the person who caused it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from khedmat.core.errors import DomainError


class SurveyError(DomainError):
    """Base of the survey errors."""

    default_message = _("The survey could not be saved.")


class AlreadyAnsweredError(SurveyError):
    default_message = _(
        "This survey was already answered. Thank you: only one answer per request counts."
    )


class SurveyExpiredError(SurveyError):
    default_message = _("This survey link is no longer valid.")


class InvalidAnswersError(SurveyError):
    default_message = _("Some answers are missing or not valid.")


class TransitionError(SurveyError):
    default_message = _("This change is not allowed in the current status.")


class NoteRequiredError(SurveyError):
    default_message = _("Write a note on what was done before closing the follow-up.")
