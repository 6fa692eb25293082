"""Admin for survey definitions and their questions (invitations and responses are read-only)."""

from __future__ import annotations

from django.contrib import admin

from khedmat.surveys.models import SurveyDefinition, SurveyFollowUp, SurveyQuestion


class SurveyQuestionInline(admin.TabularInline):
    model = SurveyQuestion
    extra = 0
    fields = ["position", "key", "kind", "label_fa", "label_ar", "label_en", "is_required"]
    ordering = ["position", "id"]


@admin.register(SurveyDefinition)
class SurveyDefinitionAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "service", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "key"]
    raw_id_fields = ["service"]
    inlines = [SurveyQuestionInline]


@admin.register(SurveyFollowUp)
class SurveyFollowUpAdmin(admin.ModelAdmin):
    list_display = ["reason", "org_unit", "status", "created_at", "closed_at"]
    list_filter = ["status"]
    readonly_fields = [
        "response",
        "org_unit",
        "status",
        "reason",
        "note",
        "created_at",
        "closed_at",
        "closed_by",
    ]

    def has_add_permission(self, request: object) -> bool:  # type: ignore[override]
        return False
