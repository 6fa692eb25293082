"""Rows the job runtime keeps beside django-tasks-db's own: worker heartbeats and the tick guard."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """A job worker process that is (or was) alive; refreshed while it runs."""

    worker_id = models.CharField(_("worker id"), max_length=64, unique=True)
    hostname = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    # Containers may share a host name but not a process table; the pid check needs both to match.
    pid_namespace = models.CharField(_("process namespace"), max_length=64, blank=True, default="")
    started_at = models.DateTimeField(_("started at"))
    last_seen_at = models.DateTimeField(_("last seen at"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")
        indexes = [models.Index(fields=["-last_seen_at"], name="jobs_heartbeat_seen_idx")]

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid} ({self.worker_id})"


class TickState(models.Model):
    """The last minute a periodic tick was claimed; one conditional UPDATE on it elects one runner."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    last_minute = models.DateTimeField(_("last minute"))

    class Meta:
        verbose_name = _("tick state")
        verbose_name_plural = _("tick states")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_minute.isoformat()}"
