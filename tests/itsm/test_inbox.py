"""Incidents in the staff inbox (/desk/work/?kind=incidents): the tabs, filters, sort, saved
views, claim/release/assign one at a time or ticked together, and what they may not do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from khedmat.accounts.models import OrgUnit, Team, User
from khedmat.core.models import Activity
from khedmat.itsm import services
from khedmat.itsm.choices import IncidentStatus, ResolutionCode
from khedmat.itsm.errors import IncidentHeldError, IncidentNotOpenError, NotHolderError
from khedmat.itsm.models import Incident
from khedmat.processes.models import SavedInboxView
from tests.itsm.helpers import ReportIncident

pytestmark = pytest.mark.django_db

INBOX = "/desk/work/"
BULK = "/desk/work/bulk/"


def shown(response: Any) -> list[str]:
    return [incident.tracking_code for incident in response.context["page"].items]


def held_by(incident: Incident) -> str | None:
    incident.refresh_from_db()
    return incident.assignee.username if incident.assignee else None


@pytest.fixture
def agent_client(client: Client, it_agent: User, verified_login: Any) -> Client:
    return verified_login(client, it_agent)


@pytest.fixture
def other_team(it_unit: OrgUnit) -> Team:
    return Team.objects.create(code="network", name="Network", org_unit=it_unit)


class TestTabs:
    def test_each_tab_holds_its_open_incidents(
        self,
        agent_client: Client,
        report: ReportIncident,
        it_agent: User,
        it_agent_two: User,
        other_team: Team,
    ) -> None:
        free = report("Printer jammed")
        mine = report("VPN drops")
        services.claim_incident(mine, actor=it_agent)
        colleagues = report("Mail slow")
        services.claim_incident(colleagues, actor=it_agent_two)
        elsewhere = report("Switch down", team=other_team)
        done = report("Old one")
        services.claim_incident(done, actor=it_agent)
        services.resolve_incident(
            done, code=ResolutionCode.SOLVED_PERMANENTLY, note="Replaced the cable.", actor=it_agent
        )

        def tab(view: str) -> set[str]:
            return set(shown(agent_client.get(INBOX, {"kind": "incidents", "view": view})))

        assert tab("mine") == {mine.tracking_code}
        assert tab("team") == {free.tracking_code, mine.tracking_code, colleagues.tracking_code}
        # unassigned: every open incident the agent may see with nobody on it, any team
        assert tab("unassigned") == {free.tracking_code, elsewhere.tracking_code}

    def test_the_kinds_show_as_pills_and_the_incident_rows_link_to_their_pages(
        self, agent_client: Client, report: ReportIncident
    ) -> None:
        incident = report()
        page = agent_client.get(INBOX, {"kind": "incidents", "view": "team"}).content.decode()
        assert 'data-kind="tasks"' in page and 'data-kind="incidents"' in page
        assert reverse("itsm:desk_incident_detail", args=[incident.tracking_code]) in page
        tasks = agent_client.get(INBOX, {"view": "team"})
        assert tasks.context["source"].key == "tasks" and incident.tracking_code not in str(
            tasks.content
        )

    def test_one_who_does_not_work_incidents_sees_only_tasks(
        self,
        client: Client,
        verified_login: Any,
        make_user: Callable[..., User],
        it_unit: OrgUnit,
        report: ReportIncident,
    ) -> None:
        report()
        clerk = make_user("clerk", roles=[], org_unit=it_unit)
        clerk.user_permissions.add(Permission.objects.get(codename="view_workitem"))
        verified_login(client, clerk)

        response = client.get(INBOX, {"kind": "incidents", "view": "unassigned"})

        assert response.status_code == 200
        assert response.context["source"].key == "tasks"
        assert 'data-kind="incidents"' not in response.content.decode()
        refused = client.post(
            BULK,
            {"kind": "incidents", "operation": "claim", "items": [Incident.objects.get().pk]},
            follow=True,
        )
        assert "Unknown kind of work." in refused.content.decode()
        assert Incident.objects.get().assignee is None


class TestFiltersAndSort:
    def test_by_service_and_by_the_code_in_persian_digits(
        self, agent_client: Client, report: ReportIncident, service: Any
    ) -> None:
        on_service = report("Portal form fails", service=service)
        other = report("Keyboard broken")
        query = {"kind": "incidents", "view": "team"}

        by_service = shown(agent_client.get(INBOX, {**query, "service": service.code}))
        persian = "".join("۰۱۲۳۴۵۶۷۸۹"[int(ch)] for ch in other.tracking_code)
        by_code = shown(agent_client.get(INBOX, {**query, "q": persian}))

        assert by_service == [on_service.tracking_code]
        assert by_code == [other.tracking_code]

    def test_soonest_promised_first_with_unpromised_last_over_keyset_pages(
        self, agent_client: Client, report: ReportIncident
    ) -> None:
        now = timezone.now()
        later, unpromised, sooner = report("a"), report("b"), report("c")
        Incident.objects.filter(pk=later.pk).update(promised_at=now + dt.timedelta(days=2))
        Incident.objects.filter(pk=unpromised.pk).update(promised_at=None)
        Incident.objects.filter(pk=sooner.pk).update(promised_at=now + dt.timedelta(hours=3))
        query = {"kind": "incidents", "view": "team", "sort": "due"}

        first = agent_client.get(INBOX, query)
        assert shown(first) == [sooner.tracking_code, later.tracking_code, unpromised.tracking_code]


class TestOneAtATime:
    def test_claim_takes_a_free_incident_and_starts_it(
        self, agent_client: Client, report: ReportIncident, it_agent: User
    ) -> None:
        incident = report()
        response = agent_client.post(
            BULK,
            {"kind": "incidents", "operation": "claim", "items": [incident.pk], "next": INBOX},
        )
        assert response.status_code == 302
        incident.refresh_from_db()
        assert incident.assignee == it_agent and incident.status == IncidentStatus.IN_PROGRESS
        verbs = Activity.objects.for_target(incident).values_list("verb", flat=True)
        assert {"incident.assigned", "incident.started"} <= set(verbs)

    def test_release_gives_it_back_to_the_team_and_keeps_its_status(
        self, agent_client: Client, report: ReportIncident, it_agent: User, desk_team: Team
    ) -> None:
        incident = services.claim_incident(report(), actor=it_agent)
        agent_client.post(
            BULK, {"kind": "incidents", "operation": "release", "items": [incident.pk]}
        )
        incident.refresh_from_db()
        assert incident.assignee is None and incident.team == desk_team
        assert incident.status == IncidentStatus.IN_PROGRESS

    def test_the_row_offers_claim_for_a_free_one_and_release_for_ones_own(
        self, agent_client: Client, report: ReportIncident, it_agent: User, it_agent_two: User
    ) -> None:
        free = report("free")
        mine = services.claim_incident(report("mine"), actor=it_agent)
        theirs = services.claim_incident(report("theirs"), actor=it_agent_two)
        page = agent_client.get(INBOX, {"kind": "incidents", "view": "team"}).content.decode()

        def row(incident: Incident) -> str:
            start = page.index(f'data-incident="{incident.tracking_code}"')
            return page[start : page.index("</tr>", start)]

        assert 'value="claim"' in row(free) and 'value="release"' not in row(free)
        assert 'value="release"' in row(mine)
        assert 'value="claim"' not in row(theirs) and 'value="release"' not in row(theirs)


class TestBulk:
    def test_claim_takes_the_free_ones_and_names_the_held_and_closed(
        self,
        agent_client: Client,
        report: ReportIncident,
        it_agent: User,
        it_agent_two: User,
    ) -> None:
        free = report("free")
        theirs = services.claim_incident(report("theirs"), actor=it_agent_two)
        closed = services.claim_incident(report("closed"), actor=it_agent_two)
        services.resolve_incident(
            closed, code=ResolutionCode.SOLVED_PERMANENTLY, note="Done.", actor=it_agent_two
        )
        services.close_incident(closed, actor=it_agent_two)

        response = agent_client.post(
            BULK,
            {
                "kind": "incidents",
                "operation": "claim",
                "items": [free.pk, theirs.pk, closed.pk],
                "next": INBOX + "?kind=incidents",
            },
            follow=True,
            headers={"accept-language": "en"},
        )

        assert (held_by(free), held_by(theirs), held_by(closed)) == (
            "it_agent",
            "it_agent_two",
            "it_agent_two",
        )
        text = response.content.decode()
        assert theirs.tracking_code in text and str(IncidentHeldError.default_message) in text
        assert closed.tracking_code in text and str(IncidentNotOpenError.default_message) in text
        assert "1 record changed." in text

    def test_assign_within_each_incidents_team_and_refuse_outsiders(
        self,
        agent_client: Client,
        report: ReportIncident,
        it_agent_two: User,
        other_team: Team,
    ) -> None:
        desk_one, network_one = report("desk"), report("net", team=other_team)
        agent_client.post(
            BULK,
            {
                "kind": "incidents",
                "operation": "assign",
                "items": [desk_one.pk, network_one.pk],
                "assignee": it_agent_two.pk,
            },
        )
        assert held_by(desk_one) == "it_agent_two"
        assert held_by(network_one) is None  # not a member of the network team

    def test_a_stranger_changes_nothing(
        self,
        client: Client,
        verified_login: Any,
        make_user: Callable[..., User],
        org_units: dict[str, OrgUnit],
        report: ReportIncident,
    ) -> None:
        incident = report()
        stranger = make_user("stranger", roles=["agent"], org_unit=org_units["other"])
        verified_login(client, stranger)
        client.post(BULK, {"kind": "incidents", "operation": "claim", "items": [incident.pk]})
        assert held_by(incident) is None
        assert incident.tracking_code not in shown(
            client.get(INBOX, {"kind": "incidents", "view": "unassigned"})
        )


class TestServices:
    def test_release_by_someone_else_and_claim_from_a_colleague_without_take_over_are_refused(
        self, report: ReportIncident, it_agent: User, it_agent_two: User
    ) -> None:
        incident = services.claim_incident(report(), actor=it_agent)
        with pytest.raises(NotHolderError):
            services.release_incident(incident, actor=it_agent_two)
        with pytest.raises(IncidentHeldError):
            services.claim_incident(incident, actor=it_agent_two, take_over=False)
        assert held_by(incident) == "it_agent"
        services.claim_incident(incident, actor=it_agent_two)  # the page's claim takes over
        assert held_by(incident) == "it_agent_two"


class TestSavedViewsAndQueries:
    def test_a_saved_incident_view_keeps_its_kind(
        self, agent_client: Client, it_agent: User, report: ReportIncident
    ) -> None:
        report()
        query = "kind=incidents&view=unassigned&sort=due"
        agent_client.post(reverse("processes:inbox_view_save"), {"name": "Free", "query": query})
        saved = SavedInboxView.objects.get(user=it_agent)
        assert saved.params == {"kind": "incidents", "view": "unassigned", "sort": "due"}

        page = agent_client.get(f"{INBOX}?{query}")
        assert page.context["current_query"] == query
        assert 'aria-current="true"' in page.content.decode()

    def test_the_incident_inbox_costs_the_same_queries_for_2_or_8_rows(
        self, agent_client: Client, report: ReportIncident
    ) -> None:
        query = {"kind": "incidents", "view": "team"}
        for index in range(2):
            report(f"first {index}")
        agent_client.get(INBOX, query)  # warm the session and caches
        with CaptureQueriesContext(connection) as few:
            assert len(shown(agent_client.get(INBOX, query))) == 2
        for index in range(6):
            report(f"more {index}")
        with CaptureQueriesContext(connection) as more:
            assert len(shown(agent_client.get(INBOX, query))) == 8
        assert len(more) == len(few)
