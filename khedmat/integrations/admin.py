"""Admin pages to read the inquiry log and see queued inquiries and letters."""

from __future__ import annotations

from django.contrib import admin

from khedmat.integrations.models import InquiryLog, InquiryRequest, OfficeLetter


@admin.register(InquiryLog)
class InquiryLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "provider", "kind", "outcome", "latency_ms", "request_id"]
    list_filter = ["provider", "kind", "outcome"]
    search_fields = ["request_id", "parameters_hash"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(InquiryRequest)
class InquiryRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "status", "attempts", "record_type", "record_id", "updated_at"]
    list_filter = ["kind", "status"]
    readonly_fields = ["parameters_hash", "result", "attempts", "error"]


@admin.register(OfficeLetter)
class OfficeLetterAdmin(admin.ModelAdmin):
    list_display = ["letter_number", "letter_date", "provider", "status", "last_checked_at"]
    list_filter = ["provider", "status"]
    search_fields = ["letter_number", "subject"]
