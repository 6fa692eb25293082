"""Breaches in batches: one UPDATE and one summary row per SLA target in a batch, the records'
timeline rows and the escalations from jobs, each clock breached, listed and escalated once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError, connection, transaction
from django.utils import translation

from khedmat.accounts.models import User
from khedmat.core import audit
from khedmat.core.models import Activity
from khedmat.core.verbs import verb_label
from khedmat.sla import tasks
from khedmat.sla.choices import ClockState, Priority, TargetKind
from khedmat.sla.models import SlaClock, SlaTarget
from khedmat.sla.services import SweepResult, breaches, sweep_clocks
from khedmat.sla.services import sweep as sweep_module
from tests.fixtures.sla import enqueued, run_enqueued, tehran

pytestmark = pytest.mark.django_db

# Saturday's clocks: the first responses are late since Saturday 12:00, the resolutions since
# Tuesday 14:30; at 14:31 both are (and the resolutions' warnings are not given any more).
TUESDAY_1431 = tehran(2026, 5, 5, 14, 31)


@pytest.fixture
def records(policy: Any, make_record: Callable[..., User], start: Any) -> list[User]:
    made = [make_record() for _ in range(5)]
    for record in made:
        start(record)
    return made


def clock_ids(kind: str) -> list[int]:
    return list(SlaClock.objects.filter(kind=kind).order_by("id").values_list("id", flat=True))


def summaries() -> list[tuple[str, list[int]]]:
    """(target kind, clock ids) of each summary row, oldest first."""
    rows = Activity.objects.filter(verb="sla.clocks_breached").order_by("id")
    kinds = dict(SlaClock.objects.values_list("target_id", "kind").distinct())
    return [(kinds[int(row.target_id)], row.data["clocks"]) for row in rows]


def test_a_batch_writes_one_summary_row_per_target_and_no_row_per_record(records):
    before = Activity.objects.count()
    first, resolution = clock_ids(TargetKind.FIRST_RESPONSE), clock_ids(TargetKind.RESOLUTION)

    # Oldest due first, 4 a batch: the first responses, then the resolutions.
    assert sweep_clocks(TUESDAY_1431, batch_size=4) == SweepResult(breached=10, escalations=10)

    assert summaries() == [
        (TargetKind.FIRST_RESPONSE, first[:4]),
        (TargetKind.FIRST_RESPONSE, first[4:]),
        (TargetKind.RESOLUTION, resolution[:3]),
        (TargetKind.RESOLUTION, resolution[3:]),
    ]
    assert Activity.objects.count() == before + 4  # the summaries only
    summary = Activity.objects.filter(verb="sla.clocks_breached").order_by("id").first()
    assert summary is not None
    assert (summary.old_value, summary.new_value, summary.is_public, summary.data["count"]) == (
        {"state": "running"},
        {"state": "breached"},
        False,
        4,
    )
    breached = SlaClock.objects.filter(state=ClockState.BREACHED)
    assert breached.count() == 10
    assert all(clock.breached_at == clock.outcome_at == clock.due_at for clock in breached)
    assert not breached.filter(next_warning_at__isnull=False).exists()
    assert sweep_clocks(TUESDAY_1431, batch_size=4) == SweepResult()


def test_the_jobs_write_each_records_row_once(records):
    sweep_clocks(TUESDAY_1431, batch_size=4)
    summary_ids = [job.args_kwargs["args"][0] for job in enqueued("record_breaches")]

    assert run_enqueued("record_breaches") == [4, 1, 3, 2]

    for record in records:
        rows = Activity.objects.for_target(record).filter(verb="sla.breached").order_by("id")
        assert sorted(row.data["kind"] for row in rows) == [
            TargetKind.FIRST_RESPONSE,
            TargetKind.RESOLUTION,
        ]
    for summary in Activity.objects.filter(pk__in=summary_ids):
        rows = Activity.objects.filter(verb="sla.breached", data__clock__in=summary.data["clocks"])
        assert {row.created_at for row in rows} == {summary.created_at}
    # A job run again (a worker that died before it acknowledged) writes nothing more.
    assert [tasks.record_breaches.call(pk) for pk in summary_ids] == [0, 0, 0, 0]
    assert Activity.objects.filter(verb="sla.breached").count() == 10


def test_escalation_jobs_name_up_to_a_chunk_of_a_summary_and_escalate_each_clock_once(
    records, monkeypatch
):
    monkeypatch.setattr(sweep_module, "ESCALATION_CHUNK", 2)
    assert sweep_clocks(TUESDAY_1431) == SweepResult(breached=10, escalations=10)
    target = SlaClock.objects.filter(kind=TargetKind.RESOLUTION).values_list("target_id")[0][0]
    resolution = Activity.objects.get(verb="sla.clocks_breached", target_id=str(target))
    assert resolution.data["clocks"] == clock_ids(TargetKind.RESOLUTION)

    jobs = [job.args_kwargs for job in enqueued("escalate_clocks")]
    slices = [(job["kwargs"]["start"], job["kwargs"]["stop"]) for job in jobs]
    assert slices == [(0, 2), (2, 4), (4, 5)] * 2  # reassign, then raise the priority
    assert {job["kwargs"]["summary_id"] for job in jobs} == {resolution.pk}
    assert run_enqueued("escalate_clocks") == [2, 2, 1, 2, 2, 1]

    for clock in SlaClock.objects.filter(kind=TargetKind.RESOLUTION):
        assert clock.priority == Priority.URGENT
        verbs = Activity.objects.filter(
            verb__startswith="sla.escalation.", data__clock=clock.pk
        ).values_list("verb", flat=True)
        assert sorted(verbs) == ["sla.escalation.priority_raised", "sla.escalation.reassigned"]


def refuse_second_breach() -> Callable[..., Any]:
    """A database wrapper that refuses the sweep's second breach UPDATE (a crash between two
    batches)."""
    seen: list[str] = []

    def refuse(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith('UPDATE "sla_slaclock" SET "state" = '):
            seen.append(sql)
            if len(seen) == 2:
                raise OperationalError("connection lost")
        return execute(sql, params, many, context)

    return refuse


def test_a_crash_between_batches_keeps_the_batches_done(records):
    with connection.execute_wrapper(refuse_second_breach()), pytest.raises(OperationalError):
        sweep_clocks(TUESDAY_1431, batch_size=4)

    first = clock_ids(TargetKind.FIRST_RESPONSE)
    assert summaries() == [(TargetKind.FIRST_RESPONSE, first[:4])]
    assert SlaClock.objects.filter(state=ClockState.BREACHED).count() == 4
    assert len(enqueued("record_breaches")) == 1


def test_after_a_crash_every_clock_is_breached_listed_and_escalated_once(records):
    first, resolution = clock_ids(TargetKind.FIRST_RESPONSE), clock_ids(TargetKind.RESOLUTION)
    with connection.execute_wrapper(refuse_second_breach()), pytest.raises(OperationalError):
        sweep_clocks(TUESDAY_1431, batch_size=4)

    assert sweep_clocks(TUESDAY_1431, batch_size=4) == SweepResult(breached=6, escalations=10)

    listed = [clock for _kind, clocks in summaries() for clock in clocks]
    assert sorted(listed) == sorted(first + resolution)
    assert run_enqueued("record_breaches") == [4, 1, 3, 2]
    assert Activity.objects.filter(verb="sla.breached").count() == 10
    assert sum(run_enqueued("escalate_clocks")) == 10


def test_a_summary_gone_before_its_jobs_ran_writes_and_escalates_nothing(records):
    sweep_clocks(TUESDAY_1431)
    with audit.maintenance():  # past the append-only trigger (PostgreSQL)
        Activity.objects.filter(verb="sla.clocks_breached").delete()

    assert run_enqueued("record_breaches") == [0, 0]
    assert run_enqueued("escalate_clocks") == [0, 0]
    assert not Activity.objects.filter(verb__startswith="sla.escalation.").exists()


def test_the_summary_has_a_timeline_label():
    with translation.override("en"):
        assert verb_label("sla.clocks_breached") == "SLA clocks breached by the sweep"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_a_clock_another_transaction_holds_waits_for_the_next_sweep(records):
    held = SlaClock.objects.filter(kind=TargetKind.FIRST_RESPONSE).order_by("id").first()
    assert held is not None
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                list(SlaClock.objects.select_for_update().filter(pk=held.pk))
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        assert sweep_clocks(TUESDAY_1431) == SweepResult(breached=9, escalations=10)
    finally:
        release.set()
        holder.join()

    held.refresh_from_db()
    assert held.state == ClockState.RUNNING
    assert sweep_clocks(TUESDAY_1431) == SweepResult(breached=1)
    assert [clocks for _kind, clocks in summaries()][-1] == [held.pk]


@pytest.fixture
def warm_content_types() -> None:
    """The summary rows' content type in Django's cache, as in a worker that has swept before."""
    ContentType.objects.get_for_model(SlaTarget)


def breach_new_records(count: int, make_record: Callable[..., User], start: Any) -> None:
    for _ in range(count):
        start(make_record())


# One batch: SAVEPOINT, the UPDATE … RETURNING, one INSERT of the summary rows, the escalations,
# a record_breaches job per summary (2) and an escalation job per escalation (2), RELEASE; then
# the warnings' SAVEPOINT, SELECT, RELEASE. None of it grows with the clocks in the batch.
SWEEP_QUERIES = 12


@pytest.mark.parametrize("count", [1, 6])
def test_a_batch_costs_the_same_queries_for_one_record_or_six(
    count, policy, make_record, start, warm_content_types, django_assert_num_queries
):
    breach_new_records(count, make_record, start)
    with django_assert_num_queries(SWEEP_QUERIES):
        assert sweep_clocks(TUESDAY_1431) == SweepResult(breached=2 * count, escalations=2 * count)
    assert len(enqueued("record_breaches")) == 2


def test_each_batch_costs_five_queries_and_one_per_job(
    policy, make_record, start, warm_content_types, django_assert_num_queries
):
    breach_new_records(6, make_record, start)
    # 12 clocks, 5 a batch, oldest due first: 5 first responses (1 summary, no escalation);
    # 1 first response and 4 resolutions (2 summaries, 2 escalations); 2 resolutions (1 summary,
    # 2 escalations). A batch: SAVEPOINT, UPDATE, INSERT, escalations, RELEASE, and its jobs.
    batches = (5 + 1) + (5 + 2 + 2) + (5 + 1 + 2)
    with django_assert_num_queries(batches + 3):  # and the warnings' 3
        assert sweep_clocks(TUESDAY_1431, batch_size=5) == SweepResult(breached=12, escalations=12)
    assert len(enqueued("record_breaches")) == 4
    assert len(enqueued("escalate_clocks")) == 4


# The job: the summary row, then per chunk SAVEPOINT, lock the summary, the clocks' records, their
# rows already written, one INSERT … SELECT, RELEASE.
JOB_QUERIES, CHUNK_QUERIES = 1, 6


@pytest.mark.parametrize("count", [1, 6])
def test_the_job_costs_the_same_queries_per_chunk(
    count, policy, make_record, start, django_assert_num_queries
):
    breach_new_records(count, make_record, start)
    sweep_clocks(TUESDAY_1431)
    first = Activity.objects.filter(verb="sla.clocks_breached").order_by("id")[0]

    with django_assert_num_queries(JOB_QUERIES + CHUNK_QUERIES):
        assert tasks.record_breaches.call(first.pk) == count
    # Run again: the same reads, nothing to insert.
    with django_assert_num_queries(JOB_QUERIES + CHUNK_QUERIES - 1):
        assert tasks.record_breaches.call(first.pk) == 0


def test_the_job_writes_in_chunks_of_constant_cost(
    policy, make_record, start, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(breaches, "TIMELINE_CHUNK", 2)
    breach_new_records(5, make_record, start)
    sweep_clocks(TUESDAY_1431)
    first = Activity.objects.filter(verb="sla.clocks_breached").order_by("id")[0]
    assert len(first.data["clocks"]) == 5

    with django_assert_num_queries(JOB_QUERIES + 3 * CHUNK_QUERIES):
        assert tasks.record_breaches.call(first.pk) == 5
    assert Activity.objects.filter(verb="sla.breached").count() == 5


def test_a_job_that_stopped_half_way_writes_the_rest_once(policy, make_record, start, monkeypatch):
    monkeypatch.setattr(breaches, "TIMELINE_CHUNK", 2)
    breach_new_records(5, make_record, start)
    sweep_clocks(TUESDAY_1431)
    first = Activity.objects.filter(verb="sla.clocks_breached").order_by("id")[0]
    # A first run that wrote the first chunk only, then died.
    breaches._insert_breach_rows(first.data["clocks"][:2], first.created_at)

    assert tasks.record_breaches.call(first.pk) == 3
    rows = Activity.objects.filter(verb="sla.breached").values_list("data__clock", flat=True)
    assert sorted(rows) == first.data["clocks"]
