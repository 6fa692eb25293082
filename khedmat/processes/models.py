"""Process definitions (versioned BPMN), their running instances and the open user tasks."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from khedmat.processes.choices import (
    ACTIVE_INSTANCE_STATUSES,
    OPEN_CALL_STATUSES,
    Decision,
    DefinitionStatus,
    InstanceStatus,
    ServiceCallStatus,
    ServiceKind,
    WorkItemStatus,
)
from khedmat.processes.errors import DefinitionImmutableError

#: Fields of a definition frozen once it is published.
FROZEN_FIELDS = ("key", "version", "name", "bpmn_xml", "process_id", "status", "published_at")


class ProcessDefinition(models.Model):
    """One version of a BPMN process; a draft until published, then immutable."""

    key = models.SlugField(_("key"), max_length=64)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    bpmn_xml = models.TextField(_("BPMN document"))
    process_id = models.CharField(_("process id"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DefinitionStatus.choices,
        default=DefinitionStatus.DRAFT,
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("process definition")
        verbose_name_plural = _("process definitions")
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "version"],
                name="processes_definition_key_version_uniq",
                violation_error_message=_("This version of the process already exists."),
            ),
            models.CheckConstraint(
                condition=Q(status=DefinitionStatus.DRAFT, published_at__isnull=True)
                | Q(status=DefinitionStatus.PUBLISHED, published_at__isnull=False),
                name="processes_definition_published_at",
                violation_error_message=_("A published definition has a publication time."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Refuse to change a definition that was published when it was loaded."""
        loaded: dict[str, Any] = getattr(self, "_loaded", {})
        if loaded.get("status") == DefinitionStatus.PUBLISHED and any(
            getattr(self, name) != value for name, value in loaded.items()
        ):
            raise DefinitionImmutableError()
        super().save(*args, **kwargs)
        self._loaded = {name: getattr(self, name) for name in FROZEN_FIELDS}

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any, **kwargs: Any) -> ProcessDefinition:
        """Remember the frozen fields as loaded, so `save` can refuse to change a published row."""
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded = {  # type: ignore[attr-defined]
            name: getattr(instance, name) for name in FROZEN_FIELDS if name in field_names
        }
        return instance

    @property
    def is_published(self) -> bool:
        return self.status == DefinitionStatus.PUBLISHED

    def can_edit(self) -> bool:
        """Only drafts change; a published version is replaced by a new version."""
        loaded: dict[str, Any] = getattr(self, "_loaded", {})
        return loaded.get("status", self.status) != DefinitionStatus.PUBLISHED


