"""Admin: worker heartbeats, read-only (the workers write them)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from khedmat.jobs.models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ("worker_id", "hostname", "pid", "started_at", "last_seen_at")
    list_filter = ("hostname",)
    search_fields = ("worker_id", "hostname")
    ordering = ("-last_seen_at",)
    readonly_fields = (
        "worker_id",
        "hostname",
        "pid",
        "pid_namespace",
        "started_at",
        "last_seen_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: WorkerHeartbeat | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: WorkerHeartbeat | None = None
    ) -> bool:
        return False
