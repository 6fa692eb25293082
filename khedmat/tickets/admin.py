"""Admin for requests and their files: read-only (requests change only through their services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.models import User
from khedmat.tickets.models import Attachment, Ticket


class ReadOnlyMixin:
    """Requests move through the request services (Activity, SLA clocks, SMS), never by hand."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Applicants' data: agents and operators see only their units' requests, on the desk.
        user = request.user
        return (
            isinstance(user, User)
            and user.is_administrator
            and super().has_view_permission(  # type: ignore[misc]
                request, obj
            )
        )


class AttachmentInline(ReadOnlyMixin, admin.TabularInline):
    model = Attachment
    extra = 0
    can_delete = False
    fields = ("field_key", "original_name", "size", "content_type", "sha256", "is_current")
    readonly_fields = fields


@admin.register(Ticket)
class TicketAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "tracking_code",
        "service",
        "principal_name",
        "status",
        "channel",
        "org_unit",
        "assignee",
        "submitted_at",
    )
    list_filter = ("status", "channel", "kind", "principal_kind", "org_unit", "submitted_at")
    list_select_related = ("service__current_version", "org_unit", "assignee")
    search_fields = (
        "=tracking_code",
        "=principal_national_code",
        "=representative_national_code",
        "principal_name",
    )
    ordering = ("-submitted_at", "-id")
    date_hierarchy = "submitted_at"
    show_full_result_count = False
    inlines = [AttachmentInline]
    fieldsets = (
        (None, {"fields": ("tracking_code", "desk_link", "kind", "service", "service_version")}),
        (
            _("Who"),
            {
                "fields": (
                    "requester",
                    "filed_by",
                    "channel",
                    "principal_kind",
                    "principal_name",
                    "principal_national_code",
                    "principal_mobile",
                    "representative_name",
                    "representative_national_code",
                    "representative_capacity",
                    "language",
                )
            },
        ),
        (
            _("Status"),
            {
                "fields": (
                    "status",
                    "stage_title",
                    "status_changed_at",
                    "org_unit",
                    "team",
                    "assignee",
                    "priority",
                    "promised_at",
                    "submitted_at",
                    "closed_at",
                )
            },
        ),
        (
            _("Answers and decisions"),
            {
                "fields": (
                    "answers",
                    "documents",
                    "correction_fields",
                    "correction_note",
                    "decision_note",
                    "objection_text",
                    "submission_key",
                )
            },
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        names = [field.name for field in Ticket._meta.fields]
        return [*names, "desk_link"]

    @admin.display(description=_("staff workspace"))
    def desk_link(self, obj: Ticket) -> str:
        url = reverse("tickets:desk_request_detail", args=[obj.tracking_code])
        return format_html('<a href="{}">{}</a>', url, _("Open in the staff workspace"))


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("original_name", "ticket", "field_key", "size", "is_current", "uploaded_at")
    list_filter = ("is_current", "content_type", "uploaded_at")
    list_select_related = ("ticket",)
    search_fields = ("=ticket__tracking_code", "=ticket__principal_national_code", "=sha256")
    ordering = ("-uploaded_at", "-id")
    fields = (
        "ticket",
        "field_key",
        "document",
        "original_name",
        "size",
        "content_type",
        "sha256",
        "uploaded_by",
        "uploaded_at",
        "is_current",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attachment]:
        return super().get_queryset(request).select_related("ticket", "uploaded_by", "document")
