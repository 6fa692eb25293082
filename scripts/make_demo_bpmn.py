"""Write the demo processes' BPMN documents, with their diagrams, to khedmat/processes/demo/.

Usage: .venv/bin/python scripts/make_demo_bpmn.py
One document per entry of khedmat.processes.demo.DEMO_PROCESSES: its flow (licence or approval),
laid out on a grid of lanes, rows and columns, with a shape for the pool, each lane and each node and
an edge with waypoints for each flow, so bpmn-js draws it as it is. Commit the files it writes.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khedmat.settings")
os.environ.setdefault("KHEDMAT_DEBUG", "1")

import django

django.setup()

from khedmat.processes.demo import DEMO_DIR, LICENCE_FLOW, DemoProcess  # noqa: E402
from khedmat.processes.demo import DEMO_PROCESSES as PROCESSES  # noqa: E402

# --- layout ----------------------------------------------------------------------------------

POOL_X, POOL_Y, POOL_HEADER = 160, 80, 30
FIRST_COLUMN, COLUMN_STEP, ROW_HEIGHT = 90, 150, 120
SIZES = {
    "startEvent": (36, 36),
    "endEvent": (36, 36),
    "intermediateCatchEvent": (36, 36),
    "userTask": (100, 80),
    "serviceTask": (100, 80),
    "exclusiveGateway": (50, 50),
    "parallelGateway": (50, 50),
}
GATEWAYS = {"exclusiveGateway", "parallelGateway"}
LABEL_WIDTH, FLOW_LABEL_WIDTH, LINE_HEIGHT = 90, 100, 14

# What the diagrams say (Persian: staff and applicants read task names as stages).
START = "ثبت درخواست"
REVIEW = "بررسی کارشناس"
COMPLETE = "درخواست کامل است؟"
CORRECTION = "اصلاح درخواست توسط متقاضی"
NOT_APPROVED = "تأیید نشد"
SUPERVISOR = "تأیید رئیس اداره"
SUPERVISOR_DECISION = "نظر رئیس اداره"
DONE = "پایان رسیدگی"
INQUIRY = "استعلام هویت از ثبت احوال"
BOTH_APPROVE = "تأیید هم‌زمان"
EXPERT = "تأیید کارشناس مجوز"
LETTER = "ثبت نامه پروانه در اتوماسیون اداری"
FINAL_REVIEW = "بررسی نهایی کارشناس"
LETTER_SUBJECT = "پروانه کسب جدید — درخواست {code}"
ISSUED = "صدور پروانه"
RETURN, APPROVE, OTHERWISE = "بازگشت برای اصلاح", "تأیید", "سایر"
IS_RETURN, IS_APPROVE = "decision == 'return'", "decision == 'approve'"
MESSAGE = "request_corrected"
#: Lanes: a role (agent, supervisor) or a team code of the demo data (licence-experts).
TEAM = "licence-experts"


@dataclass(frozen=True)
class Node:
    """A flow node placed on the grid: its lane, column and row within the lane."""

    id: str
    kind: str
    name: str
    lane: str
    column: float
    row: int = 0
    attrs: dict[str, str] = field(default_factory=dict)
    label: str = "below"  # where an event's or a gateway's name goes: below, above, above-left


@dataclass(frozen=True)
class Flow:
    """A sequence flow, with its label and condition (the default flow has none)."""

    id: str
    source: str
    target: str
    name: str = ""
    condition: str = ""
    route: str = ""  # "" (chosen from the shapes) or "hv": across, then up or down


@dataclass(frozen=True)
class Box:
    """A shape's bounds on the canvas."""

    x: float
    y: float
    width: float
    height: float

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height


@dataclass
class Diagram:
    """One process and its layout: lanes top to bottom, nodes, flows, gateways' default flows."""

    key: str
    name: str
    lanes: list[tuple[str, int]]  # lane name and its number of rows, top to bottom
    nodes: list[Node]
    flows: list[Flow]
    defaults: dict[str, str] = field(default_factory=dict)  # gateway id -> default flow id

    def lane_top(self, lane: str) -> float:
        top = float(POOL_Y)
        for name, rows in self.lanes:
            if name == lane:
                return top
            top += rows * ROW_HEIGHT
        raise KeyError(lane)

    def box(self, node: Node) -> Box:
        width, height = SIZES[node.kind]
        cx = POOL_X + POOL_HEADER + FIRST_COLUMN + node.column * COLUMN_STEP
        cy = self.lane_top(node.lane) + node.row * ROW_HEIGHT + ROW_HEIGHT / 2
        return Box(cx - width / 2, cy - height / 2, width, height)

    @property
    def width(self) -> float:
        last = max(node.column for node in self.nodes)
        return POOL_HEADER + FIRST_COLUMN + last * COLUMN_STEP + 110

    @property
    def height(self) -> float:
        return sum(rows for _name, rows in self.lanes) * ROW_HEIGHT


