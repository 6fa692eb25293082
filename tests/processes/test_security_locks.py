"""One lock order for a request's rows: ticket, process instance, work item or service call, then
the SLA clocks (issue 20, item 12). The helpers take them in that order; every path uses them.

The path test reads the `SELECT … FOR UPDATE` statements, which only PostgreSQL sends (SQLite lets
one writer in at a time and has no row locks): it runs on PostgreSQL. The helper test runs on both.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any, cast

import pytest
from django.db import connection, transaction
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from SpiffWorkflow.bpmn.specs.event_definitions import timer as timer_definitions

from khedmat.accounts.models import OrgUnit, Team, User
from khedmat.processes import actions, assignment, locks, services
from khedmat.processes.choices import Decision
from khedmat.processes.models import ProcessInstance, ServiceCall, WorkItem
from khedmat.sla.choices import DurationUnit, EscalationAction, EscalationEvent, TargetKind
from khedmat.sla.models import SlaClock, SlaEscalation, SlaPolicy, SlaTarget
from khedmat.sla.services import escalate_clock
from khedmat.tickets.models import Ticket
from tests.fixtures.tickets import Submit
from tests.processes.race import race_bpmn

pytestmark = pytest.mark.django_db

TICKET, INSTANCE = "tickets_ticket", "processes_processinstance"
WORK_ITEM, CALL, CLOCK = "processes_workitem", "processes_servicecall", "sla_slaclock"
#: The declared order, as tables.
ORDER = [TICKET, INSTANCE, WORK_ITEM, CALL, CLOCK]
ROW_LOCKS = connection.vendor == "postgresql"

SMS_STEP = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D"
  xmlns:khedmat="https://khedmat.ir/schema/bpmn/1" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="tell" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:serviceTask id="sms" name="Tell the applicant" khedmat:kind="sms"/>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="sms"/>
    <bpmn:sequenceFlow id="f2" sourceRef="sms" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _table(sql: str) -> str:
    match = re.search(r'(?:FROM|UPDATE) "(\w+)"', sql)
    assert match is not None, sql
    return match.group(1)


def _lock_statements(queries: list[dict[str, Any]]) -> list[str]:
    """The tables each locking statement locks, in order: `FOR UPDATE` selects on PostgreSQL;
    on SQLite (no row locks) the selects that read whole rows, not one-column look-ups."""
    tables = []
    for query in queries:
        sql = query["sql"]
        if not sql.startswith("SELECT"):
            continue
        if ROW_LOCKS and "FOR UPDATE" not in sql:
            continue
        if not ROW_LOCKS and re.match(r'SELECT "\w+"\."\w+"(?: AS "\w+")? FROM', sql):
            continue
        tables.append(_table(sql))
    return tables


@pytest.fixture
def agent(make_user: Callable[..., User], units: dict[str, OrgUnit]) -> User:
    return make_user("agent", roles=["agent"], org_unit=units["office"])


@pytest.fixture
def race(submit: Submit, designer: User) -> Callable[[str], ProcessInstance]:
    """race("message" | "timer"): a filed request whose review runs beside a wait."""

    def run(wait: str) -> ProcessInstance:
        draft = services.create_definition(
            f"race_{wait}", race_bpmn(wait), name="Race", actor=designer
        )
        definition = services.publish_definition(draft, actor=designer)
        return services.start_process(submit(), definition, actor=designer)

    return run


def test_the_helpers_lock_ticket_then_instance_then_the_row(
    race: Callable[[str], ProcessInstance], submit: Submit, designer: User
) -> None:
    instance = race("message")
    item = WorkItem.objects.get(instance=instance)
    draft = services.create_definition("tell", SMS_STEP, name="Tell", actor=designer)
    sms_instance = services.start_process(
        submit(), services.publish_definition(draft, actor=designer), actor=designer
    )
    call = ServiceCall.objects.get(instance=sms_instance)

    cases = [
        (lambda: locks.lock_ticket(instance.ticket_id), [TICKET]),
        (lambda: locks.lock_instance(instance.pk), [TICKET, INSTANCE]),
        (lambda: locks.lock_work_item(item.pk), [TICKET, INSTANCE, WORK_ITEM]),
        (lambda: locks.lock_service_call(call.pk), [TICKET, INSTANCE, CALL]),
    ]
    for lock, expected in cases:
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            locked = lock()
        assert _lock_statements(captured.captured_queries) == expected, captured.captured_queries
        if ROW_LOCKS:  # each statement locks its own table only, never a joined one
            for query in captured.captured_queries:
                if "FOR UPDATE" in query["sql"]:
                    assert query["sql"].endswith(f'FOR UPDATE OF "{_table(query["sql"])}"')
    assert isinstance(locked, ServiceCall)
    assert locked.ticket.pk == sms_instance.ticket_id  # the locked request comes with the row
    # LOCK_ORDER is typed as plain classes; every one of them is a model.
    tables = [cast("type[Model]", model)._meta.db_table for model in locks.LOCK_ORDER]
    assert tables == ORDER[:4]


def _first_locks(queries: list[dict[str, Any]]) -> list[str]:
    """The request's tables in the order a path first locks them (FOR UPDATE or UPDATE)."""
    seen: list[str] = []
    for query in queries:
        sql = query["sql"]
        if not ("FOR UPDATE" in sql or sql.startswith("UPDATE")):
            continue
        table = _table(sql)
        if table in ORDER and table not in seen:
            seen.append(table)
    return seen


