"""The evaluation indicators of R-28, each one aggregate query grouped by service.

The directive names the measures but not their exact formulas; these are ours, stated here and
tested on hand-made data (tests/reports/test_indicators.py):

- requests: requests submitted in the period (every channel and status);
- electronic share: of those, the ones filed online or through the API (not at the desk);
- answered within the promise: of the requests submitted in the period and decided (completed
  or rejected) with a promised date, the ones decided on or before it;
- satisfaction: the average of the survey responses answered in the period (each response's
  own average over its axes), and the response rate: answered / invitations sent in the period;
- complaints answered on time: complaints filed in the period and answered, answered on or
  before their deadline.

No rows reach Python: each function is one GROUP BY query returning a small dict per service.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from khedmat.catalog.models import Service
from khedmat.complaints.models import Complaint
from khedmat.surveys.models import SurveyInvitation
from khedmat.tickets.choices import IntakeChannel, Status
from khedmat.tickets.models import Ticket

ELECTRONIC_CHANNELS = (IntakeChannel.ONLINE, IntakeChannel.API)
DECIDED = (Status.COMPLETED, Status.REJECTED)


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC."""

    start: dt.datetime
    end: dt.datetime

    @classmethod
    def last_days(cls, days: int, now: dt.datetime | None = None) -> Period:
        end = now or timezone.now()
        return cls(start=end - dt.timedelta(days=days), end=end)


@dataclass(frozen=True)
class Ratio:
    """A share: how many of how many (None when there is nothing to count)."""

    part: int
    whole: int

    @property
    def value(self) -> float | None:
        return self.part / self.whole if self.whole else None


def _by_service(rows: Iterable[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {row.pop("service_id"): row for row in rows}


def request_counts(period: Period) -> dict[int, dict[str, Any]]:
    """Per service: requests, electronic, decided with a promise, decided within it."""
    promised = Q(status__in=DECIDED, promised_at__isnull=False, closed_at__isnull=False)
    rows = (
        Ticket.objects.filter(submitted_at__gte=period.start, submitted_at__lt=period.end)
        .order_by()
        .values("service_id")
        .annotate(
            requests=Count("id"),
            electronic=Count("id", filter=Q(channel__in=ELECTRONIC_CHANNELS)),
            promised=Count("id", filter=promised),
            within_promise=Count("id", filter=promised & Q(closed_at__lte=F("promised_at"))),
        )
    )
    return _by_service(rows)


def electronic_share(period: Period) -> dict[int, Ratio]:
    return {
        service: Ratio(row["electronic"], row["requests"])
        for service, row in request_counts(period).items()
    }


def within_promise_share(period: Period) -> dict[int, Ratio]:
    return {
        service: Ratio(row["within_promise"], row["promised"])
        for service, row in request_counts(period).items()
    }


def satisfaction(period: Period) -> dict[int, dict[str, Any]]:
    """Per service: invitations sent, responses answered, and the responses' average score."""
    sent = Q(sent_at__gte=period.start, sent_at__lt=period.end)
    answered = Q(
        response__isnull=False,
        response__created_at__gte=period.start,
        response__created_at__lt=period.end,
    )
    rows = (
        SurveyInvitation.objects.filter(sent | answered)
        .order_by()
        .values("service_id")
        .annotate(
            invitations=Count("id", filter=sent),
            responses=Count("id", filter=answered),
            average=Avg("response__average", filter=answered),
        )
    )
    return _by_service(rows)


def complaints_on_time(period: Period) -> dict[int | None, Ratio]:
    """Per service (None: complaints about a request only): answered on time of answered."""
    rows = (
        Complaint.objects.filter(submitted_at__gte=period.start, submitted_at__lt=period.end)
        .order_by()
        .values("service_id")
        .annotate(
            answered=Count("id", filter=Q(answered_at__isnull=False)),
            on_time=Count(
                "id", filter=Q(answered_at__isnull=False, answered_at__lte=F("deadline_at"))
            ),
        )
    )
    return {row["service_id"]: Ratio(row["on_time"], row["answered"]) for row in rows}


@dataclass(frozen=True)
class ServicePerformance:
    """One published service's line of the public performance page."""

    code: str
    title: str
    requests: int
    electronic: Ratio
    within_promise: Ratio
    responses: int
    average: Decimal | None


def service_performance(period: Period) -> list[ServicePerformance]:
    """Every published service with its figures (three queries, whatever the number of rows)."""
    counts = request_counts(period)
    scores = satisfaction(period)
    services = Service.objects.published().select_related("current_version").order_by("code")
    lines = []
    for service in services:
        row = counts.get(service.pk, {})
        score = scores.get(service.pk, {})
        average = score.get("average")
        lines.append(
            ServicePerformance(
                code=service.code,
                title=str(service.current_version.title) if service.current_version else "",
                requests=row.get("requests", 0),
                electronic=Ratio(row.get("electronic", 0), row.get("requests", 0)),
                within_promise=Ratio(row.get("within_promise", 0), row.get("promised", 0)),
                responses=score.get("responses", 0),
                average=Decimal(str(average)).quantize(Decimal("0.01")) if average else None,
            )
        )
    return lines
