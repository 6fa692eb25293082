"""ITSM personas and records: an IT unit with a service-desk team, a reporter, an incident SLA."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from khedmat.accounts.models import OrgUnit, Team, User
from khedmat.itsm import services
from khedmat.itsm.models import Incident
from khedmat.sla.choices import DurationUnit, TargetKind
from khedmat.sla.models import SlaPolicy, SlaTarget
from khedmat.sla.queries import clear_unit_calendars
from tests.itsm.helpers import ReportIncident


@pytest.fixture
def it_unit(org_units: dict[str, OrgUnit]) -> OrgUnit:
    return OrgUnit.objects.create(code="it", name="IT department", parent=org_units["ministry"])


@pytest.fixture
def desk_team(it_unit: OrgUnit) -> Team:
    return Team.objects.create(code="service-desk", name="Service desk", org_unit=it_unit)


@pytest.fixture
def it_agent(make_user: Callable[..., User], it_unit: OrgUnit, desk_team: Team) -> User:
    user = make_user(
        "it_agent", roles=["agent"], org_unit=it_unit, mobile="09120000001", first_name="Reza"
    )
    desk_team.members.add(user)
    return user


@pytest.fixture
def it_agent_two(make_user: Callable[..., User], it_unit: OrgUnit, desk_team: Team) -> User:
    user = make_user("it_agent_two", roles=["agent"], org_unit=it_unit, mobile="09120000002")
    desk_team.members.add(user)
    return user


@pytest.fixture
def incident_manager(make_user: Callable[..., User], it_unit: OrgUnit) -> User:
    """A supervisor of the IT unit: the role that may declare major incidents."""
    return make_user(
        "incident_manager", roles=["supervisor"], org_unit=it_unit, mobile="09120000003"
    )


@pytest.fixture
def employee(make_user: Callable[..., User], org_units: dict[str, OrgUnit]) -> User:
    """A member of staff elsewhere who reports an outage (a reporter, not IT)."""
    return make_user(
        "employee", roles=["operator"], org_unit=org_units["office"], mobile="09121110000"
    )


@pytest.fixture
def incident_sla(db: None) -> Iterator[SlaPolicy]:
    """Incidents: first response in 2 working hours, resolution in 2 working days."""
    clear_unit_calendars()
    policy = SlaPolicy.objects.create(name="Incidents", precedence=10, record_kind="incident")
    SlaTarget.objects.create(
        policy=policy, kind=TargetKind.FIRST_RESPONSE, amount=2, unit=DurationUnit.WORKING_HOURS
    )
    SlaTarget.objects.create(
        policy=policy, kind=TargetKind.RESOLUTION, amount=2, unit=DurationUnit.WORKING_DAYS
    )
    yield policy
    clear_unit_calendars()


@pytest.fixture
def report(it_agent: User, desk_team: Team, employee: User) -> ReportIncident:
    """report(title=..., **fields) -> an incident logged by the IT agent for the employee."""

    def make(title: str = "E-mail is down for the licensing office", **fields: Any) -> Incident:
        fields.setdefault("reporter", employee)
        fields.setdefault("team", desk_team)
        fields.setdefault("impact", "medium")
        fields.setdefault("urgency", "high")
        actor = fields.pop("actor", it_agent)
        return services.report_incident(services.IncidentReport(title=title, **fields), actor=actor)

    return make
