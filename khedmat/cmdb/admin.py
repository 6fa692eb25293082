"""Admin for the CMDB reference data (CI types and their attributes) and the CIs themselves."""

from __future__ import annotations

from django.contrib import admin

from khedmat.cmdb.models import CiAttribute, CiRelation, CiType, ConfigurationItem


class CiAttributeInline(admin.TabularInline):
    model = CiAttribute
    fk_name = "ci_type"
    extra = 0
    fields = (
        "position",
        "code",
        "name_fa",
        "name_ar",
        "name_en",
        "kind",
        "required",
        "choices",
        "reference_type",
    )


@admin.register(CiType)
class CiTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fa", "name_ar", "name_en", "is_service", "position")
    list_editable = ("position",)
    inlines = [CiAttributeInline]


@admin.register(ConfigurationItem)
class ConfigurationItemAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "ci_type", "status", "owner_team")
    list_filter = ("ci_type", "status")
    search_fields = ("code", "name")
    list_select_related = ("ci_type", "owner_team")
    raw_id_fields = ("service", "owner_team")


@admin.register(CiRelation)
class CiRelationAdmin(admin.ModelAdmin):
    list_display = ("source", "kind", "target")
    list_filter = ("kind",)
    list_select_related = ("source", "target")
    raw_id_fields = ("source", "target")
