"""The demo processes: one drawn, valid document per demo service, published once, started on filing."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts.models import User
from khedmat.catalog.choices import FieldType
from khedmat.catalog.demo import load_demo_catalog
from khedmat.catalog.formbuilder import rows_of
from khedmat.catalog.models import Service, ServiceVersion
from khedmat.processes import engine
from khedmat.processes.choices import DefinitionStatus, InstanceStatus, WorkItemStatus
from khedmat.processes.demo import (
    DEMO_DIR,
    DEMO_PROCESSES,
    DEMO_PROCESSES_BY_CODE,
    LICENCE_FLOW,
    DemoProcess,
    load_demo_processes,
)
from khedmat.processes.models import ProcessDefinition
from khedmat.processes.validation import validate_bpmn
from khedmat.site.demo_data import load_demo_data
from khedmat.tickets import services as ticket_services
from khedmat.tickets.choices import IntakeChannel, Status
from khedmat.tickets.demo import Person, fill_answers, fill_documents
from khedmat.tickets.documents import upload_documents
from tests.fixtures.browser import make_page, screenshot
from tests.fixtures.tickets import run_follow_ups

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {
    "bpmn": BPMN_NS,
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
NODE_TAGS = (
    "startEvent",
    "endEvent",
    "userTask",
    "serviceTask",
    "exclusiveGateway",
    "parallelGateway",
    "intermediateCatchEvent",
)
#: Lanes name a role or a team code of the demo data (khedmat/site/demo_data.py).
DEMO_LANES = {"agent", "supervisor", "licence-experts"}
REVIEW = "بررسی کارشناس"
LEGAL_ID = "10380284790"
VIEWER = Path("khedmat/static/vendor/bpmn-js")
SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"

by_key = pytest.mark.parametrize("process", DEMO_PROCESSES, ids=lambda process: process.key)


@pytest.fixture
def demo(db: None, settings: SettingsWrapper, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    load_demo_data()
    load_demo_catalog()


def overrides(version: ServiceVersion, person: Person) -> dict[str, Any]:
    """Answers the demo filler has no default for: a company's national ID, a licence number."""
    legal_ids = {
        row.key: LEGAL_ID for row in rows_of(version) if row.field_type == FieldType.LEGAL_ID
    }
    return {"mobile": person.mobile, "licence_number": "1402058831", **legal_ids}


def tree(process: DemoProcess) -> Any:
    return etree.fromstring(process.bpmn_xml().encode())


# --- the documents -------------------------------------------------------------------------------


def test_one_committed_document_per_entry() -> None:
    assert sorted(path.stem for path in DEMO_DIR.glob("*.bpmn")) == sorted(
        process.key for process in DEMO_PROCESSES
    )
    assert len(DEMO_PROCESSES_BY_CODE) == len(DEMO_PROCESSES)
    assert [process.key for process in DEMO_PROCESSES if process.flow == LICENCE_FLOW] == [
        "new-business-licence"
    ]


