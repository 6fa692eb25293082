"""The periodic sweep: warnings and breaches fire once, with Activity rows and escalation jobs."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from khedmat.calendars.listeners import calendar_change_listener_names
from khedmat.core.models import Activity
from khedmat.jobs.tick import tick_handler_names
from khedmat.sla import services
from khedmat.sla.choices import (
    ClockState,
    EscalationAction,
    PauseReason,
    Priority,
    SegmentKind,
    TargetKind,
)
from khedmat.sla.models import SlaClock, SlaEscalation
from khedmat.sla.services import SweepResult, sweep_clocks
from tests.fixtures.sla import by_kind, enqueued, run_enqueued, tehran

pytestmark = pytest.mark.django_db

TUESDAY_0800 = tehran(2026, 5, 5, 8, 0)


def sla_rows(record, verb):  # type: ignore[no-untyped-def]
    rows = Activity.objects.for_target(record).filter(verb=verb).order_by("id")
    return [(row.data["kind"], row.data.get("levels"), row.actor_id) for row in rows]


def test_the_sweep_is_a_tick_handler_and_recomputation_a_calendar_listener():
    assert "khedmat.sla.apps.sweep_due_clocks" in tick_handler_names()
    assert "khedmat.sla.services.recompute.schedule_recomputation" in (
        calendar_change_listener_names()
    )


def test_warnings_and_breach_fire_once_each_with_activity_and_escalations(
    policy, make_record, start, agent, escalation_team
):
    record = make_record()
    clocks = by_kind(start(record, team=agent.teams.get()))
    resolution = clocks[TargetKind.RESOLUTION]
    notify = SlaEscalation.objects.get(action=EscalationAction.NOTIFY)

    # Tuesday 08:00: the first response (due Saturday 12:00) is late; 75 % of resolution passed.
    assert sweep_clocks(TUESDAY_0800) == SweepResult(warned=1, breached=1, escalations=1)
    assert sweep_clocks(TUESDAY_0800) == SweepResult()

    first_response = SlaClock.objects.get(pk=clocks[TargetKind.FIRST_RESPONSE].pk)
    assert (first_response.state, first_response.breached_at) == (
        ClockState.BREACHED,
        tehran(2026, 5, 2, 12, 0),
    )
    resolution.refresh_from_db()
    assert (resolution.state, resolution.warned_levels, resolution.next_warning_at) == (
        ClockState.RUNNING,
        [75],
        tehran(2026, 5, 5, 11, 45),
    )
    # The sweep wrote one summary row for the batch; the record's own row comes from its job.
    summary = Activity.objects.get(verb="sla.clocks_breached")
    assert (summary.target, summary.data, summary.actor_id) == (
        first_response.target,
        {"count": 1, "clocks": [first_response.pk]},
        None,
    )
    assert sla_rows(record, "sla.breached") == []
    assert [job.args_kwargs["args"] for job in enqueued("record_breaches")] == [[summary.pk]]
    assert run_enqueued("record_breaches") == [1]
    assert sla_rows(record, "sla.breached") == [(TargetKind.FIRST_RESPONSE, None, None)]
    breach = Activity.objects.for_target(record).get(verb="sla.breached")
    assert (breach.old_value, breach.new_value, breach.data, breach.is_public) == (
        {"state": "running"},
        {"state": "breached"},
        {"clock": first_response.pk, "kind": "first_response"},
        False,
    )
    assert breach.created_at == summary.created_at
    assert sla_rows(record, "sla.warning") == [(TargetKind.RESOLUTION, [75], None)]
    assert [job.args_kwargs["args"] for job in enqueued("escalate_clocks")] == [
        [notify.pk, [resolution.pk]]
    ]

    assert sweep_clocks(tehran(2026, 5, 5, 12, 0)) == SweepResult(warned=1)
    assert sweep_clocks(tehran(2026, 5, 5, 14, 31)) == SweepResult(breached=1, escalations=2)
    assert sweep_clocks(tehran(2026, 5, 5, 14, 32)) == SweepResult()
    assert run_enqueued("record_breaches") == [1]

    resolution.refresh_from_db()
    assert (resolution.state, resolution.warned_levels, resolution.breached_at) == (
        ClockState.BREACHED,
        [75, 90],
        tehran(2026, 5, 5, 14, 30),
    )
    assert sla_rows(record, "sla.warning") == [
        (TargetKind.RESOLUTION, [75], None),
        (TargetKind.RESOLUTION, [90], None),
    ]
    assert sla_rows(record, "sla.breached") == [
        (TargetKind.FIRST_RESPONSE, None, None),
        (TargetKind.RESOLUTION, None, None),
    ]
    assert len(enqueued("escalate_clocks")) == 3  # notify; then reassign and raise priority


def test_escalation_jobs_notify_reassign_and_raise_priority(
    policy, make_record, start, agent, escalation_team
):
    record = make_record()
    team = agent.teams.get()
    resolution = by_kind(start(record, team=team))[TargetKind.RESOLUTION]
    sweep_clocks(TUESDAY_0800)
    sweep_clocks(tehran(2026, 5, 5, 14, 31))

    assert run_enqueued("escalate_clocks") == [1, 1, 1]

    resolution.refresh_from_db()
    assert (resolution.team, resolution.priority) == (escalation_team, Priority.URGENT)
    segments = list(resolution.segments.order_by("id").values_list("kind", "team", "ended_at"))
    assert [(kind, team_id) for kind, team_id, _end in segments] == [
        (SegmentKind.RUNNING, team.pk),
        (SegmentKind.RUNNING, escalation_team.pk),
    ]
    assert segments[1][2] is None
    notified = Activity.objects.for_target(record).get(verb="sla.escalation.notify")
    assert notified.data["role"] == "supervisor"
    reassigned = Activity.objects.for_target(record).get(verb="sla.escalation.reassigned")
    assert (reassigned.old_value, reassigned.new_value) == (
        {"team": team.pk},
        {"team": escalation_team.pk},
    )
    raised = Activity.objects.for_target(record).get(verb="sla.escalation.priority_raised")
    assert (raised.old_value, raised.new_value) == ({"priority": "normal"}, {"priority": "urgent"})
    # Escalating again changes nothing more.
    services.escalate_clock(
        resolution, escalation=SlaEscalation.objects.get(action="raise_priority"), actor=None
    )
    assert (
        Activity.objects.for_target(record).filter(verb__startswith="sla.escalation").count() == 3
    )


def test_paused_and_stopped_clocks_are_left_alone(policy, make_record, start, agent):
    record = make_record()
    clocks = by_kind(start(record))
    services.pause_clock(
        clocks[TargetKind.RESOLUTION],
        reason=PauseReason.WAITING_FOR_APPLICANT,
        actor=agent,
        at=tehran(2026, 5, 2, 9),
    )
    services.stop_clock(clocks[TargetKind.FIRST_RESPONSE], actor=agent, at=tehran(2026, 5, 2, 10))

    assert sweep_clocks(tehran(2026, 6, 1, 12, 0)) == SweepResult()
    states = dict(SlaClock.objects.for_record(record).values_list("kind", "state"))
    assert states == {TargetKind.FIRST_RESPONSE: "met", TargetKind.RESOLUTION: "paused"}


def test_sweep_query_count_is_the_same_for_one_and_fifty_clocks(policy, make_record, start):
    start(make_record())
    with CaptureQueriesContext(connection) as one:
        assert sweep_clocks(TUESDAY_0800) == SweepResult(warned=1, breached=1, escalations=1)

    for _ in range(50):
        start(make_record())
    with CaptureQueriesContext(connection) as fifty:
        assert sweep_clocks(TUESDAY_0800) == SweepResult(warned=50, breached=50, escalations=50)

    assert len(fifty) == len(one)
    assert len(one) <= 16


def test_the_sweep_works_in_batches(policy, make_record, start):
    for _ in range(5):
        start(make_record())

    assert sweep_clocks(TUESDAY_0800, batch_size=2) == SweepResult(
        warned=5, breached=5, escalations=5
    )
    assert SlaClock.objects.filter(state=ClockState.BREACHED).count() == 5
