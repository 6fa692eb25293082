"""Admin for scopes, placements, work weeks, overrides and holidays; the closure announcement."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Min, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from persiantools.jdatetime import JalaliDate

from khedmat.calendars import services
from khedmat.calendars.choices import HolidayKind, ScopeKind, Weekday
from khedmat.calendars.forms import AnnounceClosureForm, HoursOverrideForm
from khedmat.calendars.models import (
    CalendarScope,
    Holiday,
    HoursOverride,
    UnitPlacement,
    WorkingHours,
    WorkWeek,
)
from khedmat.calendars.queries import org_unit_ids_in_scope
from khedmat.core.dates import jalali_date

WEEKDAY_LABELS = dict(Weekday.choices)


def both_dates(day: dt.date | None) -> str:
    """Jalali over Gregorian, each isolated so right-to-left and left-to-right text do not mix."""
    if day is None:
        return "—"
    return format_html(
        '<bdi dir="rtl">{}</bdi><br><small><bdi dir="ltr">{}</bdi></small>',
        jalali_date(day),
        day.isoformat(),
    )


class CalendarEntryAdmin(admin.ModelAdmin):
    """Saves and deletes go through the services: Activity row, revision, listeners."""

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        before = None
        if change and obj.pk:
            before = services.affected_by(type(obj).objects.get(pk=obj.pk))
        obj.save()
        request._calendar_before = before  # type: ignore[attr-defined]

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        services.record_calendar_change(
            form.instance,
            actor=request.user,
            created=not change,
            before=getattr(request, "_calendar_before", None),
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete_calendar_entry(obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            services.delete_calendar_entry(obj, actor=request.user)


class ScopeKindFilter(admin.SimpleListFilter):
    title = _("scope kind")
    parameter_name = "scope_kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(ScopeKind.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(scope__kind=value) if value else queryset


class JalaliYearFilter(admin.SimpleListFilter):
    title = _("year (Jalali)")
    parameter_name = "jalali_year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        bounds = model_admin.get_queryset(request).aggregate(first=Min("date"), last=Max("date"))
        if bounds["first"] is None:
            return []
        first = JalaliDate(bounds["first"]).year
        last = JalaliDate(bounds["last"]).year
        return [(str(year), str(year)) for year in range(last, first - 1, -1)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value or not value.isdigit():
            return queryset
        year = int(value)
        first = JalaliDate(year, 1, 1).to_gregorian()
        last = JalaliDate(year + 1, 1, 1).to_gregorian() - dt.timedelta(days=1)
        return queryset.filter(date__gte=first, date__lte=last)


@admin.register(CalendarScope)
class CalendarScopeAdmin(CalendarEntryAdmin):
    list_display = ("name_fa", "name_en", "kind", "code", "parent", "time_zone", "unit_count")
    list_filter = ("kind", ("parent", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "name_fa", "name_ar", "name_en")
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    fields = ("kind", "code", "name_fa", "name_ar", "name_en", "parent", "time_zone")

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarScope]:
        return super().get_queryset(request).annotate(placed=Count("placed_units"))

    @admin.display(description=_("units placed here"), ordering="placed")
    def unit_count(self, scope: CalendarScope) -> int:
        return getattr(scope, "placed", 0)


@admin.register(UnitPlacement)
class UnitPlacementAdmin(CalendarEntryAdmin):
    list_display = ("org_unit", "location", "agency", "observes_administrative_closures")
    list_filter = (
        "observes_administrative_closures",
        ("location", admin.RelatedOnlyFieldListFilter),
        ("agency", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("org_unit__name", "org_unit__code", "location__name_fa", "location__code")
    autocomplete_fields = ["org_unit", "location", "agency"]
    list_select_related = ["org_unit", "location", "agency"]


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0
    fields = ("weekday", "starts_at", "ends_at")


@admin.register(WorkWeek)
class WorkWeekAdmin(CalendarEntryAdmin):
    inlines = [WorkingHoursInline]
    list_display = ("name", "scope", "valid_from_display", "valid_until_display", "summary")
    list_filter = (ScopeKindFilter, ("scope", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "scope__name_fa", "scope__code")
    autocomplete_fields = ["scope"]
    list_select_related = ["scope"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WorkWeek]:
        return super().get_queryset(request).prefetch_related("hours")

    @admin.display(description=_("in force from"), ordering="valid_from")
    def valid_from_display(self, week: WorkWeek) -> str:
        return both_dates(week.valid_from)

    @admin.display(description=_("in force until"), ordering="valid_until")
    def valid_until_display(self, week: WorkWeek) -> str:
        return both_dates(week.valid_until)

    @admin.display(description=_("hours"))
    def summary(self, week: WorkWeek) -> str:
        by_day: dict[int, list[str]] = {}
        for row in week.hours.all():
            by_day.setdefault(row.weekday, []).append(f"{row.starts_at:%H:%M}–{row.ends_at:%H:%M}")
        return format_html_join(
            mark_safe("<br>"),
            "{} {}",
            (
                (WEEKDAY_LABELS[day], ", ".join(by_day.get(day, ())) or "—")
                for day in Weekday.values
            ),
        )


@admin.register(HoursOverride)
class HoursOverrideAdmin(CalendarEntryAdmin):
    form = HoursOverrideForm
    list_display = ("name", "scope", "start_display", "end_display", "mode", "window")
    list_filter = ("mode", ScopeKindFilter, ("scope", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "note", "scope__name_fa", "scope__code")
    autocomplete_fields = ["scope"]
    list_select_related = ["scope"]
    fieldsets = (
        (None, {"fields": ("name", "scope", "start_date", "end_date", "weekdays")}),
        (
            _("Hours"),
            {
                "fields": (
                    "mode",
                    ("opens_at", "closes_at"),
                    ("late_start_minutes", "early_end_minutes"),
                )
            },
        ),
        (None, {"fields": ("note",)}),
    )

    @admin.display(description=_("first day"), ordering="start_date")
    def start_display(self, override: HoursOverride) -> str:
        return both_dates(override.start_date)

    @admin.display(description=_("last day"), ordering="end_date")
    def end_display(self, override: HoursOverride) -> str:
        return both_dates(override.end_date)

    @admin.display(description=_("hours"))
    def window(self, override: HoursOverride) -> str:
        if override.opens_at and override.closes_at:
            return f"{override.opens_at:%H:%M}–{override.closes_at:%H:%M}"
        return f"+{override.late_start_minutes} / −{override.early_end_minutes}"


@admin.register(Holiday)
class HolidayAdmin(CalendarEntryAdmin):
    change_list_template = "calendars/admin/holiday_change_list.html"
    list_display = (
        "date_display",
        "weekday",
        "name_fa",
        "name_en",
        "kind",
        "basis",
        "scope",
        "confirmed",
    )
    list_display_links = ("date_display", "name_fa")
    list_filter = (
        JalaliYearFilter,
        "kind",
        "confirmed",
        "basis",
        ScopeKindFilter,
        ("scope", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("name_fa", "name_ar", "name_en", "source", "note")
    autocomplete_fields = ["scope"]
    list_select_related = ["scope"]
    actions = ["confirm_selected"]
    fieldsets = (
        (None, {"fields": (("date", "end_date"), "scope", "kind", "basis", "confirmed")}),
        (_("Names"), {"fields": ("name_fa", "name_ar", "name_en")}),
        (_("Part of the day"), {"fields": (("starts_at", "ends_at"),)}),
        (_("Source"), {"fields": ("source", "note")}),
    )

    @admin.display(description=_("date"), ordering="date")
    def date_display(self, holiday: Holiday) -> str:
        if holiday.end_date and holiday.end_date != holiday.date:
            return format_html(
                "{}<br>{}<br>{}",
                both_dates(holiday.date),
                _("to"),
                both_dates(holiday.end_date),
            )
        return both_dates(holiday.date)

    @admin.display(description=_("weekday"))
    def weekday(self, holiday: Holiday) -> str:
        return str(WEEKDAY_LABELS[holiday.date.weekday()])

    @admin.action(description=_("Mark the selected days as confirmed"), permissions=["change"])
    def confirm_selected(self, request: HttpRequest, queryset: QuerySet[Holiday]) -> None:
        pending = list(queryset.filter(confirmed=False))
        for holiday in pending:
            services.confirm_holiday(holiday, actor=request.user)
        self.message_user(
            request,
            ngettext("%(count)d day confirmed.", "%(count)d days confirmed.", len(pending))
            % {"count": len(pending)},
            messages.SUCCESS,
        )

    def get_urls(self) -> list[URLPattern]:
        announce = path(
            "announce/",
            self.admin_site.admin_view(self.announce_closure_view),
            name="calendars_holiday_announce",
        )
        return [announce, *super().get_urls()]

    def announce_closure_view(self, request: HttpRequest) -> HttpResponse:
        """Announce a closure: the form, a confirmation showing the units affected, the service."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AnnounceClosureForm(request.POST or None)
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Announce a closure"),
            "form": form,
            "confirming": False,
        }
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            if data.get("confirmed"):
                return self._announce(request, data)
            affected = org_unit_ids_in_scope(data["scope"])
            last = data.get("end_date") or data["date"]
            context.update(
                confirming=True,
                affected_units=len(affected),
                first_day=both_dates(data["date"]),
                last_day=both_dates(last),
                day_count=(last - data["date"]).days + 1,
                kind_label=HolidayKind(data["kind"]).label,
            )
        return TemplateResponse(request, "calendars/admin/announce_closure.html", context)

    def _announce(self, request: HttpRequest, data: dict[str, Any]) -> HttpResponse:
        holiday = services.announce_closure(
            date=data["date"],
            end_date=data.get("end_date"),
            scope=data["scope"],
            name_fa=data["name_fa"],
            name_ar=data.get("name_ar", ""),
            name_en=data.get("name_en", ""),
            kind=data["kind"],
            starts_at=data.get("starts_at"),
            ends_at=data.get("ends_at"),
            source=data.get("source", ""),
            notify_applicants=bool(data.get("notify_applicants")),
            actor=request.user,
        )
        self.message_user(
            request,
            _("The closure “%(name)s” is announced.") % {"name": holiday.name},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:calendars_holiday_change", args=[holiday.pk]))
