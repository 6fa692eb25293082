"""Survey fixtures: a completed request (the tickets fixtures), the survey's data rows again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from khedmat.accounts.models import OrgUnit, Team, User
from khedmat.tickets import services as ticket_services
from khedmat.tickets.models import Ticket
from tests.fixtures.surveys import install_survey_rows
from tests.surveys.helpers import Complete


@pytest.fixture
def survey_rows(db: None, templates: None) -> None:
    install_survey_rows()


@pytest.fixture
def survey_staff(make_user: Callable[..., User], units: dict[str, OrgUnit]) -> dict[str, Any]:
    """An agent in a team of the licence office, its supervisor (the agency) and an outsider."""
    agent = make_user(
        "survey-agent",
        roles=["agent"],
        org_unit=units["office"],
        first_name="Sara",
        last_name="Ahmadi",
    )
    team = Team.objects.create(code="licence-desk", name="Licence desk", org_unit=units["office"])
    team.members.add(agent)
    supervisor = make_user("survey-supervisor", roles=["supervisor"], org_unit=units["agency"])
    other = OrgUnit.objects.create(code="elsewhere", name="Elsewhere")
    outsider = make_user("survey-outsider", roles=["supervisor"], org_unit=other)
    return {
        "agent": agent,
        "team": team,
        "supervisor": supervisor,
        "outsider": outsider,
        "other": other,
    }


@pytest.fixture
def complete(submit: Any, survey_staff: dict[str, Any], survey_rows: None) -> Complete:
    """complete(**submit_overrides): file a request, give it to the agent's team, complete it."""

    def run(**overrides: Any) -> Ticket:
        ticket = submit(**overrides)
        Ticket.objects.filter(pk=ticket.pk).update(
            assignee=survey_staff["agent"], team=survey_staff["team"]
        )
        ticket.refresh_from_db()
        return ticket_services.complete_request(ticket, note="", actor=survey_staff["agent"])

    return run
