"""Domain errors of requests, with translated messages for the applicant."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from khedmat.core.errors import DomainError


class TicketError(DomainError):
    """A request cannot do what was asked; `message` is shown to the user."""

    default_message = _("This request cannot be changed this way.")


class TransitionError(TicketError):
    default_message = _("This request is not in a state that allows this action.")


class ServiceClosedError(TicketError):
    default_message = _("This service does not take online applications.")


class NotAllowedError(TicketError):
    default_message = _("You are not allowed to do this for this request.")


class NoteEmptyError(TicketError):
    default_message = _("Write the note first.")


class ProcessRunningError(TicketError):
    default_message = _(
        "This request's process is running: decide it through the process's open task."
    )


class DailyLimitError(TicketError):
    """The filer reached KHEDMAT_MAX_REQUESTS_PER_DAY; `retry_at` is when they may file again."""

    default_message = _("You have filed as many requests as one account may file in a day.")

    def __init__(self, message: object = None, *, retry_at: dt.datetime | None = None) -> None:
        super().__init__(message)
        self.retry_at = retry_at
