"""Incidents, major-incident communications, problems, known errors and the priority matrix."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khedmat.itsm.choices import (
    INCIDENT_TRANSITIONS,
    OPEN_INCIDENT_STATUSES,
    OPEN_PROBLEM_STATUSES,
    PROBLEM_TRANSITIONS,
    Audience,
    HoldReason,
    Impact,
    IncidentChannel,
    IncidentStatus,
    ProblemStatus,
    ResolutionCode,
    Urgency,
)
from khedmat.sla.choices import Priority

CODE_LENGTH = 10


def _staff_condition(user: Any, *, unit_field: str = "org_unit_id") -> Q | None:
    """Records a staff member sees: their units' and below, theirs, their teams'; None: all.

    Conditions on the record's own columns only (the teams through a small subquery on the
    membership table), so a list or a count never joins and never needs DISTINCT."""
    from khedmat.accounts.models import Team
    from khedmat.accounts.queries import unit_and_descendant_ids

    if user.is_administrator:
        return None
    memberships = Team.members.through.objects.filter(user_id=user.pk).values("team_id")
    condition = Q(assignee=user) | Q(team_id__in=memberships)
    if user.org_unit_id is not None:
        condition |= Q(**{f"{unit_field}__in": unit_and_descendant_ids([user.org_unit_id])})
    return condition


class IncidentQuerySet(models.QuerySet["Incident"]):
    def visible_to_staff(self, user: Any) -> IncidentQuerySet:
        """Incidents a staff member may see (administrators: all)."""
        if not getattr(user, "is_authenticated", False) or not user.is_staff:
            return self.none()
        condition = _staff_condition(user)
        if condition is None:
            return self.all()
        return self.filter(condition | Q(reported_by=user))

    def reported_by(self, user: Any) -> IncidentQuerySet:
        """The incidents a person reported (what the portal shows them)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(reporter=user)

    def open(self) -> IncidentQuerySet:
        return self.filter(status__in=OPEN_INCIDENT_STATUSES)


class IncidentCategory(models.Model):
    """What kind of failure an incident is (hardware, network, access…), in three languages."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_fa = models.CharField(_("name (Persian)"), max_length=200)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("incident category")
        verbose_name_plural = _("incident categories")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        from khedmat.core.translated import translated_text

        return translated_text(self, "name")


class PriorityRule(models.Model):
    """One cell of the impact × urgency matrix (editable in the admin)."""

    impact = models.CharField(_("impact"), max_length=16, choices=Impact.choices)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices)
    priority = models.CharField(_("priority"), max_length=16, choices=Priority.choices)

    class Meta:
        verbose_name = _("priority rule")
        verbose_name_plural = _("priority matrix")
        ordering = ["impact", "urgency"]
        constraints = [
            models.UniqueConstraint(
                fields=["impact", "urgency"],
                name="itsm_priority_rule_cell",
                violation_error_message=_("This impact and urgency already have a priority."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_impact_display()} × {self.get_urgency_display()}"


class Incident(models.Model):
    """An unplanned interruption or loss of quality of a service (ITIL 4 incident management)."""

    tracking_code = models.CharField(_("tracking code"), max_length=12, unique=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        IncidentCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("category"),
    )
    service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("service affected"),
    )
    # The configuration item the incident is on: `ci` in the CMDB; the text is what a reporter
    # typed when no CI was chosen.
    configuration_item = models.CharField(_("configuration item"), max_length=200, blank=True)
    ci = models.ForeignKey(
        "cmdb.ConfigurationItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("configuration item (CMDB)"),
    )
    impact = models.CharField(
        _("impact"), max_length=16, choices=Impact.choices, default=Impact.LOW
    )
    urgency = models.CharField(
        _("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.LOW
    )
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, default=Priority.NORMAL
    )
    channel = models.CharField(
        _("reported through"),
        max_length=16,
        choices=IncidentChannel.choices,
        default=IncidentChannel.DESK,
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_incidents",
        verbose_name=_("reporter account"),
    )
    reporter_name = models.CharField(_("reporter"), max_length=300)
    reporter_mobile = models.CharField(_("reporter mobile"), max_length=16, blank=True)
    reporter_email = models.EmailField(_("reporter e-mail"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("logged by"),
    )
    language = models.CharField(_("language"), max_length=8, default="fa")
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        on_delete=models.PROTECT,
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
        related_name="assigned_incidents",
        verbose_name=_("handler"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.NEW
    )
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    hold_reason = models.CharField(
        _("on hold because"), max_length=32, choices=HoldReason.choices, blank=True
    )
    resolution_code = models.CharField(
        _("resolution"), max_length=32, choices=ResolutionCode.choices, blank=True
    )
    resolution_note = models.TextField(_("what was done"), blank=True)
    is_major = models.BooleanField(_("major incident"), default=False)
    major_declared_at = models.DateTimeField(_("declared major at"), null=True, blank=True)
    next_update_due = models.DateTimeField(_("next update due"), null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent incident"),
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    problem = models.ForeignKey(
        "itsm.Problem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("problem"),
    )
    known_error = models.ForeignKey(
        "itsm.KnownError",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("known error applied"),
    )
    reopen_count = models.PositiveIntegerField(_("times reopened"), default=0)
    promised_at = models.DateTimeField(_("resolution promised by"), null=True, blank=True)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-created_at", "-id"]
        permissions = [("declare_major_incident", _("Can declare and end a major incident"))]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="itsm_incident_created_idx"),
            models.Index(fields=["status", "-created_at"], name="itsm_incident_status_idx"),
            models.Index(fields=["org_unit", "status"], name="itsm_incident_unit_idx"),
            models.Index(fields=["assignee", "status"], name="itsm_incident_assignee_idx"),
            models.Index(fields=["team", "status"], name="itsm_incident_team_idx"),
            models.Index(fields=["priority", "status"], name="itsm_incident_priority_idx"),
            models.Index(fields=["reporter", "-created_at"], name="itsm_incident_reporter_idx"),
            models.Index(fields=["status", "resolved_at"], name="itsm_incident_resolved_idx"),
            # the inbox's soonest-promised-first order
            models.Index(fields=["promised_at", "id"], name="itsm_incident_promised_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.title}"

    def can_move_to(self, status: str) -> bool:
        return status in INCIDENT_TRANSITIONS.get(self.status, frozenset())

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_INCIDENT_STATUSES


def attachment_path(instance: IncidentAttachment, filename: str) -> str:
    """Stored names are random: the reporter's file name is data, never a path."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"incidents/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension[:8]}"


