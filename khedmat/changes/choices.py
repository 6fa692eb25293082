"""Kinds and statuses of changes with their transition table, CAB voting rules, risk levels,
freeze-window origins."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeKind(models.TextChoices):
    STANDARD = "standard", _("Standard (pre-approved)")
    NORMAL = "normal", _("Normal")
    EMERGENCY = "emergency", _("Emergency")


class ChangeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ASSESSMENT = "assessment", _("Assessment")
    AUTHORISED = "authorised", _("Authorised")
    SCHEDULED = "scheduled", _("Scheduled")
    IMPLEMENTING = "implementing", _("Implementing")
    REVIEW = "review", _("Post-implementation review")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    BACKED_OUT = "backed_out", _("Failed and backed out")


CS = ChangeStatus
CHANGE_TRANSITIONS: dict[str, frozenset[str]] = {
    # a standard change skips assessment: its template is pre-approved
    CS.DRAFT: frozenset({CS.ASSESSMENT, CS.AUTHORISED}),
    CS.ASSESSMENT: frozenset({CS.AUTHORISED, CS.REJECTED, CS.DRAFT}),
    CS.AUTHORISED: frozenset({CS.SCHEDULED}),
    CS.SCHEDULED: frozenset({CS.IMPLEMENTING, CS.AUTHORISED}),  # started, or unscheduled
    CS.IMPLEMENTING: frozenset({CS.REVIEW, CS.BACKED_OUT}),
    CS.BACKED_OUT: frozenset({CS.REVIEW}),
    CS.REVIEW: frozenset({CS.CLOSED}),
    CS.CLOSED: frozenset(),
    CS.REJECTED: frozenset(),
}
OPEN_CHANGE_STATUSES: frozenset[str] = frozenset(
    {CS.DRAFT, CS.ASSESSMENT, CS.AUTHORISED, CS.SCHEDULED, CS.IMPLEMENTING, CS.REVIEW}
)
#: Statuses whose planned window occupies the change calendar (conflicts are looked for here).
PLANNED_STATUSES: frozenset[str] = frozenset(
    {CS.ASSESSMENT, CS.AUTHORISED, CS.SCHEDULED, CS.IMPLEMENTING}
)


class VotingRule(models.TextChoices):
    """How a change advisory board decides: one approval, every member, or more than half."""

    ANY = "any", _("Any member approves")
    ALL = "all", _("All members approve")
    MAJORITY = "majority", _("A majority approves")


class Vote(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class ReviewOutcome(models.TextChoices):
    SUCCESSFUL = "successful", _("Successful")
    PARTIAL = "partial", _("Partly successful")
    FAILED = "failed", _("Failed")


class FreezeOrigin(models.TextChoices):
    """Where a freeze window comes from: typed in, or derived from the national calendar."""

    MANUAL = "manual", _("Entered by hand")
    NOWRUZ = "nowruz", _("Nowruz holidays")
    ESFAND = "esfand", _("Last ten days of Esfand")
    MUHARRAM = "muharram", _("Holidays of Muharram")
