"""Incidents, problems and known errors on CMDB items: set on logging or later, refused for an
unknown code, carried to the problem and its known error, in the API, and the incident's page
shows what else the CI's failure affects."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from khedmat.accounts.models import User
from khedmat.catalog.models import Service
from khedmat.cmdb.choices import RelationKind
from khedmat.cmdb.models import CiRelation, CiType, ConfigurationItem
from khedmat.core.models import Activity
from khedmat.itsm import services
from khedmat.itsm.models import Incident
from tests.itsm.helpers import ReportIncident

pytestmark = pytest.mark.django_db


def act(incident: Incident) -> str:
    return reverse("itsm:desk_incident_act", args=[incident.tracking_code])


def detail(incident: Incident) -> str:
    return reverse("itsm:desk_incident_detail", args=[incident.tracking_code])


@pytest.fixture
def estate(service: Service) -> dict[str, ConfigurationItem]:
    """The portal service runs on an application on a database; an unrelated printer."""
    types = {t.code: t for t in CiType.objects.all()}
    make = ConfigurationItem.objects.create
    items = {
        "service": make(
            code="svc-portal", name="E-service portal", ci_type=types["service"], service=service
        ),
        "app": make(code="portal-app", name="Portal application", ci_type=types["application"]),
        "db": make(code="db-main", name="Main database", ci_type=types["database"]),
        "printer": make(code="printer-2", name="Second floor printer", ci_type=types["server"]),
    }
    CiRelation.objects.create(
        source=items["service"], target=items["app"], kind=RelationKind.DEPENDS_ON
    )
    CiRelation.objects.create(source=items["app"], target=items["db"], kind=RelationKind.RUNS_ON)
    return items


@pytest.fixture
def agent_client(client: Client, it_agent: User, verified_login: Any) -> Client:
    return verified_login(client, it_agent)


def test_the_action_sets_the_ci_by_code_and_refuses_an_unknown_one(
    agent_client: Client, report: ReportIncident, estate: dict[str, ConfigurationItem]
) -> None:
    incident = report()
    refused = agent_client.post(act(incident), {"action": "ci", "ci-ci": "no-such-ci"})
    assert refused.status_code == 400
    assert "No configuration item has the code no-such-ci." in refused.content.decode()

    agent_client.post(act(incident), {"action": "ci", "ci-ci": "DB-MAIN"})
    incident.refresh_from_db()
    assert incident.ci == estate["db"]
    row = Activity.objects.for_target(incident).get(verb="incident.ci_set")
    assert (row.old_value, row.new_value) == (None, "db-main")

    agent_client.post(act(incident), {"action": "ci", "ci-ci": ""})
    incident.refresh_from_db()
    assert incident.ci is None


def test_the_page_shows_what_else_the_failure_affects(
    agent_client: Client,
    report: ReportIncident,
    estate: dict[str, ConfigurationItem],
    it_agent: User,
) -> None:
    on_db = report("Database is slow", ci=estate["db"])
    on_app = report("Portal errors", ci=estate["app"])
    on_printer = report("Printer jammed", ci=estate["printer"])

    page = agent_client.get(detail(on_db)).content.decode()

    assert 'data-testid="ci-impact"' in page
    assert 'data-impacted-service="svc-portal"' in page
    assert 'data-impacted-ci="portal-app"' in page
    assert f'data-impact-incident="{on_app.tracking_code}"' in page
    assert on_printer.tracking_code not in page
    printer_page = agent_client.get(detail(on_printer)).content.decode()
    assert "Nothing else in the CMDB depends on it." in printer_page


def test_a_problem_and_its_known_error_take_the_incidents_ci(
    report: ReportIncident, estate: dict[str, ConfigurationItem], it_agent: User
) -> None:
    incident = report(ci=estate["db"])
    problem = services.open_problem(title="Locks", incidents=[incident], actor=it_agent)
    services.record_root_cause(problem, root_cause="A long transaction", actor=it_agent)
    known = services.record_known_error(problem, workaround="Kill it", actor=it_agent)
    assert problem.ci == estate["db"] and known.ci == estate["db"]


def test_the_api_reads_and_writes_the_ci_code(
    client: Client, it_agent: User, estate: dict[str, ConfigurationItem], verified_login: Any
) -> None:
    verified_login(client, it_agent)
    created = client.post(
        "/api/v1/itsm/incidents/",
        {"title": "DB down", "ci": "db-main", "reporter_name": "Sara"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["ci"] == "db-main"
    refused = client.post(
        "/api/v1/itsm/incidents/",
        {"title": "DB down", "ci": "nope", "reporter_name": "Sara"},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert Incident.objects.count() == 1
