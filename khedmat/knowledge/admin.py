"""Admin for knowledge categories and articles; article edits go through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from khedmat.knowledge import services
from khedmat.knowledge.models import Article, ArticleVersion, Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ("name_fa", "name_ar", "name_en", "position", "is_active")


class ArticleAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    title_fa = forms.CharField(label=_("title (Persian)"), max_length=300)
    title_ar = forms.CharField(label=_("title (Arabic)"), max_length=300, required=False)
    title_en = forms.CharField(label=_("title (English)"), max_length=300, required=False)
    body_fa = forms.CharField(label=_("text (Persian)"), widget=forms.Textarea, required=False)
    body_ar = forms.CharField(label=_("text (Arabic)"), widget=forms.Textarea, required=False)
    body_en = forms.CharField(label=_("text (English)"), widget=forms.Textarea, required=False)

    class Meta:
        model = Article
        fields = ("kind", "audience", "status", "category", "services", "position")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        version = self.instance.current_version if self.instance.pk else None
        for name in services.TEXT_FIELDS:
            self.fields[name].initial = getattr(version, name, "")


class ArticleVersionInline(admin.TabularInline[ArticleVersion, Article]):
    model = ArticleVersion
    fields = ("number", "title_fa", "edited_by", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    form = ArticleAdminForm
    list_display = ("__str__", "kind", "audience", "status", "category", "updated_at")
    list_filter = ("kind", "audience", "status", "category")
    filter_horizontal = ("services",)
    inlines = [ArticleVersionInline]

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        texts = {name: form.cleaned_data[name] for name in services.TEXT_FIELDS}
        fields = {name: form.cleaned_data[name] for name in ("kind", "audience", "category")}
        status = form.cleaned_data["status"]
        if change:
            article = services.edit_article(obj, actor=request.user, **fields, **texts)
        else:
            article = services.create_article(actor=request.user, **fields, **texts)
        obj.pk = article.pk
        obj.refresh_from_db()
        services.change_article_status(obj, status, actor=request.user)
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        form.instance.services.set(form.cleaned_data["services"])
        services.index_article(form.instance)
        for formset in formsets:
            self.save_formset(request, form, formset, change)
