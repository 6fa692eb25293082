"""Staff opening an incident (the reporter's details) leave an audit row kept off its timeline;
with KHEDMAT_ACCESS_REASON = unassigned, staff outside its assignee and team give a reason first."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from khedmat.accounts.models import User
from khedmat.core.models import Activity
from khedmat.itsm import services
from khedmat.itsm.models import Incident
from tests.itsm.helpers import ReportIncident

pytestmark = pytest.mark.django_db


def detail(incident: Incident) -> str:
    return reverse("itsm:desk_incident_detail", args=[incident.tracking_code])


def access_log(incident: Incident) -> str:
    return reverse("itsm:desk_incident_access_log", args=[incident.tracking_code])


def views_of(incident: Incident) -> list[tuple[str, str]]:
    rows = Activity.objects.access_log_for(incident).select_related("actor").order_by("id")
    return [(row.actor.username if row.actor else "", row.data.get("reason", "")) for row in rows]


def test_opening_an_incident_is_logged_off_its_timeline(
    client: Client, it_agent: User, verified_login: Any, report: ReportIncident
) -> None:
    incident = report()
    verified_login(client, it_agent)

    response = client.get(detail(incident))

    assert response.status_code == 200
    assert views_of(incident) == [("it_agent", "")]
    labels = [str(entry.label) for entry in response.context["timeline"]]
    assert labels == ["Incident reported", "Message: Queued"]  # and not the view


def test_the_access_log_is_for_holders_of_the_permission(
    client: Client,
    it_agent: User,
    administrator: User,
    outsider: User,
    verified_login: Any,
    report: ReportIncident,
) -> None:
    incident = report()
    verified_login(client, it_agent)
    client.get(detail(incident))
    assert client.get(access_log(incident)).status_code == 403
    assert client.get(detail(incident)).content.count(b'data-testid="access-log-link"') == 0

    admin_client = verified_login(Client(), administrator)
    assert b'data-testid="access-log-link"' in admin_client.get(detail(incident)).content
    response = admin_client.get(access_log(incident))
    assert response.status_code == 200
    assert [row.actor for row in response.context["page"].items] == [
        administrator,
        it_agent,
        it_agent,
    ]


class TestReasonAsked:
    @pytest.fixture(autouse=True)
    def ask(self, settings: Any) -> None:
        settings.KHEDMAT_ACCESS_REASON = "unassigned"

    def test_staff_outside_the_team_give_a_reason_first(
        self,
        client: Client,
        incident_manager: User,
        verified_login: Any,
        report: ReportIncident,
    ) -> None:
        incident = report()
        verified_login(client, incident_manager)

        asked = client.get(detail(incident))
        assert asked.templates[0].name == "core/access_reason.html"
        assert b"Why do you open this record?" in asked.content
        assert views_of(incident) == []

        client.post(detail(incident), {"reason": "Checking a complaint about it"})
        shown = client.get(detail(incident))

        assert shown.templates[0].name == "itsm/desk_incident_detail.html"
        assert views_of(incident) == [("incident_manager", "Checking a complaint about it")]

    def test_the_team_and_the_assignee_are_not_asked(
        self,
        client: Client,
        it_agent: User,
        it_agent_two: User,
        verified_login: Any,
        report: ReportIncident,
    ) -> None:
        incident = report()  # the service desk team's
        services.claim_incident(incident, actor=it_agent_two)
        for user in (it_agent, it_agent_two):
            page = verified_login(Client(), user).get(detail(incident))
            assert page.templates[0].name == "itsm/desk_incident_detail.html"
        assert views_of(incident) == [("it_agent", ""), ("it_agent_two", "")]
