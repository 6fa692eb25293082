"""Admin for change enablement's reference data (boards, templates, risk questions, freeze
windows) and read access to changes, which move only through their use cases."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from khedmat.changes.freeze import derive_year
from khedmat.changes.models import (
    Change,
    ChangeBoard,
    ChangeTemplate,
    ChangeVote,
    FreezeWindow,
    RiskQuestion,
)

#: The Jalali years the admin action derives.
DERIVED_YEARS = (1404, 1405)


@admin.register(ChangeBoard)
class ChangeBoardAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "change_kind", "rule", "is_active")
    list_filter = ("change_kind", "rule", "is_active")
    filter_horizontal = ("members",)
    search_fields = ("name", "code")


@admin.register(ChangeTemplate)
class ChangeTemplateAdmin(admin.ModelAdmin):
    list_display = ("title", "code", "is_active")
    list_filter = ("is_active",)
    search_fields = ("title", "code")


@admin.register(RiskQuestion)
class RiskQuestionAdmin(admin.ModelAdmin):
    list_display = ("code", "text_fa", "text_en", "position", "is_active")
    list_editable = ("position", "is_active")


@admin.register(FreezeWindow)
class FreezeWindowAdmin(admin.ModelAdmin):
    list_display = (
        "name_fa",
        "name_en",
        "origin",
        "jalali_year",
        "starts_at",
        "ends_at",
        "is_active",
    )
    list_filter = ("origin", "jalali_year", "is_active")
    filter_horizontal = ("items",)
    actions = ("derive_from_national_calendar",)

    def get_changelist_instance(self, request: HttpRequest) -> ChangeList:
        """Show the actions even on an empty list: deriving needs no selected window."""
        changelist = super().get_changelist_instance(request)
        changelist.show_admin_actions = True
        return changelist

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if (
            request.method == "POST"
            and request.POST.get("action") == "derive_from_national_calendar"
            and not request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        ):
            post = request.POST.copy()
            post.setlist(helpers.ACTION_CHECKBOX_NAME, ["0"])  # the action reads no selection
            post["select_across"] = "1"
            request.POST = post  # type: ignore[assignment]
        return super().changelist_view(request, extra_context)

    @admin.action(
        description=_("Derive from the national calendar for 1404 and 1405"),
        permissions=("add",),
    )
    def derive_from_national_calendar(
        self, request: HttpRequest, queryset: QuerySet[FreezeWindow]
    ) -> None:
        made = 0
        for year in DERIVED_YEARS:
            result = derive_year(year, actor=request.user)
            made += len(result.windows)
            for message in result.missing:
                self.message_user(request, message, messages.WARNING)
        self.message_user(
            request,
            _("%(count)s freeze windows derived or brought up to date.") % {"count": made},
            messages.SUCCESS,
        )


class ChangeVoteInline(admin.TabularInline):
    model = ChangeVote
    extra = 0
    can_delete = False
    readonly_fields = ("voter", "vote", "note", "created_at")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    """Read-mostly: changes move only through their use cases, which write the Activity rows."""

    list_display = ("tracking_code", "title", "kind", "status", "risk_level", "planned_start")
    list_filter = ("status", "kind", "risk_level")
    search_fields = ("tracking_code", "title")
    list_select_related = ("requested_by",)
    inlines = (ChangeVoteInline,)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
