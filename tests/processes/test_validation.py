"""Checks at upload: the supported palette, safe expressions, well-formed BPMN; the engine hook."""

from __future__ import annotations

from pathlib import Path

import pytest

from khedmat.processes import engine
from khedmat.processes.validation import validate_bpmn
from tests.fixtures.processes import bpmn


def test_the_sample_documents_are_valid() -> None:
    assert validate_bpmn(bpmn("approval.bpmn")) == []
    assert validate_bpmn(bpmn("parallel.bpmn")) == []


def test_unsupported_elements_and_bad_expressions_are_listed_with_their_ids() -> None:
    problems = validate_bpmn(bpmn("unsupported.bpmn"))

    found = [(p.element_id, p.element_name, str(p.message)) for p in problems]
    assert found == [
        ("Task_script", "Run a script", "Script tasks are not supported: use a service task."),
        (
            "Gateway_inclusive",
            "Any of",
            "Inclusive gateways are not supported: use exclusive or parallel.",
        ),
        ("Task_manual", "Stamp the paper", "Manual tasks are not supported: use a user task."),
        ("Flow_evil", "evil", "Attribute access is not allowed in an expression."),
        ("Flow_bad_condition", "escape", "Attribute access is not allowed in an expression."),
    ]


def _document(process_body: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="D" '
        'xmlns:khedmat="https://khedmat.ir/schema/bpmn/1" '
        'targetNamespace="http://bpmn.io/schema/bpmn">'
        f'<bpmn:process id="p" isExecutable="true">{process_body}</bpmn:process>'
        "</bpmn:definitions>"
    )


@pytest.mark.parametrize(
    ("body", "element_id", "message"),
    [
        (
            '<bpmn:eventBasedGateway id="g1" name="Race"/>',
            "g1",
            "Event-based gateways are not supported.",
        ),
        ('<bpmn:complexGateway id="g2"/>', "g2", "Complex gateways are not supported."),
        ('<bpmn:businessRuleTask id="t1"/>', "t1", "Business rule tasks are not supported."),
        (
            '<bpmn:intermediateCatchEvent id="e1"><bpmn:signalEventDefinition/>'
            "</bpmn:intermediateCatchEvent>",
            "e1",
            "Signal events are not supported.",
        ),
        (
            '<bpmn:boundaryEvent id="e2" attachedToRef="x"><bpmn:escalationEventDefinition/>'
            "</bpmn:boundaryEvent>",
            "e2",
            "Escalation events are not supported.",
        ),
        (
            '<bpmn:endEvent id="e3"><bpmn:compensateEventDefinition/></bpmn:endEvent>',
            "e3",
            "Compensation is not supported.",
        ),
        (
            '<bpmn:startEvent id="e4"><bpmn:timerEventDefinition/></bpmn:startEvent>',
            "e4",
            "This event type is not supported here.",
        ),
        (
            '<bpmn:intermediateThrowEvent id="e5"/>',
            "e5",
            "Throwing events are not supported.",
        ),
        (
            '<bpmn:serviceTask id="s1" khedmat:kind="sms"><bpmn:multiInstanceLoopCharacteristics/>'
            "</bpmn:serviceTask>",
            "s1",
            "Only user tasks may be multi-instance.",
        ),
        (
            '<bpmn:intermediateCatchEvent id="e6"><bpmn:timerEventDefinition>'
            '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">open("/etc/passwd")'
            "</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>",
            "e6",
            "Calling open is not allowed",
        ),
    ],
)
def test_each_unsupported_element_is_named(body: str, element_id: str, message: str) -> None:
    problems = validate_bpmn(_document(body))

    assert [p.element_id for p in problems] == [element_id]
    assert str(problems[0].message).startswith(message)


def test_malformed_xml_and_foreign_documents_say_so() -> None:
    (problem,) = validate_bpmn("<bpmn:definitions")
    assert str(problem.message).startswith("The BPMN document is not well-formed XML")
    (problem,) = validate_bpmn("<svg/>")
    assert str(problem.message) == (
        "The document is not BPMN 2.0: its root must be bpmn:definitions."
    )


def test_external_entities_are_not_resolved() -> None:
    document = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D">'
        '<bpmn:process id="p" name="&xxe;" isExecutable="true"/></bpmn:definitions>'
    )
    (problem,) = validate_bpmn(document)

    assert "external entity" in str(problem.message)
    assert "root:" not in str(problem.message)


def test_the_engine_refuses_a_broken_process() -> None:
    document = _document(
        '<bpmn:startEvent id="s"><bpmn:outgoing>f</bpmn:outgoing></bpmn:startEvent>'
        '<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="nowhere"/>'
    )
    (problem,) = validate_bpmn(document)
    assert str(problem.message).startswith("The engine cannot load this process")


def test_spiff_runs_conditions_through_the_restricted_evaluator() -> None:
    """Even a document that skipped validation cannot run code through a gateway condition."""
    malicious = bpmn("approval.bpmn").replace(
        "approved == True", "__import__('os').system('touch /tmp/x') == 0"
    )
    parsed = engine.parse_definition(malicious)
    workflow = engine.start_workflow(parsed)
    (task,) = engine.human_tasks(workflow)
    target = Path("/tmp/x")  # noqa: S108  (the file the attack tries to create)
    existed = target.exists()

    with pytest.raises(engine.EngineError, match="Attribute access is not allowed"):
        engine.complete_task(workflow, task.task_id, {"approved": True})
    assert target.exists() == existed


def test_scripts_never_run() -> None:
    with pytest.raises(engine.ExpressionError, match="Script tasks are not supported"):
        engine.SCRIPT_ENGINE.execute(None, "import os")
    with pytest.raises(engine.ExpressionError, match="Script tasks are not supported"):
        engine.SCRIPT_ENGINE.environment.execute("import os", {})
