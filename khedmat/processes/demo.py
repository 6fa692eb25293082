"""Demo processes: one drawn BPMN document per demo service, published and named by the service.

The documents live in `khedmat/processes/demo/<key>.bpmn` (made by `scripts/make_demo_bpmn.py`, with
their diagram, so the designer draws them). `load_demo_processes()` publishes each one whose latest
published version differs (idempotent) and points its service's `process_key` at it. Requests filed
afterwards run the process; requests filed before keep being moved by hand. Load the demo users and
the demo catalog first: the lanes name the roles agent and supervisor and the team licence-experts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from khedmat.accounts.models import User
from khedmat.catalog import services as catalog_services
from khedmat.catalog.models import Service
from khedmat.processes import actions, services
from khedmat.processes.assignment import claim_work_item
from khedmat.processes.choices import Decision, DefinitionStatus
from khedmat.processes.models import ProcessDefinition, WorkItem
from khedmat.tickets.choices import Status
from khedmat.tickets.demo import (
    KEY_PREFIX,
    DemoRequest,
    DemoRequestRow,
    demo_row,
    file_demo_request,
)
from khedmat.tickets.models import Ticket

DEMO_DIR = Path(__file__).parent / "demo"
DEMO_STAFF = ("applicant", "agent", "supervisor")

#: The flows the documents follow.
LICENCE_FLOW = "licence"  # review, return loop, registry inquiry, two approvals at once, letter
APPROVAL_FLOW = "approval"  # review, return loop, the supervisor's approval


@dataclass(frozen=True)
class DemoProcess:
    """A demo service's process: its key (the file's name), name and flow."""

    service_code: str
    key: str
    name: str
    flow: str = APPROVAL_FLOW

    @property
    def path(self) -> Path:
        return DEMO_DIR / f"{self.key}.bpmn"

    def bpmn_xml(self) -> str:
        return self.path.read_text(encoding="utf-8")


DEMO_PROCESSES: tuple[DemoProcess, ...] = (
    DemoProcess("17041325104", "business-licence", "صدور پروانه کسب"),
    DemoProcess("10012656000sh13", "new-business-licence", "صدور پروانه کسب جدید", LICENCE_FLOW),
    DemoProcess("10012656000sh14", "business-licence-renewal", "تمدید پروانه کسب"),
    DemoProcess("10012656000sh15", "business-licence-duplicate", "صدور المثنی پروانه کسب"),
    DemoProcess("10011146000", "establishment-permit", "صدور جواز تأسیس واحد صنعتی"),
    DemoProcess("13091710103", "operating-licence", "صدور پروانه بهره‌برداری واحد صنعتی"),
    DemoProcess("13091710103-01", "new-operating-licence", "صدور پروانه بهره‌برداری جدید"),
    DemoProcess("13091710103-02", "operating-licence-amendment", "اصلاح پروانه بهره‌برداری"),
    DemoProcess("10011146010", "exploration-licence", "صدور پروانه اکتشاف معدن"),
    DemoProcess("17041325120", "trade-card", "صدور کارت بازرگانی"),
    DemoProcess("17041325121", "trade-card-person", "صدور کارت بازرگانی اشخاص حقیقی"),
    DemoProcess("17041325122", "trade-card-company", "صدور کارت بازرگانی اشخاص حقوقی"),
    DemoProcess("17041325123", "trade-card-renewal", "تمدید کارت بازرگانی"),
    DemoProcess("17041325124", "import-order", "ثبت سفارش کالا"),
    DemoProcess("17041325130", "shop-complaint", "رسیدگی به شکایت از واحدهای صنفی"),
    DemoProcess("17041325131", "overpricing-report", "گزارش گران‌فروشی و کم‌فروشی"),
    DemoProcess("13061709000", "agency-inquiry", "پاسخ به استعلام‌های دستگاه‌های اجرایی"),
    DemoProcess("17041325140", "licence-certificate", "صدور گواهی اعتبار پروانه کسب"),
)
DEMO_PROCESSES_BY_CODE = {process.service_code: process for process in DEMO_PROCESSES}


def latest_published(key: str) -> ProcessDefinition | None:
    """The newest published version of the process `key`, if any."""
    return (
        ProcessDefinition.objects.filter(key=key, status=DefinitionStatus.PUBLISHED)
        .order_by("-version")
        .first()
    )


@transaction.atomic
def load_demo_processes() -> list[ProcessDefinition]:
    """Publish each demo document that changed and set its service's process; return those published."""
    published = []
    for spec in DEMO_PROCESSES:
        service = Service.objects.filter(code=spec.service_code).first()
        if service is None:
            continue
        bpmn_xml = spec.bpmn_xml()
        latest = latest_published(spec.key)
        if latest is None or latest.bpmn_xml != bpmn_xml:
            draft = services.create_definition(spec.key, bpmn_xml, name=spec.name, actor=None)
            published.append(services.publish_definition(draft, actor=None))
        if service.process_key != spec.key:
            catalog_services.revise_service(
                service,
                changes={"process_key": spec.key},
                actor=None,
                change_summary="فرایند نمونه",
            )
    return published


@dataclass(frozen=True)
class ProcessRequest:
    """A demo request that runs its service's process, and the decisions already taken on it."""

    key: str
    service_code: str
    approvals: int = 0  # how many open tasks the demo agent and supervisor approve
    claim: bool = False  # the demo agent holds the first open task


PROCESS_REQUESTS = (
    ProcessRequest("process-licence-review", "10012656000sh13", claim=True),
    ProcessRequest("process-trade-card-approval", "17041325121", approvals=1),
    ProcessRequest("process-business-licence", "17041325104"),
)


@transaction.atomic
def load_demo_process_requests() -> list[DemoRequestRow]:
    """File the demo requests that run a process (once), so the inbox and the process panel
    have something to show: one held by the agent, one at the supervisor's approval, one new."""
    users = {user.username: user for user in User.objects.filter(username__in=DEMO_STAFF)}
    applicant, agent = users.get("applicant"), users.get("agent")
    if applicant is None or agent is None:
        return []
    rows = []
    for spec in PROCESS_REQUESTS:
        service = Service.objects.filter(code=spec.service_code, is_published=True).first()
        if service is None or service.current_version is None or not service.process_key:
            continue
        key = KEY_PREFIX + spec.key
        ticket = Ticket.objects.filter(filed_by=applicant, submission_key=key).first()
        if ticket is None:
            request = DemoRequest(spec.key, spec.service_code, Status.SUBMITTED, lambda _: {})
            ticket = file_demo_request(request, service.current_version, applicant, applicant)
            _decide(ticket, spec, agent=agent, supervisor=users.get("supervisor"))
            ticket.refresh_from_db()  # the decisions moved it
        rows.append(demo_row(ticket))
    return rows


def _decide(ticket: Ticket, spec: ProcessRequest, *, agent: User, supervisor: User | None) -> None:
    for _ in range(spec.approvals):
        item = WorkItem.objects.open().filter(ticket=ticket).order_by("id").first()
        if item is None:
            return
        actor = agent if actions.can_act(item, agent) else supervisor
        if actor is not None:
            actions.act_on_work_item(item, Decision.APPROVE, actor=actor)
    if spec.claim:
        item = WorkItem.objects.open().filter(ticket=ticket).order_by("id").first()
        if item is not None:
            claim_work_item(item, actor=agent)
