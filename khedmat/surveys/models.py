"""Survey definitions and questions, invitations (one per request), responses and follow-ups."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khedmat.core.translated import translated_text
from khedmat.surveys.choices import (
    FOLLOW_UP_TRANSITIONS,
    INVITATION_TRANSITIONS,
    FollowUpStatus,
    InvitationStatus,
    QuestionKind,
)


class SurveyDefinition(models.Model):
    """The questions asked after a service's requests complete; no service = the default survey."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    service = models.OneToOneField(
        "catalog.Service",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="survey_definition",
        verbose_name=_("service"),
        help_text=_("Leave empty for the default survey of every service without its own."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("survey definition")
        verbose_name_plural = _("survey definitions")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name


class SurveyQuestion(models.Model):
    """One question of a survey: a 1–5 scale on an axis, or free text."""

    definition = models.ForeignKey(
        SurveyDefinition,
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("survey"),
    )
    key = models.SlugField(_("key"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=QuestionKind.choices)
    label_fa = models.CharField(_("question (Persian)"), max_length=300)
    label_ar = models.CharField(_("question (Arabic)"), max_length=300, blank=True)
    label_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["definition", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "key"],
                name="surveys_question_key_once",
                violation_error_message=_("A survey cannot ask two questions with the same key."),
            ),
        ]

    def __str__(self) -> str:
        return self.label_fa

    @property
    def label(self) -> str:
        """The question in the active language, or in Persian when not translated."""
        return translated_text(self, "label")

    @property
    def short_label(self) -> str:
        """The axis name: the question's text before its colon (for report columns)."""
        return self.label.split(":", 1)[0].strip()

    @property
    def is_scale(self) -> bool:
        return self.kind == QuestionKind.SCALE_1_5


class SurveyInvitation(models.Model):
    """The one survey invitation of a completed request; the link's token is kept only as a hash.

    Service, unit, team, agent and the month are copied from the request when it is invited, so
    the report groups invitations and their responses without reading the requests.
    """

    ticket = models.OneToOneField(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        related_name="survey_invitation",
        verbose_name=_("request"),
    )
    definition = models.ForeignKey(
        SurveyDefinition,
        on_delete=models.PROTECT,
        related_name="invitations",
        verbose_name=_("survey"),
    )
    token_hash = models.CharField(_("link token (hash)"), max_length=64, unique=True)
    reminder_token_hash = models.CharField(
        _("reminder link token (hash)"), max_length=64, null=True, blank=True, unique=True
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=InvitationStatus.choices,
        default=InvitationStatus.SENT,
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # denormalised for the report
    service = models.ForeignKey(
        "catalog.Service", on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    month = models.CharField(_("month"), max_length=7, help_text=_("YYYY-MM, Gregorian."))
    jalali_month = models.CharField(_("Jalali month"), max_length=7, help_text=_("YYYY-MM."))

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["status", "sent_at"], name="surveys_invitation_due_idx"),
            models.Index(fields=["org_unit", "sent_at"], name="surveys_invitation_unit_idx"),
            models.Index(fields=["service", "sent_at"], name="surveys_invitation_service_idx"),
            models.Index(fields=["team", "sent_at"], name="surveys_invitation_team_idx"),
            models.Index(fields=["agent", "sent_at"], name="surveys_invitation_agent_idx"),
        ]

    def __str__(self) -> str:
        return str(_("Survey of request %(code)s") % {"code": self.ticket_id})

    def can_move_to(self, status: str) -> bool:
        return status in INVITATION_TRANSITIONS[self.status]

    def is_open(self, now: dt.datetime | None = None) -> bool:
        """Still waiting for an answer and not past its expiry."""
        return self.status == InvitationStatus.SENT and self.expires_at > (now or timezone.now())


class SurveyResponse(models.Model):
    """The applicant's one answer to an invitation: every answer, the scores and their average."""

    invitation = models.OneToOneField(
        SurveyInvitation,
        on_delete=models.CASCADE,
        related_name="response",
        verbose_name=_("invitation"),
    )
    answers = models.JSONField(_("answers"), default=dict)
    scores = models.JSONField(_("scores per axis"), default=dict)
    average = models.DecimalField(_("average score"), max_digits=3, decimal_places=2)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("answered at"), default=timezone.now)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at"], name="surveys_response_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.invitation_id}: {self.average}"


class SurveyFollowUp(models.Model):
    """A low score for a supervisor of the request's unit to look into; closing needs a note."""

    response = models.OneToOneField(
        SurveyResponse,
        on_delete=models.CASCADE,
        related_name="follow_up",
        verbose_name=_("response"),
    )
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned unit"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    reason = models.CharField(_("reason"), max_length=300)
    note = models.TextField(_("what was done"), blank=True)
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )

    class Meta:
        verbose_name = _("survey follow-up")
        verbose_name_plural = _("survey follow-ups")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=FollowUpStatus.OPEN) | ~Q(note=""),
                name="surveys_followup_closed_has_note",
                violation_error_message=_("A closed follow-up needs a note."),
            ),
        ]
        indexes = [
            models.Index(fields=["org_unit", "status"], name="surveys_followup_unit_idx"),
            models.Index(fields=["status", "-created_at"], name="surveys_followup_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reason} ({self.get_status_display()})"

    def can_move_to(self, status: str) -> bool:
        return status in FOLLOW_UP_TRANSITIONS[self.status]

    def can_close(self) -> bool:
        return self.can_move_to(FollowUpStatus.CLOSED)
