"""Administration of retention: rules (edited through services.save_rule), legal holds (placed and
released through the services), and the destruction records and runs, which nobody edits."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from khedmat.retention import services
from khedmat.retention.erasers import HOLDABLE_MODELS
from khedmat.retention.models import (
    AnonymisedRecord,
    DestructionRecord,
    LegalHold,
    RetentionRule,
    RetentionRun,
)


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    """A rule is changed, or made inactive, never deleted: its destruction records point at it."""

    list_display = ("__str__", "data_class", "service", "period_days", "action", "is_active")
    list_filter = ("data_class", "action", "is_active")
    fields = ("data_class", "service", "period_days", "action", "is_active", "basis")

    def save_model(self, request: HttpRequest, obj: RetentionRule, form: Any, change: bool) -> None:
        services.save_rule(obj, actor=request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _holdable_types() -> Q:
    condition = Q(pk__in=[])
    for model in HOLDABLE_MODELS:
        condition |= Q(app_label=model._meta.app_label, model=model._meta.model_name)
    return condition


class PlaceHoldForm(forms.ModelForm):
    """A hold on one record (its type and id) or on a service."""

    class Meta:
        model = LegalHold
        fields = ("content_type", "object_id", "service", "reason")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["content_type"]
        field.queryset = ContentType.objects.filter(_holdable_types())  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        content_type, object_id = data.get("content_type"), data.get("object_id")
        if (content_type is None) != (object_id is None):
            raise forms.ValidationError(_("Give both the record type and the record id."))
        if (content_type is None) == (data.get("service") is None):
            raise forms.ValidationError(_("A hold is on one record or on one service."))
        if content_type is not None:
            model = content_type.model_class()
            record = model._default_manager.filter(pk=object_id).first() if model else None
            if record is None:
                raise forms.ValidationError(_("No such record."))
            data["record"] = record
        return data


class ReleaseHoldForm(forms.ModelForm):
    """Releasing a hold: the reason is required; the hold itself is kept."""

    release = forms.BooleanField(label=_("Release this hold"), required=False)

    class Meta:
        model = LegalHold
        fields = ("release_reason",)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("release") and not (data.get("release_reason") or "").strip():
            raise forms.ValidationError(_("Give the reason of the release."))
        return data


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    """Holds are placed and released, never edited or deleted (both leave Activity rows)."""

    list_display = ("__str__", "reason", "placed_by", "placed_at", "released_at")
    list_select_related = ("content_type", "service", "placed_by")
    list_filter = (("released_at", admin.EmptyFieldListFilter),)
    readonly_fields = (
        "content_type",
        "object_id",
        "service",
        "reason",
        "placed_by",
        "placed_at",
        "released_by",
        "released_at",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        if obj.released_at is not None:
            return (*self.readonly_fields, "release_reason")
        return self.readonly_fields

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return PlaceHoldForm.Meta.fields
        fields = (*self.readonly_fields, "release_reason")
        return fields if obj.released_at is not None else (*fields, "release")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        kwargs["form"] = PlaceHoldForm if obj is None else ReleaseHoldForm
        kwargs["fields"] = None
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request: HttpRequest, obj: LegalHold, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            hold = services.place_hold(
                reason=data["reason"],
                actor=request.user,
                record=data.get("record"),
                service=data.get("service"),
            )
            obj.pk = hold.pk
            obj.refresh_from_db()
        elif data.get("release") and obj.released_at is None:
            services.release_hold(obj, reason=data["release_reason"], actor=request.user)
            obj.refresh_from_db()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the destruction run only; kept for good."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DestructionRecord)
class DestructionRecordAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "data_class", "action", "count", "rule_text", "finished_at")
    list_filter = ("data_class", "action")
    list_select_related = ("rule",)


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "trigger", "job_id", "finished_at")


@admin.register(AnonymisedRecord)
class AnonymisedRecordAdmin(ReadOnlyAdmin):
    list_display = ("content_type", "object_id", "anonymised_at", "destruction")

    def get_queryset(self, request: HttpRequest) -> QuerySet[AnonymisedRecord]:
        return super().get_queryset(request).select_related("content_type", "destruction")