@pytest.fixture
def resolution_target(db: None) -> SlaTarget:
    policy = SlaPolicy.objects.create(name="Default", precedence=100)
    return SlaTarget.objects.create(
        policy=policy, kind=TargetKind.RESOLUTION, amount=5, unit=DurationUnit.WORKING_DAYS
    )


@pytest.mark.skipif(not ROW_LOCKS, reason="row locks: PostgreSQL only")
@pytest.mark.parametrize(
    "path",
    [
        "approve",
        "reject",
        "claim",
        "refer",
        "correction",
        "timer",
        "escalation",
        "call_done",
        "call_waiting",
        "call_failed",
        "call_retried",
    ],
)
def test_every_path_locks_in_the_declared_order(
    path: str,
    race: Callable[[str], ProcessInstance],
    submit: Submit,
    designer: User,
    agent: User,
    units: dict[str, OrgUnit],
    resolution_target: SlaTarget,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = _path(path, race, submit, designer, agent, units, resolution_target, monkeypatch)

    with CaptureQueriesContext(connection) as captured:
        run()

    order = _first_locks(captured.captured_queries)
    assert order[0] == TICKET, order
    assert order == sorted(order, key=ORDER.index), order


def _path(
    path: str,
    race: Callable[[str], ProcessInstance],
    submit: Submit,
    designer: User,
    agent: User,
    units: dict[str, OrgUnit],
    resolution_target: SlaTarget,
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[[], Any]:
    """Set the request up for `path` and return the call that takes its locks."""
    if path.startswith("call_"):
        draft = services.create_definition("tell", SMS_STEP, name="Tell", actor=designer)
        definition = services.publish_definition(draft, actor=designer)
        call = ServiceCall.objects.get(
            instance=services.start_process(submit(), definition, actor=designer)
        )
        if path == "call_retried":
            services.service_call_failed(call, error="refused")
        return {
            "call_done": lambda: services.finish_service_call(call, result={}, data={}),
            "call_waiting": lambda: services.service_call_waiting(call, error="no answer"),
            "call_failed": lambda: services.service_call_failed(call, error="refused"),
            "call_retried": lambda: services.retry_service_call(call, actor=agent),
        }[path]
    instance = race("timer" if path == "timer" else "message")
    item = WorkItem.objects.get(instance=instance)
    if path == "timer":
        assert instance.next_timer_at is not None
        later = instance.next_timer_at + dt.timedelta(minutes=1)
        _move_spiffs_clock(monkeypatch, later)
        return lambda: services.fire_instance_timers(instance.pk, now=later)
    if path == "escalation":
        team = Team.objects.create(code="esc", name="Escalations", org_unit=units["ministry"])
        escalation = SlaEscalation.objects.create(
            target=resolution_target,
            event=EscalationEvent.BREACH,
            action=EscalationAction.REASSIGN,
            team=team,
        )
        clock = SlaClock.objects.for_record(instance.ticket).get(kind=TargetKind.RESOLUTION)  # type: ignore[attr-defined]
        return lambda: escalate_clock(clock, escalation=escalation, actor=None)
    if path == "refer":
        item = assignment.claim_work_item(item, actor=agent)  # its holder refers it
    return {
        "approve": lambda: actions.act_on_work_item(item, Decision.APPROVE, actor=agent),
        "reject": lambda: actions.act_on_work_item(item, Decision.REJECT, actor=agent, note="No"),
        "claim": lambda: assignment.claim_work_item(item, actor=agent),
        "refer": lambda: actions.refer_work_item(item, unit=units["ministry"], actor=agent),
        "correction": lambda: services.deliver_message(
            Ticket.objects.get(pk=instance.ticket_id), "request_corrected", actor=None
        ),
    }[path]


def _move_spiffs_clock(monkeypatch: pytest.MonkeyPatch, moment: dt.datetime) -> None:
    class Later(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> Later:  # type: ignore[override]
            return cls.fromtimestamp(moment.timestamp(), tz=dt.UTC)

    monkeypatch.setattr(timer_definitions, "datetime", Later)
