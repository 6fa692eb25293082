"""R-28's indicators (khedmat.reports.queries) on hand-made data, and the public performance page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from khedmat.accounts.models import User
from khedmat.catalog.models import Service
from khedmat.complaints.models import Complaint
from khedmat.reports import queries
from khedmat.reports.queries import Period, Ratio
from khedmat.surveys.models import SurveyDefinition, SurveyInvitation, SurveyResponse
from khedmat.tickets.choices import IntakeChannel, Status
from khedmat.tickets.models import Ticket

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
PERIOD = Period(start=NOW - dt.timedelta(days=30), end=NOW)
DAY = dt.timedelta(days=1)
_codes = itertools.count(100000000001)


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def two_services(make_service: Callable[..., Service]) -> tuple[Service, Service]:
    return make_service("17041325104"), make_service("17041325105")


@pytest.fixture
def applicant(make_user: Callable[..., User]) -> User:
    return make_user("reports-applicant", mobile="+989121112233", password=None)


def request(
    service: Service,
    applicant: User,
    *,
    submitted: dt.datetime,
    channel: str = IntakeChannel.ONLINE,
    status: str = Status.SUBMITTED,
    promised: dt.datetime | None = None,
    closed: dt.datetime | None = None,
) -> Ticket:
    return Ticket.objects.create(
        tracking_code=str(next(_codes)),
        service=service,
        service_version=service.current_version,  # type: ignore[misc]
        requester=applicant,
        filed_by=applicant,
        principal_name="متقاضی",
        channel=channel,
        status=status,
        submitted_at=submitted,
        promised_at=promised,
        closed_at=closed,
    )


def answered_survey(
    ticket: Ticket, average: str, *, sent: dt.datetime, answered: dt.datetime | None
):
    definition, _ = SurveyDefinition.objects.get_or_create(
        key="reports-test", defaults={"name": "Survey"}
    )
    invitation = SurveyInvitation.objects.create(
        ticket=ticket,
        definition=definition,
        token_hash=f"h{ticket.pk}",
        sent_at=sent,
        expires_at=sent + 30 * DAY,
        service=ticket.service,
    )
    if answered is not None:
        SurveyResponse.objects.create(
            invitation=invitation, average=Decimal(average), created_at=answered
        )
    return invitation


@pytest.fixture
def month(two_services: tuple[Service, Service], applicant: User) -> tuple[Service, Service]:
    """A hand-counted month: service A has 4 requests in the period (3 electronic; 2 decided
    with a promise, 1 of them in time) and 1 before it; B has 1 desk request."""
    a, b = two_services
    inside = NOW - 10 * DAY
    request(a, applicant, submitted=inside)
    request(a, applicant, submitted=inside, channel=IntakeChannel.API)
    on_time = request(
        a,
        applicant,
        submitted=inside,
        status=Status.COMPLETED,
        promised=inside + 5 * DAY,
        closed=inside + 4 * DAY,
    )
    late = request(
        a,
        applicant,
        submitted=inside,
        channel=IntakeChannel.IN_PERSON,
        status=Status.REJECTED,
        promised=inside + 2 * DAY,
        closed=inside + 3 * DAY,
    )
    request(a, applicant, submitted=NOW - 40 * DAY)  # before the period
    request(b, applicant, submitted=inside, channel=IntakeChannel.IN_PERSON)
    answered_survey(on_time, "4.50", sent=inside + 4 * DAY, answered=inside + 5 * DAY)
    answered_survey(late, "2.00", sent=inside + 3 * DAY, answered=inside + 3 * DAY)
    old = request(a, applicant, submitted=NOW - 60 * DAY, status=Status.COMPLETED)
    answered_survey(old, "1.00", sent=NOW - 50 * DAY, answered=NOW - 45 * DAY)
    return a, b


def test_request_figures_match_a_hand_count(month: tuple[Service, Service]) -> None:
    a, b = month
    assert queries.electronic_share(PERIOD) == {a.pk: Ratio(3, 4), b.pk: Ratio(0, 1)}
    assert queries.within_promise_share(PERIOD) == {a.pk: Ratio(1, 2), b.pk: Ratio(0, 0)}
    assert Ratio(0, 0).value is None
    assert Ratio(3, 4).value == 0.75


def test_satisfaction_counts_responses_answered_in_the_period(
    month: tuple[Service, Service],
) -> None:
    a, _b = month
    figures = queries.satisfaction(PERIOD)
    assert set(figures) == {a.pk}
    assert figures[a.pk]["invitations"] == 2
    assert figures[a.pk]["responses"] == 2
    assert Decimal(str(figures[a.pk]["average"])).quantize(Decimal("0.01")) == Decimal("3.25")


def test_complaints_answered_on_time(
    two_services: tuple[Service, Service], applicant: User
) -> None:
    a, b = two_services
    inside = NOW - 5 * DAY

    def complaint(code: str, answered: dt.datetime | None, service: Service = a) -> None:
        Complaint.objects.create(
            tracking_code=code,
            service=service,
            complainant_name="شاکی",
            complainant_national_code="0078456126",
            subject="s",
            text="t",
            submitted_at=inside,
            deadline_at=inside + 2 * DAY,
            answered_at=answered,
        )

    complaint("C00000000001", inside + DAY)
    complaint("C00000000002", inside + 3 * DAY)
    complaint("C00000000003", None)
    complaint("C00000000004", inside + DAY, service=b)
    assert queries.complaints_on_time(PERIOD) == {a.pk: Ratio(1, 2), b.pk: Ratio(1, 1)}


def test_the_public_page_shows_each_service_in_three_queries(
    client: Client, month: tuple[Service, Service], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    client.cookies["khedmat_language"] = "en"
    with CaptureQueriesContext(connection) as queries_run:
        response = client.get("/performance/")
    assert response.status_code == 200
    assert len(queries_run) == 3
    html = response.content.decode()
    a_row = html.split('data-service="17041325104"')[1].split("</tr>")[0]
    cells = [cell.rsplit('<td class="text-end">', 1)[1] for cell in a_row.split("</td>")[:-1]]
    # The last year holds all 6 of A's requests: 5 electronic (83%), 2 decided with a promise
    # and 1 of them in time (50%), 3 survey responses averaging 2.50.
    assert cells[:3] == ["6", "83%", "50%"]
    assert cells[3].startswith("2.50 ")

    with CaptureQueriesContext(connection) as cached_run:
        assert client.get("/performance/").status_code == 200
    assert len(cached_run) == 0  # the figures are kept for an hour


def test_the_csv_holds_the_same_figures(
    client: Client, month: tuple[Service, Service], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    response = client.get("/performance/performance.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = {row["service_code"]: row for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
    a = rows["17041325104"]
    assert (a["requests"], a["electronic"], a["electronic_share"]) == ("6", "5", "0.8333")
    assert (a["decided_with_promise"], a["within_promise"]) == ("2", "1")
    assert (a["survey_responses"], a["satisfaction_average"]) == ("3", "2.50")
    b = rows["17041325105"]
    assert (b["requests"], b["electronic_share"], b["within_promise_share"]) == ("1", "0.0000", "")
