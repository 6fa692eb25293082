"""The SpiffWorkflow glue: parse, run, serialise; expressions go through our restricted evaluator.

Nothing outside this module imports SpiffWorkflow. Services hand it BPMN text and serialised state
and get plain values back (`HumanTask`, datetimes, booleans).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
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
from SpiffWorkflow.bpmn.serializer.config import DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from khedmat.processes.expressions import ExpressionError, evaluate_expression, parse_expression

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
#: Our extension attributes (service-task kind and parameters, form keys): khedmat:kind="inquiry".
KHEDMAT_NS = "https://khedmat.ir/schema/bpmn/1"
NAMESPACES = {"bpmn": BPMN_NS}
#: Upload limit for one BPMN document.
MAX_BPMN_BYTES = 2_000_000
#: Most engine steps (gateways, events, tasks the engine runs itself) between two waits: a flow
#: that goes round without waiting for a person, a job, a timer or a message stops here.
MAX_ENGINE_STEPS = 200
#: Most instances a multi-instance task may open (its loop cardinality).
MAX_INSTANCES = 100


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

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        value = super().evaluate(task, expression, external_context)
        spec = task.task_spec
        if isinstance(spec, MultiInstanceTask) and expression == spec.cardinality:
            _check_cardinality(value)
        return value

    def execute(self, task: Any, script: str, external_context: Any = None) -> Any:
        raise ExpressionError(_("Script tasks are not supported."))


def _check_cardinality(value: Any) -> None:
    """A multi-instance task opens at most MAX_INSTANCES tasks (guards a cardinality of 10**9)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INSTANCES:
        raise ExpressionError(
            _("A multi-instance task opens between 0 and %(limit)d tasks.")
            % {"limit": MAX_INSTANCES}
        )


SCRIPT_ENGINE = RestrictedScriptEngine()
#: Spiff's default configuration does not serialise service tasks: they carry nothing of their own
#: (their kind and parameters are read from the document), so the plain converter does.
_SERIALIZER = BpmnWorkflowSerializer(
    registry=BpmnWorkflowSerializer.configure(
        {**DEFAULT_CONFIG, ServiceTask: BpmnTaskSpecConverter}
    )
)


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
class ServiceSpec:
    """What a service task does: its kind (sms, inquiry, letter) and its khedmat:* parameters."""

    kind: str
    params: dict[str, str]


@dataclass(frozen=True)
class Step:
    """A step the applicant sees: a user or service task of the main process, in flow order."""

    element_id: str
    title: str


@dataclass(frozen=True)
class ParsedDefinition:
    """A definition's specs, ready to start workflows, and what we read from the document."""

    process_id: str
    spec: Any
    subprocess_specs: dict[str, Any]
    form_keys: dict[str, str]
    service_tasks: dict[str, ServiceSpec]
    steps: tuple[Step, ...] = ()
    #: End events marked khedmat:outcome="rejected": reaching one turns the request down.
    rejecting_ends: frozenset[str] = frozenset()


def parse_definition(bpmn_xml: str) -> ParsedDefinition:
    """Build Spiff specs from BPMN text; raise EngineError with Spiff's message on failure."""
    root = parse_xml(bpmn_xml)
    quote_plain_times(root)
    process_id = main_process_id(root)
    parser = BpmnParser()
    try:
        parser.add_bpmn_xml(root, filename="definition.bpmn")
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except (SpiffWorkflowException, ExpressionError) as error:
        raise EngineError(str(error)) from error
    return ParsedDefinition(
        process_id,
        spec,
        subprocess_specs,
        _form_keys(root),
        service_specs(root),
        flow_steps(root, process_id),
        rejecting_ends(root),
    )


#: An ISO 8601 duration, date-time or repetition written plainly (PT1H, P3D, R3/PT1H, 2026-12-01T09:00).
PLAIN_TIME = re.compile(r"^(R\d*/)?P(?=\d|T\d)[\dYMWDTHS.]+$|^\d{4}-\d{2}-\d{2}(T[\d:.+Z-]+)?$")
TIME_TAGS = frozenset({"timeDuration", "timeDate", "timeCycle"})


def quote_plain_times(root: Any) -> None:
    """Designers write PT1H; the engine reads timer fields as expressions: quote plain ISO values."""
    for node in root.iter(*(f"{{{BPMN_NS}}}{tag}" for tag in TIME_TAGS)):
        text = (node.text or "").strip()
        if PLAIN_TIME.match(text):
            node.text = f"'{text}'"


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


