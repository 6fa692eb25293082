"""A request driven by its process: started on submission, returned and corrected, an inquiry that
waits through an outage, parallel approvals, a letter, and the SMS at each stage."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from SpiffWorkflow.bpmn.specs.event_definitions import timer as timer_definitions

from khedmat.accounts.models import Team, User
from khedmat.catalog.models import Service
from khedmat.core.models import Activity
from khedmat.integrations.fake_agency import FakeAgencyServer, FakeOfficeServer
from khedmat.integrations.models import InquiryLog, OfficeLetter
from khedmat.jobs.errors import RetryableError
from khedmat.notifications.models import Message
from khedmat.processes import actions, calls, engine, services
from khedmat.processes.assignment import claim_work_item
from khedmat.processes.choices import (
    Decision,
    InstanceStatus,
    ServiceCallStatus,
    ServiceKind,
    WorkItemStatus,
)
from khedmat.processes.errors import ActionNotAllowedError, ServiceCallNotFailedError
from khedmat.processes.models import ProcessInstance, ServiceCall, WorkItem
from khedmat.processes.validation import validate_bpmn
from khedmat.sla.choices import ClockState
from khedmat.sla.models import SlaClock
from khedmat.tickets import services as ticket_services
from khedmat.tickets.choices import Status
from khedmat.tickets.models import Ticket
from tests.fixtures.processes import Publish, bpmn
from tests.fixtures.tickets import Submit, run_follow_ups

# Cached inquiry answers and breaker state belong to one test.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


@pytest.fixture
def flow(service: Service, publish: Publish) -> Service:
    """The licence service runs licence_flow.bpmn."""
    publish("licence_flow", "licence_flow.bpmn")
    service.process_key = "licence_flow"
    service.save(update_fields=["process_key"])
    return service


@pytest.fixture
def agent(make_user: Any, units: dict[str, Any]) -> User:
    """A clerk of the unit that answers for the service."""
    return make_user("agent", roles=["agent"], org_unit=units["office"])


@pytest.fixture
def supervisor(make_user: Any, units: dict[str, Any]) -> User:
    return make_user("supervisor", roles=["supervisor"], org_unit=units["agency"])


@pytest.fixture
def lawyer(make_user: Any, units: dict[str, Any]) -> User:
    user = make_user("lawyer", roles=["agent"], org_unit=units["office"])
    team = Team.objects.create(code="legal", name="Legal", org_unit=units["office"])
    team.members.add(user)
    return user


@pytest.fixture
def outside(
    inquiry_settings: dict[str, Any],
    office_settings: dict[str, Any],
    fake_agency: FakeAgencyServer,
    fake_office: FakeOfficeServer,
) -> Iterator[tuple[FakeAgencyServer, FakeOfficeServer]]:
    yield fake_agency, fake_office


def _open(ticket: Ticket) -> list[WorkItem]:
    return list(WorkItem.objects.open().filter(ticket=ticket).order_by("title"))


def _sms_events(ticket: Ticket) -> list[str]:
    return list(
        Message.objects.filter(related_id=str(ticket.pk))
        .order_by("id")
        .values_list("event", flat=True)
    )


def _call(ticket: Ticket, kind: str) -> ServiceCall:
    return ServiceCall.objects.get(ticket=ticket, kind=kind)


def test_submitting_starts_the_services_process_in_the_same_transaction(
    flow: Service, submit: Submit
) -> None:
    ticket = submit()

    instance = ProcessInstance.objects.get(ticket=ticket)
    assert instance.definition.key == "licence_flow"
    assert instance.status == InstanceStatus.RUNNING
    (review,) = _open(ticket)
    assert (review.title, review.role) == ("Clerk review", "agent")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.stage_title) == (Status.SUBMITTED, "Clerk review")
    assert _sms_events(ticket) == ["request_submitted"]  # the first stage sends no second SMS


def test_an_engine_down_at_the_start_leaves_the_job_to_retry(
    flow: Service, submit: Submit, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("engine down")

    monkeypatch.setattr(engine, "start_workflow", broken)
    ticket = submit(follow_up=False)  # filed: the process starts in the after-submission job

    with pytest.raises(RuntimeError):
        run_follow_ups()

    assert Ticket.objects.get() == ticket
    assert not Message.objects.exists()  # the job's SMS went back with it: the retry sends it
    assert not ProcessInstance.objects.exists()
    monkeypatch.undo()
    assert ticket_services.finish_submission(ticket.pk) == "done"  # the retry
    assert ProcessInstance.objects.filter(ticket=ticket).count() == 1
    assert Message.objects.filter(event="request_submitted").count() == 1


def test_a_request_decided_before_its_job_gets_no_process(
    flow: Service, submit: Submit, agent: User
) -> None:
    """Staff reject a request before the worker reached its after-submission job: the job sends
    the SMS but starts no process on a closed request."""
    ticket = submit(follow_up=False)
    ticket_services.start_review(ticket, actor=agent)
    ticket_services.reject_request(ticket, reason="Filed twice.", actor=agent)

    assert run_follow_ups() == 1

    assert not ProcessInstance.objects.filter(ticket=ticket).exists()
    assert Message.objects.filter(event="request_submitted").count() == 1


def test_a_service_without_a_process_key_files_without_a_process(submit: Submit) -> None:
    ticket = submit()

    assert not ProcessInstance.objects.filter(ticket=ticket).exists()


def test_return_then_correction_brings_the_request_back_to_review(
    flow: Service, submit: Submit, agent: User, citizen: User, lease_key: str
) -> None:
    ticket = submit()
    (review,) = _open(ticket)

    actions.act_on_work_item(
        review, Decision.RETURN, actor=agent, note="The lease is unreadable.", fields=[lease_key]
    )

    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_APPLICANT
    assert ticket.correction_fields == [lease_key]
    assert _open(ticket) == []
    instance = ProcessInstance.objects.get(ticket=ticket)
    assert instance.status == InstanceStatus.WAITING
    review.refresh_from_db()
    assert (review.status, review.decision, review.assignee) == (
        WorkItemStatus.COMPLETED,
        Decision.RETURN,
        agent,
    )
    clock = SlaClock.objects.filter(record_id=str(ticket.pk)).first()
    if clock is not None:
        assert clock.state == ClockState.PAUSED

    ticket_services.correct_request(ticket, answers={}, documents={}, actor=citizen)

    ticket.refresh_from_db()
    (again,) = _open(ticket)
    assert again.title == "Clerk review" and again.pk != review.pk
    assert (ticket.status, ticket.stage_title) == (Status.IN_PROGRESS, "Clerk review")
    assert Activity.objects.for_target(ticket).filter(verb="process.message_received").count() == 1
    events = _sms_events(ticket)
    assert events == ["request_submitted", "request_returned", "stage_changed"]


def test_the_inquiry_waits_through_an_outage_and_resumes_when_the_agency_answers(
    flow: Service,
    submit: Submit,
    agent: User,
    outside: tuple[FakeAgencyServer, FakeOfficeServer],
) -> None:
    agency, _office = outside
    ticket = submit()
    (review,) = _open(ticket)
    actions.act_on_work_item(review, Decision.APPROVE, actor=agent)

    call = _call(ticket, ServiceKind.INQUIRY)
    assert call.status == ServiceCallStatus.PENDING and call.title == "Registry inquiry"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.stage_title) == (Status.IN_PROGRESS, "Registry inquiry")
    assert _open(ticket) == []

    agency.app.outage = True
    with pytest.raises(RetryableError):
        calls.run_service_call(call.pk)

    call.refresh_from_db()
    ticket.refresh_from_db()
    assert call.status == ServiceCallStatus.WAITING and call.attempts == 1
    assert ticket.status == Status.WAITING_INQUIRY
    assert ticket.stage == "Waiting for another agency"  # the step stays current in the list
    assert InquiryLog.objects.filter(record_id=str(ticket.pk), outcome="unavailable").exists()

    agency.app.outage = False
    assert calls.run_service_call(call.pk) == ServiceCallStatus.DONE

    call.refresh_from_db()
    ticket.refresh_from_db()
    assert call.result["outcome"] == "found"
    assert ticket.status == Status.IN_PROGRESS
    assert [item.title for item in _open(ticket)] == ["Legal approval", "Supervisor approval"]
    workflow_data = ProcessInstance.objects.get(ticket=ticket).state
    assert '"registry_found": true' in workflow_data


def test_parallel_approvals_then_the_letter_complete_the_request(
    flow: Service,
    submit: Submit,
    agent: User,
    supervisor: User,
    lawyer: User,
    outside: tuple[FakeAgencyServer, FakeOfficeServer],
) -> None:
    _agency, office = outside
    ticket = submit()
    (review,) = _open(ticket)
    actions.act_on_work_item(review, Decision.APPROVE, actor=agent)
    calls.run_service_call(_call(ticket, ServiceKind.INQUIRY).pk)
    legal, boss = _open(ticket)
    assert (legal.team.code if legal.team else None, boss.role) == ("legal", "supervisor")

    with pytest.raises(ActionNotAllowedError):  # the clerk is not in the legal team
        actions.act_on_work_item(legal, Decision.APPROVE, actor=agent)
    actions.act_on_work_item(boss, Decision.APPROVE, actor=supervisor)
    assert [item.title for item in _open(ticket)] == ["Legal approval"]
    assert not ServiceCall.objects.filter(ticket=ticket, kind=ServiceKind.LETTER).exists()
    actions.act_on_work_item(legal, Decision.APPROVE, actor=lawyer)

    letter_call = _call(ticket, ServiceKind.LETTER)
    assert calls.run_service_call(letter_call.pk) == ServiceCallStatus.DONE

    ticket.refresh_from_db()
    letter = OfficeLetter.objects.get(record_id=str(ticket.pk))
    posted = [r for r in office.app.requests() if r["method"] == "POST"]
    assert len(posted) == 1 and ticket.tracking_code in posted[0]["body"]
    assert letter.letter_number == _call(ticket, ServiceKind.LETTER).result["number"]
    assert letter.reference == f"tickets.ticket:{ticket.pk}:call-{letter_call.pk}"
    assert f"call-{letter_call.pk}" in posted[0]["body"]
    assert ticket.status == Status.COMPLETED and ticket.stage_title == ""
    assert ProcessInstance.objects.get(ticket=ticket).status == InstanceStatus.COMPLETED
    events = _sms_events(ticket)
    assert events[0] == "request_submitted" and events.count("stage_changed") >= 3
    assert events[-1] == "stage_changed"
    moves = Activity.objects.for_target(ticket).filter(verb="ticket.status_changed")
    assert moves.filter(new_value=Status.COMPLETED, is_public=True).count() == 1


def test_a_manual_office_automation_waits_for_the_letter_number(
    flow: Service,
    submit: Submit,
    agent: User,
    supervisor: User,
    lawyer: User,
    inquiry_settings: dict[str, Any],
    settings: Any,
) -> None:
    settings.KHEDMAT_OFFICE_AUTOMATION = {"provider": "manual"}
    ticket = submit()
    actions.act_on_work_item(_open(ticket)[0], Decision.APPROVE, actor=agent)
    calls.run_service_call(_call(ticket, ServiceKind.INQUIRY).pk)
    legal, boss = _open(ticket)
    actions.act_on_work_item(boss, Decision.APPROVE, actor=supervisor)
    actions.act_on_work_item(legal, Decision.APPROVE, actor=lawyer)
    letter_call = _call(ticket, ServiceKind.LETTER)

    assert calls.run_service_call(letter_call.pk) == ServiceCallStatus.WAITING
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_INQUIRY  # waiting on the office, clock paused

    calls.record_letter_by_hand(letter_call, number="1405/123", date=None, actor=agent)

    ticket.refresh_from_db()
    assert ticket.status == Status.COMPLETED
    assert OfficeLetter.objects.get(record_id=str(ticket.pk)).letter_number == "1405/123"


def test_rejecting_stops_the_process(flow: Service, submit: Submit, agent: User) -> None:
    ticket = submit()
    (review,) = _open(ticket)

    actions.act_on_work_item(review, Decision.REJECT, actor=agent, note="Not a licensed trade.")

    ticket.refresh_from_db()
    instance = ProcessInstance.objects.get(ticket=ticket)
    review.refresh_from_db()
    assert ticket.status == Status.REJECTED and ticket.decision_note == "Not a licensed trade."
    assert instance.status == InstanceStatus.CANCELLED
    assert (review.status, review.decision) == (WorkItemStatus.COMPLETED, Decision.REJECT)
    assert _open(ticket) == []


def test_actions_check_who_acts_and_what_they_send(
    flow: Service, submit: Submit, agent: User, citizen: User, lawyer: User
) -> None:
    ticket = submit()
    (review,) = _open(ticket)

    with pytest.raises(ActionNotAllowedError):
        actions.act_on_work_item(review, Decision.APPROVE, actor=citizen)
    with pytest.raises(actions.ActionInputError):
        actions.act_on_work_item(review, Decision.RETURN, actor=agent, note="x")
    with pytest.raises(actions.ActionInputError):
        actions.act_on_work_item(review, Decision.REJECT, actor=agent)
    with pytest.raises(actions.ActionInputError):
        actions.act_on_work_item(review, "delete", actor=agent)
    review.refresh_from_db()
    assert review.is_open and review.assignee is None
    ticket.refresh_from_db()
    assert ticket.status == Status.SUBMITTED


def test_a_failed_call_is_marked_and_can_be_tried_again(
    flow: Service,
    submit: Submit,
    agent: User,
    outside: tuple[FakeAgencyServer, FakeOfficeServer],
) -> None:
    ticket = submit(
        principal=ticket_services.Principal(
            name="زهرا کریمی", national_code="0012340401", mobile="+989121234567"
        )
    )
    actions.act_on_work_item(_open(ticket)[0], Decision.APPROVE, actor=agent)
    call = _call(ticket, ServiceKind.INQUIRY)
    with pytest.raises(ServiceCallNotFailedError):
        services.retry_service_call(call, actor=agent)

    assert calls.run_service_call(call.pk) == ServiceCallStatus.FAILED  # the agency refused our key

    call.refresh_from_db()
    assert call.status == ServiceCallStatus.FAILED and call.error
    assert Activity.objects.for_target(ticket).filter(verb="process.service_call_failed").exists()

    services.retry_service_call(call, actor=agent)
    call.refresh_from_db()
    assert call.status == ServiceCallStatus.PENDING and call.attempts == 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_tasks_database_dbtaskresult")
        assert cursor.fetchone()[0] >= 2


MULTI = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D"
  xmlns:khedmat="https://khedmat.ir/schema/bpmn/1" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="board" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="agent">
      <bpmn:flowNodeRef>s</bpmn:flowNodeRef><bpmn:flowNodeRef>vote</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>g</bpmn:flowNodeRef><bpmn:flowNodeRef>yes</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>sms</bpmn:flowNodeRef><bpmn:flowNodeRef>no</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="vote" name="Board vote"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>3</bpmn:loopCardinality>
        <bpmn:completionCondition>CONDITION</bpmn:completionCondition>
      </bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>
    <bpmn:exclusiveGateway id="g" default="f4"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f4</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:serviceTask id="sms" name="Tell the applicant" khedmat:kind="sms"
      khedmat:template="stage_changed"><bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>f5</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:endEvent id="yes"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="no"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="vote"/>
    <bpmn:sequenceFlow id="f2" sourceRef="vote" targetRef="g"/>
    <bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="sms"><bpmn:conditionExpression>
      approvals_count * 2 &gt; instance_count</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="g" targetRef="no"/>
    <bpmn:sequenceFlow id="f5" sourceRef="sms" targetRef="yes"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _board(designer: User, condition: str) -> Any:
    xml = MULTI.replace("CONDITION", condition)
    assert validate_bpmn(xml) == []
    draft = services.create_definition("board", xml, name="Board", actor=designer)
    return services.publish_definition(draft, actor=designer)


@pytest.mark.parametrize(
    ("condition", "votes", "asked", "approved"),
    [
        (
            "approvals_count * 2 &gt; instance_count or rejections_count * 2 &gt; instance_count",
            ["approve", "reject", "approve"],
            3,
            True,
        ),
        (
            "approvals_count * 2 &gt; instance_count or rejections_count * 2 &gt; instance_count",
            ["approve", "approve"],
            2,
            True,
        ),
        (
            "approvals_count * 2 &gt; instance_count or rejections_count * 2 &gt; instance_count",
            ["reject", "reject"],
            2,
            False,
        ),
        ("approvals_count &gt;= 1", ["reject", "approve"], 2, False),
        ("rejections_count &gt; 0", ["approve", "approve", "approve"], 3, True),
    ],
)
def test_multi_instance_votes_all_any_majority(
    submit: Submit,
    designer: User,
    agent: User,
    condition: str,
    votes: list[str],
    asked: int,
    approved: bool,
) -> None:
    """Majority stops at the deciding vote; "any" at the first approval; "all" asks everyone."""
    ticket = submit()
    instance = services.start_process(ticket, _board(designer, condition), actor=designer)
    assert len(_open(ticket)) == 3

    for vote in votes:
        item = WorkItem.objects.open().filter(instance=instance).first()
        assert item is not None
        services.complete_work_item(item, data={}, actor=agent, decision=vote)

    decided = WorkItem.objects.filter(instance=instance, status=WorkItemStatus.COMPLETED)
    assert decided.count() == asked
    assert not WorkItem.objects.open().filter(instance=instance).exists()
    sms = ServiceCall.objects.filter(instance=instance, kind=ServiceKind.SMS).first()
    if approved and condition.startswith("approvals_count * 2"):
        assert sms is not None
        assert calls.run_service_call(sms.pk) == ServiceCallStatus.DONE
        assert "stage_changed" in _sms_events(ticket)
        instance.refresh_from_db()
        assert instance.status == InstanceStatus.COMPLETED
    elif condition.startswith("approvals_count * 2"):
        assert sms is None


def test_a_service_task_needs_a_known_kind() -> None:
    xml = bpmn("licence_flow.bpmn").replace('khedmat:kind="letter"', 'khedmat:kind="fax"')
    xml = xml.replace('khedmat:inquiry="identity" ', "")

    problems = validate_bpmn(xml)

    assert [(p.element_id, str(p.message)) for p in problems] == [
        ("Inquiry", "This service task needs khedmat:inquiry."),
        ("Letter", "Give the service task a kind: khedmat:kind is sms, email, inquiry or letter."),
    ]


def test_the_step_list_follows_the_flow() -> None:
    from khedmat.processes.engine import parse_definition

    parsed = parse_definition(bpmn("licence_flow.bpmn"))

    assert [step.title for step in parsed.steps] == [
        "Clerk review",
        "Registry inquiry",
        "Supervisor approval",
        "Legal approval",
        "Licence letter",
    ]
    assert parsed.service_tasks["Inquiry"].kind == "inquiry"
    assert parsed.service_tasks["Inquiry"].params == {"inquiry": "identity", "result": "registry"}


def test_ids_the_engine_uses_itself_are_refused() -> None:
    xml = bpmn("licence_flow.bpmn").replace('"StartEvent_filed"', '"Start"')

    problems = validate_bpmn(xml)

    assert [(p.element_id, str(p.message)) for p in problems] == [
        ("Start", "This id is reserved by the engine: rename the element."),
    ]


def test_a_card_revision_links_the_service_to_its_process(
    service: Service, publish: Publish, submit: Submit, designer: User
) -> None:
    from khedmat.catalog.services import revise_service

    definition = publish("licence_flow", "licence_flow.bpmn")
    assert not ProcessInstance.objects.filter(ticket=submit()).exists()

    version = revise_service(service, changes={"process_key": "licence_flow"}, actor=designer)

    service.refresh_from_db()
    assert service.process_key == "licence_flow" and "process_key" in version.changed_fields
    assert services.definition_for_service(service.process_key) == definition


@pytest.mark.parametrize("written", ["PT2H", "'PT2H'", "P0DT2H"])
def test_a_timer_written_plainly_is_read_as_a_duration(
    submit: Submit, designer: User, written: str
) -> None:
    xml = MULTI_TIMER.replace("TIMER", written)
    assert validate_bpmn(xml) == []
    draft = services.create_definition("wait", xml, name="Wait", actor=designer)
    definition = services.publish_definition(draft, actor=designer)
    ticket = submit()

    instance = services.start_process(ticket, definition, actor=designer)

    assert instance.next_timer_at is not None
    hours = (instance.next_timer_at - instance.created_at).total_seconds() / 3600
    assert 1.9 < hours < 2.1


MULTI_TIMER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D"
  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="wait" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="t" name="Cooling-off"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:timerEventDefinition>
      <bpmn:timeDuration>TIMER</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_referred_task_is_seen_and_done_by_the_other_unit(
    flow: Service, submit: Submit, agent: User, make_user: Any
) -> None:
    from khedmat.accounts.models import OrgUnit

    elsewhere = OrgUnit.objects.create(code="archive", name="Archive")
    archivist = make_user("archivist", roles=["agent"], org_unit=elsewhere)
    ticket = submit()
    (review,) = _open(ticket)
    assert not Ticket.objects.visible_to_staff(archivist).filter(pk=ticket.pk).exists()

    with pytest.raises(ActionNotAllowedError):  # only its holder or a supervisor refers a task
        actions.refer_work_item(review, unit=elsewhere, actor=agent)
    claim_work_item(review, actor=agent)
    actions.refer_work_item(review, unit=elsewhere, actor=agent, note="Their files.")

    assert Ticket.objects.visible_to_staff(archivist).filter(pk=ticket.pk).exists()
    actions.act_on_work_item(review, Decision.APPROVE, actor=archivist)
    review.refresh_from_db()
    assert (review.decision, review.completed_by) == (Decision.APPROVE, archivist)
    referred = Activity.objects.for_target(ticket).get(verb="process.work_item_referred")
    assert (referred.old_value, referred.new_value) == ("اداره صدور مجوز", "Archive")


def test_the_applicant_hears_when_the_letter_moves(
    flow: Service,
    submit: Submit,
    agent: User,
    supervisor: User,
    lawyer: User,
    outside: tuple[FakeAgencyServer, FakeOfficeServer],
) -> None:
    from khedmat.processes.letters import follow_letter, poll_due_letters

    ticket = submit()
    actions.act_on_work_item(_open(ticket)[0], Decision.APPROVE, actor=agent)
    calls.run_service_call(_call(ticket, ServiceKind.INQUIRY).pk)
    legal, boss = _open(ticket)
    actions.act_on_work_item(boss, Decision.APPROVE, actor=supervisor)
    actions.act_on_work_item(legal, Decision.APPROVE, actor=lawyer)
    calls.run_service_call(_call(ticket, ServiceKind.LETTER).pk)
    letter = OfficeLetter.objects.get(record_id=str(ticket.pk))
    OfficeLetter.objects.filter(pk=letter.pk).update(last_checked_at=None)
    before = Message.objects.filter(related_id=str(ticket.pk)).count()

    assert poll_due_letters() == 1
    assert poll_due_letters() == 0  # queued once per interval

    assert follow_letter(letter.pk) == "in_review"
    sms = Message.objects.filter(related_id=str(ticket.pk)).order_by("-id")[:1].get()
    assert Message.objects.filter(related_id=str(ticket.pk)).count() == before + 1
    assert letter.letter_number in sms.body and sms.event == "stage_changed"
    assert follow_letter(letter.pk) == "signed"
    assert follow_letter(letter.pk) == "signed"  # signed is final: no poll, no SMS
    assert Message.objects.filter(related_id=str(ticket.pk)).count() == before + 2


def test_escalation_timer_sub_process_and_call_activity_run_to_the_end(
    submit: Submit,
    publish: Publish,
    agent: User,
    supervisor: User,
    designer: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A late review escalates to the supervisor without stopping; the embedded sub-process and
    the called process each open their own task; the request completes at the end."""
    import datetime as dt

    ticket = submit()
    instance = services.start_process(ticket, publish("inspection", "nested.bpmn"), actor=designer)
    (review,) = _open(ticket)
    assert review.title == "Review" and instance.next_timer_at is not None

    assert services.fire_due_timers() == 0  # not yet an hour
    later = instance.next_timer_at + dt.timedelta(minutes=1)

    class Later(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> Later:  # type: ignore[override]
            return cls.fromtimestamp(later.timestamp(), tz=dt.UTC)

    monkeypatch.setattr(timer_definitions, "datetime", Later)  # Spiff's clock
    assert services.fire_due_timers(now=later) == 1

    titles = sorted(item.title for item in _open(ticket))
    assert titles == ["Late review: follow up", "Review"]  # escalated, the review still open
    (late,) = [item for item in _open(ticket) if item.role == "supervisor"]

    services.complete_work_item(review, data={}, actor=agent, decision=Decision.DONE)
    (inspect,) = [item for item in _open(ticket) if item.title == "Inspect the shop"]
    assert inspect.role == "agent"
    services.complete_work_item(inspect, data={}, actor=agent, decision=Decision.DONE)
    (visit,) = [item for item in _open(ticket) if item.title == "Visit the site"]
    services.complete_work_item(visit, data={}, actor=agent, decision=Decision.DONE)
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.RUNNING  # the escalation is still open
    services.complete_work_item(late, data={}, actor=supervisor, decision=Decision.DONE)

    ticket.refresh_from_db()
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    assert ticket.status == Status.COMPLETED


def test_one_sms_per_stage_through_an_outage_in_the_applicants_language(
    flow: Service,
    submit: Submit,
    agent: User,
    outside: tuple[FakeAgencyServer, FakeOfficeServer],
) -> None:
    """Approve → the inquiry stage; the outage → "waiting"; the answer → the next stage: three
    SMS, each different; a status label comes in the request's language whatever the actor's."""
    from django.utils import translation

    agency, _office = outside
    ticket = submit(language="ar")
    with translation.override("en"):
        actions.act_on_work_item(_open(ticket)[0], Decision.APPROVE, actor=agent)
        call = _call(ticket, ServiceKind.INQUIRY)
        agency.app.outage = True
        with pytest.raises(RetryableError):
            calls.run_service_call(call.pk)
        with pytest.raises(RetryableError):
            calls.run_service_call(call.pk)  # a second failed try sends nothing new
        agency.app.outage = False
        calls.run_service_call(call.pk)

    bodies = list(
        Message.objects.filter(related_id=str(ticket.pk), event="stage_changed")
        .order_by("id")
        .values_list("body", flat=True)
    )
    assert len(bodies) == 3 and len(set(bodies)) == 3
    assert "Registry inquiry" in bodies[0]
    assert "بانتظار جهة أخرى" in bodies[1]  # the Arabic waiting status
    assert "Waiting" not in bodies[1]
    assert "Legal approval" in bodies[2] or "Supervisor approval" in bodies[2]
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_a_decided_request_shows_its_decision_not_a_step(
    flow: Service, submit: Submit, agent: User
) -> None:
    ticket = submit()
    actions.act_on_work_item(_open(ticket)[0], Decision.REJECT, actor=agent, note="No.")

    ticket.refresh_from_db()
    assert ticket.stage_title == "" and ticket.stage == "Rejected"


def test_an_end_marked_rejected_turns_the_request_down_with_the_note(
    flow: Service, submit: Submit, agent: User
) -> None:
    ticket = submit()

    actions.act_on_work_item(_open(ticket)[0], Decision.DONE, actor=agent, note="Shop closed.")

    ticket.refresh_from_db()
    assert ticket.status == Status.REJECTED and ticket.decision_note == "Shop closed."
    assert ProcessInstance.objects.get(ticket=ticket).status == InstanceStatus.COMPLETED


def test_returning_from_a_step_with_no_way_back_is_refused_and_changes_nothing(
    submit: Submit, publish: Publish, designer: User, agent: User, lease_key: str
) -> None:
    ticket = submit()
    instance = services.start_process(ticket, publish("licence", "approval.bpmn"), actor=designer)
    (review,) = _open(ticket)

    with pytest.raises(actions.ActionInputError):
        actions.act_on_work_item(
            review, Decision.RETURN, actor=agent, note="Fix it.", fields=[lease_key]
        )

    ticket.refresh_from_db()
    review.refresh_from_db()
    instance.refresh_from_db()
    assert ticket.status == Status.SUBMITTED and ticket.correction_fields == []
    assert review.is_open and review.assignee is None
    assert instance.status == InstanceStatus.RUNNING
    assert _sms_events(ticket) == ["request_submitted"]


def test_an_email_step_writes_to_the_applicant_or_says_it_could_not(
    submit: Submit, designer: User, agent: User, citizen: User
) -> None:
    xml = (
        MULTI.replace("CONDITION", "approvals_count &gt;= 1")
        .replace(
            "approvals_count * 2 &gt; instance_count</bpmn:conditionExpression>",
            "approvals_count &gt;= 1</bpmn:conditionExpression>",
        )
        .replace('khedmat:kind="sms"', 'khedmat:kind="email"')
    )
    assert validate_bpmn(xml) == []
    definition = services.publish_definition(
        services.create_definition("mail", xml, name="Mail", actor=designer), actor=designer
    )

    def email_step(ticket: Ticket) -> ServiceCall:
        instance = services.start_process(ticket, definition, actor=designer)
        item = WorkItem.objects.open().filter(instance=instance).first()
        assert item is not None
        services.complete_work_item(item, data={}, actor=agent, decision=Decision.APPROVE)
        call = ServiceCall.objects.get(instance=instance, kind=ServiceKind.EMAIL)
        assert calls.run_service_call(call.pk) == ServiceCallStatus.DONE
        call.refresh_from_db()
        return call

    citizen.email = ""
    citizen.save(update_fields=["email"])
    assert email_step(submit()).result["sent"] is False
    citizen.email = "zahra@example.ir"
    citizen.save(update_fields=["email"])
    written = submit()
    assert email_step(written).result["sent"] is True
    email = Message.objects.get(related_id=str(written.pk), channel="email")
    assert email.recipient == "zahra@example.ir" and written.tracking_code in email.body
