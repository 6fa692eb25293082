"""Admin for SLA policies, their targets and escalations; clocks read-only with their segments."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from khedmat.sla.models import SlaClock, SlaClockSegment, SlaEscalation, SlaPolicy, SlaTarget


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 0
    fields = ("kind", "step_key", "amount", "unit", "warning_percents")
    show_change_link = True


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "precedence",
        "is_active",
        "service_key",
        "priority",
        "requester_group",
        "record_kind",
    )
    list_editable = ("precedence", "is_active")
    list_filter = ("is_active", "priority")
    search_fields = ("name", "service_key", "record_kind")
    ordering = ("precedence", "id")
    inlines = [SlaTargetInline]


class SlaEscalationInline(admin.TabularInline):
    model = SlaEscalation
    extra = 0
    fields = ("event", "level", "action", "team", "priority", "notify_role")
    autocomplete_fields = ("team",)


@admin.register(SlaTarget)
class SlaTargetAdmin(admin.ModelAdmin):
    list_display = ("policy", "kind", "step_key", "amount", "unit", "warning_percents")
    list_filter = ("kind", "unit")
    list_select_related = ("policy",)
    search_fields = ("policy__name", "step_key")
    inlines = [SlaEscalationInline]


class ReadOnlyMixin:
    """Clocks change only through the SLA services, never by hand."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SlaClockSegmentInline(ReadOnlyMixin, admin.TabularInline):
    model = SlaClockSegment
    extra = 0
    fields = ("kind", "reason", "started_at", "ended_at", "working_minutes", "actor", "team")
    readonly_fields = fields
    can_delete = False


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "record_type",
        "record_id",
        "kind",
        "state",
        "org_unit",
        "team",
        "service_key",
        "priority",
        "started_at",
        "due_at",
        "promised_at",
    )
    list_filter = ("state", "kind", "priority")
    list_select_related = ("record_type", "org_unit", "team")
    search_fields = ("=record_id", "service_key")
    date_hierarchy = "started_at"
    inlines = [SlaClockSegmentInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in SlaClock._meta.fields]

    def get_queryset(self, request: HttpRequest) -> QuerySet[SlaClock]:
        return super().get_queryset(request).select_related("target__policy")
