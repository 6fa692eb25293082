"""Domain errors of requests, with translated messages for the applicant."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class TicketError(Exception):
    """A request cannot do what was asked; `message` is shown to the user."""

    default_message = _("This request cannot be changed this way.")

    def __init__(self, message: object = None) -> None:
        self.message = message or self.default_message
        super().__init__(str(self.message))


class TransitionError(TicketError):
    default_message = _("This request is not in a state that allows this action.")


class ServiceClosedError(TicketError):
    default_message = _("This service does not take online applications.")


class NotAllowedError(TicketError):
    default_message = _("You are not allowed to do this for this request.")


class NoteEmptyError(TicketError):
    default_message = _("Write the note first.")
