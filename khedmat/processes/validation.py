"""Checks a BPMN document before it is published: the supported palette and safe expressions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from lxml import etree

from khedmat.processes.engine import (
    BPMN_NS,
    EngineError,
    extension_attributes,
    parse_definition,
    parse_xml,
    quote_plain_times,
)
from khedmat.processes.expressions import ExpressionError, parse_expression

#: BPMN elements a process may contain (local names in the BPMN namespace).
SUPPORTED_ELEMENTS: frozenset[str] = frozenset(
    {
        # the document and its structure
        "definitions",
        "process",
        "collaboration",
        "participant",
        "messageFlow",
        "message",
        "laneSet",
        "lane",
        "childLaneSet",
        "flowNodeRef",
        "sequenceFlow",
        "conditionExpression",
        "incoming",
        "outgoing",
        "documentation",
        "extensionElements",
        "textAnnotation",
        "text",
        "association",
        "group",
        "category",
        "categoryValue",
        "itemDefinition",
        # the palette
        "startEvent",
        "endEvent",
        "userTask",
        "serviceTask",
        "exclusiveGateway",
        "parallelGateway",
        "intermediateCatchEvent",
        "boundaryEvent",
        "callActivity",
        "subProcess",
        "timerEventDefinition",
        "timeDuration",
        "timeDate",
        "timeCycle",
        "messageEventDefinition",
        "multiInstanceLoopCharacteristics",
        "loopCardinality",
        "completionCondition",
        "loopDataInputRef",
        "loopDataOutputRef",
        "inputDataItem",
        "outputDataItem",
    }
)

#: Elements that hold an expression the engine evaluates.
EXPRESSION_ELEMENTS: frozenset[str] = frozenset(
    {
        "conditionExpression",
        "timeDuration",
        "timeDate",
        "timeCycle",
        "loopCardinality",
        "completionCondition",
    }
)

#: Event definitions allowed on each kind of event (none means a plain event).
EVENT_DEFINITIONS: dict[str, frozenset[str]] = {
    "startEvent": frozenset(),
    "endEvent": frozenset(),
    "intermediateCatchEvent": frozenset({"timerEventDefinition", "messageEventDefinition"}),
    "boundaryEvent": frozenset({"timerEventDefinition", "messageEventDefinition"}),
}

_DEFAULT_MESSAGE = _("This element is not supported.")
UNSUPPORTED_MESSAGES: dict[str, Any] = {
    "scriptTask": _("Script tasks are not supported: use a service task."),
    "manualTask": _("Manual tasks are not supported: use a user task."),
    "businessRuleTask": _("Business rule tasks are not supported."),
    "task": _("Choose a task type: user task or service task."),
    "sendTask": _("Send tasks are not supported: use a service task."),
    "receiveTask": _("Receive tasks are not supported: use a message catch event."),
    "inclusiveGateway": _("Inclusive gateways are not supported: use exclusive or parallel."),
    "eventBasedGateway": _("Event-based gateways are not supported."),
    "complexGateway": _("Complex gateways are not supported."),
    "intermediateThrowEvent": _("Throwing events are not supported."),
    "signalEventDefinition": _("Signal events are not supported."),
    "escalationEventDefinition": _("Escalation events are not supported."),
    "compensateEventDefinition": _("Compensation is not supported."),
    "errorEventDefinition": _("Error events are not supported."),
    "terminateEventDefinition": _("Terminate end events are not supported."),
    "conditionalEventDefinition": _("Conditional events are not supported."),
    "linkEventDefinition": _("Link events are not supported."),
    "cancelEventDefinition": _("Cancel events are not supported."),
    "transaction": _("Transactions are not supported: use a sub-process."),
    "adHocSubProcess": _("Ad-hoc sub-processes are not supported."),
    "standardLoopCharacteristics": _("Loops are not supported: use a multi-instance user task."),
}


@dataclass(frozen=True)
class Problem:
    """Why a document cannot be published: the element and a translated message."""

    element_id: str
    element_name: str
    message: Any

    def __str__(self) -> str:
        where = self.element_name or self.element_id
        return f"{where}: {self.message}" if where else str(self.message)


def validate_bpmn(bpmn_xml: str) -> list[Problem]:
    """Every problem of the document, in document order; an empty list means it may be published."""
    try:
        root = parse_xml(bpmn_xml)
    except EngineError as error:
        return [Problem("", "", error.message)]
    quote_plain_times(root)
    problems = [
        *_palette_problems(root),
        *_expression_problems(root),
        *_service_task_problems(root),
        *_loop_problems(root),
    ]
    if problems:
        return problems
    try:
        parse_definition(bpmn_xml)
    except EngineError as error:
        cause = error.__cause__
        return [
            Problem(
                str(getattr(cause, "id", "") or ""),
                str(getattr(cause, "name", "") or ""),
                _("The engine cannot load this process: %(error)s") % {"error": error.message},
            )
        ]
    return []


#: Names the engine gives its own tasks: a diagram element with one of these ids breaks the run.
RESERVED_IDS: frozenset[str] = frozenset({"Start", "End", "Root"})


def _palette_problems(root: Any) -> list[Problem]:
    problems = [
        _problem(node, _("This id is reserved by the engine: rename the element."))
        for node in _bpmn_elements(root)
        if node.get("id") in RESERVED_IDS or str(node.get("id", "")).endswith(".EndJoin")
    ]
    refused: set[Any] = set()
    for node in _bpmn_elements(root):
        local = etree.QName(node).localname
        if any(ancestor in refused for ancestor in node.iterancestors()):
            continue  # the refused element already says it
        if local not in SUPPORTED_ELEMENTS and not local.endswith("EventDefinition"):
            refused.add(node)
            message = UNSUPPORTED_MESSAGES.get(local, _DEFAULT_MESSAGE)
            problems.append(_problem(_owner(node), message))
        elif local in EVENT_DEFINITIONS:
            problems.extend(_event_problems(node, local))
        elif local == "multiInstanceLoopCharacteristics":
            parent = node.getparent()
            if etree.QName(parent).localname != "userTask":
                problems.append(_problem(parent, _("Only user tasks may be multi-instance.")))
    return problems


#: Service-task kinds and the khedmat:* parameters each needs.
SERVICE_KINDS: dict[str, tuple[str, ...]] = {
    "sms": (),
    "email": (),
    "inquiry": ("inquiry",),
    "letter": (),
}


def _service_task_problems(root: Any) -> list[Problem]:
    problems = []
    for node in root.iter(f"{{{BPMN_NS}}}serviceTask"):
        params = extension_attributes(node)
        kind = params.get("kind", "")
        if kind not in SERVICE_KINDS:
            problems.append(
                _problem(
                    node,
                    _(
                        "Give the service task a kind: khedmat:kind is sms, email, inquiry or letter."
                    ),
                )
            )
            continue
        for name in SERVICE_KINDS[kind]:
            if not params.get(name):
                problems.append(
                    _problem(node, _("This service task needs khedmat:%(name)s.") % {"name": name})
                )
    return problems


#: Elements where the flow stops until a person, a job, a timer or a message moves it on.
WAITING_ELEMENTS: frozenset[str] = frozenset(
    {"userTask", "serviceTask", "intermediateCatchEvent", "boundaryEvent"}
)
#: Elements that hold a flow of their own: a sub-process, or a process a call activity runs.
FLOW_CONTAINERS: frozenset[str] = frozenset({"process", "subProcess"})

LOOP_MESSAGE = _(
    "This loop never waits for a person, a job, a timer or a message: the engine would go round "
    "it without end. Put a user task, a service task or a catch event on it."
)


def _loop_problems(root: Any) -> list[Problem]:
    """Refuse a cycle of sequence flows on which nothing waits (gateways going round each other):
    the engine would spin through it inside the applicant's submission."""
    waits = _Waits(root)
    problems: list[Problem] = []
    for container in _bpmn_elements(root):
        if etree.QName(container).localname not in FLOW_CONTAINERS:
            continue
        nodes, targets = _flow_graph(container)
        spinning = {
            key: [target for target in targets.get(key, []) if target in nodes]
            for key, node in nodes.items()
            if not waits.at(node)
        }
        problems.extend(_problem(nodes[key], LOOP_MESSAGE) for key in _cycle_heads(spinning))
    return problems


