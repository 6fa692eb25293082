"""A task action and a correction (or a timer) on the same request at the same moment both finish:
no deadlock (issue 20, item 12). PostgreSQL only: SQLite has no row locks.

A third transaction holds the request's row while both start, so both are waiting on the database
when it lets go; before the one lock order, the action held its work item and the other path its
process instance, each waiting for the row the other held, and PostgreSQL killed one of them.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction
from SpiffWorkflow.bpmn.specs.event_definitions import timer as timer_definitions

from khedmat.accounts.models import OrgUnit, User
from khedmat.processes import actions, services
from khedmat.processes.choices import Decision, InstanceStatus
from khedmat.processes.models import WorkItem
from khedmat.tickets.choices import Status
from khedmat.tickets.models import Ticket
from tests.fixtures.tickets import Submit
from tests.processes.race import race_bpmn

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only"),
    pytest.mark.django_db(transaction=True),
]

#: How long a thread may take before the test gives up on it (a hang fails, never blocks CI).
THREAD_TIMEOUT = 60


class Runner(threading.Thread):
    """Runs `work` in its own connection and keeps what it raised."""

    def __init__(self, work: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.work = work
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.work()
        except BaseException as error:  # noqa: BLE001  (reported by the test)
            self.error = error
        finally:
            connections.close_all()


def _waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(cursor.fetchone()[0])


def _until_both_wait() -> None:
    """Poll the server (no sleep) until the two transactions queue behind the held row."""
    for _ in range(100_000):
        if _waiting_on_locks() >= 2:
            return
    raise AssertionError("the two transactions never waited on the request's row")


@pytest.mark.parametrize("other", ["correction", "timer"])
def test_a_task_action_and_a_correction_or_timer_both_finish(
    other: str,
    submit: Submit,
    designer: User,
    make_user: Callable[..., User],
    units: dict[str, OrgUnit],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    agent = make_user("agent", roles=["agent"], org_unit=units["office"])
    draft = services.create_definition(
        "race",
        race_bpmn("message" if other == "correction" else "timer"),
        name="Race",
        actor=designer,
    )
    definition = services.publish_definition(draft, actor=designer)
    instance = services.start_process(submit(), definition, actor=designer)
    item = WorkItem.objects.get(instance=instance)
    ticket = Ticket.objects.get(pk=instance.ticket_id)
    if other == "timer":
        assert instance.next_timer_at is not None
        later = instance.next_timer_at + dt.timedelta(minutes=1)
        _move_spiffs_clock(monkeypatch, later)
        second = Runner(lambda: services.fire_instance_timers(instance.pk, now=later))
    else:
        second = Runner(lambda: services.deliver_message(ticket, "request_corrected", actor=None))
    first = Runner(lambda: actions.act_on_work_item(item, Decision.APPROVE, actor=agent))
    held, release = threading.Event(), threading.Event()

    def hold_the_request() -> None:
        with transaction.atomic():
            list(Ticket.objects.select_for_update().filter(pk=ticket.pk))
            held.set()
            release.wait(THREAD_TIMEOUT)

    holder = Runner(hold_the_request)
    holder.start()
    assert held.wait(THREAD_TIMEOUT)
    first.start()
    second.start()
    try:
        _until_both_wait()
    finally:
        release.set()
    for thread in (holder, first, second):
        thread.join(THREAD_TIMEOUT)
        assert not thread.is_alive()

    assert (first.error, second.error, holder.error) == (None, None, None)
    instance.refresh_from_db()
    ticket.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED  # both branches done: the end was reached
    assert ticket.status == Status.COMPLETED


def _move_spiffs_clock(monkeypatch: pytest.MonkeyPatch, moment: dt.datetime) -> None:
    class Later(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> Later:  # type: ignore[override]
            return cls.fromtimestamp(moment.timestamp(), tz=dt.UTC)

    monkeypatch.setattr(timer_definitions, "datetime", Later)
