"""Service levels: policies and their targets, escalations, and clocks kept as segments."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.choices import Role
from khedmat.sla.choices import (
    OPEN_STATES,
    ClockState,
    DurationUnit,
    EscalationAction,
    EscalationEvent,
    PauseReason,
    Priority,
    SegmentKind,
    TargetKind,
)


def default_warning_percents() -> list[int]:
    """Warn at 75 % and 90 % of the target unless the target says otherwise."""
    return [75, 90]


def clean_warning_percents(value: object) -> list[int]:
    """Sorted distinct whole percents between 1 and 99, or ValidationError."""
    if not isinstance(value, list) or not all(isinstance(item, int) for item in value):
        raise ValidationError(_("Give the warning thresholds as a list of whole percents."))
    if any(not 0 < item < 100 for item in value):
        raise ValidationError(_("Warning thresholds must be between 1 and 99 percent."))
    return sorted(set(value))


class SlaPolicy(models.Model):
    """Which targets apply to a record; the first active policy in precedence order that matches wins."""

    name = models.CharField(_("name"), max_length=200)
    precedence = models.PositiveIntegerField(
        _("precedence"), default=100, help_text=_("Lower numbers are tried first.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    service_key = models.CharField(
        _("service"), max_length=64, blank=True, help_text=_("Empty matches every service.")
    )
    priority = models.CharField(
        _("priority"),
        max_length=16,
        choices=Priority.choices,
        blank=True,
        help_text=_("Empty matches every priority."),
    )
    requester_group = models.ForeignKey(
        "auth.Group",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requester group"),
        help_text=_("A role or group the requester belongs to; empty matches everyone."),
    )
    record_kind = models.CharField(
        _("kind of request"),
        max_length=32,
        blank=True,
        help_text=_("For example service_request or incident; empty matches every kind."),
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["precedence", "id"]
        indexes = [models.Index(fields=["is_active", "precedence"], name="sla_policy_order_idx")]

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.Model):
    """One promise of a policy: how much working time a response, a resolution or a step may take."""

    policy = models.ForeignKey(
        SlaPolicy, on_delete=models.CASCADE, related_name="targets", verbose_name=_("policy")
    )
    kind = models.CharField(_("measures"), max_length=16, choices=TargetKind.choices)
    step_key = models.CharField(
        _("process step"),
        max_length=64,
        blank=True,
        help_text=_("For a step target: the step it times; empty times every step."),
    )
    amount = models.PositiveIntegerField(_("amount"))
    unit = models.CharField(_("unit"), max_length=16, choices=DurationUnit.choices)
    warning_percents = models.JSONField(
        _("warning thresholds (%)"),
        default=default_warning_percents,
        blank=True,
        help_text=_("Percents of the target at which to warn, e.g. [75, 90]."),
    )

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["policy", "kind", "step_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "kind", "step_key"],
                name="sla_target_unique_kind",
                violation_error_message=_("This policy already has a target for this measure."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="sla_target_amount_positive",
                violation_error_message=_("The amount must be greater than zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy}: {self.get_kind_display()} {self.amount} {self.get_unit_display()}"

    def clean(self) -> None:
        """Keep the warning thresholds a sorted list of percents."""
        super().clean()
        try:
            self.warning_percents = clean_warning_percents(self.warning_percents)
        except ValidationError as error:
            raise ValidationError({"warning_percents": error.error_list}) from error


class SlaEscalation(models.Model):
    """An action a target takes at a warning threshold or on breach (run as a background job)."""

    target = models.ForeignKey(
        SlaTarget, on_delete=models.CASCADE, related_name="escalations", verbose_name=_("target")
    )
    event = models.CharField(_("when"), max_length=16, choices=EscalationEvent.choices)
    level = models.PositiveSmallIntegerField(
        _("threshold (%)"),
        null=True,
        blank=True,
        help_text=_("For a warning: one of the target's thresholds."),
    )
    action = models.CharField(_("action"), max_length=16, choices=EscalationAction.choices)
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
        help_text=_("For a reassignment: the team that takes the record."),
    )
    priority = models.CharField(
        _("priority"),
        max_length=16,
        choices=Priority.choices,
        blank=True,
        help_text=_("For raising the priority: the priority to raise it to."),
    )
    notify_role = models.CharField(
        _("notify"),
        max_length=16,
        choices=Role.choices,
        blank=True,
        default=Role.SUPERVISOR,
        help_text=_("For a notification: the role to tell in the clock's unit."),
    )

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["target", "event", "level", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(event=EscalationEvent.WARNING) | Q(level__isnull=False),
                name="sla_escalation_warning_level",
                violation_error_message=_("A warning escalation needs its threshold."),
            ),
            models.CheckConstraint(
                condition=~Q(action=EscalationAction.REASSIGN) | Q(team__isnull=False),
                name="sla_escalation_reassign_team",
                violation_error_message=_("A reassignment needs a team."),
            ),
            models.CheckConstraint(
                condition=~Q(action=EscalationAction.RAISE_PRIORITY) | ~Q(priority=""),
                name="sla_escalation_raise_priority",
                violation_error_message=_("Raising the priority needs the priority to raise to."),
            ),
        ]

    def __str__(self) -> str:
        when = (
            f"{self.level}%" if self.event == EscalationEvent.WARNING else self.get_event_display()
        )
        return f"{when}: {self.get_action_display()}"


class SlaClockQuerySet(models.QuerySet["SlaClock"]):
    def open(self) -> SlaClockQuerySet:
        """Clocks still counting, paused, or late and not yet stopped."""
        return self.filter(
            Q(state__in=[ClockState.RUNNING, ClockState.PAUSED])
            | Q(state=ClockState.BREACHED, stopped_at__isnull=True)
        )

    def for_record(self, record: models.Model) -> SlaClockQuerySet:
        """The clocks of one record."""
        content_type = ContentType.objects.get_for_model(record, for_concrete_model=False)
        return self.filter(record_type=content_type, record_id=record.pk)


class SlaClock(models.Model):
    """The time one record has against one target; its segments say who held the time."""

    # Indexed by sla_clock_record_idx (record_type, record_id): no index of its own.
    record_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("record type"),
        db_index=False,
    )
    record_id = models.PositiveBigIntegerField(_("record id"))
    record = GenericForeignKey("record_type", "record_id")
    # No index of its own: nothing looks clocks up by target or team (the report filters a team
    # within a period, by sla_clock_outcome_idx), and every clock write, the sweep's breaches first,
    # would keep two more low-cardinality indexes; deleting a target or a team scans instead.
    target = models.ForeignKey(
        SlaTarget,
        on_delete=models.PROTECT,
        related_name="clocks",
        verbose_name=_("target"),
        db_index=False,
    )
    kind = models.CharField(_("measures"), max_length=16, choices=TargetKind.choices)
    step_key = models.CharField(_("process step"), max_length=64, blank=True)
    # Denormalised from the record, for queues and reports that must not join it.
    # Indexed by sla_clock_unit_state_idx (org_unit, state): no index of its own.
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unit"),
        db_index=False,
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
        db_index=False,  # see target
    )
    service_key = models.CharField(_("service"), max_length=64, blank=True)
    priority = models.CharField(_("priority"), max_length=16, choices=Priority.choices, blank=True)
    record_kind = models.CharField(_("kind of request"), max_length=32, blank=True)

    state = models.CharField(
        _("state"), max_length=16, choices=ClockState.choices, default=ClockState.RUNNING
    )
    started_at = models.DateTimeField(_("started at"))
    promised_at = models.DateTimeField(
        _("promised date"), help_text=_("Computed at the start and never changed: the receipt's.")
    )
    due_at = models.DateTimeField(
        _("due at"),
        null=True,
        blank=True,
        help_text=_(
            "Internal deadline: moves with pauses and calendar changes; empty while paused."
        ),
    )
    target_minutes = models.PositiveIntegerField(_("target (working minutes)"))
    paused_minutes = models.PositiveIntegerField(_("paused (working minutes)"), default=0)
    remaining_minutes = models.IntegerField(
        _("remaining (working minutes)"),
        null=True,
        blank=True,
        help_text=_("Kept while paused."),
    )
    paused_reason = models.CharField(
        _("pause reason"), max_length=32, choices=PauseReason.choices, blank=True
    )
    warning_schedule = models.JSONField(
        _("warning schedule"),
        default=list,
        blank=True,
        help_text=_("[threshold, ISO time] for each warning threshold."),
    )
    warned_levels = models.JSONField(_("warnings given"), default=list, blank=True)
    next_warning_at = models.DateTimeField(_("next warning at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    outcome_at = models.DateTimeField(
        _("decided at"), null=True, blank=True, help_text=_("When it was met or breached.")
    )

    objects = SlaClockQuerySet.as_manager()

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        ordering = ["started_at", "id"]
        permissions = [("view_sla_report", _("Can view the SLA compliance report"))]
        indexes = [
            models.Index(fields=["record_type", "record_id"], name="sla_clock_record_idx"),
            # The sweep: two indexed range scans over running clocks only.
            models.Index(
                fields=["due_at"],
                condition=Q(state=ClockState.RUNNING),
                name="sla_clock_due_idx",
            ),
            models.Index(
                fields=["next_warning_at"],
                condition=Q(state=ClockState.RUNNING, next_warning_at__isnull=False),
                name="sla_clock_warning_idx",
            ),
            models.Index(fields=["kind", "outcome_at"], name="sla_clock_outcome_idx"),
            models.Index(fields=["org_unit", "state"], name="sla_clock_unit_state_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["record_type", "record_id", "kind", "step_key"],
                condition=Q(state__in=[ClockState.RUNNING, ClockState.PAUSED])
                | Q(state=ClockState.BREACHED, stopped_at__isnull=True),
                name="sla_clock_one_open_per_target",
                violation_error_message=_("This record already has an open clock for this target."),
            ),
            models.CheckConstraint(
                condition=~Q(state=ClockState.PAUSED) | ~Q(paused_reason=""),
                name="sla_clock_pause_has_reason",
                violation_error_message=_("A paused clock needs a pause reason."),
            ),
            models.CheckConstraint(
                condition=~Q(state=ClockState.RUNNING) | Q(due_at__isnull=False),
                name="sla_clock_running_has_due",
                violation_error_message=_("A running clock needs a due date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.record_type_id}:{self.record_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        """Whether the clock still counts, waits or is late and unstopped."""
        if self.state == ClockState.BREACHED:
            return self.stopped_at is None
        return self.state in OPEN_STATES


class SlaClockSegment(models.Model):
    """A stretch of a clock: running, or paused with a reason and the person who paused it."""

    clock = models.ForeignKey(
        SlaClock, on_delete=models.CASCADE, related_name="segments", verbose_name=_("clock")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SegmentKind.choices)
    reason = models.CharField(_("reason"), max_length=32, choices=PauseReason.choices, blank=True)
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("to"), null=True, blank=True)
    working_minutes = models.PositiveIntegerField(
        _("working minutes"), null=True, blank=True, help_text=_("Filled when the segment ends.")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("held by team"),
    )

    class Meta:
        verbose_name = _("clock segment")
        verbose_name_plural = _("clock segments")
        ordering = ["clock", "started_at", "id"]
        indexes = [models.Index(fields=["clock", "started_at"], name="sla_segment_clock_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["clock"],
                condition=Q(ended_at__isnull=True),
                name="sla_segment_one_open",
                violation_error_message=_("A clock has at most one open segment."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=SegmentKind.PAUSED) | ~Q(reason=""),
                name="sla_segment_pause_has_reason",
                violation_error_message=_("A pause needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M}"