def _flow_graph(container: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """A container's own flow nodes by id and where each one's sequence flows lead."""
    nodes: dict[str, Any] = {}
    targets: dict[str, list[str]] = {}
    for child in container:
        if not isinstance(child.tag, str) or etree.QName(child).namespace != BPMN_NS:
            continue
        if etree.QName(child).localname == "sequenceFlow":
            source = str(child.get("sourceRef"))
            targets.setdefault(source, []).append(str(child.get("targetRef")))
        elif child.get("id"):
            nodes[str(child.get("id"))] = child
    return nodes, targets


class _Waits:
    """Which elements always stop the flow: a task or catch event, or a sub-process (or called
    process) on whose every path from start to end something waits. Each container is read once."""

    def __init__(self, root: Any) -> None:
        self.processes = {str(node.get("id")): node for node in root.iter(f"{{{BPMN_NS}}}process")}
        self.known: dict[Any, bool] = {}
        self.reading: set[Any] = set()

    def at(self, node: Any) -> bool:
        local = etree.QName(node).localname
        if local in WAITING_ELEMENTS:
            return True
        if local == "subProcess":
            return self._always_waits(node)
        if local == "callActivity":
            called = self.processes.get(str(node.get("calledElement")))
            return called is not None and self._always_waits(called)
        return False

    def _always_waits(self, container: Any) -> bool:
        if container in self.known:
            return self.known[container]
        if container in self.reading:
            return False  # a process that calls itself: count it as not waiting
        self.reading.add(container)
        self.known[container] = not self._passes(container)
        self.reading.discard(container)
        return self.known[container]

    def _passes(self, container: Any) -> bool:
        """Whether the flow can go from a start event to an end event with nothing waiting."""
        nodes, targets = _flow_graph(container)
        starts = [key for key, node in nodes.items() if etree.QName(node).localname == "startEvent"]
        queue, visited = list(starts), set(starts)
        while queue:
            key = queue.pop()
            node = nodes.get(key)
            if node is None or self.at(node):
                continue
            if etree.QName(node).localname == "endEvent":
                return True
            for target in targets.get(key, []):
                if target not in visited:
                    visited.add(target)
                    queue.append(target)
        return not starts


def _cycle_heads(graph: dict[str, list[str]]) -> list[str]:
    """One element of each cycle of `graph` (its strongly connected parts that loop), in the
    graph's order; iterative Tarjan, so a long chain cannot exhaust the stack."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    heads: list[str] = []
    order = {key: position for position, key in enumerate(graph)}
    for root in graph:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            key, position = work.pop()
            if position == 0:
                index[key] = low[key] = len(index)
                stack.append(key)
                on_stack.add(key)
            successors = graph.get(key, [])
            if position < len(successors):
                work.append((key, position + 1))
                target = successors[position]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[key] = min(low[key], index[target])
                continue
            if low[key] == index[key]:
                part = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    part.append(member)
                    if member == key:
                        break
                if len(part) > 1 or key in graph.get(key, []):
                    heads.append(min(part, key=order.__getitem__))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[key])
    return sorted(heads, key=order.__getitem__)


def _event_problems(node: Any, local: str) -> list[Problem]:
    allowed = EVENT_DEFINITIONS[local]
    problems = []
    for child in node:
        if not isinstance(child.tag, str) or etree.QName(child).namespace != BPMN_NS:
            continue
        kind = etree.QName(child).localname
        if kind.endswith("EventDefinition") and kind not in allowed:
            message = UNSUPPORTED_MESSAGES.get(kind) or _("This event type is not supported here.")
            problems.append(_problem(node, message))
    return problems


def _expression_problems(root: Any) -> list[Problem]:
    problems = []
    for node in _bpmn_elements(root):
        if etree.QName(node).localname not in EXPRESSION_ELEMENTS:
            continue
        try:
            parse_expression(node.text or "")
        except ExpressionError as error:
            problems.append(_problem(_owner(node), error.message))
    return problems


def _bpmn_elements(root: Any) -> list[Any]:
    """BPMN-namespace elements, skipping diagram interchange and the modeller's extensions."""
    elements = []
    stack = [root]
    while stack:
        node = stack.pop()
        if not isinstance(node.tag, str) or etree.QName(node).namespace != BPMN_NS:
            continue
        elements.append(node)
        if etree.QName(node).localname != "extensionElements":
            stack.extend(reversed(list(node)))
    return elements


def _owner(node: Any) -> Any:
    """The nearest ancestor with an id: the flow or event an expression belongs to."""
    while node is not None and not node.get("id"):
        node = node.getparent()
    return node


def _problem(node: Any, message: Any) -> Problem:
    if node is None:
        return Problem("", "", message)
    return Problem(str(node.get("id") or ""), str(node.get("name") or ""), message)