def waypoints(source: Node, s: Box, target: Node, t: Box, route: str) -> list[tuple[float, float]]:
    """Right-angled paths: along a row, down a column, or out of a gateway's corner."""
    forward = t.cx > s.cx
    if route == "hv" or (not forward and source.kind not in GATEWAYS and s.cy != t.cy):
        return [
            (s.right if forward else s.x, s.cy),
            (t.cx, s.cy),
            (t.cx, t.y if t.cy > s.cy else t.bottom),
        ]
    if s.cy == t.cy:
        return [(s.right, s.cy), (t.x, t.cy)] if forward else [(s.x, s.cy), (t.right, t.cy)]
    if s.cx == t.cx:
        return [(s.cx, s.bottom), (t.cx, t.y)] if t.cy > s.cy else [(s.cx, s.y), (t.cx, t.bottom)]
    if source.kind in GATEWAYS:
        return [
            (s.cx, s.bottom if t.cy > s.cy else s.y),
            (s.cx, t.cy),
            (t.x if forward else t.right, t.cy),
        ]
    if target.kind in GATEWAYS:
        return [(s.right, s.cy), (t.cx, s.cy), (t.cx, t.y if t.cy > s.cy else t.bottom)]
    middle = (s.right + t.x) / 2
    return [(s.right, s.cy), (middle, s.cy), (middle, t.cy), (t.x, t.cy)]


# --- the two flows ---------------------------------------------------------------------------


def review_nodes(*, next_column: int) -> list[Node]:
    """Start, the clerk's review and its decision, the wait for the applicant's correction."""
    return [
        Node("Filed", "startEvent", START, "agent", 0, 1),
        Node("Review", "userTask", REVIEW, "agent", 1, 1),
        Node("Decision", "exclusiveGateway", COMPLETE, "agent", 2, 1, label="above-left"),
        Node("WaitCorrection", "intermediateCatchEvent", CORRECTION, "agent", 2, 2),
        Node(
            "NotApproved",
            "endEvent",
            NOT_APPROVED,
            "agent",
            next_column,
            0,
            {"outcome": "rejected"},
        ),
    ]


def review_flows(approve_target: str, *, approve_route: str = "") -> list[Flow]:
    return [
        Flow("Flow_start", "Filed", "Review"),
        Flow("Flow_review", "Review", "Decision"),
        Flow("Flow_return", "Decision", "WaitCorrection", RETURN, IS_RETURN),
        Flow("Flow_corrected", "WaitCorrection", "Review"),
        Flow("Flow_approve", "Decision", approve_target, APPROVE, IS_APPROVE, approve_route),
        Flow("Flow_not_approved", "Decision", "NotApproved", OTHERWISE),
    ]


def approval_diagram(process: DemoProcess) -> Diagram:
    """Clerk review (return loop) → the supervisor's approval (return loop) → end."""
    nodes = [
        *review_nodes(next_column=3),
        Node("SupervisorApproval", "userTask", SUPERVISOR, "supervisor", 3),
        Node("SupervisorDecision", "exclusiveGateway", SUPERVISOR_DECISION, "supervisor", 4),
        Node("Done", "endEvent", DONE, "supervisor", 5),
    ]
    flows = [
        *review_flows("SupervisorApproval", approve_route="hv"),
        Flow("Flow_supervisor", "SupervisorApproval", "SupervisorDecision"),
        Flow("Flow_supervisor_return", "SupervisorDecision", "WaitCorrection", RETURN, IS_RETURN),
        Flow("Flow_done", "SupervisorDecision", "Done"),
    ]
    defaults = {"Decision": "Flow_not_approved", "SupervisorDecision": "Flow_done"}
    lanes = [("agent", 3), ("supervisor", 1)]
    return Diagram(process.key, process.name, lanes, nodes, flows, defaults)


