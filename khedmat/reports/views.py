"""The public performance page `/performance/` (open data, no login) and its CSV."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_safe

from khedmat.reports.queries import Period, ServicePerformance, service_performance

PERIOD_DAYS = 365
#: The figures are recomputed at most this often (per language): three grouped queries over a
#: year of requests are cheap, but an open page must not let anyone run them at will.
CACHE_SECONDS = 60 * 60
CSV_COLUMNS = (
    "service_code",
    "service_title",
    "requests",
    "electronic",
    "electronic_share",
    "decided_with_promise",
    "within_promise",
    "within_promise_share",
    "survey_responses",
    "satisfaction_average",
)


def _lines() -> tuple[list[ServicePerformance], Any]:
    """The figures of the last year, computed at most once per cache period and language."""
    key = f"reports:performance:{translation.get_language()}"
    cached = cache.get(key)
    if cached is None:
        computed_at = timezone.now()
        cached = (service_performance(Period.last_days(PERIOD_DAYS, computed_at)), computed_at)
        cache.set(key, cached, CACHE_SECONDS)
    return cached


@login_not_required
@require_safe
def performance(request: HttpRequest) -> HttpResponse:
    """Per published service over the last year: requests, electronic share, the share decided
    within the promised time, and the applicants' average satisfaction."""
    lines, computed_at = _lines()
    context = {"lines": lines, "computed_at": computed_at, "days": PERIOD_DAYS}
    return render(request, "reports/performance.html", context)


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


@login_not_required
@require_safe
def performance_csv(request: HttpRequest) -> HttpResponse:
    """The same figures as CSV (UTF-8 with a byte-order mark, so spreadsheets read Persian)."""
    lines, computed_at = _lines()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = computed_at.date().isoformat()
    response["Content-Disposition"] = f'attachment; filename="khedmat-performance-{stamp}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        writer.writerow(
            [
                line.code,
                line.title,
                line.requests,
                line.electronic.part,
                _share(line.electronic.value),
                line.within_promise.whole,
                line.within_promise.part,
                _share(line.within_promise.value),
                line.responses,
                "" if line.average is None else str(line.average),
            ]
        )
    return response
