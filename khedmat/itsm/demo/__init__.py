"""Demo IT service management: an IT department, its two teams and agents, incidents in every status,
a running major incident, two problems and five known errors (idempotent).

`load_demo_itsm()` needs the demo users (agent, supervisor, operator, applicant; see
`khedmat.site.demo_data`). It adds the IT unit "it" with the teams "service-desk" and
"infrastructure", one agent in each, puts the demo supervisor in both (the supervisor role may declare
major incidents: the incident manager), and an SLA policy for incidents (first response in 2 working
hours, resolution in 2 working days). Then everything goes through the real services, back-dated
with their `now=`, so each record has its Activity rows, SLA clocks and queued messages: the
incidents move as the desk would move them (claim, refer, hold with each reason, reply, apply a
known error, resolve, close, reopen, merge a duplicate); the major incident gets three child
incidents, stakeholders, a public notice and two staff updates. Activity rows are stamped with
the time of the step that wrote them. A record whose title exists already is left alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from khedmat.accounts.choices import Role
from khedmat.accounts.models import OrgUnit, Team, User
from khedmat.accounts.services import create_user
from khedmat.catalog.models import Service
from khedmat.core import audit
from khedmat.core.models import Activity
from khedmat.itsm import services
from khedmat.itsm.choices import IncidentChannel
from khedmat.itsm.demo.data import (
    CHILDREN,
    DESK,
    INCIDENTS,
    INFRA,
    IT_STAFF,
    KE_VPN,
    KNOWN_ERRORS,
    MAJOR,
    MAJOR_UPDATES,
    POLICY_NAME,
    PORTAL_PROBLEM,
    VPN_PROBLEM,
    Caller,
    DemoIncident,
    DemoKnownError,
)
from khedmat.itsm.models import Incident, IncidentCategory, KnownError, Problem
from khedmat.sla.choices import (
    DurationUnit,
    EscalationAction,
    EscalationEvent,
    Priority,
    TargetKind,
)
from khedmat.sla.models import SlaEscalation, SlaPolicy, SlaTarget

__all__ = [
    "IT_STAFF",
    "DemoItsmSummary",
    "demo_itsm_summary",
    "link_demo_records_to_cis",
    "load_demo_itsm",
    "refer_demo_incidents_to_suppliers",
]

T = TypeVar("T")
P = ParamSpec("P")
Record = Incident | Problem | KnownError

WEEKEND = frozenset({3, 4})  # Thursday and Friday (the Iranian pack's closed days)

# --- loading ----------------------------------------------------------------------------------


@transaction.atomic
def load_demo_itsm(*, now: dt.datetime | None = None) -> list[Record]:
    """Create the ITSM demo unless it is there; returns the incidents, problems and known errors
    created (none on a second call)."""
    names = {"agent", "supervisor", "operator", "applicant"}
    wanted = names | {staff.username for staff in IT_STAFF}
    users = {user.username: user for user in User.objects.filter(username__in=wanted)}
    if not names <= users.keys():
        return []
    now = now or timezone.now()
    teams = _it_department(users)
    _incident_policy()
    demo = _Demo(now=now, users=users, teams=teams)
    for known in KNOWN_ERRORS:
        demo.known_error(known)
    for spec in INCIDENTS:
        demo.incident(spec)
    demo.vpn_problem()
    demo.major_incident()
    return demo.created


#: Typed items that are not the CI's code.
CI_ALIASES = {"portal.example.ir": "portal-app"}


def _ci_code(typed: str) -> str:
    first = typed.strip().split(" ")[0].lower() if typed.strip() else ""
    return CI_ALIASES.get(first, first)


@transaction.atomic
def link_demo_records_to_cis() -> int:
    """Put the demo incidents, problems and known errors on their CMDB items (after the CMDB
    demo): the item typed on each starts with the CI's code. Incidents through the service (an
    Activity row each); returns how many incidents were linked."""
    from khedmat.cmdb.models import ConfigurationItem

    items = {item.code: item for item in ConfigurationItem.objects.all()}
    linked = 0
    actor = User.objects.filter(username=IT_STAFF[0].username).first()
    for incident in Incident.objects.filter(ci__isnull=True).exclude(configuration_item=""):
        item = items.get(_ci_code(incident.configuration_item))
        if item is not None and actor is not None:
            services.set_incident_ci(incident, ci=item, actor=actor)
            linked += 1
    for model in (Problem, KnownError):
        for record in model.objects.filter(ci__isnull=True).exclude(configuration_item=""):
            item = items.get(_ci_code(record.configuration_item))
            if item is not None:
                model.objects.filter(pk=record.pk).update(ci=item)
    return linked


@transaction.atomic
def refer_demo_incidents_to_suppliers() -> int:
    """After the CMDB demo: the Kashan WAN incident is with the internet supplier now (their
    clock running), and two earlier incidents went to them, one back in time and one late, so the
    supplier report has something to show. Returns how many referrals were made."""
    from khedmat.cmdb.models import Contract, SupplierReferral
    from khedmat.cmdb.referrals import refer_to_supplier, return_from_supplier

    contract = Contract.objects.filter(kind="underpinning", sla_policy__isnull=False).first()
    actor = User.objects.filter(username="itinfra").first()
    if contract is None or actor is None or SupplierReferral.objects.exists():
        return 0
    made = 0
    kashan = Incident.objects.filter(ci__code="wan-kashan", status="on_hold").first()
    if kashan is not None:
        services.refer_incident_to_supplier(
            kashan,
            contract=contract,
            reference="45123",
            note="خرابی کابل نوری در مسیر اداره کاشان؛ لطفاً تا رفع قطعی پیگیری کنید.",
            actor=actor,
            now=kashan.status_changed_at,
        )
        made += 1
    earlier = Incident.objects.filter(status="closed").order_by("created_at", "id")[:2]
    for late, incident in enumerate(earlier):
        referred_at = incident.created_at + dt.timedelta(minutes=30)
        referral = refer_to_supplier(
            incident,
            contract=contract,
            org_unit=incident.org_unit_id or actor.org_unit_id or 0,
            label=incident.tracking_code,
            note="بررسی پیوند اینترنت",
            actor=actor,
            at=referred_at,
        )
        back = dt.timedelta(days=6) if late else dt.timedelta(minutes=50)
        return_from_supplier(
            referral, actor=actor, outcome="پیوند بازبینی شد.", at=referred_at + back
        )
        made += 1
    return made


@dataclass(frozen=True)
class DemoItsmSummary:
    """What the demo command prints of ITSM (read from the database: the same on every run)."""

    incidents: int
    by_status: str
    major_code: str
    problems: int
    known_errors: int


def demo_itsm_summary() -> DemoItsmSummary:
    """Incidents by status, the running major incident's code, problems and known errors."""
    counts = dict(Incident.objects.values_list("status").annotate(n=Count("pk")).order_by("status"))
    major = Incident.objects.filter(is_major=True).open().order_by("created_at", "id").first()
    return DemoItsmSummary(
        incidents=sum(counts.values()),
        by_status=", ".join(f"{status} {counts[status]}" for status in sorted(counts)),
        major_code=major.tracking_code if major else "",
        problems=Problem.objects.count(),
        known_errors=KnownError.objects.active().count(),
    )


