"""The request record every practice shares, its files, and files kept for a retry."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khedmat.tickets.choices import (
    CLOSED_STATUSES,
    TRANSITIONS,
    Capacity,
    IntakeChannel,
    PrincipalKind,
    Status,
    TicketKind,
)


class TicketQuerySet(models.QuerySet["Ticket"]):
    def visible_to_applicant(self, user: object) -> TicketQuerySet:
        """Requests the signed-in applicant may follow: filed by them, or for their national code
        once it is verified (a typed code proves nothing: accounts.verification)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        condition = Q(requester=user)
        national_code = getattr(user, "verified_national_code", None)
        if national_code:
            condition |= Q(principal_national_code=national_code)
        return self.filter(condition)

    def visible_to_staff(self, user: Any) -> TicketQuerySet:
        """Requests a staff member may see: their unit's and below, filed by or assigned to them,
        and those with an open task of theirs or of their units (a task referred to them).

        Administrators see every request.
        """
        from khedmat.accounts.queries import unit_and_descendant_ids

        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_administrator:
            return self.all()
        condition = Q(filed_by=user) | Q(assignee=user)
        tasks = Q(assignee=user)
        if user.org_unit_id is not None:
            units = unit_and_descendant_ids([user.org_unit_id])
            condition |= Q(org_unit_id__in=units)
            tasks |= Q(org_unit_id__in=units)
        # the processes app's WorkItem, reached through the relation (processes builds on tickets)
        work_item = self.model._meta.get_field("work_items").related_model
        assert work_item is not None and not isinstance(work_item, str)
        condition |= Q(
            pk__in=work_item._default_manager.filter(tasks, status="open").values("ticket_id")
        )
        return self.filter(condition)

    def open(self) -> TicketQuerySet:
        return self.exclude(status__in=CLOSED_STATUSES)


class Ticket(models.Model):
    """A request: tracking code, who it is for and who filed it, answers, status and stage."""

    tracking_code = models.CharField(_("tracking code"), max_length=12, unique=True)
    kind = models.CharField(
        _("kind"), max_length=32, choices=TicketKind.choices, default=TicketKind.SERVICE_REQUEST
    )
    service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.PROTECT,
        db_index=False,  # Meta.indexes lead with it (one index fewer to write per request)
        related_name="tickets",
        verbose_name=_("service"),
    )
    service_version = models.ForeignKey(
        "catalog.ServiceVersion",
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("card version"),
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        db_index=False,  # Meta.indexes lead with it (one index fewer to write per request)
        related_name="tickets",
        verbose_name=_("applicant account"),
        help_text=_("The account that follows the request online."),
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        db_index=False,  # Meta.indexes lead with it (one index fewer to write per request)
        related_name="+",
        verbose_name=_("filed by"),
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=IntakeChannel.choices, default=IntakeChannel.ONLINE
    )
    # Whom the request is for and who acts for them.
    principal_kind = models.CharField(
        _("applicant type"),
        max_length=8,
        choices=PrincipalKind.choices,
        default=PrincipalKind.PERSON,
    )
    principal_name = models.CharField(_("applicant name"), max_length=300)
    principal_national_code = models.CharField(
        _("national code or national ID"), max_length=11, db_index=False
    )
    principal_mobile = models.CharField(_("applicant mobile"), max_length=16, blank=True)
    representative_name = models.CharField(_("representative name"), max_length=300, blank=True)
    representative_national_code = models.CharField(
        _("representative national code"), max_length=10, blank=True
    )
    representative_capacity = models.CharField(
        _("capacity"), max_length=32, choices=Capacity.choices, blank=True
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    documents = models.JSONField(
        _("documents"),
        default=dict,
        blank=True,
        help_text=_("Descriptors of the required documents' files, by document."),
    )
    language = models.CharField(_("language"), max_length=8, default="fa")
    status = models.CharField(
        _("status"), max_length=32, choices=Status.choices, default=Status.SUBMITTED
    )
    stage_title = models.CharField(
        _("stage"),
        max_length=200,
        blank=True,
        help_text=_("The process step the request is at, as the applicant sees it."),
    )
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        on_delete=models.PROTECT,
        db_index=False,  # Meta.indexes lead with it (one index fewer to write per request)
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible unit"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("handler"),
    )
    priority = models.CharField(_("priority"), max_length=16, default="normal")
    promised_at = models.DateTimeField(_("answer promised by"), null=True, blank=True)
    correction_fields = models.JSONField(_("fields to correct"), default=list, blank=True)
    correction_note = models.TextField(_("what to correct"), blank=True)
    decision_note = models.TextField(_("reason of the decision"), blank=True)
    objection_text = models.TextField(_("objection"), blank=True)
    submission_key = models.CharField(_("submission key"), max_length=64, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["filed_by", "submission_key"],
                condition=~Q(submission_key=""),
                name="tickets_ticket_submission_once",
                violation_error_message=_("This form was already submitted."),
            ),
        ]
        indexes = [
            models.Index(fields=["requester", "-submitted_at"], name="tickets_requester_idx"),
            # the daily cap of filings per filer (services.check_daily_limit)
            models.Index(fields=["filed_by", "-submitted_at"], name="tickets_filed_by_day_idx"),
            models.Index(fields=["principal_national_code"], name="tickets_principal_code_idx"),
            models.Index(fields=["status", "-submitted_at"], name="tickets_status_idx"),
            models.Index(fields=["org_unit", "status"], name="tickets_unit_status_idx"),
            models.Index(fields=["service", "-submitted_at"], name="tickets_service_idx"),
            # the desk's request list in its order (bench/bench_inbox.py "desk requests")
            models.Index(fields=["-submitted_at", "-id"], name="tickets_submitted_idx"),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    def can_move_to(self, status: str) -> bool:
        """Whether the transition table allows moving from the current status to `status`."""
        return status in TRANSITIONS.get(self.status, frozenset())

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def stage(self) -> str:
        """What the applicant reads as the current stage: the process step, else the status."""
        return self.stage_title or str(self.get_status_display())

    @property
    def is_filed_by_representative(self) -> bool:
        return bool(self.representative_capacity)

    def can_correct(self) -> bool:
        return self.status == Status.WAITING_APPLICANT

    def can_object(self) -> bool:
        return self.status == Status.REJECTED


def attachment_path(instance: Attachment, filename: str) -> str:
    """Stored names are random: the applicant's file name is data, never a path."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"tickets/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension[:8]}"


class Attachment(models.Model):
    """A file of a request (R-11): for a form field or a required document, with its SHA-256."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("request")
    )
    field_key = models.CharField(_("form field"), max_length=100)
    document = models.ForeignKey(
        "catalog.RequiredDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("required document"),
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    is_current = models.BooleanField(_("current"), default=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["ticket", "field_key", "id"]
        indexes = [
            models.Index(fields=["ticket", "field_key"], name="tickets_attachment_field_idx"),
        ]

    def __str__(self) -> str:
        return self.original_name


def staged_path(instance: StagedUpload, filename: str) -> str:
    return f"staged/{timezone.now():%Y/%m/%d}/{uuid.uuid4().hex}.bin"


class StagedUpload(models.Model):
    """A valid file of a form that came back with errors, kept so the retry need not re-upload it."""

    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("owner"),
    )
    field_key = models.CharField(_("form field"), max_length=100)
    file = models.FileField(_("file"), upload_to=staged_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("kept upload")
        verbose_name_plural = _("kept uploads")
        indexes = [models.Index(fields=["created_at"], name="tickets_staged_age_idx")]

    def __str__(self) -> str:
        return self.original_name