def licence_diagram(process: DemoProcess) -> Diagram:
    """Clerk review (return loop) → registry inquiry → supervisor and expert at once → the
    clerk's final review (return loop) → letter."""
    inquiry = {"kind": "inquiry", "inquiry": "identity", "result": "registry"}
    letter = {"kind": "letter", "subject": LETTER_SUBJECT}
    nodes = [
        *review_nodes(next_column=3),
        Node("Inquiry", "serviceTask", INQUIRY, "agent", 3, 1, inquiry),
        Node("Split", "parallelGateway", BOTH_APPROVE, "agent", 4, 1, label="above"),
        Node("SupervisorApproval", "userTask", SUPERVISOR, "supervisor", 5),
        Node("ExpertApproval", "userTask", EXPERT, TEAM, 5),
        Node("Join", "parallelGateway", "", "agent", 6, 1),
        Node("FinalReview", "userTask", FINAL_REVIEW, "agent", 7, 1),
        Node("FinalDecision", "exclusiveGateway", COMPLETE, "agent", 8, 1, label="above-left"),
        Node("WaitFinalCorrection", "intermediateCatchEvent", CORRECTION, "agent", 8, 2),
        Node("Letter", "serviceTask", LETTER, "agent", 9, 1, letter),
        Node("Issued", "endEvent", ISSUED, "agent", 10, 1),
    ]
    flows = [
        *review_flows("Inquiry"),
        Flow("Flow_inquiry", "Inquiry", "Split"),
        Flow("Flow_to_supervisor", "Split", "SupervisorApproval"),
        Flow("Flow_to_expert", "Split", "ExpertApproval"),
        Flow("Flow_supervisor", "SupervisorApproval", "Join"),
        Flow("Flow_expert", "ExpertApproval", "Join"),
        Flow("Flow_final", "Join", "FinalReview"),
        Flow("Flow_final_review", "FinalReview", "FinalDecision"),
        Flow("Flow_final_return", "FinalDecision", "WaitFinalCorrection", RETURN, IS_RETURN),
        Flow("Flow_final_corrected", "WaitFinalCorrection", "FinalReview"),
        Flow("Flow_letter", "FinalDecision", "Letter", APPROVE),
        Flow("Flow_issued", "Letter", "Issued"),
    ]
    lanes = [("agent", 3), ("supervisor", 1), (TEAM, 1)]
    defaults = {"Decision": "Flow_not_approved", "FinalDecision": "Flow_letter"}
    return Diagram(process.key, process.name, lanes, nodes, flows, defaults)


# --- writing ---------------------------------------------------------------------------------


def attributes(values: dict[str, str]) -> str:
    return "".join(f" {name}={quoteattr(value)}" for name, value in values.items() if value)


def number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def process_xml(diagram: Diagram) -> list[str]:
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for flow in diagram.flows:
        outgoing.setdefault(flow.source, []).append(flow.id)
        incoming.setdefault(flow.target, []).append(flow.id)
    process_id = "Process_" + diagram.key.replace("-", "_")
    lines = [
        f'  <bpmn:process id="{process_id}"{attributes({"name": diagram.name})} '
        'isExecutable="true">',
        '    <bpmn:laneSet id="LaneSet_1">',
    ]
    for lane, _rows in diagram.lanes:
        lines.append(f'      <bpmn:lane id="Lane_{lane.replace("-", "_")}" name="{lane}">')
        lines += [
            f"        <bpmn:flowNodeRef>{node.id}</bpmn:flowNodeRef>"
            for node in diagram.nodes
            if node.lane == lane
        ]
        lines.append("      </bpmn:lane>")
    lines.append("    </bpmn:laneSet>")
    for node in diagram.nodes:
        extra = {f"khedmat:{name}": value for name, value in node.attrs.items()}
        if node.id in diagram.defaults:
            extra["default"] = diagram.defaults[node.id]
        lines.append(
            f'    <bpmn:{node.kind} id="{node.id}"{attributes({"name": node.name, **extra})}>'
        )
        lines += [
            f"      <bpmn:incoming>{item}</bpmn:incoming>" for item in incoming.get(node.id, [])
        ]
        lines += [
            f"      <bpmn:outgoing>{item}</bpmn:outgoing>" for item in outgoing.get(node.id, [])
        ]
        if node.kind == "intermediateCatchEvent":
            lines.append(
                f'      <bpmn:messageEventDefinition id="{node.id}_message" '
                'messageRef="Message_corrected" />'
            )
        lines.append(f"    </bpmn:{node.kind}>")
    for flow in diagram.flows:
        head = (
            f'    <bpmn:sequenceFlow id="{flow.id}"{attributes({"name": flow.name})} '
            f'sourceRef="{flow.source}" targetRef="{flow.target}"'
        )
        if not flow.condition:
            lines.append(head + " />")
            continue
        lines += [
            head + ">",
            '      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">'
            f"{escape(flow.condition)}</bpmn:conditionExpression>",
            "    </bpmn:sequenceFlow>",
        ]
    lines.append("  </bpmn:process>")
    return lines


def bounds(box: Box, indent: str) -> str:
    return (
        f'{indent}<dc:Bounds x="{number(box.x)}" y="{number(box.y)}" '
        f'width="{number(box.width)}" height="{number(box.height)}" />'
    )


