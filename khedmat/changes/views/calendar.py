"""The change calendar: a month (Jalali in Persian, Hijri with Gregorian days in Arabic) of
planned changes and freeze windows, with conflicts flagged; a list of the same month below."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from khedmat.changes import calendar as grid
from khedmat.changes import queries
from khedmat.changes.conflicts import conflicts_between


@require_GET
@permission_required("changes.view_change", raise_exception=True)
def change_calendar(request: HttpRequest) -> HttpResponse:
    """One month: one query for the changes, one for the freezes, conflicts in bulk."""
    language = (translation.get_language() or "fa")[:2]
    today = timezone.localdate()
    month = grid.month_for(request.GET.get("month"), language, today)
    start, end = month.span()
    changes = list(queries.changes_in_month(start, end))
    freezes = list(queries.freezes_in(start, end))
    conflicts = conflicts_between(changes)
    weeks = grid.month_weeks(month, changes, freezes)
    context = {
        "month": month,
        "month_name": grid.month_name(month, language),
        "previous_name": grid.month_name(month.previous, language),
        "next_name": grid.month_name(month.next, language),
        "weeks": weeks,
        "days": grid.month_days(weeks),
        "conflicted": {pk for pk, found in conflicts.items() if found},
        "today": today,
        "freezes": freezes,
    }
    return render(request, "changes/change_calendar.html", context)


urlpatterns: list[URLPattern] = [path("calendar/", change_calendar, name="calendar")]
