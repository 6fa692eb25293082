"""Reading a page of records' SLA state in two queries, and the badge every page renders."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.utils import translation

from khedmat.sla import services
from khedmat.sla.choices import Colour, PauseReason, TargetKind
from khedmat.sla.queries import SlaState, record_key, sla_state_for
from khedmat.sla.templatetags.sla import working_duration
from tests.fixtures.sla import tehran

pytestmark = pytest.mark.django_db

SATURDAY_1000 = tehran(2026, 5, 2, 10, 0)


@pytest.fixture
def page(hours_policy, make_record, start, agent):  # type: ignore[no-untyped-def]
    """Six records as a queue shows them, the clocks of 10 working hours in every state."""
    records = {name: make_record() for name in ("ok", "warning", "late", "paused", "met", "none")}
    start(records["ok"], at=tehran(2026, 5, 2, 8, 0), service_key="permit")
    start(records["warning"], at=tehran(2026, 4, 29, 8, 0), service_key="permit")
    start(records["late"], at=tehran(2026, 4, 28, 8, 0), service_key="permit")
    (paused,) = start(records["paused"], at=tehran(2026, 5, 2, 8, 0), service_key="permit")
    services.pause_clock(
        paused, reason=PauseReason.WAITING_FOR_APPLICANT, actor=agent, at=tehran(2026, 5, 2, 9)
    )
    (met,) = start(records["met"], at=tehran(2026, 5, 2, 8, 0), service_key="permit")
    services.stop_clock(met, actor=agent, at=tehran(2026, 5, 2, 9))
    return records


def summary(state: SlaState | None) -> tuple | None:
    if state is None:
        return None
    return (state.state, state.remaining_minutes, state.pause_reason, state.expected_at)


def test_a_page_of_records_gets_colour_remaining_and_dates(page):
    states = sla_state_for(page.values(), now=SATURDAY_1000)

    got = {name: summary(states.get(record_key(record))) for name, record in page.items()}
    assert got == {
        "ok": (Colour.OK, 270 + 210, "", tehran(2026, 5, 3, 11, 0)),
        "warning": (Colour.WARNING, 60, "", tehran(2026, 5, 2, 11, 0)),
        "late": (Colour.BREACHED, -(210 + 150), "", tehran(2026, 4, 29, 11, 0)),
        "paused": (Colour.PAUSED, 540, PauseReason.WAITING_FOR_APPLICANT, None),
        "met": (Colour.MET, None, "", tehran(2026, 5, 3, 11, 0)),
        "none": None,
    }
    paused = states[record_key(page["paused"])]
    assert (paused.promised_at, paused.kind, paused.working_day_minutes) == (
        tehran(2026, 5, 3, 11, 0),
        TargetKind.RESOLUTION,
        420,
    )
    assert str(paused.pause_reason_label) == str(PauseReason.WAITING_FOR_APPLICANT.label)


def test_a_page_costs_two_queries_once_calendars_are_compiled(
    page, django_assert_num_queries, make_record, start, settings
):
    settings.KHEDMAT_CALENDAR_RECHECK_SECONDS = 3600
    sla_state_for(page.values(), now=SATURDAY_1000)
    more = [make_record() for _ in range(30)]
    for record in more:
        start(record, at=tehran(2026, 5, 2, 8, 0), service_key="permit")

    with django_assert_num_queries(1):  # the clocks; the calendar revision was read just now
        states = sla_state_for([*page.values(), *more], now=SATURDAY_1000)
    settings.KHEDMAT_CALENDAR_RECHECK_SECONDS = 0
    with django_assert_num_queries(2):  # the clocks, and the calendar revision
        again = sla_state_for([*page.values(), *more], now=SATURDAY_1000)

    assert len(states) == 35
    assert again == states


def test_the_most_urgent_clock_is_shown(policy, make_record, start):
    record = make_record()
    start(record, at=tehran(2026, 5, 2, 8, 0))

    state = sla_state_for([record], now=SATURDAY_1000)[record_key(record)]

    assert (state.kind, state.remaining_minutes) == (TargetKind.FIRST_RESPONSE, 120)


def test_working_duration_reads_as_days_hours_and_minutes():
    with translation.override("en"):
        assert working_duration(45) == "45 min"
        assert working_duration(90) == "1 h 30 min"
        assert working_duration(120) == "2 h"
        assert working_duration(420 + 130, 420) == "1 working day 2 h"
        assert working_duration(-3 * 420, 420) == "3 working days"


def test_the_badge_is_coloured_and_localised(page):
    states = sla_state_for(page.values(), now=SATURDAY_1000)
    template = Template("{% load sla %}{% sla_badge states|sla_for:record %}")

    with translation.override("fa"):
        warning = template.render(Context({"states": states, "record": page["warning"]}))
        paused = template.render(Context({"states": states, "record": page["paused"]}))
        nothing = template.render(Context({"states": states, "record": page["none"]}))

    assert 'class="badge rounded-pill sla-badge text-bg-warning"' in warning
    assert 'data-sla-state="warning"' in warning
    details = re.findall(r'<span class="sla-badge-detail"> · ([^<]*)</span>', warning)
    assert len(details) == 1
    assert "۱" in details[0] and not re.search(r"[0-9]", details[0])  # 60 minutes left
    assert "text-bg-secondary" in paused
    assert 'data-sla-state="paused"' in paused
    assert nothing.strip() == ""
