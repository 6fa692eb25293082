"""The inquiry log, inquiries queued for a record, and office-automation letters of a record."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from khedmat.integrations.choices import (
    InquiryOutcome,
    InquiryRequestStatus,
    LetterProvider,
    LetterStatus,
)


class InquiryLog(models.Model):
    """One call (or skipped call) to an inquiry provider; parameters only as a keyed SHA-256."""

    request_id = models.CharField(_("request id"), max_length=100)
    provider = models.CharField(_("provider"), max_length=32)
    kind = models.CharField(_("inquiry kind"), max_length=64)
    parameters_hash = models.CharField(_("parameters hash"), max_length=64)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), default=0)
    outcome = models.CharField(_("outcome"), max_length=16, choices=InquiryOutcome.choices)
    error = models.TextField(_("error"), blank=True)
    record_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("record type"),
    )
    record_id = models.CharField(_("record id"), max_length=64, blank=True)
    record = GenericForeignKey("record_type", "record_id")
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("inquiry log entry")
        verbose_name_plural = _("inquiry log")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["provider", "-created_at"], name="integrations_log_provider_idx"),
            models.Index(fields=["record_type", "record_id"], name="integrations_log_record_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}/{self.kind} {self.outcome} ({self.request_id})"


class InquiryRequest(models.Model):
    """An inquiry queued for a record: a job runs it and stores the outcome here."""

    record_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("record type")
    )
    record_id = models.CharField(_("record id"), max_length=64)
    record = GenericForeignKey("record_type", "record_id")
    kind = models.CharField(_("inquiry kind"), max_length=64)
    parameters_hash = models.CharField(_("parameters hash"), max_length=64)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=InquiryRequestStatus.choices,
        default=InquiryRequestStatus.PENDING,
    )
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("last error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("inquiry request")
        verbose_name_plural = _("inquiry requests")
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["record_type", "record_id", "-id"], name="integrations_req_record_idx"
            ),
            models.Index(fields=["status", "-id"], name="integrations_req_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def request_id(self) -> str:
        """The id sent to the provider with every attempt, so its logs match ours."""
        return f"khedmat-inquiry-{self.pk}"


class OfficeLetter(models.Model):
    """A letter in the agency's office automation that belongs to a record (R-19)."""

    record_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("record type")
    )
    record_id = models.CharField(_("record id"), max_length=64)
    record = GenericForeignKey("record_type", "record_id")
    provider = models.CharField(_("provider"), max_length=16, choices=LetterProvider.choices)
    letter_number = models.CharField(_("letter number"), max_length=20)
    letter_date = models.DateField(_("letter date"))
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    # Ours, sent with the registration: a retried registration finds its letter by it instead of
    # registering a second one ("" for letters typed in by hand).
    reference = models.CharField(_("our reference"), max_length=100, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=16, choices=LetterStatus.choices, default=LetterStatus.REGISTERED
    )
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("office letter")
        verbose_name_plural = _("office letters")
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["record_type", "record_id", "-id"], name="integrations_letter_record_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"],
                condition=~Q(reference=""),
                name="integrations_letter_reference_unique",
            ),
            models.UniqueConstraint(
                fields=["provider", "letter_number"],
                name="integrations_letter_number_unique",
                violation_error_message=_("This letter number is already recorded."),
            ),
            models.CheckConstraint(
                condition=~Q(letter_number=""),
                name="integrations_letter_number_present",
                violation_error_message=_("A letter needs its number."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.letter_number} ({self.status})"

    def can_poll(self) -> bool:
        """Whether the office automation can still tell us something new about this letter."""
        return self.provider == LetterProvider.REST and self.status in (
            LetterStatus.REGISTERED,
            LetterStatus.IN_REVIEW,
        )
