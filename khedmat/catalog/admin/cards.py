"""The card editor: every save of a card makes a new version; history, previews, actions."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from khedmat.catalog import exports, queries, services
from khedmat.catalog.admin.inlines import (
    COMPACT_TEXT,
    DocumentInline,
    FaqInline,
    FeeInline,
    FormFieldInline,
    InquiryInline,
    StageInline,
    StepInline,
)
from khedmat.catalog.choices import STAGE_ORDER
from khedmat.catalog.formbuilder import AnswerForm, rows_of
from khedmat.catalog.forms import (
    ServiceCardForm,
)
from khedmat.catalog.models import (
    Service,
    ServiceVersion,
)
from khedmat.core.dates import format_datetime

# --- service cards ----------------------------------------------------------------------------


class VersionFilter(admin.SimpleListFilter):
    title = _("versions")
    parameter_name = "versions"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("all", _("All versions"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "all":
            return queryset
        return queryset.filter(service__current_version=F("pk"))

    def choices(self, changelist: Any) -> Any:
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("Cards in force"),
        }
        yield from list(super().choices(changelist))[1:]


@admin.register(ServiceVersion)
class ServiceCardAdmin(admin.ModelAdmin):
    form = ServiceCardForm
    change_form_template = "catalog/admin/card_change_form.html"
    inlines = [
        DocumentInline,
        StepInline,
        FeeInline,
        StageInline,
        InquiryInline,
        FaqInline,
        FormFieldInline,
    ]
    list_display = (
        "code",
        "title",
        "category",
        "is_published",
        "electronic_status",
        "number",
        "updated",
    )
    list_display_links = ("code", "title")
    list_filter = (VersionFilter, "service__category", "service__is_published", "electronic_status")
    search_fields = ("service__code", "title_fa", "title_ar", "title_en", "keywords")
    list_select_related = ("service__category", "service__parent", "created_by")
    list_per_page = 50
    ordering = ("service__category__position", "service__position", "service__code", "-number")
    save_as_continue = False
    formfield_overrides = COMPACT_TEXT
    actions = ["publish_selected", "unpublish_selected", "export_csv", "export_json"]
    fieldsets = (
        (
            _("Service"),
            {
                "fields": (
                    ("code", "category"),
                    ("parent", "position"),
                    "process_key",
                    "is_published",
                )
            },
        ),
        (
            _("1–2. Title, process and description"),
            {
                "fields": (
                    ("title_fa", "title_ar", "title_en"),
                    ("process_title_fa", "process_title_ar", "process_title_en"),
                    ("description_fa", "description_ar", "description_en"),
                    "keywords",
                )
            },
        ),
        (
            _("3–8. Classification"),
            {
                "fields": (
                    "service_types",
                    "audiences",
                    "nature",
                    "levels",
                    "life_events",
                    "start_trigger",
                )
            },
        ),
        (
            _("9. Legal basis"),
            {"fields": (("legal_basis_fa", "legal_basis_ar", "legal_basis_en"),)},
        ),
        (
            _("11–15. Flowchart, time, visits, frequency"),
            {
                "fields": (
                    "flowchart",
                    ("duration_amount", "duration_unit"),
                    ("service_hours_fa", "service_hours_ar", "service_hours_en"),
                    "in_person_visits",
                    ("frequency", "frequency_count", "frequency_period"),
                    ("recipients_per_month", "recipients_per_year"),
                )
            },
        ),
        (
            _("19. Complaints"),
            {"fields": (("complaint_channel_fa", "complaint_channel_ar", "complaint_channel_en"),)},
        ),
        (
            _("20. Contact and places"),
            {
                "fields": (
                    ("agency", "responsible_unit"),
                    ("contact_phone", "contact_email"),
                    ("submission_place_fa", "submission_place_ar", "submission_place_en"),
                    ("answer_place_fa", "answer_place_ar", "answer_place_en"),
                )
            },
        ),
        (
            _("21–22. Service level and user guide"),
            {
                "fields": (
                    ("sla_statement_fa", "sla_statement_ar", "sla_statement_en"),
                    "guide_file",
                    ("notes_fa", "notes_ar", "notes_en"),
                )
            },
        ),
        (
            _("23. Form filler and approval"),
            {
                "fields": (
                    ("form_filler_name", "form_filler_position", "form_filler_phone"),
                    ("approving_authority_fa", "approving_authority_ar", "approving_authority_en"),
                )
            },
        ),
        (_("This change"), {"fields": ("change_summary",)}),
    )

    # --- list columns ---

    @admin.display(description=_("service code"), ordering="service__code")
    def code(self, version: ServiceVersion) -> str:
        return version.service.code

    @admin.display(description=_("title"), ordering="title_fa")
    def title(self, version: ServiceVersion) -> str:
        if version.service.parent_id:
            return f"↳ {version.title}"
        return version.title

    @admin.display(description=_("category"), ordering="service__category__position")
    def category(self, version: ServiceVersion) -> str:
        return version.service.category.name

    @admin.display(description=_("parent service"))
    def parent_code(self, version: ServiceVersion) -> str:
        return version.service.parent.code if version.service.parent else "—"

    @admin.display(description=_("published"), boolean=True)
    def is_published(self, version: ServiceVersion) -> bool:
        return version.service.is_published

    @admin.display(description=_("changed at"), ordering="created_at")
    def updated(self, version: ServiceVersion) -> str:
        return format_datetime(version.created_at)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and not self.has_change_permission(request, obj):
            fields = (("code", "category"), ("parent_code", "is_published"))
            fieldsets[0] = (fieldsets[0][0], {"fields": fields})
        return fieldsets

    # --- permissions: versions are never deleted ---

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # --- saving makes a new version ---

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change, **kwargs)
        source = obj or getattr(request, "catalog_source", None)
        return type(form_class.__name__, (form_class,), {"source_version": source})

    def get_formset_kwargs(
        self, request: HttpRequest, obj: Any, inline: Any, prefix: str
    ) -> dict[str, Any]:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, StageInline) and request.method != "POST" and obj.pk is None:
            kwargs["initial"] = [{"stage": stage} for stage in STAGE_ORDER]
        return kwargs

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        if object_id is not None:
            source = self.get_object(request, object_id)
            if source is None:
                return self._get_obj_does_not_exist_redirect(  # type: ignore[attr-defined]
                    request, self.opts, object_id
                )
            extra_context.update(
                {
                    "source_version": source,
                    "next_number": source.service.versions.count() + 1,
                    "is_current_version": source.is_current,
                }
            )
            if request.method == "POST":
                if not self.has_change_permission(request, source):
                    raise PermissionDenied
                data = request.POST.copy()
                data["_saveasnew"] = "1"
                request.POST = data  # type: ignore[assignment]
                request.catalog_source = source  # type: ignore[attr-defined]
        return super().changeform_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A new version of an existing service needs "change"; a new service needs "add".
        if getattr(request, "catalog_source", None) is not None:
            return self.has_change_permission(request)
        return super().has_add_permission(request)

    def save_model(
        self, request: HttpRequest, obj: ServiceVersion, form: Any, change: bool
    ) -> None:
        """Nothing yet: the version is saved with its rows in save_related, by the service."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        version: ServiceVersion = form.instance
        rows = {
            formset.fk.remote_field.related_name: formset.save(commit=False) for formset in formsets
        }
        source: ServiceVersion | None = getattr(request, "catalog_source", None)
        self._keep_files(form, version, source)
        data = form.cleaned_data
        if source is None:
            service = services.create_service(
                data["code"],
                category=data["category"],
                parent=data["parent"],
                position=data["position"],
                process_key=data.get("process_key") or "",
                card=version,
                rows=rows,
                actor=request.user,
                change_summary=data.get("change_summary", ""),
            )
        else:
            service = source.service
            services.add_card_version(
                service,
                version=version,
                rows=rows,
                actor=request.user,
                change_summary=data.get("change_summary", ""),
                service_changes={
                    "category": data["category"],
                    "parent": data["parent"],
                    "position": data["position"],
                    "process_key": data.get("process_key") or "",
                },
            )
        if data["is_published"]:
            services.publish_service(service, actor=request.user)
        else:
            services.unpublish_service(service, actor=request.user)

    @staticmethod
    def _keep_files(form: Any, version: ServiceVersion, source: ServiceVersion | None) -> None:
        """A file not uploaded again carries over from the version being edited (unless cleared)."""
        if source is None:
            return
        for name in ("guide_file", "flowchart"):
            if form.cleaned_data.get(name) is None:
                setattr(version, name, getattr(source, name).name)

    def response_add(
        self, request: HttpRequest, obj: ServiceVersion, post_url_continue: str | None = None
    ) -> HttpResponse:
        if getattr(request, "catalog_source", None) is not None:
            self.message_user(
                request,
                _(
                    "Saved as version %(number)s of %(code)s; the previous version stays in the history."
                )
                % {"number": obj.number, "code": obj.service.code},
                messages.SUCCESS,
            )
            if "_continue" in request.POST:
                return HttpResponseRedirect(self._url("change", obj.pk))
            return HttpResponseRedirect(reverse("admin:catalog_serviceversion_changelist"))
        return super().response_add(request, obj, post_url_continue)

    # --- history and previews ---

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/preview/",
                wrap(self.preview_view),
                name="catalog_serviceversion_preview",
            ),
            path(
                "<int:object_id>/form-preview/",
                wrap(self.form_preview_view),
                name="catalog_serviceversion_form_preview",
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def _url(name: str, pk: int) -> str:
        return reverse(f"admin:catalog_serviceversion_{name}", args=[pk])

    def _version_or_404(self, request: HttpRequest, object_id: Any) -> ServiceVersion:
        version = get_object_or_404(queries.card_version_queryset(), pk=object_id)
        if not self.has_view_permission(request, version):
            raise PermissionDenied
        return version

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Every version of the service: who, when, what changed; links to each (R-5)."""
        version = self._version_or_404(request, object_id)
        labels = {
            field.name: field.verbose_name
            for field in ServiceVersion._meta.get_fields()
            if hasattr(field, "verbose_name")
        }
        labels.update(
            {name: model._meta.verbose_name_plural for name, model in services.ROW_MODELS.items()}
        )
        labels.update(
            {
                "category": _("category"),
                "parent": _("parent service"),
                "position": _("position"),
                "created": _("created"),
            }
        )
        history = [
            {
                "version": item,
                "changed": [str(labels.get(name, name)) for name in item.changed_fields],
                "url": self._url("change", item.pk),
                "preview_url": self._url("preview", item.pk),
            }
            for item in queries.version_history(version.service)
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("History of %(code)s") % {"code": version.service.code},
            "service": version.service,
            "history": history,
            "current_id": version.service.current_version_id,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "catalog/admin/card_history.html", context)

    def preview_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """The public card page of this version, as the portal would show it."""
        version = self._version_or_404(request, object_id)
        service = version.service
        service.sub_services = list(  # type: ignore[attr-defined]
            Service.objects.published().filter(parent=service).select_related("current_version")
        )
        return TemplateResponse(
            request,
            "catalog/admin/card_preview.html",
            {
                "service": service,
                "version": version,
                "preview": True,
                "change_url": self._url("change", version.pk),
                "form_preview_url": self._url("form_preview", version.pk),
            },
        )

    def form_preview_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """The application form of this version; submitting only validates, nothing is stored."""
        version = self._version_or_404(request, object_id)
        rows = rows_of(version)
        if request.method == "POST":
            form = AnswerForm(rows, request.POST, request.FILES)
            answers = (
                json.dumps(form.answers, ensure_ascii=False, indent=2) if form.is_valid() else None
            )
        else:
            form, answers = AnswerForm(rows), None
        return TemplateResponse(
            request,
            "catalog/admin/form_preview.html",
            {
                "service": version.service,
                "version": version,
                "form": form,
                "answers": answers,
                "change_url": self._url("change", version.pk),
                "preview_url": self._url("preview", version.pk),
            },
        )

    # --- actions ---

    def _services_of(self, queryset: QuerySet[ServiceVersion]) -> list[Service]:
        return list(Service.objects.filter(versions__in=queryset).distinct())

    @admin.action(description=_("Publish the selected services"), permissions=["change"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[ServiceVersion]) -> None:
        chosen = self._services_of(queryset)
        for service in chosen:
            services.publish_service(service, actor=request.user)
        message = ngettext(
            "%(count)d service published.", "%(count)d services published.", len(chosen)
        )
        self.message_user(request, message % {"count": len(chosen)})

    @admin.action(
        description=_("Take the selected services off the portal"), permissions=["change"]
    )
    def unpublish_selected(self, request: HttpRequest, queryset: QuerySet[ServiceVersion]) -> None:
        chosen = self._services_of(queryset)
        for service in chosen:
            services.unpublish_service(service, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d service taken off the portal.",
                "%(count)d services taken off the portal.",
                len(chosen),
            )
            % {"count": len(chosen)},
        )

    def _export(
        self, request: HttpRequest, queryset: QuerySet[ServiceVersion], kind: str
    ) -> HttpResponse:
        codes = [service.code for service in self._services_of(queryset)]
        chosen = queries.export_services(published_only=False, codes=codes)
        base_url = request.build_absolute_uri("/").rstrip("/")
        if kind == "csv":
            body, content_type = (
                exports.export_csv(chosen, base_url=base_url),
                "text/csv; charset=utf-8",
            )
        else:
            body, content_type = (
                exports.export_json(chosen, base_url=base_url),
                "application/json; charset=utf-8",
            )
        response = HttpResponse(body.encode("utf-8"), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="khedmat-catalog.{kind}"'
        return response

    @admin.action(description=_("Export the selected services (CSV)"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[ServiceVersion]) -> HttpResponse:
        return self._export(request, queryset, "csv")

    @admin.action(description=_("Export the selected services (JSON)"), permissions=["view"])
    def export_json(self, request: HttpRequest, queryset: QuerySet[ServiceVersion]) -> HttpResponse:
        return self._export(request, queryset, "json")

    def view_on_site(self, obj: ServiceVersion) -> str | None:  # type: ignore[override]
        return (
            reverse("catalog:service_detail", args=[obj.service.code])
            if obj.service.is_published
            else None
        )

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any
    ) -> HttpResponse:
        obj = context.get("original")
        if obj is not None and obj.pk:
            context.update(
                {
                    "preview_url": self._url("preview", obj.pk),
                    "form_preview_url": self._url("form_preview", obj.pk),
                    "history_url": self._url("history", obj.pk),
                    "public_url": self.view_on_site(obj),
                }
            )
        context["show_save_as_new"] = False
        return super().render_change_form(request, context, *args, **kwargs)
