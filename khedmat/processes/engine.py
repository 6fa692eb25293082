"""The SpiffWorkflow glue: parse, run, serialise; expressions go through our restricted evaluator.

Nothing outside this module imports SpiffWorkflow. Services hand it BPMN text and serialised state
and get plain values back (`HumanTask`, datetimes, booleans).
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from khedmat.processes.expressions import ExpressionError, evaluate_expression, parse_expression

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NAMESPACES = {"bpmn": BPMN_NS}
#: Upload limit for one BPMN document.
MAX_BPMN_BYTES = 2_000_000


class EngineError(Exception):
    """The engine could not do what was asked; `message` is translated and safe to show."""

    def __init__(self, message: object) -> None:
        self.message = message
        super().__init__(str(message))


# --- expressions and scripts ---------------------------------------------------------------------


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Spiff's script environment with `eval` replaced by the restricted evaluator and no `exec`."""

    def evaluate(
        self, expression: str, context: Mapping[str, Any], external_context: Any = None
    ) -> Any:
        names = {**(external_context or {}), **context}
        return evaluate_expression(expression, names)

    def execute(self, script: str, context: Any, external_context: Any = None) -> Any:
        raise ExpressionError(_("Script tasks are not supported."))

    def call_service(self, context: Any, **kwargs: Any) -> Any:
        raise ExpressionError(_("Service calls from the diagram are not supported."))


class RestrictedScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """Spiff's script engine over the restricted environment; `validate` uses our grammar."""

    def __init__(self) -> None:
        super().__init__(environment=RestrictedEnvironment())

    def validate(self, expression: str) -> None:
        parse_expression(expression)

    def execute(self, task: Any, script: str, external_context: Any = None) -> Any:
        raise ExpressionError(_("Script tasks are not supported."))


SCRIPT_ENGINE = RestrictedScriptEngine()
_SERIALIZER = BpmnWorkflowSerializer()


# --- parsing -------------------------------------------------------------------------------------


def parse_xml(bpmn_xml: str) -> Any:
    """Parse BPMN text safely (no entities, no network, no huge trees); raise EngineError."""
    data = bpmn_xml.encode("utf-8") if isinstance(bpmn_xml, str) else bpmn_xml
    if len(data) > MAX_BPMN_BYTES:
        raise EngineError(_("The BPMN document is too large."))
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as error:
        raise EngineError(
            _("The BPMN document is not well-formed XML: %(error)s") % {"error": error}
        ) from None
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise EngineError(_("The document is not BPMN 2.0: its root must be bpmn:definitions."))
    return root


def main_process_id(root: Any) -> str:
    """The executable process that is not called by another one (the first, if several)."""
    called = {node.get("calledElement") for node in root.iter(f"{{{BPMN_NS}}}callActivity")}
    processes = [node for node in root.iter(f"{{{BPMN_NS}}}process")]
    candidates = [
        node.get("id")
        for node in processes
        if node.get("id") not in called and node.get("isExecutable", "true") != "false"
    ]
    if not candidates:
        raise EngineError(_("The document has no executable process."))
    return str(candidates[0])


@dataclass(frozen=True)
class ParsedDefinition:
    """A definition's specs, ready to start workflows, and the form key of each user task."""

    process_id: str
    spec: Any
    subprocess_specs: dict[str, Any]
    form_keys: dict[str, str]


def parse_definition(bpmn_xml: str) -> ParsedDefinition:
    """Build Spiff specs from BPMN text; raise EngineError with Spiff's message on failure."""
    root = parse_xml(bpmn_xml)
    process_id = main_process_id(root)
    parser = BpmnParser()
    try:
        parser.add_bpmn_xml(root, filename="definition.bpmn")
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except (SpiffWorkflowException, ExpressionError) as error:
        raise EngineError(str(error)) from error
    return ParsedDefinition(process_id, spec, subprocess_specs, _form_keys(root))


