"""Desk pages of ITSM: who may open them, the queues and filters, each action on an incident and
a problem (the record and its Activity), refusals shown as form errors, the major-incident page,
the overview, known errors, and constant query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from khedmat.accounts.models import Team, User
from khedmat.core.models import Activity
from khedmat.itsm import services
from khedmat.itsm.choices import IncidentStatus, ProblemStatus, ResolutionCode
from khedmat.itsm.models import (
    Incident,
    KnownError,
    MajorIncidentSubscription,
    MajorIncidentUpdate,
    Problem,
    PublicNotice,
)
from khedmat.sla.models import SlaPolicy
from tests.itsm.helpers import ReportIncident

pytestmark = pytest.mark.django_db

S = IncidentStatus
LIST = "/desk/incidents/"
NEW = "/desk/incidents/new/"
OVERVIEW = "/desk/incidents/overview/"


def detail(incident: Incident) -> str:
    return reverse("itsm:desk_incident_detail", args=[incident.tracking_code])


def act(incident: Incident) -> str:
    return reverse("itsm:desk_incident_act", args=[incident.tracking_code])


def major(incident: Incident) -> str:
    return reverse("itsm:desk_major_incident", args=[incident.tracking_code])


def problem_url(problem: Problem, suffix: str = "") -> str:
    return reverse("itsm:desk_problem_detail", args=[problem.tracking_code]) + suffix


def verbs(record: Model) -> list[str]:
    rows = Activity.objects.for_target(record).order_by("id").values_list("verb", flat=True)
    return [verb for verb in rows if verb.split(".")[0] in {"incident", "problem", "known_error"}]


def codes(response: Any) -> list[str]:
    return [incident.tracking_code for incident in response.context["page"].items]


def post(client: Client, incident: Incident, action: str, **fields: str) -> Any:
    data = {"action": action, **{f"{action}-{name}": value for name, value in fields.items()}}
    return client.post(act(incident), data)


@pytest.fixture
def agent_client(client: Client, it_agent: User, verified_login: Any) -> Client:
    return verified_login(client, it_agent)


@pytest.fixture
def manager_client(incident_manager: User, verified_login: Any) -> Client:
    """Its own client: a test may hold both the agent's and the manager's."""
    return verified_login(Client(headers={"accept-language": "en"}), incident_manager)


# --- who may open the pages ---------------------------------------------------------------------


class TestAccess:
    def test_anonymous_visitors_are_sent_to_the_login(
        self, client: Client, report: ReportIncident
    ) -> None:
        incident = report()
        for url in (LIST, NEW, OVERVIEW, detail(incident), major(incident), "/desk/problems/"):
            response = client.get(url)
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        response = post(client, incident, "start")
        assert response.status_code == 302
        incident.refresh_from_db()
        assert incident.status == S.NEW

    def test_an_applicant_is_refused(
        self, client: Client, applicant: User, report: ReportIncident
    ) -> None:
        incident = report()
        client.force_login(applicant)
        for url in (
            LIST,
            NEW,
            OVERVIEW,
            detail(incident),
            "/desk/problems/",
            "/desk/known-errors/",
        ):
            assert client.get(url).status_code == 403, url
        assert post(client, incident, "start").status_code == 403
        incident.refresh_from_db()
        assert incident.status == S.NEW and verbs(incident) == ["incident.reported"]

    def test_an_agent_of_another_unit_finds_nothing(
        self, client: Client, outsider: User, verified_login: Any, report: ReportIncident
    ) -> None:
        incident = report()
        verified_login(client, outsider)
        assert codes(client.get(LIST, {"queue": "all"})) == []
        assert client.get(detail(incident)).status_code == 404
        assert client.get(major(incident)).status_code == 404
        assert post(client, incident, "claim").status_code == 404
        incident.refresh_from_db()
        assert incident.assignee is None and verbs(incident) == ["incident.reported"]

    def test_an_operator_logs_but_does_not_work_incidents(
        self, client: Client, employee: User, verified_login: Any, report: ReportIncident
    ) -> None:
        verified_login(client, employee)
        assert client.get(NEW).status_code == 200
        incident = report()
        assert post(client, incident, "start").status_code == 403
        incident.refresh_from_db()
        assert incident.status == S.NEW

    def test_the_nav_has_the_it_service_desk_menu(self, agent_client: Client) -> None:
        page = agent_client.get("/desk/").content.decode()
        assert 'data-testid="itsm-menu"' in page and 'href="/desk/known-errors/"' in page


# --- the list -----------------------------------------------------------------------------------


class TestList:
    def test_queues(
        self,
        agent_client: Client,
        report: ReportIncident,
        it_agent: User,
        it_agent_two: User,
        incident_manager: User,
        outsider: User,
    ) -> None:
        other_team = Team.objects.get(code="other-desk")
        mine = services.claim_incident(report("mine"), actor=it_agent)
        theirs = services.claim_incident(report("theirs"), actor=it_agent_two)
        unassigned = report("unassigned")
        big = services.declare_major_incident(report("major"), actor=incident_manager)
        done = services.resolve_incident(
            report("done"), code="permanent", note="ok", actor=it_agent
        )
        referred = report("theirs elsewhere", actor=outsider, team=other_team)
        expected = {
            "mine": [mine],
            "team": [big, unassigned, theirs, mine],
            "unassigned": [big, unassigned],
            "open": [big, unassigned, theirs, mine],
            "major": [big],
            "all": [done, big, unassigned, theirs, mine],
        }
        for queue, incidents in expected.items():
            response = agent_client.get(LIST, {"queue": queue})
            assert response.status_code == 200
            assert codes(response) == [i.tracking_code for i in incidents], queue
        assert referred.tracking_code not in codes(agent_client.get(LIST, {"queue": "all"}))
        page = agent_client.get(LIST).content.decode()
        assert 'data-queue="open"' in page and 'aria-current="page"' in page

    def test_filters_and_counts(
        self,
        agent_client: Client,
        report: ReportIncident,
        it_agent: User,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        from khedmat.itsm.models import IncidentCategory

        network = IncidentCategory.objects.get(code="network")
        with django_capture_on_commit_callbacks(execute=True):
            urgent = report("Core switch down", impact="high", urgency="high", category=network)
            low = report("Printer toner", impact="low", urgency="low")
            held = services.hold_incident(
                report("Waiting on vendor"), reason="awaiting_supplier", actor=it_agent
            )
        Incident.objects.filter(pk=low.pk).update(created_at=timezone.now() - dt.timedelta(days=5))

        def only(**params: str) -> list[str]:
            return codes(agent_client.get(LIST, {"queue": "open", **params}))

        assert only(priority="urgent") == [urgent.tracking_code]
        assert only(status="on_hold") == [held.tracking_code]
        assert only(category="network") == [urgent.tracking_code]
        assert only(age="3") == [low.tracking_code]
        assert only(age="0") == [held.tracking_code, urgent.tracking_code]
        assert only(q="switch") == [urgent.tracking_code]
        assert only(q=low.tracking_code) == [low.tracking_code]
        assert only(q="nothing-like-it") == []
        response = agent_client.get(LIST)
        assert [(status, count) for status, _label, count in response.context["counts"]] == [
            ("new", 2),
            ("in_progress", 0),
            ("on_hold", 1),
        ]

    def test_service_filter(
        self, agent_client: Client, report: ReportIncident, make_service: Any
    ) -> None:
        service = make_service("17041325104")
        on_service, other = report("portal down", service=service), report("other")
        response = agent_client.get(LIST, {"service": service.code})
        assert codes(response) == [on_service.tracking_code]
        assert other.tracking_code not in codes(response)

    def test_constant_queries_whatever_the_rows(
        self,
        agent_client: Client,
        report: ReportIncident,
        incident_sla: SlaPolicy,
        it_agent: User,
        django_assert_max_num_queries: Any,
    ) -> None:
        for index in range(5):
            incident = report(f"incident {index}")
            if index % 2:
                services.claim_incident(incident, actor=it_agent)
        agent_client.get(LIST)  # warm the unit calendars' cache
        with django_assert_max_num_queries(15) as few:
            response = agent_client.get(LIST)
        assert len(codes(response)) == 5
        assert response.content.decode().count("data-sla-state=") == 10  # table and phone list
        for index in range(25):
            incident = report(f"more {index}")
            if index % 3:
                services.claim_incident(incident, actor=it_agent)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = agent_client.get(LIST)
        assert len(codes(response)) == 30

    def test_keyset_pages(self, agent_client: Client, report: ReportIncident) -> None:
        made = [report(f"incident {index}") for index in range(52)]
        first = agent_client.get(LIST)
        page = first.context["page"]
        assert len(page.items) == 50 and page.next_cursor
        second = agent_client.get(LIST, {"after": page.next_cursor})
        assert codes(second) == [made[1].tracking_code, made[0].tracking_code]


# --- logging an incident ------------------------------------------------------------------------


class TestNew:
    def test_staff_log_an_incident_for_a_caller(
        self, agent_client: Client, it_agent: User, desk_team: Team
    ) -> None:
        page = agent_client.get(NEW)
        assert 'data-testid="matrix"' in page.content.decode()
        response = agent_client.post(
            NEW,
            {
                "title": "Wi-Fi down on floor 3",
                "description": "Nobody can connect.",
                "reporter_name": "Maryam Karimi",
                "reporter_mobile": "۰۹۱۲۳۴۵۶۷۸۹",
                "language": "fa",
                "impact": "high",
                "urgency": "medium",
                "team": desk_team.pk,
            },
        )
        incident = Incident.objects.get()
        assert response.status_code == 302 and response["Location"] == detail(incident)
        assert (incident.priority, incident.reporter_mobile, incident.reported_by) == (
            "high",
            "+989123456789",
            it_agent,
        )
        assert incident.team == desk_team and verbs(incident) == ["incident.reported"]

    def test_a_staff_reporter_picked_from_the_list(
        self, agent_client: Client, employee: User
    ) -> None:
        response = agent_client.post(
            NEW,
            {
                "title": "Cannot print",
                "reporter": employee.pk,
                "language": "fa",
                "impact": "low",
                "urgency": "low",
            },
        )
        assert response.status_code == 302
        incident = Incident.objects.get()
        assert incident.reporter == employee and incident.reporter_mobile == employee.mobile

    def test_no_reporter_is_refused_and_what_was_typed_is_kept(self, agent_client: Client) -> None:
        response = agent_client.post(
            NEW,
            {"title": "Server room is hot", "language": "fa", "impact": "low", "urgency": "low"},
        )
        assert response.status_code == 200 and not Incident.objects.exists()
        page = response.content.decode()
        assert "Pick the reporting staff member or type the reporter" in page
        assert 'value="Server room is hot"' in page


# --- one incident and its actions ----------------------------------------------------------------


class TestIncidentPage:
    def test_the_page_shows_state_people_actions_and_timeline(
        self, agent_client: Client, report: ReportIncident, incident_sla: SlaPolicy
    ) -> None:
        incident = report()
        response = agent_client.get(detail(incident))
        assert response.status_code == 200
        page = response.content.decode()
        for marker in (
            'data-status="new"',
            'data-priority="high"',
            "data-sla-state=",
            'data-testid="action-claim"',
            'data-testid="action-start"',
            'data-testid="action-resolve"',
            'data-verb="incident.reported"',
        ):
            assert marker in page, marker
        assert 'data-testid="action-declare_major"' not in page  # an agent may not
        assert 'data-testid="action-resume"' not in page  # not on hold

    def test_constant_queries_with_more_links_and_history(
        self,
        agent_client: Client,
        report: ReportIncident,
        it_agent: User,
        it_agent_two: User,
        incident_sla: SlaPolicy,
        django_assert_max_num_queries: Any,
    ) -> None:
        parent = services.claim_incident(report(), actor=it_agent)
        services.link_child_incident(report("child"), parent=parent, actor=it_agent)
        agent_client.get(detail(parent))
        # 22: the page also reads its supplier referrals and the contracts it may be referred under;
        # 23: and writes its access-log row (who opened it).
        with django_assert_max_num_queries(23) as few:
            agent_client.get(detail(parent))
        for index in range(6):
            services.link_child_incident(report(f"child {index}"), parent=parent, actor=it_agent)
            services.add_incident_note(parent, text=f"note {index}", actor=it_agent)
            assignee = it_agent_two if index % 2 else it_agent
            services.assign_incident(parent, team=parent.team, assignee=assignee, actor=it_agent)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = agent_client.get(detail(parent))
        assert len(response.context["relations"].children) == 7

    def test_claim_start_hold_resume_resolve_close(
        self, agent_client: Client, report: ReportIncident, it_agent: User
    ) -> None:
        incident = report()
        response = post(agent_client, incident, "claim")
        assert response.status_code == 302 and response["Location"] == detail(incident)
        incident.refresh_from_db()
        assert (incident.assignee, incident.status) == (it_agent, S.IN_PROGRESS)

        post(agent_client, incident, "hold", reason="awaiting_caller")
        incident.refresh_from_db()
        assert (incident.status, incident.hold_reason) == (S.ON_HOLD, "awaiting_caller")
        post(agent_client, incident, "resume")
        incident.refresh_from_db()
        assert incident.status == S.IN_PROGRESS
        post(agent_client, incident, "resolve", code="permanent", note="Replaced the cable.")
        incident.refresh_from_db()
        assert (incident.status, incident.resolution_note) == (S.RESOLVED, "Replaced the cable.")
        post(agent_client, incident, "close")
        incident.refresh_from_db()
        assert incident.status == S.CLOSED
        assert verbs(incident) == [
            "incident.reported",
            "incident.assigned",
            "incident.started",
            "incident.held",
            "incident.resumed",
            "incident.resolved",
            "incident.closed",
        ]
        page = agent_client.get(detail(incident)).content.decode()
        assert "Replaced the cable." in page and "Waiting for the reporter" in page
        assert 'data-testid="action-resolve"' not in page

    def test_start_and_staff_reopen(
        self, agent_client: Client, report: ReportIncident, it_agent: User
    ) -> None:
        incident = report()
        post(agent_client, incident, "start")
        incident.refresh_from_db()
        assert incident.status == S.IN_PROGRESS
        services.resolve_incident(incident, code="workaround", note="Restarted.", actor=it_agent)
        response = post(agent_client, incident, "reopen", reason="It fails again.")
        assert response.status_code == 302
        incident.refresh_from_db()
        assert (incident.status, incident.reopen_count) == (S.IN_PROGRESS, 1)
        row = Activity.objects.for_target(incident).get(verb="incident.reopened")
        assert row.actor == it_agent and row.data == {"reason": "It fails again."}

    def test_assign_and_reprioritise(
        self,
        agent_client: Client,
        report: ReportIncident,
        it_agent_two: User,
        desk_team: Team,
    ) -> None:
        incident = report(impact="low", urgency="low")
        post(
            agent_client, incident, "assign", team=str(desk_team.pk), assignee=str(it_agent_two.pk)
        )
        post(agent_client, incident, "priority", impact="high", urgency="high")
        incident.refresh_from_db()
        assert (incident.assignee, incident.priority) == (it_agent_two, "urgent")
        assert verbs(incident)[-2:] == ["incident.assigned", "incident.reprioritised"]
        page = agent_client.get(detail(incident)).content.decode()
        assert "Service desk — " in page  # the timeline names the team and the person

    def test_note_and_reply(
        self, agent_client: Client, report: ReportIncident, it_agent: User
    ) -> None:
        incident = report()
        post(agent_client, incident, "note", text="Checked the switch logs.")
        post(agent_client, incident, "reply", text="A technician is on the way.")
        rows = Activity.objects.for_target(incident).filter(
            verb__in=["incident.note", "incident.reply"]
        )
        assert sorted(rows.values_list("verb", "is_public", "data")) == [
            ("incident.note", False, {"text": "Checked the switch logs."}),
            ("incident.reply", True, {"text": "A technician is on the way."}),
        ]

    def test_children_link_and_unlink(
        self, agent_client: Client, report: ReportIncident, it_agent: User
    ) -> None:
        parent, child, other = report("parent"), report("child"), report("other")
        post(agent_client, parent, "link_child", code=child.tracking_code)
        child.refresh_from_db()
        assert child.parent == parent
        assert "incident.child_linked" in verbs(parent)
        page = agent_client.get(detail(parent)).content.decode()
        assert f'data-child="{child.tracking_code}"' in page
        # unlinking a child of another parent is refused
        services.link_child_incident(other, parent=report("another parent"), actor=it_agent)
        response = post(agent_client, parent, "unlink_child", code=other.tracking_code)
        assert response.status_code == 400
        assert "These incidents cannot be linked that way." in response.content.decode()
        other.refresh_from_db()
        assert other.parent is not None
        post(agent_client, parent, "unlink_child", code=child.tracking_code)
        child.refresh_from_db()
        assert child.parent is None
        assert verbs(child)[-1] == "incident.unlinked_from_parent"
        services.link_child_incident(child, parent=parent, actor=it_agent)
        post(agent_client, child, "unlink_parent")
        child.refresh_from_db()
        assert child.parent is None

    def test_a_refused_link_shows_the_services_reason(
        self, agent_client: Client, report: ReportIncident, it_agent: User
    ) -> None:
        parent, child = report("parent"), report("child")
        services.link_child_incident(child, parent=parent, actor=it_agent)
        response = post(agent_client, report("third"), "link_child", code=parent.tracking_code)
        assert response.status_code == 400
        page = response.content.decode()
        assert "These incidents cannot be linked that way." in page
        assert 'data-testid="action-refused"' in page

    def test_a_code_of_another_unit_reads_as_unknown(
        self, agent_client: Client, report: ReportIncident, outsider: User
    ) -> None:
        theirs = report("theirs", actor=outsider, team=Team.objects.get(code="other-desk"))
        mine = report("mine")
        response = post(agent_client, mine, "merge", code=theirs.tracking_code)
        assert response.status_code == 400
        assert "No incident of yours has this code." in response.content.decode()
        mine.refresh_from_db()
        assert mine.status == S.NEW and mine.duplicate_of is None

    def test_merge_as_duplicate(self, agent_client: Client, report: ReportIncident) -> None:
        master, duplicate = report("master"), report("duplicate")
        response = post(agent_client, duplicate, "merge", code=master.tracking_code)
        assert response.status_code == 302
        duplicate.refresh_from_db()
        assert (duplicate.status, duplicate.duplicate_of, duplicate.resolution_code) == (
            S.CLOSED,
            master,
            ResolutionCode.DUPLICATE,
        )
        assert "incident.duplicate_merged" in verbs(master)

    def test_open_a_problem_and_link_to_one(
        self, agent_client: Client, report: ReportIncident, it_agent: User
    ) -> None:
        first, second = report("first"), report("second")
        post(agent_client, first, "open_problem", title="Mail server disk fills up")
        problem = Problem.objects.get()
        first.refresh_from_db()
        assert first.problem == problem and problem.title == "Mail server disk fills up"
        post(agent_client, second, "link_problem", code=problem.tracking_code)
        second.refresh_from_db()
        assert second.problem == problem
        assert verbs(second)[-1] == "incident.problem_linked"
        page = agent_client.get(detail(second)).content.decode()
        assert problem_url(problem) in page and 'data-testid="action-open_problem"' not in page

    def test_known_error_suggested_and_applied(
        self,
        agent_client: Client,
        report: ReportIncident,
        it_agent: User,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            known = services.create_known_error(
                title="VPN drops after the Windows update",
                symptom="The VPN disconnects every ten minutes",
                workaround="Install the new VPN profile.",
                actor=it_agent,
            )
        incident = report("My VPN keeps dropping")
        page = agent_client.get(detail(incident)).content.decode()
        assert f'data-known-error="{known.code}"' in page
        response = agent_client.post(
            act(incident), {"action": "apply_known_error", "apply_known_error-code": known.code}
        )
        assert response.status_code == 302
        incident.refresh_from_db()
        assert incident.known_error == known
        reply = Activity.objects.for_target(incident).get(verb="incident.reply")
        assert reply.data == {"text": "Install the new VPN profile."}

    def test_refusals_are_form_errors_and_keep_what_was_typed(
        self, agent_client: Client, report: ReportIncident, it_agent_two: User, outsider: User
    ) -> None:
        incident = report()
        response = post(agent_client, incident, "resolve", code="", note="Rebooted the router.")
        assert response.status_code == 400
        page = response.content.decode()
        assert "This field is required." in page and "Rebooted the router.</textarea>" in page
        assert "<details" in page and 'open><summary class="small fw-semibold">Resolve' in page

        response = post(agent_client, incident, "resume")  # not on hold: the service refuses
        assert response.status_code == 400
        assert (
            "The record cannot move to that status from where it is." in response.content.decode()
        )

        response = post(
            agent_client,
            incident,
            "assign",
            team=str(incident.team_id),
            assignee=str(outsider.pk),
        )
        assert response.status_code == 400
        assert "The person must be a member of the incident" in response.content.decode()
        incident.refresh_from_db()
        assert (incident.status, incident.assignee) == (S.NEW, None)
        assert verbs(incident) == ["incident.reported"]

    def test_an_unknown_action_is_not_found(
        self, agent_client: Client, report: ReportIncident
    ) -> None:
        assert agent_client.post(act(report()), {"action": "explode"}).status_code == 404

    def test_only_an_incident_manager_declares_a_major_incident(
        self, agent_client: Client, report: ReportIncident
    ) -> None:
        incident = report()
        assert post(agent_client, incident, "declare_major").status_code == 403
        incident.refresh_from_db()
        assert not incident.is_major

    def test_csrf_is_required(
        self, it_agent: User, verified_login: Any, report: ReportIncident
    ) -> None:
        checked = verified_login(Client(enforce_csrf_checks=True), it_agent)
        incident = report()
        assert post(checked, incident, "start").status_code == 403
        incident.refresh_from_db()
        assert incident.status == S.NEW


# --- the major-incident page --------------------------------------------------------------------


class TestMajorIncident:
    def test_declare_then_the_page(
        self, manager_client: Client, report: ReportIncident, incident_manager: User
    ) -> None:
        incident = report()
        page = manager_client.get(detail(incident)).content.decode()
        assert 'data-testid="action-declare_major"' in page
        response = post(manager_client, incident, "declare_major")
        assert response.status_code == 302
        incident.refresh_from_db()
        assert incident.is_major and "incident.declared_major" in verbs(incident)
        page = manager_client.get(detail(incident)).content.decode()
        assert major(incident) in page
        response = manager_client.get(major(incident))
        assert response.status_code == 200
        assert 'data-testid="next-update"' in response.content.decode()
        assert response.context["log"].stakeholders == [incident_manager]

    def test_updates_stakeholders_and_the_overdue_highlight(
        self,
        manager_client: Client,
        report: ReportIncident,
        incident_manager: User,
        it_agent: User,
    ) -> None:
        incident = services.declare_major_incident(report(), actor=incident_manager)
        response = post(manager_client, incident, "subscribe", person=str(it_agent.pk))
        assert response.status_code == 302 and response["Location"] == major(incident)
        assert MajorIncidentSubscription.objects.filter(incident=incident, user=it_agent).exists()
        post(manager_client, incident, "post_update", text="Investigating.", audience="staff")
        post(
            manager_client,
            incident,
            "post_update",
            text="E-mail is down; fix expected at noon.",
            audience="public",
        )
        updates = MajorIncidentUpdate.objects.filter(incident=incident).order_by("id")
        assert [(u.text, u.audience, u.recipients) for u in updates] == [
            ("Investigating.", "staff", 2),
            ("E-mail is down; fix expected at noon.", "public", 2),
        ]
        assert PublicNotice.objects.active().get().incident == incident
        assert verbs(incident).count("incident.update_posted") == 2
        page = manager_client.get(major(incident)).content.decode()
        assert "E-mail is down; fix expected at noon." in page and "data-overdue" not in page
        Incident.objects.filter(pk=incident.pk).update(
            next_update_due=timezone.now() - dt.timedelta(minutes=5)
        )
        page = manager_client.get(major(incident)).content.decode()
        assert 'data-overdue="1"' in page and "The next update is overdue" in page

    def test_an_empty_update_is_refused_on_the_major_page(
        self, manager_client: Client, report: ReportIncident, incident_manager: User
    ) -> None:
        incident = services.declare_major_incident(report(), actor=incident_manager)
        response = post(manager_client, incident, "post_update", text=" ", audience="public")
        assert response.status_code == 400
        assert 'data-testid="updates"' in response.content.decode()  # the major page again
        assert not MajorIncidentUpdate.objects.exists()

    def test_end_major_incident(
        self, manager_client: Client, report: ReportIncident, incident_manager: User
    ) -> None:
        incident = services.declare_major_incident(report(), actor=incident_manager)
        post(manager_client, incident, "end_major")
        incident.refresh_from_db()
        assert not incident.is_major and verbs(incident)[-1] == "incident.major_ended"
        page = manager_client.get(major(incident)).content.decode()
        assert (
            'data-testid="major-ended"' in page and 'data-testid="action-post_update"' not in page
        )

    def test_an_ordinary_incident_has_no_major_page(
        self, agent_client: Client, report: ReportIncident
    ) -> None:
        incident = report()
        response = agent_client.get(major(incident))
        assert response.status_code == 302 and response["Location"] == detail(incident)

    def test_constant_queries(
        self,
        manager_client: Client,
        report: ReportIncident,
        incident_manager: User,
        it_agent: User,
        django_assert_max_num_queries: Any,
    ) -> None:
        incident = services.declare_major_incident(report(), actor=incident_manager)
        manager_client.get(major(incident))
        with django_assert_max_num_queries(16) as few:  # 16: with its access-log row
            manager_client.get(major(incident))
        services.subscribe_stakeholder(incident, user=it_agent, actor=incident_manager)
        for index in range(4):
            services.post_major_update(
                incident, text=f"update {index}", audience="staff", actor=incident_manager
            )
            services.link_child_incident(report(f"c{index}"), parent=incident, actor=it_agent)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = manager_client.get(major(incident))
        assert len(response.context["log"].updates) == 4


# --- the overview -------------------------------------------------------------------------------


def test_the_overview_counts_by_priority_and_age_and_links_to_the_list(
    agent_client: Client, report: ReportIncident
) -> None:
    report(impact="high", urgency="high")
    old = report(impact="high", urgency="high")
    Incident.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=4))
    report(impact="low", urgency="low")
    response = agent_client.get(OVERVIEW)
    assert response.status_code == 200
    rows = {priority: cells for priority, _label, cells, _total in response.context["rows"]}
    assert rows["urgent"] == [1, 0, 0, 1] and rows["low"] == [1, 0, 0, 0]
    page = response.content.decode()
    link = "/desk/incidents/?queue=open&amp;priority=urgent&amp;age=3"
    assert link in page
    assert codes(agent_client.get(LIST, {"queue": "open", "priority": "urgent", "age": "3"})) == [
        old.tracking_code
    ]


# --- problems -----------------------------------------------------------------------------------


class TestProblems:
    def test_open_from_an_incident_then_the_whole_lifecycle(
        self, agent_client: Client, report: ReportIncident, it_agent: User, desk_team: Team
    ) -> None:
        incident, other = report("Mail bounces"), report("Mail slow")
        refused = agent_client.post("/desk/problems/new/", {"title": "Mail server disk"})
        assert refused.status_code == 200 and not Problem.objects.exists()  # a team owns it
        response = agent_client.post(
            "/desk/problems/new/",
            {
                "title": "Mail server disk",
                "symptom": "Disk full",
                "team": str(desk_team.pk),
                "incident": incident.tracking_code,
            },
        )
        problem = Problem.objects.get()
        assert response.status_code == 302 and response["Location"] == problem_url(problem)
        assert list(problem.incidents.all()) == [incident]

        def do(action: str, **fields: str) -> Any:
            data = {"action": action, **{f"{action}-{k}": v for k, v in fields.items()}}
            return agent_client.post(problem_url(problem, "act/"), data)

        do("link_incident", code=other.tracking_code)
        do("root_cause", root_cause="Logs never rotated.")
        do("known_error", workaround="Delete old logs.", title="")
        do("resolve", fix="Log rotation configured.")
        do("close")
        problem.refresh_from_db()
        assert (problem.status, problem.root_cause, problem.workaround, problem.permanent_fix) == (
            ProblemStatus.CLOSED,
            "Logs never rotated.",
            "Delete old logs.",
            "Log rotation configured.",
        )
        assert set(problem.incidents.values_list("pk", flat=True)) == {incident.pk, other.pk}
        assert KnownError.objects.get().fix == "Log rotation configured."
        assert verbs(problem) == [
            "problem.logged",
            "problem.incident_linked",
            "problem.incident_linked",
            "problem.root_cause_found",
            "problem.known_error_recorded",
            "problem.resolved",
            "problem.closed",
        ]
        page = agent_client.get(problem_url(problem)).content.decode()
        assert f'data-incident="{other.tracking_code}"' in page
        assert 'data-testid="action-resolve"' not in page

    def test_a_refused_move_is_shown(self, agent_client: Client, it_agent: User) -> None:
        team = it_agent.teams.get()
        problem = services.open_problem(title="Slow portal", team=team, actor=it_agent)
        response = agent_client.post(
            problem_url(problem, "act/"), {"action": "resolve", "resolve-fix": "Bigger server."}
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "The record cannot move to that status from where it is." in page
        assert "Bigger server.</textarea>" in page
        problem.refresh_from_db()
        assert problem.status == ProblemStatus.LOGGED

    def test_list_and_visibility(
        self, agent_client: Client, it_agent: User, outsider: User, verified_login: Any
    ) -> None:
        mine = services.open_problem(title="Mine", actor=it_agent, team=it_agent.teams.get())
        response = agent_client.get("/desk/problems/")
        assert [p.tracking_code for p in response.context["page"].items] == [mine.tracking_code]
        response = agent_client.get("/desk/problems/", {"status": "closed"})
        assert response.context["page"].items == []
        other = verified_login(Client(), outsider)
        assert other.get(problem_url(mine)).status_code == 404
        assert other.get("/desk/problems/").context["page"].items == []


# --- known errors -------------------------------------------------------------------------------


class TestKnownErrors:
    def test_record_search_and_retire(
        self,
        agent_client: Client,
        manager_client: Client,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            response = agent_client.post(
                "/desk/known-errors/new/",
                {
                    "title": "Printer driver fails after the update",
                    "symptom": "Jobs stay in the queue",
                    "workaround": "Install driver 5.2",
                },
            )
        known = KnownError.objects.get()
        assert response["Location"] == f"/desk/known-errors/{known.code}/"
        listing = agent_client.get("/desk/known-errors/")
        assert [k.code for k in listing.context["page"].items] == [known.code]
        found = agent_client.get("/desk/known-errors/", {"q": "printer queue"})
        assert [hit.record for hit in found.context["found"]] == [known]
        retire = f"/desk/known-errors/{known.code}/retire/"
        assert agent_client.post(retire).status_code == 403  # agents record, supervisors retire
        known.refresh_from_db()
        assert known.is_active
        with django_capture_on_commit_callbacks(execute=True):
            assert manager_client.post(retire).status_code == 302
        known.refresh_from_db()
        assert not known.is_active and "known_error.retired" in verbs(known)
        assert agent_client.get("/desk/known-errors/", {"q": "printer"}).context["found"] == []
        shown = agent_client.get("/desk/known-errors/", {"retired": "on"})
        assert [k.code for k in shown.context["page"].items] == [known.code]

    def test_a_known_error_needs_its_texts(self, agent_client: Client) -> None:
        response = agent_client.post("/desk/known-errors/new/", {"title": "Only a title"})
        assert response.status_code == 200 and not KnownError.objects.exists()
        assert 'value="Only a title"' in response.content.decode()
