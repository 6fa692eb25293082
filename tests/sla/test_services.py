"""Starting, pausing, resuming and stopping clocks: due dates in working time, segments, Activity."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group

from khedmat.core.models import Activity
from khedmat.sla import services
from khedmat.sla.choices import ClockState, PauseReason, Priority, SegmentKind, TargetKind
from khedmat.sla.errors import ClockTransitionError
from khedmat.sla.models import SlaClock, SlaClockSegment, SlaPolicy, SlaTarget
from khedmat.sla.queries import PolicyContext, policy_for
from tests.fixtures.sla import SATURDAY_0800, by_kind, tehran

pytestmark = pytest.mark.django_db


def verbs(record) -> list[str]:  # type: ignore[no-untyped-def]
    return list(Activity.objects.for_target(record).order_by("id").values_list("verb", flat=True))


# --- start -----------------------------------------------------------------------------------


def test_start_clocks_computes_due_and_promise_in_working_time(policy, make_record, start, agent):
    record = make_record()

    clocks = by_kind(start(record, actor=agent))

    resolution = clocks[TargetKind.RESOLUTION]
    # counting starts the next working day; the third one (Tuesday) ends at 14:30.
    assert resolution.due_at == tehran(2026, 5, 5, 14, 30)
    assert resolution.promised_at == tehran(2026, 5, 5, 14, 30)
    assert resolution.state == ClockState.RUNNING
    assert resolution.target_minutes == 390 + 3 * 420  # the rest of Saturday, then three days
    assert resolution.warning_schedule == [
        [75, tehran(2026, 5, 5, 7, 38).astimezone(dt.UTC).isoformat()],
        [90, tehran(2026, 5, 5, 11, 45).astimezone(dt.UTC).isoformat()],
    ]
    assert resolution.next_warning_at == tehran(2026, 5, 5, 7, 38)
    first_response = clocks[TargetKind.FIRST_RESPONSE]
    assert first_response.due_at == tehran(2026, 5, 2, 12, 0)
    assert first_response.promised_at == tehran(2026, 5, 2, 12, 0)
    segment = SlaClockSegment.objects.get(clock=resolution)
    assert (segment.kind, segment.started_at, segment.ended_at, segment.actor) == (
        SegmentKind.RUNNING,
        SATURDAY_0800,
        None,
        agent,
    )
    started = Activity.objects.for_target(record).filter(verb="sla.started")
    assert sorted((row.data["kind"], row.is_public, row.actor) for row in started) == [
        (TargetKind.FIRST_RESPONSE, False, agent),
        (TargetKind.RESOLUTION, True, agent),
    ]


def test_start_clocks_keeps_the_denormalised_fields(policy, make_record, start, org_units, agent):
    team = agent.teams.get()
    record = make_record()

    clock = by_kind(start(record, team=team, service_key="permit", priority=Priority.HIGH))[
        TargetKind.RESOLUTION
    ]

    clock.refresh_from_db()
    assert (clock.org_unit, clock.team, clock.service_key, clock.priority, clock.record) == (
        org_units["office"],
        team,
        "permit",
        Priority.HIGH,
        record,
    )


def test_starting_again_does_not_duplicate_open_clocks(policy, make_record, start):
    record = make_record()
    start(record)

    assert start(record) == []
    assert SlaClock.objects.for_record(record).count() == 2


def test_no_matching_policy_starts_nothing(db, make_record, start):
    record = make_record()

    assert start(record) == []
    assert verbs(record) == []


def test_policy_precedence_and_criteria(policy, hours_policy, applicant):
    vip = SlaPolicy.objects.create(
        name="Applicants, urgent",
        precedence=1,
        priority=Priority.URGENT,
        requester_group=Group.objects.get(name="applicant"),
    )
    SlaTarget.objects.create(policy=vip, kind=TargetKind.RESOLUTION, amount=1, unit="working_days")

    assert policy_for(PolicyContext(service_key="permit")) == hours_policy
    assert policy_for(PolicyContext(service_key="licence")) == policy
    urgent = PolicyContext.for_requester(applicant, service_key="permit", priority="urgent")
    assert policy_for(urgent) == vip
    assert policy_for(PolicyContext(service_key="permit", priority="urgent")) == hours_policy
    hours_policy.is_active = False
    hours_policy.save()
    assert policy_for(PolicyContext(service_key="permit")) == policy


def test_step_targets_prefer_the_steps_own_target(policy, make_record, start, agent):
    SlaTarget.objects.create(policy=policy, kind=TargetKind.STEP, amount=2, unit="working_hours")
    SlaTarget.objects.create(
        policy=policy, kind=TargetKind.STEP, step_key="review", amount=1, unit="working_hours"
    )
    record = make_record()
    team = agent.teams.get()

    (clock,) = services.start_clocks(
        record,
        policy_context=PolicyContext(service_key="licence", step_key="review"),
        org_unit=agent.org_unit,
        started_at=SATURDAY_0800,
        actor=agent,
        team=team,
        kinds=[TargetKind.STEP],
    )

    assert (clock.kind, clock.step_key, clock.team, clock.due_at) == (
        TargetKind.STEP,
        "review",
        team,
        tehran(2026, 5, 2, 9, 0),
    )


# --- pause and resume (R-41) -----------------------------------------------------------------


def test_paused_time_is_excluded_and_segments_say_who_held_it(
    hours_policy, make_record, start, agent, supervisor
):
    record = make_record()
    (clock,) = start(record, service_key="permit", actor=agent)
    # 10 working hours from Saturday 08:00: 390 minutes on Saturday, 210 on Sunday.
    assert clock.due_at == tehran(2026, 5, 3, 11, 0)

    paused = services.pause_clock(
        clock,
        reason=PauseReason.WAITING_FOR_APPLICANT,
        actor=agent,
        at=tehran(2026, 5, 2, 9, 0),
    )
    assert (paused.state, paused.due_at, paused.next_warning_at) == (ClockState.PAUSED, None, None)
    assert paused.remaining_minutes == 540
    assert paused.paused_reason == PauseReason.WAITING_FOR_APPLICANT

    resumed = services.resume_clock(clock, actor=supervisor, at=tehran(2026, 5, 3, 9, 0))

    # Paused from Saturday 09:00 to Sunday 09:00 = 330 + 90 = 420 working minutes.
    assert resumed.paused_minutes == 420
    assert resumed.due_at == tehran(2026, 5, 4, 11, 0)
    assert resumed.promised_at == tehran(2026, 5, 3, 11, 0)
    assert resumed.remaining_minutes is None
    segments = list(
        SlaClockSegment.objects.filter(clock=clock).values_list(
            "kind", "reason", "started_at", "ended_at", "working_minutes", "actor__username"
        )
    )
    assert segments == [
        (SegmentKind.RUNNING, "", SATURDAY_0800, tehran(2026, 5, 2, 9, 0), 60, "agent"),
        (
            SegmentKind.PAUSED,
            PauseReason.WAITING_FOR_APPLICANT,
            tehran(2026, 5, 2, 9, 0),
            tehran(2026, 5, 3, 9, 0),
            420,
            "agent",
        ),
        (SegmentKind.RUNNING, "", tehran(2026, 5, 3, 9, 0), None, None, "supervisor"),
    ]
    assert verbs(record) == ["sla.started", "sla.paused", "sla.resumed"]
    pause = Activity.objects.for_target(record).get(verb="sla.paused")
    assert (pause.old_value, pause.new_value, pause.is_public, pause.actor) == (
        {"state": "running", "reason": ""},
        {"state": "paused", "reason": "waiting_for_applicant"},
        True,
        agent,
    )


def test_pausing_with_another_reason_switches_the_reason(hours_policy, make_record, start, agent):
    (clock,) = start(make_record(), service_key="permit")
    services.pause_clock(
        clock, reason=PauseReason.WAITING_FOR_PAYMENT, actor=agent, at=tehran(2026, 5, 2, 9)
    )

    again = services.pause_clock(
        clock, reason=PauseReason.WAITING_FOR_PAYMENT, actor=agent, at=tehran(2026, 5, 2, 10)
    )
    switched = services.pause_clock(
        clock, reason=PauseReason.WAITING_FOR_INQUIRY, actor=agent, at=tehran(2026, 5, 2, 11)
    )

    assert again.paused_reason == PauseReason.WAITING_FOR_PAYMENT
    assert (switched.state, switched.paused_reason, switched.paused_minutes) == (
        ClockState.PAUSED,
        PauseReason.WAITING_FOR_INQUIRY,
        120,
    )
    assert switched.remaining_minutes == 540  # paused time does not count
    reasons = list(clock.segments.order_by("id").values_list("reason", flat=True))
    assert reasons == ["", PauseReason.WAITING_FOR_PAYMENT, PauseReason.WAITING_FOR_INQUIRY]


def test_resuming_a_running_clock_does_nothing(hours_policy, make_record, start, agent):
    record = make_record()
    (clock,) = start(record, service_key="permit")

    services.resume_clock(clock, actor=agent, at=tehran(2026, 5, 2, 9))

    assert verbs(record) == ["sla.started"]
    assert clock.segments.count() == 1


# --- stop and cancel -------------------------------------------------------------------------


def test_stop_in_time_is_met(hours_policy, make_record, start, agent):
    record = make_record()
    (clock,) = start(record, service_key="permit")

    stopped = services.stop_clock(clock, actor=agent, at=tehran(2026, 5, 3, 10, 0))

    assert (stopped.state, stopped.met_at, stopped.outcome_at, stopped.breached_at) == (
        ClockState.MET,
        tehran(2026, 5, 3, 10, 0),
        tehran(2026, 5, 3, 10, 0),
        None,
    )
    assert stopped.remaining_minutes == 60
    assert stopped.segments.filter(ended_at__isnull=True).count() == 0
    assert verbs(record)[-1] == "sla.stopped"


def test_stop_after_the_due_date_is_breached_even_before_the_sweep(
    hours_policy, make_record, start, agent
):
    (clock,) = start(make_record(), service_key="permit")

    stopped = services.stop_clock(clock, actor=agent, at=tehran(2026, 5, 3, 12, 0))

    assert (stopped.state, stopped.breached_at, stopped.outcome_at, stopped.met_at) == (
        ClockState.BREACHED,
        tehran(2026, 5, 3, 11, 0),
        tehran(2026, 5, 3, 11, 0),
        None,
    )
    assert stopped.remaining_minutes == -60
    assert not stopped.is_open


def test_stopping_a_paused_clock_counts_the_pause(hours_policy, make_record, start, agent):
    (clock,) = start(make_record(), service_key="permit")
    services.pause_clock(
        clock, reason=PauseReason.WAITING_FOR_SUPPLIER, actor=agent, at=tehran(2026, 5, 2, 9)
    )

    stopped = services.stop_clock(clock, actor=agent, at=tehran(2026, 5, 3, 13, 0))

    assert (stopped.state, stopped.paused_minutes, stopped.paused_reason) == (
        ClockState.MET,
        330 + 330,  # Saturday 09:00-14:30 and Sunday 07:30-13:00
        "",
    )


def test_cancelled_clocks_refuse_to_resume_and_nothing_changes(
    hours_policy, make_record, start, agent
):
    record = make_record()
    (clock,) = start(record, service_key="permit")
    services.cancel_clock(clock, actor=agent, at=tehran(2026, 5, 2, 9))
    before = verbs(record)

    with pytest.raises(ClockTransitionError):
        services.resume_clock(clock, actor=agent, at=tehran(2026, 5, 2, 10))

    clock.refresh_from_db()
    assert clock.state == ClockState.CANCELLED
    assert verbs(record) == before == ["sla.started", "sla.cancelled"]
    assert services.stop_clock(clock, actor=agent).state == ClockState.CANCELLED


def test_record_level_helpers_act_on_every_open_clock(policy, make_record, start, agent):
    record = make_record()
    start(record)

    paused = services.pause_record_clocks(
        record, reason=PauseReason.WAITING_FOR_INQUIRY, actor=agent, at=tehran(2026, 5, 2, 9)
    )
    resumed = services.resume_record_clocks(record, actor=agent, at=tehran(2026, 5, 2, 10))
    stopped = services.stop_record_clocks(
        record, actor=agent, at=tehran(2026, 5, 2, 11), kinds=[TargetKind.FIRST_RESPONSE]
    )

    assert [clock.state for clock in paused] == [ClockState.PAUSED, ClockState.PAUSED]
    assert [clock.state for clock in resumed] == [ClockState.RUNNING, ClockState.RUNNING]
    assert [(clock.kind, clock.state) for clock in stopped] == [
        (TargetKind.FIRST_RESPONSE, ClockState.MET)
    ]
    states = dict(SlaClock.objects.for_record(record).values_list("kind", "state"))
    assert states == {TargetKind.FIRST_RESPONSE: "met", TargetKind.RESOLUTION: "running"}