@functools.lru_cache(maxsize=64)
def cached_definition(definition_id: int, version_stamp: str, bpmn_xml: str) -> ParsedDefinition:
    """parse_definition for a published (immutable) definition, cached per process."""
    return parse_definition(bpmn_xml)


def _form_keys(root: Any) -> dict[str, str]:
    """formKey attributes of user tasks, whatever the modeller's extension namespace."""
    keys = {}
    for node in root.iter(f"{{{BPMN_NS}}}userTask"):
        for name, value in node.attrib.items():
            if etree.QName(name).localname == "formKey" and value:
                keys[str(node.get("id"))] = str(value)
    return keys


# --- running -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HumanTask:
    """A READY user task: what a WorkItem row is made from."""

    task_id: str
    name: str
    title: str
    lane: str


def start_workflow(parsed: ParsedDefinition, data: Mapping[str, Any] | None = None) -> Any:
    """A new workflow whose first tasks hold `data`, run up to its first wait."""
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SCRIPT_ENGINE)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.set_data(**dict(data or {}))
    _run_engine(workflow)
    return workflow


def serialize(workflow: Any) -> str:
    return str(_SERIALIZER.serialize_json(workflow))


def deserialize(state: str) -> Any:
    workflow = _SERIALIZER.deserialize_json(state)
    workflow.script_engine = SCRIPT_ENGINE
    return workflow


def human_tasks(workflow: Any) -> list[HumanTask]:
    """The user tasks waiting for a person, in the workflow's order."""
    return [
        HumanTask(
            task_id=str(task.id),
            name=str(task.task_spec.bpmn_id or task.task_spec.name),
            title=str(task.task_spec.bpmn_name or task.task_spec.bpmn_id or ""),
            lane=str(task.task_spec.lane or ""),
        )
        for task in workflow.get_tasks(state=TaskState.READY, manual=True)
    ]


def complete_task(workflow: Any, task_id: str, data: Mapping[str, Any]) -> None:
    """Put `data` into the READY user task `task_id`, run it and the engine steps that follow."""
    try:
        task = workflow.get_task_from_id(uuid.UUID(task_id))
    except (ValueError, SpiffWorkflowException):
        task = None
    if task is None or task.state != TaskState.READY or not task.task_spec.manual:
        raise EngineError(_("This task is not waiting for anyone."))
    task.set_data(**dict(data))
    try:
        task.run()
    except (SpiffWorkflowException, ExpressionError) as error:
        raise _engine_error(error) from error
    _run_engine(workflow)


def fire_timers(workflow: Any) -> None:
    """Let timers whose time has come fire, then run the engine steps that follow."""
    try:
        workflow.refresh_timers()
    except (SpiffWorkflowException, ExpressionError) as error:
        raise _engine_error(error) from error
    _run_engine(workflow)


def _run_engine(workflow: Any) -> None:
    try:
        workflow.do_engine_steps()
    except (SpiffWorkflowException, ExpressionError) as error:
        raise _engine_error(error) from error


def _engine_error(error: Exception) -> EngineError:
    """Our expression's translated message if that is what failed, else Spiff's text."""
    cause: Any = error
    while cause is not None and not isinstance(cause, ExpressionError):
        cause = cause.__cause__ or cause.__context__
    return EngineError(cause.message if cause is not None else str(error))


def is_completed(workflow: Any) -> bool:
    return bool(workflow.is_completed())


TIMER_EVENT_TYPES = frozenset(
    {"TimeDateEventDefinition", "DurationTimerEventDefinition", "CycleTimerEventDefinition"}
)


def next_timer_at(workflow: Any) -> dt.datetime | None:
    """When the earliest waiting timer fires, if any."""
    moments = []
    for event in workflow.waiting_events():
        value = event.value
        if isinstance(value, dict):
            value = value.get("next")
        if not isinstance(value, str) or event.event_type not in TIMER_EVENT_TYPES:
            continue
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            continue
        moments.append(moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC))
    return min(moments, default=None)
