"""The staff report of retention: upcoming destructions per rule, active holds, the history."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from khedmat.core.pagination import view_page
from khedmat.retention import queries

HOLDS_SHOWN = 50


@require_safe
@permission_required("retention.view_retentionrule", raise_exception=True)
def retention_report(request: HttpRequest) -> HttpResponse:
    """Per active rule: records due now and within 30 and 90 days, the next date; the active
    legal holds; the destruction records, newest first, by keyset pages."""
    context = {
        "lines": queries.upcoming_destructions(),
        "horizons": queries.HORIZONS,
        "holds": list(queries.holds_list()[:HOLDS_SHOWN]),
        "page": view_page(request, queries.destruction_records(), order=queries.RECORD_ORDER),
    }
    return render(request, "retention/retention_report.html", context)
