"""Admin for the catalog: categories and service cards with their rows, history and previews.

A card version is never edited in place: saving the change page of any version makes a new
version of the service from what is on the page (R-5); the old one stays readable in the history.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from khedmat.catalog.admin import cards, inlines
from khedmat.catalog.models import Category

__all__ = ["CategoryAdmin", "cards", "inlines"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name_fa", "name_ar", "name_en", "code", "position", "is_active")
    list_editable = ("position", "is_active")
    search_fields = ("code", "name_fa", "name_ar", "name_en")
    prepopulated_fields = {"code": ("name_en",)}
    fieldsets = (
        (None, {"fields": ("code", "position", "is_active")}),
        (_("Name"), {"fields": (("name_fa", "name_ar", "name_en"),)}),
        (_("Description"), {"fields": ("description_fa", "description_ar", "description_en")}),
    )