class IncidentAttachment(models.Model):
    """A file of an incident (a screenshot, a log), with its SHA-256."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("incident")
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("incident file")
        verbose_name_plural = _("incident files")
        ordering = ["incident", "id"]

    def __str__(self) -> str:
        return self.original_name


class MajorIncidentSubscription(models.Model):
    """A stakeholder who receives a major incident's updates."""

    incident = models.ForeignKey(
        Incident,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("incident"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("stakeholder"),
    )
    created_at = models.DateTimeField(_("subscribed at"), default=timezone.now)

    class Meta:
        verbose_name = _("stakeholder")
        verbose_name_plural = _("stakeholders")
        constraints = [
            models.UniqueConstraint(fields=["incident", "user"], name="itsm_subscription_once")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.user_id}"


class MajorIncidentUpdate(models.Model):
    """One message of a major incident's communications log."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="updates", verbose_name=_("incident")
    )
    text = models.TextField(_("update"))
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    recipients = models.PositiveIntegerField(_("staff told"), default=0)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("major incident update")
        verbose_name_plural = _("major incident updates")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:60]


class PublicNoticeQuerySet(models.QuerySet["PublicNotice"]):
    def active(self) -> PublicNoticeQuerySet:
        return self.filter(ended_at__isnull=True)


class PublicNotice(models.Model):
    """The status notice the portal shows while a major incident runs (one per incident)."""

    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, related_name="notice", verbose_name=_("incident")
    )
    text = models.TextField(_("notice"))
    language = models.CharField(_("language"), max_length=8, default="fa")
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    objects = PublicNoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("public status notice")
        verbose_name_plural = _("public status notices")
        ordering = ["-published_at"]
        indexes = [
            models.Index(fields=["ended_at", "-published_at"], name="itsm_notice_active_idx")
        ]

    def __str__(self) -> str:
        return self.text[:60]


class ProblemQuerySet(models.QuerySet["Problem"]):
    def visible_to_staff(self, user: Any) -> ProblemQuerySet:
        if not getattr(user, "is_authenticated", False) or not user.is_staff:
            return self.none()
        condition = _staff_condition(user)
        if condition is None:
            return self.all()
        return self.filter(condition | Q(created_by=user))

    def open(self) -> ProblemQuerySet:
        return self.filter(status__in=OPEN_PROBLEM_STATUSES)


class Problem(models.Model):
    """The cause of one or more incidents, analysed until it is fixed (ITIL 4 problem management)."""

    tracking_code = models.CharField(_("problem code"), max_length=12, unique=True)
    title = models.CharField(_("title"), max_length=300)
    symptom = models.TextField(_("symptom"), blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    workaround = models.TextField(_("workaround"), blank=True)
    permanent_fix = models.TextField(_("permanent fix"), blank=True)
    service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("service affected"),
    )
    configuration_item = models.CharField(_("configuration item"), max_length=200, blank=True)
    ci = models.ForeignKey(
        "cmdb.ConfigurationItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("configuration item (CMDB)"),
    )
    changes = models.ManyToManyField(
        "changes.Change", blank=True, related_name="problems", verbose_name=_("changes")
    )
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=24, choices=ProblemStatus.choices, default=ProblemStatus.LOGGED
    )
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        on_delete=models.PROTECT,
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
        related_name="assigned_problems",
        verbose_name=_("problem owner"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = ProblemQuerySet.as_manager()

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="itsm_problem_created_idx"),
            models.Index(fields=["status", "-created_at"], name="itsm_problem_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.title}"

    def can_move_to(self, status: str) -> bool:
        return status in PROBLEM_TRANSITIONS.get(self.status, frozenset())


class KnownErrorQuerySet(models.QuerySet["KnownError"]):
    def active(self) -> KnownErrorQuerySet:
        return self.filter(is_active=True)


class KnownError(models.Model):
    """A problem whose symptom and workaround are known: what agents apply to new incidents."""

    code = models.CharField(_("known error code"), max_length=12, unique=True)
    title = models.CharField(_("title"), max_length=300)
    symptom = models.TextField(_("symptom"))
    workaround = models.TextField(_("workaround"))
    fix = models.TextField(_("permanent fix"), blank=True)
    problem = models.ForeignKey(
        Problem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="known_errors",
        verbose_name=_("problem"),
    )
    service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="known_errors",
        verbose_name=_("service affected"),
    )
    configuration_item = models.CharField(_("configuration item"), max_length=200, blank=True)
    ci = models.ForeignKey(
        "cmdb.ConfigurationItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="known_errors",
        verbose_name=_("configuration item (CMDB)"),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = KnownErrorQuerySet.as_manager()

    class Meta:
        verbose_name = _("known error")
        verbose_name_plural = _("known errors")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["is_active", "-created_at"], name="itsm_known_error_active_idx")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"
