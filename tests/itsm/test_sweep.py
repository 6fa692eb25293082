"""The close sweep runs on the job tick: resolved incidents close once their reopen window (3
working days) has passed, and a minute with nothing near its deadline reads no calendar."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from khedmat.accounts.models import User
from khedmat.core.models import Activity
from khedmat.itsm import services
from khedmat.itsm.apps import close_resolved_incidents_tick
from khedmat.itsm.choices import IncidentStatus
from khedmat.itsm.models import Incident
from khedmat.jobs.tick import run_tick_handlers, tick_handler_names
from tests.fixtures.sla import tehran
from tests.itsm.helpers import ReportIncident

pytestmark = pytest.mark.django_db

S = IncidentStatus
TICK = "khedmat.itsm.apps.close_resolved_incidents_tick"
# Resolved Saturday 2 May 2026 10:00: the window is Sunday, Monday and Tuesday, to 14:30.
RESOLVED_AT = tehran(2026, 5, 2, 10, 0)


def resolved(incident: Incident, agent: User, at: dt.datetime = RESOLVED_AT) -> Incident:
    return services.resolve_incident(
        incident, code="permanent", note="Replaced the switch.", actor=agent, now=at
    )


def status(incident: Incident) -> str:
    incident.refresh_from_db()
    return incident.status


def test_the_close_sweep_is_a_tick_handler() -> None:
    assert TICK in tick_handler_names()


def test_the_tick_closes_a_resolved_incident_once_its_window_has_passed(
    report: ReportIncident, it_agent: User
) -> None:
    incident = resolved(report(), it_agent)

    assert close_resolved_incidents_tick(now=tehran(2026, 5, 5, 14, 29)) == 0
    assert status(incident) == S.RESOLVED

    closed_at = tehran(2026, 5, 5, 14, 31)
    assert close_resolved_incidents_tick(now=closed_at) == 1
    incident.refresh_from_db()
    assert (incident.status, incident.closed_at) == (S.CLOSED, closed_at)
    closing = Activity.objects.for_target(incident).get(verb="incident.closed")
    assert (closing.old_value, closing.new_value, closing.actor) == (S.RESOLVED, S.CLOSED, None)
    assert close_resolved_incidents_tick(now=tehran(2026, 5, 6, 9, 0)) == 0


def test_a_minute_with_nothing_near_its_deadline_costs_one_query(
    report: ReportIncident, it_agent: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    incident = resolved(report(), it_agent)

    with django_assert_num_queries(1):
        assert close_resolved_incidents_tick(now=tehran(2026, 5, 3, 8, 0)) == 0
    assert status(incident) == S.RESOLVED


def test_the_running_tick_closes_what_is_due_and_leaves_the_rest(
    report: ReportIncident, it_agent: User
) -> None:
    old = resolved(report("Printer offline"), it_agent, at=timezone.now() - dt.timedelta(days=30))
    fresh = resolved(report("Scanner offline"), it_agent, at=timezone.now())
    still_open = report("Phone line dead")

    assert TICK not in run_tick_handlers()

    assert (status(old), status(fresh), status(still_open)) == (S.CLOSED, S.RESOLVED, S.NEW)
