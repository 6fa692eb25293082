"""Question kinds, invitation and follow-up statuses with their transition tables."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class QuestionKind(models.TextChoices):
    """What a survey question asks for."""

    SCALE_1_5 = "scale_1_5", _("A score from 1 to 5")
    TEXT = "text", _("Free text")


class InvitationStatus(models.TextChoices):
    """Where an invitation stands."""

    SENT = "sent", _("Sent")
    ANSWERED = "answered", _("Answered")
    EXPIRED = "expired", _("Expired")


INVITATION_TRANSITIONS: dict[str, frozenset[str]] = {
    InvitationStatus.SENT: frozenset({InvitationStatus.ANSWERED, InvitationStatus.EXPIRED}),
    InvitationStatus.ANSWERED: frozenset(),
    InvitationStatus.EXPIRED: frozenset(),
}


class FollowUpStatus(models.TextChoices):
    """A low score's follow-up by a supervisor."""

    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


FOLLOW_UP_TRANSITIONS: dict[str, frozenset[str]] = {
    FollowUpStatus.OPEN: frozenset({FollowUpStatus.CLOSED}),
    FollowUpStatus.CLOSED: frozenset(),
}

#: The scale's ends and middle, for the survey page and the report.
SCALE = (1, 2, 3, 4, 5)
