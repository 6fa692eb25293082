"""Impact, urgency, the statuses of incidents and problems and their transition tables."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Impact(models.TextChoices):
    """How much of the organisation an incident touches."""

    HIGH = "high", _("High: many people or a whole service")
    MEDIUM = "medium", _("Medium: a group or a part of a service")
    LOW = "low", _("Low: one person")


class Urgency(models.TextChoices):
    """How soon the business needs it fixed."""

    HIGH = "high", _("High: work has stopped")
    MEDIUM = "medium", _("Medium: work is slowed")
    LOW = "low", _("Low: it can wait")


class IncidentChannel(models.TextChoices):
    """Where an incident was reported."""

    DESK = "desk", _("Logged by staff")
    PORTAL = "portal", _("Reported on the portal")
    API = "api", _("Through the API")
    EMAIL = "email", _("By e-mail")


class IncidentStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    ON_HOLD = "on_hold", _("On hold")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


IS = IncidentStatus
INCIDENT_TRANSITIONS: dict[str, frozenset[str]] = {
    IS.NEW: frozenset({IS.IN_PROGRESS, IS.ON_HOLD, IS.RESOLVED, IS.CLOSED}),
    IS.IN_PROGRESS: frozenset({IS.ON_HOLD, IS.RESOLVED}),
    IS.ON_HOLD: frozenset({IS.IN_PROGRESS, IS.RESOLVED}),
    IS.RESOLVED: frozenset({IS.IN_PROGRESS, IS.CLOSED}),  # reopened, or closed
    IS.CLOSED: frozenset(),
}
OPEN_INCIDENT_STATUSES: frozenset[str] = frozenset({IS.NEW, IS.IN_PROGRESS, IS.ON_HOLD})


class HoldReason(models.TextChoices):
    """Why an incident waits; the SLA clock pauses with the matching reason."""

    AWAITING_CALLER = "awaiting_caller", _("Waiting for the reporter")
    AWAITING_SUPPLIER = "awaiting_supplier", _("Waiting for a supplier")
    AWAITING_CHANGE = "awaiting_change", _("Waiting for a change")


#: The SLA pause reason (sla.PauseReason values) of each hold reason.
HOLD_PAUSE_REASONS: dict[str, str] = {
    HoldReason.AWAITING_CALLER: "waiting_for_applicant",
    HoldReason.AWAITING_SUPPLIER: "waiting_for_supplier",
    HoldReason.AWAITING_CHANGE: "waiting_for_supplier",
}


class ResolutionCode(models.TextChoices):
    SOLVED_WORKAROUND = "workaround", _("Solved with a workaround")
    SOLVED_PERMANENTLY = "permanent", _("Solved permanently")
    NOT_REPRODUCIBLE = "not_reproducible", _("Could not be reproduced")
    USER_ERROR = "user_error", _("User error; explained")
    DUPLICATE = "duplicate", _("Duplicate of another incident")
    RESOLVED_WITH_PARENT = "with_parent", _("Resolved with its parent incident")


class ProblemStatus(models.TextChoices):
    LOGGED = "logged", _("Logged")
    ROOT_CAUSE_KNOWN = "root_cause_known", _("Root cause known")
    KNOWN_ERROR = "known_error", _("Known error")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


P = ProblemStatus
PROBLEM_TRANSITIONS: dict[str, frozenset[str]] = {
    P.LOGGED: frozenset({P.ROOT_CAUSE_KNOWN, P.KNOWN_ERROR, P.CLOSED}),
    P.ROOT_CAUSE_KNOWN: frozenset({P.KNOWN_ERROR, P.RESOLVED}),
    P.KNOWN_ERROR: frozenset({P.RESOLVED}),
    P.RESOLVED: frozenset({P.CLOSED, P.ROOT_CAUSE_KNOWN}),
    P.CLOSED: frozenset(),
}
OPEN_PROBLEM_STATUSES: frozenset[str] = frozenset({P.LOGGED, P.ROOT_CAUSE_KNOWN, P.KNOWN_ERROR})


class Audience(models.TextChoices):
    """Who reads a major incident's update."""

    STAFF = "staff", _("Subscribed staff")
    PUBLIC = "public", _("Subscribed staff and the portal notice")
