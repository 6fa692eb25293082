"""Calendar changes move the internal due dates of open clocks; the stored promise never moves."""

from __future__ import annotations

import datetime as dt

import pytest

from khedmat.calendars.choices import HolidayKind, ScopeKind
from khedmat.calendars.models import CalendarScope
from khedmat.calendars.services import announce_closure, place_org_unit
from khedmat.core.models import Activity
from khedmat.sla import services
from khedmat.sla.choices import ClockState, PauseReason, TargetKind
from khedmat.sla.models import SlaClock
from khedmat.sla.queries import sla_state_for
from khedmat.sla.services import SweepResult, sweep_clocks
from tests.fixtures.sla import by_kind, enqueued, run_enqueued, tehran

pytestmark = pytest.mark.django_db

# 3 working days from Wednesday 26 Farvardin 1405 end on Monday 31 Farvardin (Thursday
# closed); a closure on Sunday 30 Farvardin pushes the internal due date to Tuesday.
WEDNESDAY = tehran(2026, 4, 15, 10, 0)
MONDAY_END = tehran(2026, 4, 20, 14, 30)
TUESDAY_END = tehran(2026, 4, 21, 14, 30)
SUNDAY = dt.date(2026, 4, 19)


def scope(kind: str, code: str) -> CalendarScope:
    return CalendarScope.objects.get(kind=kind, code=code)


def close(day: dt.date, where: CalendarScope, *, notify: bool = False) -> None:
    announce_closure(
        date=day,
        scope=where,
        name_fa="تعطیلی",
        kind=HolidayKind.OFFICIAL_HOLIDAY,
        actor=None,
        notify_applicants=notify,
    )


def test_a_holiday_moves_the_due_date_but_not_the_promise(policy, make_record, start):
    record = make_record()
    clocks = by_kind(start(record, at=WEDNESDAY))
    resolution = clocks[TargetKind.RESOLUTION]
    assert resolution.due_at == resolution.promised_at == MONDAY_END
    services.stop_clock(clocks[TargetKind.FIRST_RESPONSE], actor=None, at=WEDNESDAY)

    close(SUNDAY, scope(ScopeKind.NATIONAL, "IR"))
    assert run_enqueued("recompute_clocks") == [1]

    resolution.refresh_from_db()
    assert (resolution.due_at, resolution.promised_at) == (TUESDAY_END, MONDAY_END)
    state = sla_state_for([record], now=WEDNESDAY)[(resolution.record_type_id, record.pk)]
    assert (state.expected_at, state.promised_at) == (TUESDAY_END, MONDAY_END)
    changed = Activity.objects.for_target(record).filter(verb="sla.due_changed")
    resolution_change = changed.get(data__kind=TargetKind.RESOLUTION)
    assert resolution_change.old_value is not None and resolution_change.new_value is not None
    assert resolution_change.old_value["due_at"] == MONDAY_END.astimezone(dt.UTC).isoformat()
    assert resolution_change.new_value["due_at"] == TUESDAY_END.astimezone(dt.UTC).isoformat()
    assert resolution_change.is_public is False


def test_a_provincial_closure_moves_only_the_clocks_of_that_provinces_units(
    policy, make_record, start, org_units
):
    tehran_province = scope(ScopeKind.PROVINCE, "ir-tehran")
    place_org_unit(org_units["office"], location=tehran_province, actor=None)
    place_org_unit(org_units["other"], location=scope(ScopeKind.PROVINCE, "ir-fars"), actor=None)
    run_enqueued("recompute_clocks")
    in_tehran = by_kind(start(make_record(), at=WEDNESDAY))[TargetKind.RESOLUTION]
    in_fars = by_kind(start(make_record(), at=WEDNESDAY, unit="other"))[TargetKind.RESOLUTION]

    close(SUNDAY, tehran_province)
    (job,) = enqueued("recompute_clocks")
    assert job.args_kwargs["args"][0] == [org_units["office"].pk]
    run_enqueued("recompute_clocks")

    in_tehran.refresh_from_db()
    in_fars.refresh_from_db()
    assert (in_tehran.due_at, in_tehran.promised_at) == (TUESDAY_END, MONDAY_END)
    assert (in_fars.due_at, in_fars.promised_at) == (MONDAY_END, MONDAY_END)


