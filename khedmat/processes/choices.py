"""Statuses of process definitions, instances and work items, with their transition tables."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DefinitionStatus(models.TextChoices):
    """A definition is edited as a draft and frozen when published."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class InstanceStatus(models.TextChoices):
    """Where a running process stands."""

    RUNNING = "running", _("Running")
    WAITING = "waiting", _("Waiting for a timer or a message")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


#: Statuses of an instance that still moves; a request has at most one such instance.
ACTIVE_INSTANCE_STATUSES: frozenset[str] = frozenset(
    {InstanceStatus.RUNNING, InstanceStatus.WAITING}
)


class WorkItemStatus(models.TextChoices):
    """A user task waiting for a person, done, or withdrawn by the process."""

    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


WORK_ITEM_TRANSITIONS: dict[str, frozenset[str]] = {
    WorkItemStatus.OPEN: frozenset({WorkItemStatus.COMPLETED, WorkItemStatus.CANCELLED}),
    WorkItemStatus.COMPLETED: frozenset(),
    WorkItemStatus.CANCELLED: frozenset(),
}


class ServiceKind(models.TextChoices):
    """What a service task asks a job to do."""

    SMS = "sms", _("Send an SMS")
    EMAIL = "email", _("Send an email")
    INQUIRY = "inquiry", _("Inquiry to another agency")
    LETTER = "letter", _("Letter in the office automation")


class ServiceCallStatus(models.TextChoices):
    """Where a service task's job stands."""

    PENDING = "pending", _("Queued")
    WAITING = "waiting", _("Waiting for the other side")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


#: A service call in one of these may still finish its task.
OPEN_CALL_STATUSES: frozenset[str] = frozenset(
    {ServiceCallStatus.PENDING, ServiceCallStatus.WAITING}
)


class Decision(models.TextChoices):
    """What the person who completed a task decided (the diagram reads it as `decision`)."""

    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    RETURN = "return", _("Return to the applicant")
    DONE = "done", _("Done")


#: The verbs processes writes, with their timeline labels (registered in ProcessesConfig.ready()).
ACTIVITY_LABELS = {
    "process.started": _("Process started"),
    "process.timer_fired": _("Process timer fired"),
    "process.work_item_claimed": _("Task claimed"),
    "process.work_item_assigned": _("Task assigned"),
    "process.work_item_released": _("Task released"),
    "process.work_item_completed": _("Task completed"),
    "process.work_item_referred": _("Task referred to another unit"),
    "process.message_received": _("The process received a message"),
    "process.cancelled": _("Process stopped"),
    "process.failed": _("Process failed: it neither ended nor waits; staff decide the request"),
    "process.service_call_queued": _("Automatic step queued"),
    "process.service_call_done": _("Automatic step done"),
    "process.service_call_failed": _("Automatic step failed"),
    "process.service_call_retried": _("Automatic step queued again"),
}
