"""Outcomes of inquiries, statuses of inquiry requests and letters, and their transition tables."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class InquiryOutcome(models.TextChoices):
    """What one logged inquiry call came to."""

    FOUND = "found", _("Found")
    NOT_FOUND = "not_found", _("Not found")
    UNAVAILABLE = "unavailable", _("Provider unavailable")
    REJECTED = "rejected", _("Rejected by the provider")
    CIRCUIT_OPEN = "circuit_open", _("Skipped: provider marked down")
    CACHED = "cached", _("Answered from the cache")


#: The outcomes a provider answered with (the ones a result can carry).
ANSWERS = frozenset({InquiryOutcome.FOUND, InquiryOutcome.NOT_FOUND})


class InquiryRequestStatus(models.TextChoices):
    """Where a queued inquiry for a record stands."""

    PENDING = "pending", _("Pending")
    WAITING = "waiting", _("Waiting for the provider")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


INQUIRY_TRANSITIONS: dict[str, frozenset[str]] = {
    InquiryRequestStatus.PENDING: frozenset(
        {InquiryRequestStatus.WAITING, InquiryRequestStatus.DONE, InquiryRequestStatus.FAILED}
    ),
    InquiryRequestStatus.WAITING: frozenset(
        {InquiryRequestStatus.DONE, InquiryRequestStatus.FAILED}
    ),
    InquiryRequestStatus.DONE: frozenset(),
    InquiryRequestStatus.FAILED: frozenset(),
}


class LetterStatus(models.TextChoices):
    """A letter's place in the office automation's routing."""

    REGISTERED = "registered", _("Registered")
    IN_REVIEW = "in_review", _("In review")
    SIGNED = "signed", _("Signed")
    REJECTED = "rejected", _("Rejected")


LETTER_TRANSITIONS: dict[str, frozenset[str]] = {
    LetterStatus.REGISTERED: frozenset(
        {LetterStatus.IN_REVIEW, LetterStatus.SIGNED, LetterStatus.REJECTED}
    ),
    LetterStatus.IN_REVIEW: frozenset({LetterStatus.SIGNED, LetterStatus.REJECTED}),
    LetterStatus.SIGNED: frozenset(),
    LetterStatus.REJECTED: frozenset(),
}


class LetterProvider(models.TextChoices):
    """How a letter reached us: the REST adapter or an operator typing its number."""

    REST = "rest", _("Office automation (REST)")
    MANUAL = "manual", _("Typed in by an operator")


#: The verbs integrations writes that timelines show (registered in IntegrationsConfig.ready()).
ACTIVITY_LABELS = {
    "letter.registered": _("Letter registered"),
    "letter.status_changed": _("Letter status changed"),
    "inquiry.requested": _("Inquiry sent"),
}