def _it_department(users: dict[str, User]) -> dict[str, Team]:
    """The IT unit, its two teams and agents; the supervisor joins both (the incident manager)."""
    agency = OrgUnit.objects.filter(code="agency").first()
    unit, _ = OrgUnit.objects.get_or_create(
        code="it", defaults={"name": "اداره فناوری اطلاعات", "parent": agency}
    )
    names = {DESK: "میز خدمت فناوری اطلاعات", INFRA: "زیرساخت و شبکه"}
    teams = {
        code: Team.objects.get_or_create(code=code, defaults={"name": name, "org_unit": unit})[0]
        for code, name in names.items()
    }
    for staff in IT_STAFF:
        user = users.get(staff.username)
        if user is None:
            user = create_user(
                staff.username,
                password=staff.password,
                first_name=staff.first_name,
                last_name=staff.last_name,
                mobile=staff.mobile,
                org_unit=unit,
                roles=[staff.role],
                actor=None,
            )
            users[staff.username] = user
        teams[staff.team].members.add(user)
    for team in teams.values():
        team.members.add(users["supervisor"])
    return teams


def _incident_policy() -> SlaPolicy:
    """Incidents: first response in 2 working hours, resolution in 2 working days (warned at 75 %
    and 90 %, the supervisor told at 75 %, the priority raised to high on breach)."""
    policy, created = SlaPolicy.objects.get_or_create(
        record_kind="incident", name=POLICY_NAME, defaults={"precedence": 10}
    )
    if created:
        SlaTarget.objects.create(
            policy=policy,
            kind=TargetKind.FIRST_RESPONSE,
            amount=2,
            unit=DurationUnit.WORKING_HOURS,
        )
        resolution = SlaTarget.objects.create(
            policy=policy, kind=TargetKind.RESOLUTION, amount=2, unit=DurationUnit.WORKING_DAYS
        )
        SlaEscalation.objects.create(
            target=resolution,
            event=EscalationEvent.WARNING,
            level=75,
            action=EscalationAction.NOTIFY,
            notify_role=Role.SUPERVISOR,
        )
        SlaEscalation.objects.create(
            target=resolution,
            event=EscalationEvent.BREACH,
            action=EscalationAction.RAISE_PRIORITY,
            priority=Priority.HIGH,
        )
    return policy


