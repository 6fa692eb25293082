"""A diagram that loops without waiting never grants the service (issue 20, item 7).

Measured before the fix: a loop made only of gateways was published, the engine stopped after
1,001 steps, reported the workflow completed without reaching an end event, and the request was
completed. Now such a loop is refused when the document is checked, and a run that neither ends
nor waits (a definition published before the check) fails its instance and leaves the request
for staff.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from khedmat.accounts.models import User
from khedmat.catalog.models import Service
from khedmat.core.models import Activity
from khedmat.processes import engine, services
from khedmat.processes.choices import DefinitionStatus, InstanceStatus, WorkItemStatus
from khedmat.processes.models import ProcessDefinition, ProcessInstance, WorkItem
from khedmat.processes.validation import LOOP_MESSAGE, validate_bpmn
from khedmat.tickets.choices import Status
from tests.fixtures.tickets import Submit

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D"
  xmlns:khedmat="https://khedmat.ir/schema/bpmn/1" targetNamespace="http://bpmn.io/schema/bpmn">
"""

#: Two gateways sending the flow to each other; the way out needs an answer nobody gives.
GATEWAY_LOOP = (
    HEAD
    + """  <bpmn:process id="spin" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:exclusiveGateway id="a" name="Check again" default="ab"/>
    <bpmn:exclusiveGateway id="b" default="ba"/>
    <bpmn:endEvent id="e" name="Granted"/>
    <bpmn:sequenceFlow id="sa" sourceRef="s" targetRef="a"/>
    <bpmn:sequenceFlow id="ab" sourceRef="a" targetRef="b"/>
    <bpmn:sequenceFlow id="ba" sourceRef="b" targetRef="a"/>
    <bpmn:sequenceFlow id="be" sourceRef="b" targetRef="e">
      <bpmn:conditionExpression>never == 1</bpmn:conditionExpression></bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>
"""
)


def _loop_through(element: str) -> str:
    """A loop back from a gateway to `element`, which leads to the gateway again."""
    return (
        HEAD
        + f"""  <bpmn:process id="looping" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="agent"/></bpmn:laneSet>
    <bpmn:startEvent id="s"/>
    {element}
    <bpmn:exclusiveGateway id="g" default="back"/>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="sx" sourceRef="s" targetRef="x"/>
    <bpmn:sequenceFlow id="xg" sourceRef="x" targetRef="g"/>
    <bpmn:sequenceFlow id="back" sourceRef="g" targetRef="x"/>
    <bpmn:sequenceFlow id="ge" sourceRef="g" targetRef="e">
      <bpmn:conditionExpression>decision == 'done'</bpmn:conditionExpression></bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>
"""
    )


PASS_THROUGH_SUB = """<bpmn:subProcess id="x" name="Nothing inside">
      <bpmn:startEvent id="ss"/><bpmn:exclusiveGateway id="sg" default="sf2"/>
      <bpmn:endEvent id="se"/>
      <bpmn:sequenceFlow id="sf1" sourceRef="ss" targetRef="sg"/>
      <bpmn:sequenceFlow id="sf2" sourceRef="sg" targetRef="se"/>
    </bpmn:subProcess>"""
WAITING_SUB = """<bpmn:subProcess id="x" name="Review inside">
      <bpmn:startEvent id="ss"/><bpmn:userTask id="st" name="Review"/>
      <bpmn:endEvent id="se"/>
      <bpmn:sequenceFlow id="sf1" sourceRef="ss" targetRef="st"/>
      <bpmn:sequenceFlow id="sf2" sourceRef="st" targetRef="se"/>
    </bpmn:subProcess>"""