def test_the_documents_are_what_the_generator_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("make_demo_bpmn", SCRIPTS / "make_demo_bpmn.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "make_demo_bpmn", generator)  # its dataclasses look it up
    spec.loader.exec_module(generator)
    for process in DEMO_PROCESSES:
        make = (
            generator.licence_diagram
            if process.flow == LICENCE_FLOW
            else generator.approval_diagram
        )
        assert generator.document(make(process)) == process.bpmn_xml(), process.key


@by_key
def test_document_validates_and_the_engine_loads_it(process: DemoProcess) -> None:
    assert validate_bpmn(process.bpmn_xml()) == []
    parsed = engine.parse_definition(process.bpmn_xml())
    assert parsed.steps[0].title == REVIEW


@by_key
def test_document_has_a_shape_for_every_element_and_an_edge_for_every_flow(
    process: DemoProcess,
) -> None:
    root = tree(process)
    plane = root.find("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
    assert plane is not None
    shapes = {
        shape.get("bpmnElement"): shape.find("dc:Bounds", NS)
        for shape in plane.iterfind("bpmndi:BPMNShape", NS)
    }
    edges = {
        edge.get("bpmnElement"): edge.findall("di:waypoint", NS)
        for edge in plane.iterfind("bpmndi:BPMNEdge", NS)
    }
    elements = [
        *root.iterfind(".//bpmn:participant", NS),
        *root.iterfind(".//bpmn:lane", NS),
        *(node for tag in NODE_TAGS for node in root.iterfind(f".//bpmn:{tag}", NS)),
    ]
    flows = root.findall(".//bpmn:sequenceFlow", NS)
    assert len(elements) >= 10
    assert set(shapes) == {element.get("id") for element in elements}
    assert all(bounds is not None and float(bounds.get("width")) > 0 for bounds in shapes.values())
    assert set(edges) == {flow.get("id") for flow in flows}
    assert all(len(points) >= 2 for points in edges.values())
    assert {lane.get("name") for lane in root.iterfind(".//bpmn:lane", NS)} <= DEMO_LANES
    assert all(node.get("name") for node in root.iterfind(".//bpmn:userTask", NS))


def test_the_licence_flow() -> None:
    process = DEMO_PROCESSES_BY_CODE["10012656000sh13"]
    parsed = engine.parse_definition(process.bpmn_xml())

    assert [step.element_id for step in parsed.steps] == [
        "Review",
        "Inquiry",
        "SupervisorApproval",
        "ExpertApproval",
        "FinalReview",
        "Letter",
    ]
    assert parsed.service_tasks["Inquiry"] == engine.ServiceSpec(
        "inquiry", {"inquiry": "identity", "result": "registry"}
    )
    assert parsed.service_tasks["Letter"].kind == "letter"
    assert "{code}" in parsed.service_tasks["Letter"].params["subject"]
    lanes = {
        lane.get("name"): [ref.text for ref in lane.iterfind("bpmn:flowNodeRef", NS)]
        for lane in tree(process).iterfind(".//bpmn:lane", NS)
    }
    assert lanes["supervisor"] == ["SupervisorApproval"]
    assert lanes["licence-experts"] == ["ExpertApproval"]
    messages = tree(process).findall("bpmn:message", NS)
    assert [message.get("name") for message in messages] == ["request_corrected"]


# --- loading -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_loading_publishes_each_once_and_names_it_on_its_service(demo: None) -> None:
    first = load_demo_processes()

    assert sorted(definition.key for definition in first) == sorted(
        process.key for process in DEMO_PROCESSES
    )
    assert all(definition.status == DefinitionStatus.PUBLISHED for definition in first)
    assert {service.code: service.process_key for service in Service.objects.all()} == {
        process.service_code: process.key for process in DEMO_PROCESSES
    }
    versions = dict(Service.objects.values_list("code", "current_version__number"))

    assert load_demo_processes() == []
    assert ProcessDefinition.objects.count() == len(DEMO_PROCESSES)
    assert dict(Service.objects.values_list("code", "current_version__number")) == versions


@pytest.mark.django_db
def test_a_changed_document_is_published_as_a_new_version(demo: None) -> None:
    load_demo_processes()
    process = DEMO_PROCESSES[0]
    ProcessDefinition.objects.filter(key=process.key).update(bpmn_xml="<changed/>")

    (again,) = load_demo_processes()

    assert (again.key, again.version, again.bpmn_xml) == (process.key, 2, process.bpmn_xml())


@pytest.mark.django_db
def test_a_request_to_each_demo_service_starts_its_process(demo: None, settings: Any) -> None:
    settings.KHEDMAT_MAX_REQUESTS_PER_DAY = 0  # one applicant files for every demo service
    load_demo_processes()
    applicant = User.objects.get(username="applicant")
    person = Person("حسین", "محمدی", "0013542419", "09121234567")

    for service in Service.objects.select_related("current_version").order_by("code"):
        version = service.current_version
        assert version is not None
        filled = fill_answers(version, person, overrides(version, person))
        fill_documents(filled, upload_documents(version), ())
        online = version.takes_online_requests()
        ticket = ticket_services.submit_request(
            version,
            answers=filled.answers,
            documents=filled.documents,
            files=filled.files,
            requester=applicant,
            filed_by=applicant,
            principal=ticket_services.Principal(person.name, person.national_code, person.mobile),
            channel=IntakeChannel.ONLINE if online else IntakeChannel.IN_PERSON,
        )
        assert not ticket.process_instances.exists()  # it starts in the after-submission job
        assert run_follow_ups() == 1

        (instance,) = ticket.process_instances.all()
        assert (instance.definition.key, instance.status) == (
            DEMO_PROCESSES_BY_CODE[service.code].key,
            InstanceStatus.RUNNING,
        )
        items = [(item.title, item.role, item.status) for item in ticket.work_items.all()]
        assert items == [(REVIEW, "agent", WorkItemStatus.OPEN)], service.code
        ticket.refresh_from_db()
        assert (ticket.status, ticket.stage) == (Status.SUBMITTED, REVIEW)


# --- drawn by bpmn-js ----------------------------------------------------------------------------


@pytest.mark.browser
def test_bpmn_js_draws_every_document_without_a_warning(
    browser: Any, outside_requests: list[str]
) -> None:
    page = make_page(browser, outside_requests, language="fa", width=1700, height=720)
    page.set_content('<div id="canvas" style="width: 1660px; height: 680px"></div>')
    for stylesheet in ("diagram-js.css", "bpmn-js.css", "bpmn-font/css/bpmn.css"):
        page.add_style_tag(path=str(VIEWER / "assets" / stylesheet))
    page.add_script_tag(path=str(VIEWER / "bpmn-navigated-viewer.production.min.js"))

    for process in DEMO_PROCESSES:
        result = page.evaluate(
            """async (xml) => {
                if (window.viewer) { window.viewer.destroy(); }
                const viewer = window.viewer = new BpmnJS({ container: "#canvas" });
                try {
                    const { warnings } = await viewer.importXML(xml);
                    viewer.get("canvas").zoom("fit-viewport");
                    const elements = viewer.get("elementRegistry").getAll();
                    return {
                        warnings: warnings.map((warning) => warning.message),
                        ids: elements.filter((element) => element.type !== "label")
                            .map((element) => element.id),
                    };
                } catch (error) {
                    return { error: String(error) };
                }
            }""",
            process.bpmn_xml(),
        )
        root = tree(process)
        drawn = {
            element.get("bpmnElement") for element in root.iterfind(".//bpmndi:BPMNShape", NS)
        } | {element.get("bpmnElement") for element in root.iterfind(".//bpmndi:BPMNEdge", NS)}
        assert result.get("error") is None, (process.key, result)
        assert result["warnings"] == [], process.key
        assert set(result["ids"]) - {"Collaboration_1"} == drawn, process.key
        if process.flow == LICENCE_FLOW or process.key == "trade-card":
            assert page.locator(".djs-element.djs-shape").count() > 10
            screenshot(page, f"processes-demo-{process.key}")
    assert outside_requests == []


def test_the_demo_files_requests_that_run_their_process_once(demo: None) -> None:
    from khedmat.processes.demo import load_demo_process_requests
    from khedmat.processes.models import WorkItem

    load_demo_processes()

    rows = load_demo_process_requests()

    assert len(rows) == 3
    items = {
        row.tracking_code: list(
            WorkItem.objects.open().filter(ticket__tracking_code=row.tracking_code)
        )
        for row in rows
    }
    held, at_supervisor, new = (items[row.tracking_code] for row in rows)
    assert [item.assignee.username if item.assignee else None for item in held] == ["agent"]
    assert [item.role for item in at_supervisor] == ["supervisor"]
    assert [item.assignee for item in new] == [None]
    assert [row.status for row in rows] == ["submitted", "in_progress", "submitted"]
    assert load_demo_process_requests() == rows  # the same rows when loaded again
    assert WorkItem.objects.open().count() == 3
