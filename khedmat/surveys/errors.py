"""Domain errors of the surveys, each with a message fit for the person who caused it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class SurveyError(Exception):
    """Base of the survey errors."""

    message = _("The survey could not be saved.")

    def __init__(self, message: object = None) -> None:
        super().__init__(str(message or self.message))
        if message is not None:
            self.message = message  # type: ignore[assignment]


class AlreadyAnsweredError(SurveyError):
    message = _("This survey was already answered. Thank you: only one answer per request counts.")


class SurveyExpiredError(SurveyError):
    message = _("This survey link is no longer valid.")


class InvalidAnswersError(SurveyError):
    message = _("Some answers are missing or not valid.")


class TransitionError(SurveyError):
    message = _("This change is not allowed in the current status.")


class NoteRequiredError(SurveyError):
    message = _("Write a note on what was done before closing the follow-up.")
