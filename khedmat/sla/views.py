"""The SLA compliance report for supervisors and administrators, as a page or a CSV file."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

from khedmat.sla.forms import ComplianceReportForm
from khedmat.sla.queries import ComplianceRow, compliance_report, compliance_total, report_scope

REPORT_PERMISSION = "sla.view_sla_report"


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: list[ComplianceRow], total: ComplianceRow) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # UTF-8 byte order mark: Excel then reads Persian and Arabic correctly
    yield writer.writerow(
        [
            _("Service"),
            _("Team"),
            _("Decided"),
            _("Met"),
            _("Breached"),
            _("Compliance (%)"),
            _("Paused (working hours)"),
        ]
    )
    for row in [*rows, total]:
        is_total = row is total
        yield writer.writerow(
            [
                _("Total") if is_total else row.service_label,
                "" if is_total else row.team_name,
                row.total,
                row.met,
                row.breached,
                "" if row.compliance_percent is None else row.compliance_percent,
                row.paused_hours,
            ]
        )


@permission_required(REPORT_PERMISSION, raise_exception=True)
def compliance_report_view(request: HttpRequest) -> HttpResponseBase:
    """Met, breached and paused time per service and team for a period; `?format=csv` exports."""
    user: Any = request.user
    scope = report_scope(user)
    # Always bound: with no filters the form is valid and covers the last 30 days.
    form = ComplianceReportForm(request.GET, services=scope.services(), teams=scope.teams)
    rows: list[ComplianceRow] = []
    data = form.cleaned_data if form.is_valid() else None
    if data is not None:
        team = data.get("team")
        rows = compliance_report(
            scope.clocks,
            date_from=data["date_from"],
            date_to=data["date_to"],
            service_key=data.get("service") or "",
            team_id=team.pk if team else None,
            kind=data["kind"],
        )
    total = compliance_total(rows)
    if request.GET.get("format") == "csv" and data is not None:
        response = StreamingHttpResponse(
            _csv_lines(rows, total), content_type="text/csv; charset=utf-8"
        )
        name = f"sla-{data['date_from']:%Y%m%d}-{data['date_to']:%Y%m%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    context = {"form": form, "rows": rows, "total": total, "period": data}
    return render(request, "sla/compliance_report.html", context)
