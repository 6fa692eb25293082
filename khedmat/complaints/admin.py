"""Admin for complaints: read-only (a complaint changes only through its services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from khedmat.accounts.models import User
from khedmat.complaints.models import Complaint


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ("tracking_code", "subject", "status", "org_unit", "submitted_at", "deadline_at")
    list_filter = ("status", "channel")
    search_fields = ("tracking_code", "complainant_national_code")
    list_select_related = ("org_unit",)
    raw_id_fields = ("service", "ticket", "complainant", "filed_by", "answered_by", "org_unit")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user = request.user
        return (
            isinstance(user, User)
            and user.is_administrator
            and super().has_view_permission(request, obj)
        )