def test_a_closure_can_take_a_breach_back(policy, make_record, start):
    record = make_record()
    resolution = by_kind(start(record, at=WEDNESDAY))[TargetKind.RESOLUTION]
    monday_late = tehran(2026, 4, 20, 15, 0)
    assert sweep_clocks(monday_late).breached == 2
    run_enqueued("escalate_clocks")

    close(SUNDAY, scope(ScopeKind.NATIONAL, "IR"))
    moved = services.recompute_open_clocks(
        unit_ids=None, start=None, end=None, now=monday_late, notify_applicants=True
    )

    assert moved == 1
    resolution.refresh_from_db()
    assert (resolution.state, resolution.due_at, resolution.breached_at) == (
        ClockState.RUNNING,
        TUESDAY_END,
        None,
    )
    change = Activity.objects.for_target(record).get(
        verb="sla.due_changed", data__kind=TargetKind.RESOLUTION
    )
    assert change.new_value is not None
    assert (change.new_value["state"], change.is_public) == (ClockState.RUNNING, True)
    assert sweep_clocks(tehran(2026, 4, 21, 14, 31)) == SweepResult(breached=1, escalations=2)
    # Breached, taken back, breached again: the record's timeline shows both breaches.
    assert run_enqueued("record_breaches") == [1, 1, 1]
    breaches = Activity.objects.for_target(record).filter(verb="sla.breached")
    assert sorted(breaches.values_list("data__kind", flat=True)) == [
        TargetKind.FIRST_RESPONSE,
        TargetKind.RESOLUTION,
        TargetKind.RESOLUTION,
    ]


def test_a_paused_clock_keeps_its_pause_and_gets_a_new_remaining_time(
    hours_policy, make_record, start, agent
):
    (clock,) = start(make_record(), at=tehran(2026, 4, 15, 13, 30), service_key="permit")
    # 10 working hours from Wednesday 13:30: 60 minutes on Wednesday, then 420 on Saturday...
    assert clock.due_at == tehran(2026, 4, 19, 9, 30)
    services.pause_clock(
        clock, reason=PauseReason.WAITING_FOR_INQUIRY, actor=agent, at=tehran(2026, 4, 18, 8, 30)
    )
    clock.refresh_from_db()
    assert clock.remaining_minutes == 360 + 120  # the rest of Saturday, then Sunday to 09:30

    # A closure in the past of the pause changes what was left when it started.
    close(dt.date(2026, 4, 18), scope(ScopeKind.NATIONAL, "IR"))
    run_enqueued("recompute_clocks")

    clock.refresh_from_db()
    assert (clock.state, clock.due_at, clock.paused_reason) == (
        ClockState.PAUSED,
        None,
        PauseReason.WAITING_FOR_INQUIRY,
    )
    # Saturday closed: the target now ends Monday 09:30 (Sunday 420 + Monday 120 from 08:30).
    assert clock.remaining_minutes == 420 + 120
    resumed = services.resume_clock(clock, actor=agent, at=tehran(2026, 4, 20, 7, 30))
    assert resumed.promised_at == tehran(2026, 4, 19, 9, 30)
    assert SlaClock.objects.get(pk=clock.pk).state == ClockState.RUNNING


def test_a_closure_announced_with_notify_hands_each_moved_record_to_its_owner_once(
    policy, make_record, start
):
    from khedmat.accounts.models import User
    from khedmat.sla.handlers import (
        NOTIFY_APPLICANT,
        register_escalation_handler,
        unregister_escalation_handler,
    )

    told: list[tuple[int, dt.datetime]] = []
    register_escalation_handler(
        User, NOTIFY_APPLICANT, lambda record, *, due_at, actor: told.append((record.pk, due_at))
    )
    try:
        record = make_record()
        start(record, at=WEDNESDAY)  # first response and resolution: two clocks, one record
        quiet = make_record()
        start(quiet, at=WEDNESDAY)
        close(SUNDAY, scope(ScopeKind.NATIONAL, "IR"), notify=True)
        run_enqueued("recompute_clocks")
        assert sorted(told) == sorted([(record.pk, TUESDAY_END), (quiet.pk, TUESDAY_END)])

        told.clear()
        close(dt.date(2026, 4, 21), scope(ScopeKind.NATIONAL, "IR"), notify=False)
        run_enqueued("recompute_clocks")
        assert told == []
    finally:
        unregister_escalation_handler(User, NOTIFY_APPLICANT)