@contextmanager
def _stamped(moment: dt.datetime) -> Iterator[None]:
    """Date the Activity rows written inside the block at `moment` (the services write them now)."""
    last = Activity.objects.aggregate(last=Max("id"))["last"] or 0
    yield
    with audit.maintenance():  # the rows are not sealed yet: dated before the chain sees them
        Activity.objects.filter(id__gt=last, seq__isnull=True).update(created_at=moment)


class _Timeline:
    """Moments of one record's story: each step some minutes after the last, never in the future."""

    def __init__(self, start: dt.datetime, now: dt.datetime) -> None:
        self.at = start
        self.latest = now - dt.timedelta(minutes=2)

    def after(self, minutes: int) -> dt.datetime:
        later = min(self.at + dt.timedelta(minutes=minutes), self.latest)
        self.at = max(later, self.at + dt.timedelta(seconds=1))
        return self.at


def working_day_moment(now: dt.datetime, days_back: int, clock: str) -> dt.datetime:
    """`clock` (local HH:MM) on the working day `days_back` working days before `now`'s; a moment
    not an hour before `now` moves to the working day before."""
    local = timezone.localtime(now)
    day, remaining = local.date(), days_back
    while day.weekday() in WEEKEND or remaining:
        if day.weekday() not in WEEKEND:
            remaining -= 1
        day -= dt.timedelta(days=1)
    hour, minute = (int(part) for part in clock.split(":"))
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
    if moment > now - dt.timedelta(hours=1):
        return working_day_moment(now, days_back + 1, clock)
    return moment


