"""Staff opening a request's personal data leaves an audit row (who, when, why when asked),
kept off the timeline and listed on the request's access log for holders of
core.view_access_log who may see the request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from khedmat.accounts.models import OrgUnit, Team, User
from khedmat.core.models import Activity
from khedmat.tickets.models import Ticket
from khedmat.tickets.queries import ticket_timeline
from tests.fixtures.tickets import Submit

pytestmark = pytest.mark.django_db

Login = Callable[[Client, User], Any]
VIEWED = "ticket.personal_data_viewed"


def detail(ticket: Ticket) -> str:
    return reverse("tickets:desk_request_detail", args=[ticket.tracking_code])


def access_log(ticket: Ticket) -> str:
    return reverse("tickets:desk_request_access_log", args=[ticket.tracking_code])


def views_of(ticket: Ticket) -> list[tuple[str, str]]:
    rows = Activity.objects.access_log_for(ticket).order_by("id")
    return [(row.actor.username if row.actor else "", row.data.get("reason", "")) for row in rows]


@pytest.fixture
def staff(make_user: Callable[..., User], units: dict[str, OrgUnit]) -> dict[str, User]:
    return {
        "agent": make_user("office-agent", roles=["agent"], org_unit=units["office"]),
        "admin": make_user("office-admin", roles=["admin"]),
        "elsewhere": make_user(
            "elsewhere",
            roles=["agent"],
            org_unit=OrgUnit.objects.create(code="elsewhere", name="Elsewhere"),
        ),
    }


def test_opening_a_request_writes_one_row_kept_off_the_timeline(
    client: Client, verified_login: Login, staff: dict[str, User], submit: Submit
) -> None:
    ticket = submit()
    verified_login(client, staff["agent"])

    response = client.get(detail(ticket))

    assert response.status_code == 200
    assert views_of(ticket) == [("office-agent", "")]
    row = Activity.objects.get(verb=VIEWED)
    assert (row.is_public, row.target) == (False, ticket)
    assert VIEWED not in [entry.verb for entry in response.context["timeline"]]
    assert VIEWED not in [entry.verb for entry in ticket_timeline(ticket)]
    assert b'data-testid="access-log-link"' not in response.content  # no permission, no link


def test_a_request_the_staff_may_not_see_writes_nothing(
    client: Client, verified_login: Login, staff: dict[str, User], submit: Submit
) -> None:
    ticket = submit()
    verified_login(client, staff["elsewhere"])
    assert client.get(detail(ticket)).status_code == 404
    assert views_of(ticket) == []


def test_the_access_log_lists_who_opened_it(
    client: Client, verified_login: Login, staff: dict[str, User], submit: Submit
) -> None:
    ticket = submit()
    verified_login(client, staff["agent"])
    client.get(detail(ticket))
    admin_client = verified_login(Client(headers={"accept-language": "en"}), staff["admin"])

    page = admin_client.get(detail(ticket))
    assert b'data-testid="access-log-link"' in page.content
    response = admin_client.get(access_log(ticket))

    assert response.status_code == 200
    assert [row.actor.username for row in response.context["page"].items] == [
        "office-admin",
        "office-agent",
    ]
    assert views_of(ticket) == [("office-agent", ""), ("office-admin", "")]  # the log: no row


def test_the_access_log_needs_the_permission_and_a_request_the_staff_may_see(
    client: Client, verified_login: Login, staff: dict[str, User], submit: Submit
) -> None:
    ticket = submit()
    verified_login(client, staff["agent"])
    assert client.get(access_log(ticket)).status_code == 403

    permission = Permission.objects.get(codename="view_access_log", content_type__app_label="core")
    staff["elsewhere"].user_permissions.add(permission)
    other = verified_login(Client(), User.objects.get(pk=staff["elsewhere"].pk))
    assert other.get(access_log(ticket)).status_code == 404
    assert views_of(ticket) == []


class TestReasonAsked:
    """KHEDMAT_ACCESS_REASON = unassigned: a request not the staff member's or their team's."""

    @pytest.fixture(autouse=True)
    def ask(self, settings: Any) -> None:
        settings.KHEDMAT_ACCESS_REASON = "unassigned"

    def test_the_form_comes_first_and_its_reason_is_kept(
        self, client: Client, verified_login: Login, staff: dict[str, User], submit: Submit
    ) -> None:
        ticket = submit()
        verified_login(client, staff["agent"])

        form = client.get(detail(ticket))
        assert form.status_code == 200
        assert form.templates[0].name == "core/access_reason.html"
        assert views_of(ticket) == []

        assert client.post(detail(ticket), {"reason": ""}).status_code == 400
        answered = client.post(detail(ticket), {"reason": "Applicant called the desk"})
        assert answered.status_code == 302 and answered["Location"] == detail(ticket)
        assert views_of(ticket) == []

        page = client.get(detail(ticket))
        again = client.get(detail(ticket))  # the session keeps the reason: not asked again
        assert (
            page.templates[0].name == again.templates[0].name == "tickets/desk_request_detail.html"
        )
        assert views_of(ticket) == [
            ("office-agent", "Applicant called the desk"),
            ("office-agent", "Applicant called the desk"),
        ]

    def test_no_reason_for_a_request_assigned_to_them_or_their_team(
        self,
        client: Client,
        verified_login: Login,
        staff: dict[str, User],
        submit: Submit,
        units: dict[str, OrgUnit],
    ) -> None:
        mine, teams = submit(), submit()
        Ticket.objects.filter(pk=mine.pk).update(assignee=staff["agent"])
        team = Team.objects.create(code="desk", name="Desk", org_unit=units["office"])
        team.members.add(staff["agent"])
        Ticket.objects.filter(pk=teams.pk).update(team=team)
        verified_login(client, staff["agent"])

        for ticket in (mine, teams):
            response = client.get(detail(ticket))
            assert response.templates[0].name == "tickets/desk_request_detail.html"
            assert views_of(ticket) == [("office-agent", "")]
