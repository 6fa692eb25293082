"""Kinds, channels, status categories and their transition table, representation capacities."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketKind(models.TextChoices):
    """Which practice a record belongs to; the portal files service requests."""

    SERVICE_REQUEST = "service_request", _("Service request")


class IntakeChannel(models.TextChoices):
    """Where a request came in (R-14: one record whatever the channel)."""

    ONLINE = "online", _("Online, on the portal")
    IN_PERSON = "in_person", _("In person, at the service desk")
    API = "api", _("Through the API")


class Status(models.TextChoices):
    """Fixed status categories; a process names its stages on top of them (STYLE.md §3)."""

    SUBMITTED = "submitted", _("Submitted")
    IN_PROGRESS = "in_progress", _("Under review")
    WAITING_APPLICANT = "waiting_applicant", _("Returned to the applicant for correction")
    WAITING_INQUIRY = "waiting_inquiry", _("Waiting for another agency")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected")
    OBJECTED = "objected", _("Objection under review")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = Status
TRANSITIONS: dict[str, frozenset[str]] = {
    S.SUBMITTED: frozenset(
        {
            S.IN_PROGRESS,
            S.WAITING_APPLICANT,
            S.WAITING_INQUIRY,
            S.COMPLETED,
            S.REJECTED,
            S.WITHDRAWN,
        }
    ),
    S.IN_PROGRESS: frozenset(
        {S.WAITING_APPLICANT, S.WAITING_INQUIRY, S.COMPLETED, S.REJECTED, S.WITHDRAWN}
    ),
    S.WAITING_APPLICANT: frozenset({S.IN_PROGRESS, S.REJECTED, S.WITHDRAWN}),
    S.WAITING_INQUIRY: frozenset({S.IN_PROGRESS, S.WAITING_APPLICANT, S.REJECTED, S.COMPLETED}),
    S.REJECTED: frozenset({S.OBJECTED}),
    S.OBJECTED: frozenset({S.IN_PROGRESS, S.REJECTED, S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

#: Statuses in which the request is finished (its clocks stop).
CLOSED_STATUSES: frozenset[str] = frozenset({S.COMPLETED, S.REJECTED, S.WITHDRAWN})
#: Statuses in which the request waits on someone outside the agency (its clocks pause).
WAITING_STATUSES: dict[str, str] = {
    S.WAITING_APPLICANT: "waiting_for_applicant",
    S.WAITING_INQUIRY: "waiting_for_inquiry",
}


class PrincipalKind(models.TextChoices):
    """Whom the request is for (R-12)."""

    PERSON = "person", _("A natural person")
    LEGAL = "legal", _("A legal person (company or institution)")


class Capacity(models.TextChoices):
    """In what capacity a representative files for the principal (R-13)."""

    ATTORNEY = "attorney", _("Attorney (power of attorney)")
    GUARDIAN = "guardian", _("Parent or legal guardian")
    COMPANY_REPRESENTATIVE = "company_representative", _("Authorised signatory of the company")
    OTHER = "other", _("Other legal representative")


class HandlerDisplay(models.TextChoices):
    """What the tracking page shows of the person handling a request (KHEDMAT_TRACK_HANDLER)."""

    NAME = "name", _("The handler's name")
    ROLE = "role", _("The handler's unit or team only")
