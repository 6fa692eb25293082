"""The compliance report: exact numbers and CSV, only for supervisors (their units) and admins."""

from __future__ import annotations

import pytest
from django.urls import reverse

from khedmat.sla import services
from khedmat.sla.choices import PauseReason, TargetKind
from tests.fixtures.sla import by_kind, tehran

pytestmark = pytest.mark.django_db

URL = "/desk/reports/sla/"
MAY = {"date_from": "1405/02/01", "date_to": "1405/02/31"}  # 21 April to 21 May 2026


@pytest.fixture
def decided(policy, make_record, start, agent, outsider):  # type: ignore[no-untyped-def]
    """Resolution clocks of 3 working days from Saturday 2 May, decided as a month would."""
    licences, other_desk = agent.teams.get(), outsider.teams.get()

    def resolution(**kwargs):  # type: ignore[no-untyped-def]
        return by_kind(start(make_record(), **kwargs))[TargetKind.RESOLUTION]

    met = resolution(team=licences)
    services.stop_clock(met, actor=agent, at=tehran(2026, 5, 3, 10))
    waited = resolution(team=licences)
    services.pause_clock(
        waited, reason=PauseReason.WAITING_FOR_APPLICANT, actor=agent, at=tehran(2026, 5, 2, 9)
    )
    services.resume_clock(waited, actor=agent, at=tehran(2026, 5, 3, 9))  # 420 minutes paused
    services.stop_clock(waited, actor=agent, at=tehran(2026, 5, 4, 10))
    late = resolution(team=licences)
    services.stop_clock(late, actor=agent, at=tehran(2026, 5, 6, 9))
    permit = resolution(service_key="permit")
    services.stop_clock(permit, actor=agent, at=tehran(2026, 5, 6, 9))
    june = resolution(team=licences, at=tehran(2026, 6, 6, 8))
    services.stop_clock(june, actor=agent, at=tehran(2026, 6, 7, 9))
    elsewhere = resolution(team=other_desk, unit="other")
    services.stop_clock(elsewhere, actor=outsider, at=tehran(2026, 5, 3, 10))
    return licences


def english(client):  # type: ignore[no-untyped-def]
    client.cookies["khedmat_language"] = "en"
    return client


def csv_text(response) -> str:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content).decode("utf-8")


def row_figures(row) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    return str(row.compliance_percent), str(row.paused_hours)


def test_the_report_url_is_named():
    assert reverse("sla:compliance_report") == URL


def test_supervisor_sees_the_numbers_of_their_units(
    client, verified_login, supervisor, decided, django_assert_max_num_queries
):
    verified_login(english(client), supervisor)

    with django_assert_max_num_queries(12):
        response = client.get(URL, MAY)

    assert response.status_code == 200
    rows = [
        (row.service_key, row.team_name, row.total, row.met, row.breached, *row_figures(row))
        for row in response.context["rows"]
    ]
    assert rows == [
        ("licence", "Licences", 3, 2, 1, "66.7", "7.0"),
        ("permit", "", 1, 0, 1, "0.0", "0.0"),
    ]
    total = response.context["total"]
    assert (total.total, total.met, total.breached, str(total.compliance_percent)) == (
        4,
        2,
        2,
        "50.0",
    )
    html = response.content.decode()
    assert "Other desk" not in html
    assert 'href="?date_from=1405%2F02%2F01&amp;date_to=1405%2F02%2F31&amp;format=csv"' in html


def test_the_csv_export_is_exact(client, verified_login, supervisor, decided):
    verified_login(english(client), supervisor)

    response = client.get(URL, {**MAY, "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="sla-20260421-20260521.csv"'
    assert csv_text(response) == (
        "\ufeffService,Team,Decided,Met,Breached,Compliance (%),Paused (working hours)\r\n"
        "licence,Licences,3,2,1,66.7,7.0\r\n"
        "permit,,1,0,1,0.0,0.0\r\n"
        "Total,,4,2,2,50.0,7.0\r\n"
    )


def test_filters_narrow_the_report(client, verified_login, supervisor, decided):
    verified_login(english(client), supervisor)

    by_team = client.get(URL, {**MAY, "team": decided.pk, "format": "csv"})
    by_service = client.get(URL, {**MAY, "service": "permit", "format": "csv"})
    june = client.get(URL, {"date_from": "2026-06-01", "date_to": "2026-06-30", "format": "csv"})

    assert csv_text(by_team).splitlines()[1:] == [
        "licence,Licences,3,2,1,66.7,7.0",
        "Total,,3,2,1,66.7,7.0",
    ]
    assert csv_text(by_service).splitlines()[1:] == [
        "permit,,1,0,1,0.0,0.0",
        "Total,,1,0,1,0.0,0.0",
    ]
    assert csv_text(june).splitlines()[1:] == [
        "licence,Licences,1,1,0,100.0,0.0",
        "Total,,1,1,0,100.0,0.0",
    ]


def test_a_period_that_ends_before_it_starts_is_refused(client, verified_login, supervisor):
    verified_login(english(client), supervisor)

    response = client.get(URL, {"date_from": "1405/02/10", "date_to": "1405/02/01"})

    assert response.status_code == 200
    assert response.context["rows"] == []
    assert response.context["form"].errors


def test_administrators_see_every_unit(client, verified_login, administrator, decided):
    verified_login(english(client), administrator)

    response = client.get(URL, {**MAY, "format": "csv"})

    assert csv_text(response).splitlines()[1:] == [
        "licence,Licences,3,2,1,66.7,7.0",
        "licence,Other desk,1,1,0,100.0,0.0",
        "permit,,1,0,1,0.0,0.0",
        "Total,,5,3,2,60.0,7.0",
    ]


@pytest.mark.parametrize("query", [MAY, {**MAY, "format": "csv"}])
def test_agents_are_refused_and_shown_nothing(client, verified_login, agent, decided, query):
    verified_login(english(client), agent)

    response = client.get(URL, query)

    assert response.status_code == 403
    body = response.content.decode()
    assert "licence" not in body and "Licences" not in body and "66.7" not in body


def test_anonymous_visitors_are_sent_to_log_in(client, decided):
    response = client.get(URL, MAY)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_desk_menu_links_the_report_for_those_who_may_read_it(
    client, verified_login, supervisor, agent
):
    verified_login(client, supervisor)
    assert f'href="{URL}"' in client.get(reverse("desk:home")).content.decode()

    client.logout()
    verified_login(client, agent)
    assert f'href="{URL}"' not in client.get(reverse("desk:home")).content.decode()