SKIPPABLE_SUB = """<bpmn:subProcess id="x" name="Review or skip">
      <bpmn:startEvent id="ss"/><bpmn:exclusiveGateway id="sg" default="skip"/>
      <bpmn:userTask id="st" name="Review"/><bpmn:endEvent id="se"/>
      <bpmn:sequenceFlow id="sf1" sourceRef="ss" targetRef="sg"/>
      <bpmn:sequenceFlow id="review" sourceRef="sg" targetRef="st">
        <bpmn:conditionExpression>wanted == 1</bpmn:conditionExpression></bpmn:sequenceFlow>
      <bpmn:sequenceFlow id="skip" sourceRef="sg" targetRef="se"/>
      <bpmn:sequenceFlow id="sf3" sourceRef="st" targetRef="se"/>
    </bpmn:subProcess>"""


def test_a_loop_of_gateways_is_refused_when_checked() -> None:
    problems = validate_bpmn(GATEWAY_LOOP)

    assert [(p.element_id, p.element_name, str(p.message)) for p in problems] == [
        ("a", "Check again", str(LOOP_MESSAGE))
    ]


@pytest.mark.parametrize(
    ("element", "refused"),
    [
        ('<bpmn:userTask id="x" name="Review"/>', False),
        ('<bpmn:serviceTask id="x" name="Tell" khedmat:kind="sms"/>', False),
        (
            '<bpmn:intermediateCatchEvent id="x"><bpmn:timerEventDefinition>'
            "<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>"
            "</bpmn:intermediateCatchEvent>",
            False,
        ),
        (
            '<bpmn:intermediateCatchEvent id="x"><bpmn:messageEventDefinition id="m"/>'
            "</bpmn:intermediateCatchEvent>",
            False,
        ),
        (WAITING_SUB, False),
        ('<bpmn:parallelGateway id="x"/>', True),
        (PASS_THROUGH_SUB, True),
        (SKIPPABLE_SUB, True),  # one way through it waits for nobody
    ],
)
def test_a_loop_must_wait_somewhere(element: str, refused: bool) -> None:
    problems = validate_bpmn(_loop_through(element))

    loops = [p for p in problems if str(p.message) == str(LOOP_MESSAGE)]
    assert bool(loops) == refused, problems
    if not refused:
        assert problems == []


def test_a_gateway_that_loops_onto_itself_is_refused() -> None:
    xml = GATEWAY_LOOP.replace(
        'targetRef="a"/>\n    <bpmn:sequenceFlow id="be"',
        'targetRef="b"/>\n    <bpmn:sequenceFlow id="be"',
    )

    assert [p.element_id for p in validate_bpmn(xml)] == ["b"]


def test_the_engine_stops_a_loop_and_never_calls_it_completed() -> None:
    workflow = engine.start_workflow(engine.parse_definition(GATEWAY_LOOP), {})

    assert engine.run_outcome(workflow) == engine.STUCK
    assert len(workflow.get_tasks()) < engine.MAX_ENGINE_STEPS + 10  # measured: 1,001


def test_a_normal_flow_ends_only_at_its_end_event() -> None:
    from tests.fixtures.processes import bpmn

    workflow = engine.start_workflow(engine.parse_definition(bpmn("approval.bpmn")), {})
    assert engine.run_outcome(workflow) == engine.WAITING
    (task,) = engine.human_tasks(workflow)
    engine.complete_task(workflow, task.task_id, {"approved": False})
    assert engine.run_outcome(workflow) == engine.ENDED


def _published_before_the_check(key: str, xml: str, designer: User) -> ProcessDefinition:
    """A definition published before loops were checked: stored as published, never validated."""
    draft = services.create_definition(key, xml, name=key, actor=designer)
    ProcessDefinition.objects.filter(pk=draft.pk).update(
        status=DefinitionStatus.PUBLISHED,
        published_at=timezone.now(),
        process_id=engine.main_process_id(engine.parse_xml(xml)),
    )
    return ProcessDefinition.objects.get(pk=draft.pk)


