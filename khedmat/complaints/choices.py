"""Complaint statuses, their transition table, and the channels a complaint comes in by."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ComplaintStatus(models.TextChoices):
    """Where a complaint stands; answered is final, a rejection (invalid) may be reviewed again."""

    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("Under review")
    ANSWERED = "answered", _("Answered")
    REJECTED = "rejected", _("Rejected as invalid")


class ComplaintChannel(models.TextChoices):
    """Where the complaint was filed."""

    PORTAL = "portal", _("On the portal")
    DESK = "desk", _("At the service desk")


S = ComplaintStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.SUBMITTED: frozenset({S.IN_REVIEW, S.ANSWERED, S.REJECTED}),
    S.IN_REVIEW: frozenset({S.ANSWERED, S.REJECTED}),
    S.REJECTED: frozenset({S.IN_REVIEW}),
    S.ANSWERED: frozenset(),
}

#: Statuses still waiting for an answer (the deadline runs).
OPEN_STATUSES: frozenset[str] = frozenset({S.SUBMITTED, S.IN_REVIEW})
#: Statuses that carry an outcome the complainant reads.
DECIDED_STATUSES: frozenset[str] = frozenset({S.ANSWERED, S.REJECTED})