def extension_attributes(node: Any) -> dict[str, str]:
    """The khedmat:* attributes of an element, by local name."""
    return {
        etree.QName(name).localname: str(value)
        for name, value in node.attrib.items()
        if etree.QName(name).namespace == KHEDMAT_NS
    }


def service_specs(root: Any) -> dict[str, ServiceSpec]:
    """Each service task's kind and parameters (khedmat:kind, khedmat:template…), by element id."""
    found = {}
    for node in root.iter(f"{{{BPMN_NS}}}serviceTask"):
        params = extension_attributes(node)
        kind = params.pop("kind", "")
        found[str(node.get("id"))] = ServiceSpec(kind=kind, params=params)
    return found


def rejecting_ends(root: Any) -> frozenset[str]:
    """Ids of the end events whose khedmat:outcome is "rejected"."""
    return frozenset(
        str(node.get("id"))
        for node in root.iter(f"{{{BPMN_NS}}}endEvent")
        if extension_attributes(node).get("outcome") == "rejected"
    )


TASK_TAGS = frozenset({"userTask", "serviceTask", "callActivity", "subProcess"})


def flow_steps(root: Any, process_id: str) -> tuple[Step, ...]:
    """The tasks of the main process in the order the flow reaches them (breadth first)."""
    process = next(
        (node for node in root.iter(f"{{{BPMN_NS}}}process") if node.get("id") == process_id), None
    )
    if process is None:
        return ()
    nodes = {str(node.get("id")): node for node in process if isinstance(node.tag, str)}
    targets: dict[str, list[str]] = {}
    for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        targets.setdefault(str(flow.get("sourceRef")), []).append(str(flow.get("targetRef")))
    queue = [
        element_id
        for element_id, node in nodes.items()
        if etree.QName(node).localname == "startEvent"
    ]
    seen: set[str] = set(queue)
    steps = []
    while queue:
        element_id = queue.pop(0)
        node = nodes.get(element_id)
        if node is not None and etree.QName(node).localname in TASK_TAGS:
            steps.append(Step(element_id, str(node.get("name") or element_id)))
        for target in targets.get(element_id, []):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return tuple(steps)


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


@dataclass(frozen=True)
class ServiceRun:
    """A service task the engine has started and is waiting on (a job will finish it)."""

    task_id: str
    name: str
    title: str


def running_service_tasks(workflow: Any) -> list[ServiceRun]:
    """Service tasks started and not finished: each waits for its job."""
    return [
        ServiceRun(
            task_id=str(task.id),
            name=str(task.task_spec.bpmn_id or task.task_spec.name),
            title=str(task.task_spec.bpmn_name or task.task_spec.bpmn_id or ""),
        )
        for task in workflow.get_tasks(state=TaskState.STARTED)
        if isinstance(task.task_spec, ServiceTask)
    ]


def finish_service_task(workflow: Any, task_id: str, data: Mapping[str, Any]) -> None:
    """Complete a started service task with its result and run the engine steps that follow."""
    task = _task(workflow, task_id)
    if (
        task is None
        or task.state != TaskState.STARTED
        or not isinstance(task.task_spec, ServiceTask)
    ):
        raise EngineError(_("This task is not waiting for a job."))
    task.set_data(**dict(data))
    try:
        task.complete()
    except (SpiffWorkflowException, ExpressionError) as error:
        raise _engine_error(error) from error
    _run_engine(workflow)


def waiting_messages(workflow: Any) -> list[str]:
    """Names of the messages the process waits for."""
    return [
        str(event.name)
        for event in workflow.waiting_events()
        if event.event_type == "MessageEventDefinition"
    ]


def deliver_message(workflow: Any, name: str, payload: Mapping[str, Any]) -> bool:
    """Hand a message to the events waiting for it; False when nothing waits for it."""
    if name not in waiting_messages(workflow):
        return False
    event = BpmnEvent(MessageEventDefinition(name), dict(payload))
    try:
        workflow.send_event(event)
    except (SpiffWorkflowException, ExpressionError) as error:
        raise _engine_error(error) from error
    _run_engine(workflow)
    return True


def current_elements(workflow: Any) -> list[str]:
    """Ids of the diagram elements the process stands at: open tasks, running jobs, waits."""
    ids = [task.name for task in human_tasks(workflow)]
    ids += [run.name for run in running_service_tasks(workflow)]
    for task in workflow.get_tasks(state=TaskState.WAITING):
        ids.append(str(task.task_spec.bpmn_id or task.task_spec.name))
    return list(dict.fromkeys(ids))


def cancel(workflow: Any) -> None:
    """Stop the workflow: its open tasks are cancelled."""
    workflow.cancel()