@pytest.mark.django_db
def test_a_looping_process_fails_and_leaves_the_request_for_staff(
    service: Service, submit: Submit, designer: User
) -> None:
    _published_before_the_check("spin", GATEWAY_LOOP, designer)
    service.process_key = "spin"
    service.save(update_fields=["process_key"])

    ticket = submit()  # the after-submission job: the SMS, then the process, which fails

    ticket.refresh_from_db()
    instance = ProcessInstance.objects.get(ticket=ticket)
    assert instance.status == InstanceStatus.FAILED
    assert (ticket.status, ticket.closed_at) == (Status.SUBMITTED, None)  # measured: completed
    verbs = list(Activity.objects.for_target(ticket).order_by("id").values_list("verb", flat=True))
    assert verbs[-1] == "process.failed"
    assert "ticket.status_changed" not in verbs


@pytest.mark.django_db
def test_a_loop_reached_after_a_task_fails_the_instance_and_withdraws_its_tasks(
    submit: Submit, designer: User, make_user: Any, units: dict[str, Any]
) -> None:
    """Review, then a gateway loop: the review's decision leads into the loop."""
    xml = GATEWAY_LOOP.replace(
        '<bpmn:sequenceFlow id="sa" sourceRef="s" targetRef="a"/>',
        '<bpmn:userTask id="r" name="Review"/>'
        '<bpmn:userTask id="other" name="Other check"/>'
        '<bpmn:parallelGateway id="split"/>'
        '<bpmn:sequenceFlow id="s1" sourceRef="s" targetRef="split"/>'
        '<bpmn:sequenceFlow id="s2" sourceRef="split" targetRef="r"/>'
        '<bpmn:sequenceFlow id="s3" sourceRef="split" targetRef="other"/>'
        '<bpmn:sequenceFlow id="sa" sourceRef="r" targetRef="a"/>',
    ).replace(
        '<bpmn:process id="spin" isExecutable="true">',
        '<bpmn:process id="spin2" isExecutable="true"><bpmn:laneSet id="ls"><bpmn:lane id="l" name="agent"/></bpmn:laneSet>',
    )
    assert [p.element_id for p in validate_bpmn(xml)] == ["a"]
    definition = _published_before_the_check("spin2", xml, designer)
    agent = make_user("agent", roles=["agent"], org_unit=units["office"])
    ticket = submit()
    instance = services.start_process(ticket, definition, actor=designer)
    review = WorkItem.objects.get(instance=instance, title="Review")

    services.complete_work_item(review, data={}, actor=agent, decision="done")

    instance.refresh_from_db()
    ticket.refresh_from_db()
    assert instance.status == InstanceStatus.FAILED
    assert not instance.is_active
    other = WorkItem.objects.get(instance=instance, title="Other check")
    assert other.status == WorkItemStatus.CANCELLED
    assert ticket.status in (Status.SUBMITTED, Status.IN_PROGRESS)
    assert ticket.closed_at is None
    assert Activity.objects.for_target(ticket).filter(verb="process.failed").count() == 1


MANY = (
    HEAD
    + """  <bpmn:process id="many" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="agent"/></bpmn:laneSet>
    <bpmn:startEvent id="s"/>
    <bpmn:userTask id="vote" name="Vote"><bpmn:multiInstanceLoopCharacteristics>
      <bpmn:loopCardinality>COUNT</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="vote"/>
    <bpmn:sequenceFlow id="f2" sourceRef="vote" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>
"""
)


@pytest.mark.parametrize("count", ["copies", "1000", "-1", "'3'"])
def test_a_multi_instance_task_opens_a_bounded_number_of_tasks(count: str) -> None:
    """The cardinality can come from the applicant's answers: 10**9 would open 10**9 tasks (the
    test asks for 1,000 so that a missing check fails it quickly instead of filling memory)."""
    parsed = engine.parse_definition(MANY.replace("COUNT", count))

    with pytest.raises(engine.EngineError) as caught:
        engine.start_workflow(parsed, {"copies": 1000})

    assert f"between 0 and {engine.MAX_INSTANCES} tasks" in str(caught.value.message)


def test_a_multi_instance_task_within_the_bound_opens_its_tasks() -> None:
    workflow = engine.start_workflow(
        engine.parse_definition(MANY.replace("COUNT", "copies")), {"copies": 3}
    )

    assert len(engine.human_tasks(workflow)) == 3