class _Demo:
    """What one load needs at hand: the time, users, teams, and the records made or found."""

    def __init__(self, *, now: dt.datetime, users: dict[str, User], teams: dict[str, Team]):
        self.now, self.users, self.teams = now, users, teams
        self.created: list[Record] = []
        self.incidents: dict[str, Incident] = {}
        titles = [spec.title for spec in KNOWN_ERRORS]
        self.known = {known.title: known for known in KnownError.objects.filter(title__in=titles)}
        self.categories = {category.code: category for category in IncidentCategory.objects.all()}
        codes = {spec.service for spec in (*INCIDENTS, MAJOR, *CHILDREN) if spec.service}
        self.services = {
            service.code: service for service in Service.objects.filter(code__in=codes)
        }

    def at(self, moment: dt.datetime, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`call(*args, **kwargs)`, its Activity rows dated `moment`."""
        with _stamped(moment):
            return call(*args, **kwargs)

    # --- known errors

    def known_error(self, spec: DemoKnownError) -> None:
        if spec.title in self.known:
            return
        moment = working_day_moment(self.now, 20, "10:00")
        known = self.at(
            moment,
            services.create_known_error,
            title=spec.title,
            symptom=spec.symptom,
            workaround=spec.workaround,
            configuration_item=spec.item,
            actor=self.users["supervisor"],
            now=moment,
        )
        self.known[spec.title] = known
        self.created.append(known)

    # --- incidents

    def incident(
        self, spec: DemoIncident, *, start: dt.datetime | None = None
    ) -> tuple[Incident, _Timeline] | None:
        """Report the incident and take it to its state; None when it exists already."""
        existing = Incident.objects.filter(title=spec.title).first()
        if existing is not None:
            self.incidents[spec.title] = existing
            return None
        start = start or working_day_moment(self.now, spec.days_back, spec.clock)
        timeline = _Timeline(start, self.now)
        incident = self.at(start, self.report, spec, start)
        incident = self.take(incident, spec, timeline)
        incident = self.finish(incident, spec, timeline)
        self.incidents[spec.title] = incident
        self.created.append(incident)
        return incident, timeline

    def report(self, spec: DemoIncident, moment: dt.datetime) -> Incident:
        """Logged by the IT service desk, or by the reporter on the portal."""
        reporter = spec.reporter
        user = self.users[reporter] if isinstance(reporter, str) else None
        caller = reporter if isinstance(reporter, Caller) else Caller("")
        report = services.IncidentReport(
            title=spec.title,
            description=spec.description,
            reporter=user,
            reporter_name=caller.name,
            reporter_mobile=caller.mobile,
            reporter_email=caller.email,
            category=self.categories.get(spec.category),
            service=self.services.get(spec.service),
            configuration_item=spec.item,
            impact=spec.impact,
            urgency=spec.urgency,
            channel=spec.channel,
            team=self.teams[DESK],
        )
        on_portal = spec.channel == IncidentChannel.PORTAL and user is not None
        actor = user if on_portal else self.users["itdesk"]
        return services.report_incident(report, actor=actor, now=moment)

    def take(self, incident: Incident, spec: DemoIncident, timeline: _Timeline) -> Incident:
        """Refer it to its team; the handler claims it (or it waits, or is only assigned)."""
        assigned_only = spec.handler.startswith("assigned:")
        if spec.team != DESK or assigned_only:
            holder = self.users[spec.handler.removeprefix("assigned:")] if assigned_only else None
            moment = timeline.after(12)
            incident = self.at(
                moment,
                services.assign_incident,
                incident,
                team=self.teams[spec.team],
                assignee=holder,
                actor=self.users["itdesk"],
                now=moment,
            )
        if spec.state == "new" or not spec.handler or assigned_only:
            return incident
        moment = timeline.after(18)
        handler = self.users[spec.handler]
        return self.at(moment, services.claim_incident, incident, actor=handler, now=moment)

    def finish(self, incident: Incident, spec: DemoIncident, timeline: _Timeline) -> Incident:
        """Notes, known errors and replies, then hold, resolve (close, reopen) or merge."""
        handler = self.users.get(spec.handler) or self.users["itdesk"]
        if spec.note:
            moment = timeline.after(25)
            self.at(moment, services.add_incident_note, incident, text=spec.note, actor=handler)
        if spec.known_error:
            moment = timeline.after(15)
            known = self.known[spec.known_error]
            self.at(
                moment, services.apply_known_error, incident, known=known, actor=handler, now=moment
            )
        if spec.reply:
            moment = timeline.after(10)
            self.at(
                moment,
                services.reply_to_reporter,
                incident,
                text=spec.reply,
                actor=handler,
                now=moment,
            )
        if spec.hold:
            moment = timeline.after(20)
            return self.at(
                moment,
                services.hold_incident,
                incident,
                reason=spec.hold,
                actor=handler,
                now=moment,
            )
        if spec.state == "duplicate":
            moment = timeline.after(15)
            into = self.incidents[spec.into]
            return self.at(
                moment,
                services.merge_duplicate_incident,
                incident,
                into=into,
                actor=handler,
                now=moment,
            )
        if spec.resolution[0]:
            return self.resolve(incident, spec, handler, timeline)
        return incident

    def resolve(
        self, incident: Incident, spec: DemoIncident, handler: User, timeline: _Timeline
    ) -> Incident:
        """Resolve; then the handler closes it a day later, or the reporter reopens it."""
        code, note = spec.resolution
        moment = timeline.after(95)
        incident = self.at(
            moment,
            services.resolve_incident,
            incident,
            code=code,
            note=note,
            actor=handler,
            now=moment,
        )
        if spec.state == "closed":
            moment = timeline.after(60 * 24)
            return self.at(moment, services.close_incident, incident, actor=handler, now=moment)
        if spec.state == "reopened":
            assert isinstance(spec.reporter, str)  # only a reporter with an account reopens
            moment = timeline.after(60 * 20)
            return self.at(
                moment,
                services.reopen_incident,
                incident,
                reason=spec.reopen,
                actor=self.users[spec.reporter],
                now=moment,
            )
        return incident

    # --- problems

    def vpn_problem(self) -> None:
        """The VPN problem: from the two VPN incidents to its root cause and known error."""
        title, symptom, root_cause, workaround = VPN_PROBLEM
        if Problem.objects.filter(title=title).exists():
            return
        incidents = [self.incidents[spec.title] for spec in INCIDENTS if "VPN" in spec.title]
        timeline = _Timeline(working_day_moment(self.now, 5, "13:00"), self.now)
        problem = self.open_problem(title, symptom, incidents, timeline.after(0))
        owner = self.users["itinfra"]
        moment = timeline.after(60 * 22)
        self.at(
            moment,
            services.record_root_cause,
            problem,
            root_cause=root_cause,
            actor=owner,
            now=moment,
        )
        moment = timeline.after(60 * 3)
        known = self.at(
            moment,
            services.record_known_error,
            problem,
            workaround=workaround,
            title=KE_VPN,
            actor=owner,
            now=moment,
        )
        self.created.append(known)

    def open_problem(
        self, title: str, symptom: str, incidents: list[Incident], moment: dt.datetime
    ) -> Problem:
        problem = self.at(
            moment,
            services.open_problem,
            title=title,
            symptom=symptom,
            incidents=incidents,
            team=self.teams[INFRA],
            actor=self.users["supervisor"],
            now=moment,
        )
        self.created.append(problem)
        return problem

    # --- the major incident

    def major_incident(self) -> None:
        """The running outage: declared major, three child reports, stakeholders, updates, and
        its problem with the root cause found."""
        made = self.incident(MAJOR, start=self.now - dt.timedelta(hours=4))
        if made is None:
            return
        major, timeline = made
        manager = self.users["supervisor"]
        moment = timeline.after(20)
        major = self.at(moment, services.declare_major_incident, major, actor=manager, now=moment)
        for username in ("agent", "operator"):
            user = self.users[username]
            self.at(moment, services.subscribe_stakeholder, major, user=user, actor=manager)
        for spec in CHILDREN:
            self.child(major, spec, timeline)
        for audience, text in MAJOR_UPDATES:
            moment = timeline.after(40)
            self.at(
                moment,
                services.post_major_update,
                major,
                text=text,
                audience=audience,
                actor=manager,
                now=moment,
            )
        self.portal_problem(major, timeline)

    def child(self, major: Incident, spec: DemoIncident, timeline: _Timeline) -> None:
        """Another report of the outage, linked to it as a child."""
        made = self.incident(spec, start=timeline.after(8))
        if made is None:
            return
        moment = timeline.after(1)
        self.at(
            moment,
            services.link_child_incident,
            made[0],
            parent=major,
            actor=self.users["itdesk"],
        )

    def portal_problem(self, major: Incident, timeline: _Timeline) -> None:
        """The outage's problem, its root cause already found."""
        title, symptom, root_cause = PORTAL_PROBLEM
        if Problem.objects.filter(title=title).exists():
            return
        problem = self.open_problem(title, symptom, [major], timeline.after(10))
        moment = timeline.after(20)
        owner = self.users["itinfra"]
        self.at(
            moment,
            services.record_root_cause,
            problem,
            root_cause=root_cause,
            actor=owner,
            now=moment,
        )