def label_xml(box: Box | None) -> list[str]:
    if box is None:
        return []
    return ["        <bpmndi:BPMNLabel>", bounds(box, "          "), "        </bpmndi:BPMNLabel>"]


def shape(element: str, box: Box, extra: str = "", label: Box | None = None) -> list[str]:
    return [
        f'      <bpmndi:BPMNShape id="{element}_di" bpmnElement="{element}"{extra}>',
        bounds(box, "        "),
        *label_xml(label),
        "      </bpmndi:BPMNShape>",
    ]


def text_box(text: str, width: float = LABEL_WIDTH) -> tuple[float, float]:
    """Room for a label: about 15 letters a line, 14 pixels a line."""
    return width, LINE_HEIGHT * max(1, -(-len(text) // 15))


def node_label(node: Node, box: Box) -> Box | None:
    """External labels (events, gateways) below the shape, or above it where flows leave below."""
    if node.kind in ("userTask", "serviceTask") or not node.name:
        return None
    width, height = text_box(node.name)
    if node.label == "above":
        return Box(box.cx - width / 2, box.y - 6 - height, width, height)
    if node.label == "above-left":
        return Box(box.x - width + 10, box.y - height, width, height)
    return Box(box.cx - width / 2, box.bottom + 6, width, height)


def flow_label(flow: Flow, points: list[tuple[float, float]]) -> Box | None:
    """Beside the flow's first leg: to its right when it runs up or down, above it otherwise."""
    if not flow.name:
        return None
    (x1, y1), (x2, y2) = points[0], points[1]
    width, height = text_box(flow.name, FLOW_LABEL_WIDTH)
    if x1 == x2:
        return Box(x1 + 6, (y1 + y2) / 2 - height / 2, width, height)
    return Box((x1 + x2) / 2 - width / 2, y1 - 6 - height, width, height)


def diagram_xml(diagram: Diagram) -> list[str]:
    lines = [
        '  <bpmndi:BPMNDiagram id="BPMNDiagram_1">',
        '    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Collaboration_1">',
        *shape(
            "Participant_1",
            Box(POOL_X, POOL_Y, diagram.width, diagram.height),
            ' isHorizontal="true"',
        ),
    ]
    for lane, rows in diagram.lanes:
        lane_box = Box(
            POOL_X + POOL_HEADER,
            diagram.lane_top(lane),
            diagram.width - POOL_HEADER,
            rows * ROW_HEIGHT,
        )
        lines += shape(f"Lane_{lane.replace('-', '_')}", lane_box, ' isHorizontal="true"')
    nodes = {node.id: node for node in diagram.nodes}
    for node in diagram.nodes:
        marker = ' isMarkerVisible="true"' if node.kind == "exclusiveGateway" else ""
        box = diagram.box(node)
        lines += shape(node.id, box, marker, node_label(node, box))
    for flow in diagram.flows:
        source, target = nodes[flow.source], nodes[flow.target]
        points = waypoints(source, diagram.box(source), target, diagram.box(target), flow.route)
        lines.append(f'      <bpmndi:BPMNEdge id="{flow.id}_di" bpmnElement="{flow.id}">')
        lines += [f'        <di:waypoint x="{number(x)}" y="{number(y)}" />' for x, y in points]
        lines += [*label_xml(flow_label(flow, points)), "      </bpmndi:BPMNEdge>"]
    lines += ["    </bpmndi:BPMNPlane>", "  </bpmndi:BPMNDiagram>"]
    return lines


def document(diagram: Diagram) -> str:
    process_id = "Process_" + diagram.key.replace("-", "_")
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
        'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
        'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:khedmat="https://khedmat.ir/schema/bpmn/1" '
        f'id="Definitions_{diagram.key.replace("-", "_")}" '
        'targetNamespace="https://khedmat.ir/schema/bpmn/demo">',
        f'  <bpmn:message id="Message_corrected" name="{MESSAGE}" />',
        '  <bpmn:collaboration id="Collaboration_1">',
        f'    <bpmn:participant id="Participant_1"{attributes({"name": diagram.name})} '
        f'processRef="{process_id}" />',
        "  </bpmn:collaboration>",
        *process_xml(diagram),
        *diagram_xml(diagram),
        "</bpmn:definitions>",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    DEMO_DIR.mkdir(exist_ok=True)
    for process in PROCESSES:
        make = licence_diagram if process.flow == LICENCE_FLOW else approval_diagram
        process.path.write_text(document(make(process)), encoding="utf-8")
        print(process.path)


if __name__ == "__main__":
    main()
