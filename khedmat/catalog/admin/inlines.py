"""Inlines of the card editor: the rows of a card version, copied into each new version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from khedmat.catalog.choices import STAGE_ORDER
from khedmat.catalog.formbuilder import check_form_definition
from khedmat.catalog.forms import (
    FormFieldForm,
    RequiredDocumentForm,
    StageChannelForm,
)
from khedmat.catalog.models import (
    FaqEntry,
    Fee,
    FormField,
    RequiredDocument,
    ServiceInquiry,
    ServiceStep,
    StageChannel,
)

# --- inlines ----------------------------------------------------------------------------------


COMPACT_TEXT: Mapping[type[models.Field[Any, Any]], Mapping[str, Any]] = {
    models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 36})}
}
# Table rows: inputs sized to fit a table cell, not the admin's 610px default.
TABLE_CELLS: Mapping[type[models.Field[Any, Any]], Mapping[str, Any]] = {
    models.CharField: {"widget": forms.TextInput(attrs={"size": 14})},
    models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 16})},
}


class CardRowInline(admin.StackedInline):
    """Rows of a card version; on save they are copied into the new version."""

    extra = 0
    ordering = ("position", "id")
    formfield_overrides = COMPACT_TEXT

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # "Delete" on a row means "leave it out of the new version"; nothing is deleted.
        return self.has_change_permission(request, obj)


class DocumentInline(CardRowInline):
    model = RequiredDocument
    form = RequiredDocumentForm
    fieldsets = (
        (None, {"fields": (("title_fa", "title_ar", "title_en"), ("source", "inquiry_provider"))}),
        (None, {"fields": (("description_fa", "description_ar", "description_en"),)}),
        (
            None,
            {
                "fields": (
                    ("is_mandatory", "allowed_types", "max_size_kb", "max_count", "position"),
                )
            },
        ),
    )


class CardRowTabularInline(admin.TabularInline):
    """Short rows of a card version, one line each."""

    extra = 0
    ordering = ("position", "id")
    formfield_overrides = TABLE_CELLS

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)


class StepInline(CardRowTabularInline):
    model = ServiceStep
    fields = (
        "position",
        "title_fa",
        "title_ar",
        "title_en",
        "description_fa",
        "description_ar",
        "description_en",
    )


class FeeFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        """R-3: a card states its fee; a free service has one row of 0."""
        super().clean()
        kept = [
            form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if not kept:
            raise ValidationError(_("Give the fee of the service; enter 0 when it is free."))


class FeeInline(CardRowTabularInline):
    model = Fee
    formset = FeeFormSet
    fields = (
        "position",
        "title_fa",
        "title_ar",
        "title_en",
        "amount",
        "currency",
        "beneficiary",
        "bank_account",
    )


class FaqInline(CardRowInline):
    model = FaqEntry
    classes = ("collapse",)
    fields = (
        ("question_fa", "question_ar", "question_en"),
        ("answer_fa", "answer_ar", "answer_en"),
        "position",
    )


class StageFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        stages = [
            form.cleaned_data.get("stage")
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if len(stages) != len(set(stages)):
            raise ValidationError(_("Each stage appears once per card."))


class StageInline(admin.TabularInline):
    model = StageChannel
    form = StageChannelForm
    formset = StageFormSet
    max_num = len(STAGE_ORDER)
    ordering = ("position", "id")
    formfield_overrides = TABLE_CELLS
    verbose_name_plural = _(
        "Channels and e-readiness per stage (stages left out are not electronic)"
    )

    def get_extra(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> int:
        return 0 if obj else len(STAGE_ORDER)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)


class InquiryInline(CardRowTabularInline):
    model = ServiceInquiry
    fields = ("position", "title_fa", "title_ar", "title_en", "agency", "system", "is_online")


class FormFieldFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        """The rows make one form: unique keys, real groups, conditions on earlier fields."""
        super().clean()
        rows = [
            form.instance
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        check_form_definition(rows)


class FormFieldInline(CardRowInline):
    model = FormField
    form = FormFieldForm
    formset = FormFieldFormSet
    classes = ("collapse",)
    fieldsets = (
        (None, {"fields": (("key", "field_type", "is_required", "group_key", "position"),)}),
        (
            None,
            {"fields": (("label_fa", "label_ar", "label_en"), ("help_fa", "help_ar", "help_en"))},
        ),
        (None, {"fields": (("config", "show_if"), "integration_key")}),
    )
