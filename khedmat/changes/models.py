"""Change enablement: requests for change with their risk, plans and window; change advisory
boards and their votes; standard-change templates; the risk questionnaire; freeze windows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khedmat.changes.choices import (
    CHANGE_TRANSITIONS,
    ChangeKind,
    ChangeStatus,
    FreezeOrigin,
    ReviewOutcome,
    RiskLevel,
    Vote,
    VotingRule,
)
from khedmat.core.translated import translated_text


class ChangeBoard(models.Model):
    """A change advisory board: who votes on changes of a kind and how their votes decide. The
    emergency board (ECAB) is usually smaller. The change manager (permission
    `changes.decide_change`) has the final say over any board."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    change_kind = models.CharField(
        _("for changes of kind"), max_length=16, choices=ChangeKind.choices
    )
    rule = models.CharField(_("voting rule"), max_length=16, choices=VotingRule.choices)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="change_boards", verbose_name=_("members")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("change advisory board")
        verbose_name_plural = _("change advisory boards")
        ordering = ["change_kind", "name"]

    def __str__(self) -> str:
        return self.name


class ChangeTemplate(models.Model):
    """A standard change: pre-approved, low risk, done the same way each time."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    implementation_plan = models.TextField(_("implementation plan"))
    backout_plan = models.TextField(_("back-out plan"))
    test_plan = models.TextField(_("test plan"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("standard change template")
        verbose_name_plural = _("standard change templates")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class RiskQuestion(models.Model):
    """One question of the risk questionnaire; each answer carries points, the sum is the score."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    text_fa = models.CharField(_("question (Persian)"), max_length=300)
    text_ar = models.CharField(_("question (Arabic)"), max_length=300, blank=True)
    text_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    #: [{"value": "yes", "label_fa": "…", "label_ar": "…", "label_en": "…", "points": 3}, …]
    answers = models.JSONField(_("answers"), default=list)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("risk question")
        verbose_name_plural = _("risk questions")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return translated_text(self, "text")


class ChangeQuerySet(models.QuerySet["Change"]):
    def visible_to_staff(self, user: object) -> ChangeQuerySet:
        """Changes are read by every staff member with the permission (the calendar is shared)."""
        if not getattr(user, "is_authenticated", False) or not getattr(user, "is_staff", False):
            return self.none()
        return self.all()

    def planned_between(self, start: object, end: object) -> ChangeQuerySet:
        """Changes whose planned window overlaps [start, end)."""
        return self.filter(planned_start__lt=end, planned_end__gt=start)


class Change(models.Model):
    """A request for change (RFC): what, why, on which CIs, how risky, how it is done and undone,
    when; decided by a board, implemented, reviewed."""

    tracking_code = models.CharField(_("change code"), max_length=12, unique=True)
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=16, choices=ChangeKind.choices)
    template = models.ForeignKey(
        ChangeTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("standard change template"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ChangeStatus.choices, default=ChangeStatus.DRAFT
    )
    description = models.TextField(_("description"), blank=True)
    reason = models.TextField(_("reason"), blank=True)
    items = models.ManyToManyField(
        "cmdb.ConfigurationItem",
        blank=True,
        related_name="changes",
        verbose_name=_("configuration items affected"),
    )
    risk_answers = models.JSONField(_("risk answers"), default=dict, blank=True)
    risk_score = models.PositiveIntegerField(_("risk score"), default=0)
    risk_level = models.CharField(
        _("risk"), max_length=8, choices=RiskLevel.choices, default=RiskLevel.LOW
    )
    implementation_plan = models.TextField(_("implementation plan"), blank=True)
    backout_plan = models.TextField(_("back-out plan"), blank=True)
    test_plan = models.TextField(_("test plan"), blank=True)
    planned_start = models.DateTimeField(_("planned start"), null=True, blank=True)
    planned_end = models.DateTimeField(_("planned end"), null=True, blank=True)
    actual_start = models.DateTimeField(_("started at"), null=True, blank=True)
    actual_end = models.DateTimeField(_("ended at"), null=True, blank=True)
    board = models.ForeignKey(
        ChangeBoard,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("advisory board"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="changes_requested",
        verbose_name=_("requested by"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes_assigned",
        verbose_name=_("implementer"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("team"),
    )
    decision_note = models.TextField(_("decision note"), blank=True)
    review_outcome = models.CharField(
        _("review outcome"), max_length=16, choices=ReviewOutcome.choices, blank=True
    )
    review_note = models.TextField(_("post-implementation review"), blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = ChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("decide_change", _("Can authorise or reject a change over the board (change manager)"))
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="changes_change_created_idx"),
            models.Index(fields=["status", "-created_at"], name="changes_change_status_idx"),
            models.Index(fields=["planned_start", "planned_end"], name="changes_change_window_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_end__isnull=True)
                | Q(planned_end__gt=F("planned_start")),
                name="changes_change_window_valid",
                violation_error_message=_("The planned window must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.title}"

    def can_move_to(self, status: str) -> bool:
        return status in CHANGE_TRANSITIONS.get(self.status, frozenset())


class ChangeVote(models.Model):
    """One board member's approval or rejection of a change, with a note."""

    change = models.ForeignKey(
        Change, on_delete=models.CASCADE, related_name="votes", verbose_name=_("change")
    )
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="change_votes",
        verbose_name=_("voter"),
    )
    vote = models.CharField(_("vote"), max_length=8, choices=Vote.choices)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("voted at"), default=timezone.now)

    class Meta:
        verbose_name = _("change vote")
        verbose_name_plural = _("change votes")
        ordering = ["change", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["change", "voter"],
                name="changes_vote_once",
                violation_error_message=_("You have already voted on this change."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.change_id} {self.voter_id} {self.vote}"


class FreezeWindow(models.Model):
    """A blackout: no normal or standard change may be planned in it (emergencies may). Either for
    everything, or only for some CIs and services (and what depends on them). Derived windows
    (Nowruz, the end of Esfand, Muharram) are made from the national calendar and can be edited."""

    name_fa = models.CharField(_("name (Persian)"), max_length=200)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    origin = models.CharField(
        _("origin"), max_length=16, choices=FreezeOrigin.choices, default=FreezeOrigin.MANUAL
    )
    jalali_year = models.PositiveIntegerField(_("Jalali year"), null=True, blank=True)
    items = models.ManyToManyField(
        "cmdb.ConfigurationItem",
        blank=True,
        related_name="freeze_windows",
        verbose_name=_("only for these CIs"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("freeze window")
        verbose_name_plural = _("freeze windows")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="changes_freeze_range_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="changes_freeze_range_valid",
                violation_error_message=_("The freeze must end after it starts."),
            ),
            models.UniqueConstraint(
                fields=["origin", "jalali_year"],
                condition=~Q(origin=FreezeOrigin.MANUAL),
                name="changes_freeze_derived_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return translated_text(self, "name")
