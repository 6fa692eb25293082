"""Retention rules, legal holds, destruction runs and the destruction records they leave."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from khedmat.retention.choices import (
    ALLOWED_ACTIONS,
    COUNTED_FROM,
    PER_SERVICE,
    Action,
    DataClass,
    RunTrigger,
)


class RetentionRule(models.Model):
    """How long one class of data is kept (for one service, or by default) and what happens then."""

    data_class = models.CharField(_("class of data"), max_length=32, choices=DataClass.choices)
    service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service"),
        help_text=_("Empty: the default rule of the class. A service's rule overrides it."),
    )
    period_days = models.PositiveIntegerField(
        _("period (days)"), help_text=_("Counted from the moment the class names.")
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "An inactive rule destroys nothing; a service's inactive rule keeps that "
            "service's records (the default rule does not apply to them)."
        ),
    )
    basis = models.TextField(
        _("basis"), blank=True, help_text=_("The law, regulation or decision the period follows.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["data_class", "service_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["data_class"],
                condition=Q(service__isnull=True),
                name="retention_rule_one_default",
                violation_error_message=_("This class of data already has a default rule."),
            ),
            models.UniqueConstraint(
                fields=["data_class", "service"],
                condition=Q(service__isnull=False),
                name="retention_rule_one_per_service",
                violation_error_message=_("This service already has a rule for this class."),
            ),
            models.CheckConstraint(
                condition=Q(period_days__gte=1),
                name="retention_rule_period_positive",
                violation_error_message=_("The period is at least one day."),
            ),
        ]

    def __str__(self) -> str:
        return self.describe()

    def clean(self) -> None:
        if self.action and self.action not in ALLOWED_ACTIONS.get(self.data_class, ()):
            raise ValidationError({"action": _("This class of data does not allow this action.")})
        if self.service_id is not None and self.data_class not in PER_SERVICE:
            raise ValidationError({"service": _("This class of data has no rules per service.")})

    @property
    def counted_from(self) -> str:
        return str(COUNTED_FROM.get(self.data_class, ""))

    def describe(self) -> str:
        """The rule in one sentence (copied into every destruction record it leaves)."""
        days = ngettext("%(days)d day", "%(days)d days", self.period_days) % {
            "days": self.period_days
        }
        if self.action == Action.ANONYMISE:
            sentence = gettext("%(class)s: anonymise %(days)s after %(moment)s")
        else:
            sentence = gettext("%(class)s: delete %(days)s after %(moment)s")
        text = sentence % {
            "class": DataClass(self.data_class).label,
            "days": days,
            "moment": self.counted_from,
        }
        if self.service is not None:
            text += gettext(" (service %(code)s)") % {"code": self.service.code}
        return text


class LegalHoldQuerySet(models.QuerySet["LegalHold"]):
    def active(self) -> LegalHoldQuerySet:
        return self.filter(released_at__isnull=True)


class LegalHold(models.Model):
    """A record, or every record of a service, that no retention rule may destroy until released."""

    content_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("record type"),
    )
    object_id = models.PositiveBigIntegerField(_("record id"), null=True, blank=True)
    service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service"),
        help_text=_("Holds every request, complaint and incident of the service."),
    )
    reason = models.TextField(_("reason"), help_text=_("The case, order or request behind it."))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("placed by"),
    )
    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("released by"),
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    release_reason = models.TextField(_("reason of the release"), blank=True)

    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(
                fields=["content_type", "object_id"],
                condition=Q(released_at__isnull=True),
                name="retention_hold_active_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(content_type__isnull=False, object_id__isnull=False, service__isnull=True)
                    | Q(content_type__isnull=True, object_id__isnull=True, service__isnull=False)
                ),
                name="retention_hold_one_target",
                violation_error_message=_("A hold is on one record or on one service."),
            ),
        ]

    def __str__(self) -> str:
        if self.service is not None:
            return gettext("Hold on service %(code)s") % {"code": self.service.code}
        return gettext("Hold on %(type)s #%(id)s") % {
            "type": self.content_type.name if self.content_type else "?",
            "id": self.object_id,
        }

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class RetentionRun(models.Model):
    """One pass of the destruction job over every active rule."""

    trigger = models.CharField(_("started by"), max_length=16, choices=RunTrigger.choices)
    day = models.DateField(
        _("scheduled day"),
        null=True,
        blank=True,
        unique=True,
        help_text=_("The local day of a scheduled run: one a day."),
    )
    job_id = models.CharField(_("job"), max_length=64, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("destruction run")
        verbose_name_plural = _("destruction runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.started_at:%Y-%m-%d %H:%M}"


class DestructionRecord(models.Model):
    """What one run destroyed under one rule: kept for good (no rule applies to these records)."""

    run = models.ForeignKey(
        RetentionRun, on_delete=models.PROTECT, related_name="records", verbose_name=_("run")
    )
    rule = models.ForeignKey(
        RetentionRule, on_delete=models.PROTECT, related_name="records", verbose_name=_("rule")
    )
    data_class = models.CharField(_("class of data"), max_length=32, choices=DataClass.choices)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    rule_text = models.TextField(_("rule as applied"))
    period_days = models.PositiveIntegerField(_("period (days)"))
    count = models.PositiveBigIntegerField(_("records"), default=0)
    first_moment = models.DateTimeField(_("oldest record's moment"), null=True, blank=True)
    last_moment = models.DateTimeField(_("newest record's moment"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    job_id = models.CharField(_("job"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("destruction record")
        verbose_name_plural = _("destruction records")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["-started_at", "-id"], name="retention_record_list_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "rule"],
                name="retention_record_one_per_rule",
                violation_error_message=_("A run leaves one record per rule."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_data_class_display()}: {self.count} ({self.started_at:%Y-%m-%d})"


class AnonymisedRecord(models.Model):
    """The mark of a record already anonymised: the next run skips it (no column in its table)."""

    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("record type")
    )
    object_id = models.PositiveBigIntegerField(_("record id"))
    destruction = models.ForeignKey(
        DestructionRecord,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("destruction record"),
    )
    anonymised_at = models.DateTimeField(_("anonymised at"), default=timezone.now)

    class Meta:
        verbose_name = _("anonymised record")
        verbose_name_plural = _("anonymised records")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="retention_anonymised_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id}"

    @classmethod
    def of(cls, model: type[models.Model]) -> Any:
        """The ids of the anonymised records of `model`, as a subquery."""
        content_type = ContentType.objects.get_for_model(model)
        return cls.objects.filter(content_type=content_type).values("object_id")
