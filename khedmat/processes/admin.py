"""Read-mostly admin for process definitions, instances and work items (writes go through services)."""

from __future__ import annotations

from django.contrib import admin

from khedmat.processes.models import ProcessDefinition, ProcessInstance, WorkItem


@admin.register(ProcessDefinition)
class ProcessDefinitionAdmin(admin.ModelAdmin[ProcessDefinition]):
    list_display = ["key", "version", "name", "status", "published_at"]
    list_filter = ["status"]
    search_fields = ["key", "name"]
    readonly_fields = ["status", "published_at", "process_id", "created_by", "created_at"]


@admin.register(ProcessInstance)
class ProcessInstanceAdmin(admin.ModelAdmin[ProcessInstance]):
    list_display = ["id", "ticket", "definition", "status", "next_timer_at", "updated_at"]
    list_filter = ["status"]
    raw_id_fields = ["ticket", "definition"]
    exclude = ["state"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(WorkItem)
class WorkItemAdmin(admin.ModelAdmin[WorkItem]):
    list_display = ["title", "ticket", "role", "org_unit", "assignee", "status", "due_at"]
    list_filter = ["status", "role"]
    raw_id_fields = ["instance", "ticket", "assignee", "completed_by"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
