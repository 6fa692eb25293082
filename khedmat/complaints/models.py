"""The complaint record: its own tracking code, who complains about what, routing and deadline."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khedmat.complaints.choices import (
    DECIDED_STATUSES,
    OPEN_STATUSES,
    TRANSITIONS,
    ComplaintChannel,
    ComplaintStatus,
)

#: Complaint codes have 11 digits (requests have 12), so a code reads unambiguously.
CODE_LENGTH = 11


class ComplaintQuerySet(models.QuerySet["Complaint"]):
    def visible_to_staff(self, user: Any) -> ComplaintQuerySet:
        """Complaints routed to the staff member's unit or a unit below it, or filed by them.

        Administrators see every complaint.
        """
        from khedmat.accounts.queries import unit_and_descendant_ids

        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_administrator:
            return self.all()
        condition = Q(filed_by=user)
        if user.org_unit_id is not None:
            condition |= Q(org_unit_id__in=unit_and_descendant_ids([user.org_unit_id]))
        return self.filter(condition)

    def of_complainant(self, user: Any) -> ComplaintQuerySet:
        """A signed-in person's own complaints."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(complainant=user)

    def open(self) -> ComplaintQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now: Any = None) -> ComplaintQuerySet:
        """Open complaints whose answer deadline has passed."""
        return self.open().filter(deadline_at__lt=now or timezone.now())


class Complaint(models.Model):
    """A complaint about a service or a request, with its own tracking code and answer deadline."""

    tracking_code = models.CharField(_("tracking code"), max_length=12, unique=True)
    service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("service"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("request"),
    )
    complainant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("complainant account"),
    )
    complainant_name = models.CharField(_("complainant's name"), max_length=200)
    complainant_national_code = models.CharField(_("complainant's national code"), max_length=11)
    complainant_mobile = models.CharField(_("complainant's mobile"), max_length=16, blank=True)
    language = models.CharField(_("language"), max_length=2, default="fa")
    subject = models.CharField(_("subject"), max_length=200)
    text = models.TextField(_("complaint"), max_length=4000)
    channel = models.CharField(
        _("channel"),
        max_length=16,
        choices=ComplaintChannel.choices,
        default=ComplaintChannel.PORTAL,
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_filed",
        verbose_name=_("filed by"),
    )
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("routed to unit"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.SUBMITTED,
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    deadline_at = models.DateTimeField(_("answer deadline"))
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_answered",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(
                fields=["org_unit", "status", "deadline_at"], name="complaints_complaint_due_idx"
            ),
            models.Index(fields=["-submitted_at", "-id"], name="complaints_complaint_list_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(service__isnull=False) | Q(ticket__isnull=False),
                name="complaints_complaint_about_something",
                violation_error_message=_(
                    "A complaint is about a service or a request: choose one."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS.get(self.status, frozenset())

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.deadline_at < timezone.now()

    def can_answer(self) -> bool:
        return self.can_move_to(ComplaintStatus.ANSWERED)
