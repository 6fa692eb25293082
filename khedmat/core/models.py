"""Shared kernel models: the Activity row every change leaves behind, rate-limit counters, saved
desk lists."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: The ending of the verbs of staff views of personal data (`core.services.record_personal_data_view`).
PERSONAL_DATA_VIEWED = ".personal_data_viewed"


class ActivityQuerySet(models.QuerySet["Activity"]):
    def for_target(self, target: models.Model) -> ActivityQuerySet:
        """The timeline of one record, newest first."""
        content_type = ContentType.objects.get_for_model(target, for_concrete_model=False)
        return (
            self.filter(target_type=content_type, target_id=str(target.pk))
            .exclude(verb__endswith=PERSONAL_DATA_VIEWED)
            .order_by("-created_at", "-id")
        )

    def access_log_for(self, target: models.Model) -> ActivityQuerySet:
        """Who opened the personal data of one record, newest first (kept off its timeline)."""
        content_type = ContentType.objects.get_for_model(target, for_concrete_model=False)
        return self.filter(
            target_type=content_type,
            target_id=str(target.pk),
            verb__endswith=PERSONAL_DATA_VIEWED,
        ).order_by("-created_at", "-id")


class Activity(models.Model):
    """One change to a record: who did what, old and new values; the timeline and audit trail."""

    # Both keys lead an index of Meta.indexes: no index of their own (one fewer to write per row).
    target_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="+",
        verbose_name=_("record type"),
    )
    target_id = models.CharField(_("record id"), max_length=64)
    target = GenericForeignKey("target_type", "target_id")
    verb = models.CharField(_("action"), max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    old_value = models.JSONField(_("old value"), null=True, blank=True)
    new_value = models.JSONField(_("new value"), null=True, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    is_public = models.BooleanField(_("shown to the applicant"), default=False)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=False)
    # The hash chain (khedmat.core.audit): set by the sealer after the commit, never on insert.
    # NULL until sealed; the unique index on seq is partial, so an insert writes no entry to it.
    seq = models.BigIntegerField(_("chain position"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, null=True, blank=True)  # noqa: DJ001
    hash = models.CharField(_("hash"), max_length=64, null=True, blank=True)  # noqa: DJ001

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["seq"],
                condition=models.Q(seq__isnull=False),
                name="core_activity_seq_uniq",
                violation_error_message=_("Two activity rows cannot hold the same chain position."),
            ),
        ]
        permissions = [("view_access_log", _("Can see who viewed a record's personal data"))]
        indexes = [
            models.Index(
                fields=["target_type", "target_id", "-created_at"],
                name="core_activity_timeline_idx",
            ),
            models.Index(fields=["actor", "-created_at"], name="core_activity_actor_idx"),
            # The sealer's pending rows: a small partial index (rows leave it within a minute).
            models.Index(
                fields=["id"],
                condition=models.Q(seq__isnull=True),
                name="core_activity_unsealed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.target_type_id}:{self.target_id}"


class RateLimitCounter(models.Model):
    """Failures counted under one key (an address, a code) in a fixed window (core.ratelimit)."""

    key = models.CharField(_("key"), max_length=200, unique=True)
    count = models.PositiveIntegerField(_("failures"), default=0)
    window_ends_at = models.DateTimeField(_("window ends"))

    class Meta:
        verbose_name = _("rate-limit counter")
        verbose_name_plural = _("rate-limit counters")
        indexes = [models.Index(fields=["window_ends_at"], name="core_ratelimit_ends_idx")]

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class SavedListView(models.Model):
    """A staff member's named desk list (incidents, CIs, changes…): its filters as a query string.

    Which lists may be saved, and which of their parameters a view keeps, is registered by the
    app that owns the list (`khedmat.core.saved_views.register_saved_list`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_list_views",
        verbose_name=_("user"),
        db_index=False,  # the unique constraint leads with it
    )
    kind = models.CharField(_("list"), max_length=32)
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("saved list view")
        verbose_name_plural = _("saved list views")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "name"],
                name="core_saved_view_kind_name_uniq",
                violation_error_message=_("You already have a view with this name."),
            ),
        ]

    def __str__(self) -> str:
        return self.name