def _task(workflow: Any, task_id: str) -> Any:
    try:
        return workflow.get_task_from_id(uuid.UUID(task_id))
    except (ValueError, SpiffWorkflowException):
        return None


def complete_task(workflow: Any, task_id: str, data: Mapping[str, Any]) -> None:
    """Put `data` into the READY user task `task_id`, run it and the engine steps that follow."""
    task = _task(workflow, task_id)
    if task is None or task.state != TaskState.READY or not task.task_spec.manual:
        raise EngineError(_("This task is not waiting for anyone."))
    task.set_data(**dict(data))
    task.set_data(**_vote_counts(task))
    try:
        task.run()
    except (SpiffWorkflowException, ExpressionError) as error:
        raise _engine_error(error) from error
    _run_engine(workflow)


def _vote_counts(task: Any) -> dict[str, int]:
    """For one instance of a multi-instance task: how its siblings and it decided so far.

    A completion condition reads them: any `approvals_count >= 1`, majority
    `approvals_count * 2 > instance_count`; with no condition every instance is asked.
    """
    parent = task.parent
    if parent is None or not isinstance(parent.task_spec, MultiInstanceTask):
        return {}
    siblings = [child for child in parent.children if child.task_spec == task.task_spec]
    decisions = [
        child.data.get("decision")
        for child in siblings
        if child is task or child.state == TaskState.COMPLETED
    ]
    return {
        "approvals_count": decisions.count("approve"),
        "rejections_count": decisions.count("reject"),
        "instance_count": len(siblings),
    }


def fire_timers(workflow: Any) -> None:
    """Let timers whose time has come fire, then run the engine steps that follow."""
    try:
        workflow.refresh_timers()
    except (SpiffWorkflowException, ExpressionError) as error:
        raise _engine_error(error) from error
    _run_engine(workflow)


class _TooManySteps(Exception):
    """The engine ran MAX_ENGINE_STEPS steps without reaching a wait."""


def _run_engine(workflow: Any) -> None:
    """Run the engine's own steps up to the next wait, at most MAX_ENGINE_STEPS of them.

    A flow that goes round without waiting stops there, its loop left READY: `run_outcome`
    then says "stuck" and the services fail the instance instead of running on.
    """
    steps = 0

    def count(task: Any) -> None:
        nonlocal steps
        steps += 1
        if steps > MAX_ENGINE_STEPS:
            raise _TooManySteps()

    try:
        workflow.do_engine_steps(will_complete_task=count)
    except _TooManySteps:
        return
    except (SpiffWorkflowException, ExpressionError) as error:
        raise _engine_error(error) from error


def _engine_error(error: Exception) -> EngineError:
    """Our expression's translated message if that is what failed, else Spiff's text."""
    cause: Any = error
    while cause is not None and not isinstance(cause, ExpressionError):
        cause = cause.__cause__ or cause.__context__
    return EngineError(cause.message if cause is not None else str(error))


#: What a run came to: an end event of the main process, a wait, or neither.
ENDED, WAITING, STUCK = "ended", "waiting", "stuck"


def run_outcome(workflow: Any) -> str:
    """ENDED only when an end event of the main process completed; STUCK when the flow neither
    ended nor waits for anything (a loop that never waits, or a run cut short by the step limit).

    Spiff reports a workflow "completed" when it finds no unfinished task, and it stops looking
    1,000 levels down its task tree: a long loop looks completed. Only a reached end counts.
    """
    if any(not task.task_spec.manual for task in workflow.get_tasks(state=TaskState.READY)):
        return STUCK  # the engine stopped with its own steps still to run
    if workflow.is_completed():
        return ENDED if _reached_main_end(workflow) else STUCK
    if human_tasks(workflow) or running_service_tasks(workflow) or workflow.waiting_events():
        return WAITING
    return STUCK


def _reached_main_end(workflow: Any) -> bool:
    return any(
        isinstance(task.task_spec, EndEvent) and task.workflow is workflow
        for task in workflow.get_tasks(state=TaskState.COMPLETED)
    )


def reached(workflow: Any, element_ids: frozenset[str]) -> bool:
    """Whether the flow completed one of these elements (e.g. a rejecting end event)."""
    if not element_ids:
        return False
    return any(
        task.task_spec.bpmn_id in element_ids
        for task in workflow.get_tasks(state=TaskState.COMPLETED)
    )


def last_note(workflow: Any) -> str:
    """The `note` the last person who completed a task wrote (the reason of a rejection)."""
    notes = [
        str(task.data.get("note") or "")
        for task in workflow.get_tasks(state=TaskState.COMPLETED, manual=True)
    ]
    return next((note for note in reversed(notes) if note), "")


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
