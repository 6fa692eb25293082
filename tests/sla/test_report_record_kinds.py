"""The compliance report counts incident clocks too, in rows of their own named "Incident"."""

from __future__ import annotations

import pytest

from khedmat.itsm import services as itsm
from khedmat.sla import services
from khedmat.sla.choices import TargetKind
from khedmat.sla.queries import ComplianceRow
from tests.fixtures.sla import SATURDAY_0800, by_kind, tehran

pytestmark = pytest.mark.django_db

URL = "/desk/reports/sla/"
MAY = {"date_from": "1405/02/01", "date_to": "1405/02/31"}


@pytest.fixture
def decided(policy, make_record, start, agent):  # type: ignore[no-untyped-def]
    """One request met; two incidents of the same team, one met and one late (3 working days
    from Saturday 08:00: due Tuesday 14:30)."""
    licences = agent.teams.get()
    request = by_kind(start(make_record(), team=licences, record_kind="service_request"))
    services.stop_clock(request[TargetKind.RESOLUTION], actor=agent, at=tehran(2026, 5, 3, 10))
    for resolved_at in (tehran(2026, 5, 4, 9), tehran(2026, 5, 6, 9)):
        report = itsm.IncidentReport(title="VPN is down", reporter_name="Caller", team=licences)
        incident = itsm.report_incident(report, actor=agent, now=SATURDAY_0800)
        itsm.resolve_incident(
            incident, code="permanent", note="Fixed.", actor=agent, now=resolved_at
        )
    return licences


def english(client):  # type: ignore[no-untyped-def]
    client.cookies["khedmat_language"] = "en"
    return client


def test_incident_clocks_have_their_own_labelled_rows(client, verified_login, supervisor, decided):
    verified_login(english(client), supervisor)

    response = client.get(URL, MAY)

    assert response.status_code == 200
    rows = [
        (row.record_kind, row.kind_label, row.service_key, row.team_name, row.met, row.breached)
        for row in response.context["rows"]
    ]
    assert rows == [
        ("incident", "Incident", "", "Licences", 1, 1),
        ("service_request", "", "licence", "Licences", 1, 0),
    ]
    total = response.context["total"]
    assert (total.total, total.met, total.breached) == (3, 2, 1)
    html = response.content.decode()
    assert (
        '<span class="badge text-bg-secondary me-1" data-record-kind="incident">Incident</span>'
        in html
    )
    assert 'data-record-kind="service_request"' not in html


def test_the_csv_names_incident_rows(client, verified_login, supervisor, decided):
    verified_login(english(client), supervisor)

    response = client.get(URL, {**MAY, "format": "csv"})

    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.splitlines()[1:] == [
        "Incident,Licences,2,1,1,50.0,0.0",
        "licence,Licences,1,1,0,100.0,0.0",
        "Total,,3,2,1,66.7,0.0",
    ]


def test_the_measure_filter_applies_to_incidents_too(client, verified_login, supervisor, decided):
    verified_login(english(client), supervisor)

    response = client.get(URL, {**MAY, "kind": TargetKind.FIRST_RESPONSE})

    # Resolving stopped the incidents' first-response clocks a day or more after their 4 hours;
    # the request's is still running (undecided).
    rows = [(row.record_kind, row.met, row.breached) for row in response.context["rows"]]
    assert rows == [("incident", 0, 2)]


def test_a_service_of_a_named_kind_reads_kind_then_service() -> None:
    def row(kind: str, service: str) -> ComplianceRow:
        return ComplianceRow(service, None, "", 0, 0, 0, record_kind=kind)

    assert row("incident", "10012656000sh14").service_label == "Incident: 10012656000sh14"
    assert row("incident", "").service_label == "Incident"
    assert row("service_request", "licence").service_label == "licence"
    assert row("", "licence").kind_label == ""
