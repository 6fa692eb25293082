"""How suppliers keep their underpinning contracts: referrals met and breached per supplier and
contract over a period (/desk/cmdb/suppliers/report/)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET

from khedmat.cmdb.referrals import supplier_report, supplier_totals

#: The periods the report offers, in days back from today.
PERIODS = (30, 90, 365)


def report_period(text: str | None, now: dt.datetime) -> tuple[int, dt.datetime, dt.datetime]:
    """The days asked for (90 when missing or not offered) and [since, until)."""
    days = int(text) if text and text.isdigit() and int(text) in PERIODS else 90
    return days, now - dt.timedelta(days=days), now


@require_GET
@permission_required("cmdb.view_supplier", raise_exception=True)
def supplier_report_page(request: HttpRequest) -> HttpResponse:
    """Per supplier and contract: referred, met, breached, still out (late); two queries."""
    days, since, until = report_period(request.GET.get("days"), timezone.now())
    scores = supplier_report(since, until)
    context = {
        "days": days,
        "periods": PERIODS,
        "since": since,
        "scores": scores,
        "totals": supplier_totals(scores),
    }
    return render(request, "cmdb/supplier_report.html", context)


urlpatterns: list[URLPattern] = [
    path("suppliers/report/", supplier_report_page, name="supplier_report"),
]
