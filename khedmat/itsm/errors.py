"""Refusals of the ITSM use cases, each with a message for people."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from khedmat.core.errors import DomainError


class ItsmError(DomainError):
    """A use case on incidents, problems or known errors refused."""


class TransitionError(ItsmError):
    default_message = _("The record cannot move to that status from where it is.")


class HoldReasonMissingError(ItsmError):
    default_message = _("Say why the incident is on hold.")
    status_code = 422


class ResolutionMissingError(ItsmError):
    default_message = _("Give a resolution code and a note saying what was done.")
    status_code = 422


class ReopenWindowClosedError(ItsmError):
    default_message = _("The time to reopen this incident has passed; report a new one.")


class NotReporterError(ItsmError):
    default_message = _("Only the person who reported the incident may reopen it.")
    status_code = 403


class MajorIncidentRoleError(ItsmError):
    default_message = _("Only an incident manager may declare or end a major incident.")
    status_code = 403


class NotMajorError(ItsmError):
    default_message = _("Updates and notices are for major incidents only.")


class LinkError(ItsmError):
    default_message = _("These incidents cannot be linked that way.")


class TextMissingError(ItsmError):
    default_message = _("Write the text first.")
    status_code = 422


class AssigneeNotInTeamError(ItsmError):
    default_message = _("The person must be a member of the incident's team.")
    status_code = 422


class IncidentNotOpenError(ItsmError):
    default_message = _("The incident is no longer open.")


class IncidentHeldError(ItsmError):
    default_message = _("Someone else holds this incident; a supervisor can reassign it.")


class NotHolderError(ItsmError):
    default_message = _("Only the person who holds the incident can give it back.")
    status_code = 403
