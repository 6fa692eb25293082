"""A small diagram for the lock tests: a review in parallel with a wait (a message or a timer)."""

from __future__ import annotations

RACE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D"
  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:message id="m" name="request_corrected"/>
  <bpmn:process id="race" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="agent">
      <bpmn:flowNodeRef>review</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="s"/>
    <bpmn:parallelGateway id="split"/>
    <bpmn:userTask id="review" name="Review"/>
    <bpmn:intermediateCatchEvent id="wait" name="Wait">WAIT</bpmn:intermediateCatchEvent>
    <bpmn:parallelGateway id="join"/>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="split"/>
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="review"/>
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="wait"/>
    <bpmn:sequenceFlow id="f4" sourceRef="review" targetRef="join"/>
    <bpmn:sequenceFlow id="f5" sourceRef="wait" targetRef="join"/>
    <bpmn:sequenceFlow id="f6" sourceRef="join" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>
"""

WAITS = {
    "message": '<bpmn:messageEventDefinition id="md" messageRef="m"/>',
    "timer": '<bpmn:timerEventDefinition id="td"><bpmn:timeDuration>PT1H</bpmn:timeDuration>'
    "</bpmn:timerEventDefinition>",
}


def race_bpmn(wait: str) -> str:
    """The race diagram whose parallel branch waits for `wait` ("message" or "timer")."""
    return RACE.replace("WAIT", WAITS[wait])
