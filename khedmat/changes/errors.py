"""Refusals of the change-enablement use cases, each with a message for people."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from khedmat.core.errors import DomainError


class ChangeError(DomainError):
    """A use case on changes, boards or freeze windows refused."""


class TransitionError(ChangeError):
    default_message = _("The change cannot move to that status from where it is.")


class NotEditableError(ChangeError):
    default_message = _("The change can no longer be edited in its status.")


class TemplateRequiredError(ChangeError):
    default_message = _("A standard change must follow an active standard change template.")
    status_code = 422


class PlanMissingError(ChangeError):
    default_message = _("Write the implementation plan and the back-out plan first.")
    status_code = 422


class WindowMissingError(ChangeError):
    default_message = _("Give the planned start and end of the change.")
    status_code = 422


class WindowInvalidError(ChangeError):
    default_message = _("The planned window must end after it starts.")
    status_code = 422


class WindowInPastError(ChangeError):
    default_message = _("The planned window has already started; choose a later one.")
    status_code = 422


class RiskMissingError(ChangeError):
    default_message = _("Answer the risk questionnaire first.")
    status_code = 422


class RiskAnswerError(ChangeError):
    default_message = _("Answer every risk question with one of its answers.")
    status_code = 422


class NoBoardError(ChangeError):
    default_message = _("No active change advisory board decides changes of this kind.")


class FreezeError(ChangeError):
    default_message = _("The planned window falls in a freeze window.")


class NotBoardMemberError(ChangeError):
    default_message = _("Only members of the change's advisory board may vote on it.")
    status_code = 403


class AlreadyVotedError(ChangeError):
    default_message = _("You have already voted on this change.")


class NoteRequiredError(ChangeError):
    default_message = _("Write a note saying why.")
    status_code = 422


class NotChangeManagerError(ChangeError):
    default_message = _("Only a change manager may authorise or reject a change over the board.")
    status_code = 403


class ReviewOutcomeError(ChangeError):
    default_message = _("A change that was backed out can only be reviewed as failed.")
    status_code = 422
