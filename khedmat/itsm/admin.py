"""Admin for the ITSM reference data (matrix, categories) and read access to the records."""

from __future__ import annotations

from django.contrib import admin

from khedmat.itsm.models import (
    Incident,
    IncidentCategory,
    KnownError,
    PriorityRule,
    Problem,
    PublicNotice,
)


@admin.register(PriorityRule)
class PriorityRuleAdmin(admin.ModelAdmin):
    list_display = ("impact", "urgency", "priority")
    list_editable = ("priority",)
    list_display_links = ("impact",)


@admin.register(IncidentCategory)
class IncidentCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fa", "name_ar", "name_en", "position", "is_active")
    list_editable = ("position", "is_active")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records change only through their use cases (services), which write the Activity rows."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ("tracking_code", "title", "status", "priority", "is_major", "created_at")
    list_filter = ("status", "priority", "is_major")
    search_fields = ("tracking_code", "title")


@admin.register(Problem)
class ProblemAdmin(ReadOnlyAdmin):
    list_display = ("tracking_code", "title", "status", "priority", "created_at")
    list_filter = ("status",)


@admin.register(KnownError)
class KnownErrorAdmin(ReadOnlyAdmin):
    list_display = ("code", "title", "is_active", "created_at")
    list_filter = ("is_active",)


@admin.register(PublicNotice)
class PublicNoticeAdmin(ReadOnlyAdmin):
    list_display = ("incident", "published_at", "ended_at")