class ProcessInstance(models.Model):
    """A run of one definition version for one request; its Spiff state is serialised JSON."""

    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="process_instances",
        verbose_name=_("request"),
    )
    definition = models.ForeignKey(
        ProcessDefinition,
        on_delete=models.PROTECT,
        related_name="instances",
        verbose_name=_("definition"),
    )
    state = models.TextField(_("serialised state (JSON)"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=InstanceStatus.choices,
        default=InstanceStatus.RUNNING,
    )
    error = models.TextField(_("error"), blank=True)
    next_timer_at = models.DateTimeField(_("next timer at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("process instance")
        verbose_name_plural = _("process instances")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(status__in=sorted(ACTIVE_INSTANCE_STATUSES)),
                name="processes_instance_one_active_per_ticket",
                violation_error_message=_("This request already has a running process."),
            ),
        ]
        indexes = [
            models.Index(fields=["next_timer_at"], name="processes_instance_timer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.definition_id}/{self.ticket_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_INSTANCE_STATUSES


class WorkItemQuerySet(models.QuerySet["WorkItem"]):
    def open(self) -> WorkItemQuerySet:
        return self.filter(status=WorkItemStatus.OPEN)


class WorkItem(models.Model):
    """One open (or once open) user task: what inboxes and reports read, never the Spiff state."""

    instance = models.ForeignKey(
        ProcessInstance,
        on_delete=models.CASCADE,
        related_name="work_items",
        verbose_name=_("process instance"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="work_items",
        verbose_name=_("request"),
        db_index=False,  # processes_workitem_ticket_idx
    )
    task_id = models.CharField(_("engine task id"), max_length=36)
    task_name = models.CharField(_("task"), max_length=200)
    title = models.CharField(_("title"), max_length=300)
    lane = models.CharField(_("lane"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=200, blank=True)
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
    )
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="work_items",
        verbose_name=_("assignee"),
        db_index=False,  # processes_workitem_assign_idx leads with it
    )
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    form_key = models.CharField(_("form key"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=WorkItemStatus.choices, default=WorkItemStatus.OPEN
    )
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("completed by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    objects = WorkItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("work item")
        verbose_name_plural = _("work items")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "task_id"],
                name="processes_workitem_task_uniq",
                violation_error_message=_("This task already has a work item."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "role", "org_unit"], name="processes_workitem_inbox_idx"
            ),
            models.Index(fields=["assignee", "status"], name="processes_workitem_assign_idx"),
            models.Index(fields=["ticket"], name="processes_workitem_ticket_idx"),
            # the inbox pages in their sort orders, open items only (bench/bench_inbox.py)
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(status=WorkItemStatus.OPEN),
                name="processes_wi_open_new_idx",
            ),
            models.Index(
                fields=["due_at", "id"],
                condition=Q(status=WorkItemStatus.OPEN),
                name="processes_wi_open_due_idx",
            ),
            models.Index(
                fields=["assignee", "-created_at", "-id"],
                condition=Q(status=WorkItemStatus.OPEN),
                name="processes_wi_mine_new_idx",
            ),
            models.Index(
                fields=["assignee", "due_at", "id"],
                condition=Q(status=WorkItemStatus.OPEN),
                name="processes_wi_mine_due_idx",
            ),
            # one unit's open items in the same orders: the team and unassigned tabs of staff of
            # a unit with no units below read that unit's items in order and stop after a page,
            # instead of walking every unit's items past the others (bench: "small unit")
            models.Index(
                fields=["org_unit", "-created_at", "-id"],
                condition=Q(status=WorkItemStatus.OPEN),
                name="processes_wi_unit_new_idx",
            ),
            models.Index(
                fields=["org_unit", "due_at", "id"],
                condition=Q(status=WorkItemStatus.OPEN),
                name="processes_wi_unit_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.task_name

    @property
    def is_open(self) -> bool:
        return self.status == WorkItemStatus.OPEN


class ServiceCall(models.Model):
    """A started service task: the job that does its I/O, and what came of it."""

    instance = models.ForeignKey(
        ProcessInstance,
        on_delete=models.CASCADE,
        related_name="service_calls",
        verbose_name=_("process instance"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="service_calls",
        verbose_name=_("request"),
        db_index=False,  # processes_call_ticket_idx
    )
    task_id = models.CharField(_("engine task id"), max_length=36)
    task_name = models.CharField(_("task"), max_length=200)
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=16, choices=ServiceKind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ServiceCallStatus.choices,
        default=ServiceCallStatus.PENDING,
    )
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("last error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("service call")
        verbose_name_plural = _("service calls")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "task_id"],
                name="processes_call_task_uniq",
                violation_error_message=_("This task already has a service call."),
            ),
        ]
        indexes = [
            models.Index(fields=["ticket"], name="processes_call_ticket_idx"),
            models.Index(fields=["status", "kind"], name="processes_call_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title or self.task_name} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CALL_STATUSES


class SavedInboxView(models.Model):
    """A staff member's named inbox filter: the tab, sort and filters as query parameters."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_inbox_views",
        verbose_name=_("user"),
        db_index=False,  # the unique constraint leads with it
    )
    name = models.CharField(_("name"), max_length=80)
    params = models.JSONField(_("parameters"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved inbox view")
        verbose_name_plural = _("saved inbox views")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                name="processes_savedview_name_uniq",
                violation_error_message=_("You already have a view with this name."),
            ),
        ]

    def __str__(self) -> str:
        return self.name
