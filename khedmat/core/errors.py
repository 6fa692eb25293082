"""The base of every app's domain errors: a use case refused, with a message for people.

Every app's own base error (TicketError, ProcessError, CatalogError…) derives from DomainError, so
the API answers any of them that a handler did not catch in one JSON shape (`{"detail": …}`, see
`khedmat.api`) and with the class's `status_code` (409 Conflict unless the class says otherwise).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A use case refused; `message` (translated where people read it) says why."""

    default_message: Any = _("This action is not possible.")
    status_code: int = 409
    message: Any

    def __init__(self, message: object = None) -> None:
        self.message = message or self.default_message
        super().__init__(str(self.message))


class SavedViewError(DomainError):
    """A desk list's view could not be saved (no name, too many, a double click)."""

    default_message = _("The view could not be saved; try again.")
    status_code = 422
