"""GET /api/v1/sla/records/<type>/<id>/: the SLA state and clocks, for staff of the record's unit."""

from __future__ import annotations

import pytest

from khedmat.sla import services
from khedmat.sla.choices import PauseReason, TargetKind
from tests.fixtures.sla import by_kind

pytestmark = pytest.mark.django_db


def url(record) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/sla/records/accounts.user/{record.pk}/"


@pytest.fixture
def record(policy, make_record, start, agent):  # type: ignore[no-untyped-def]
    """A record whose clocks started now (so the state is live), resolution paused."""
    record = make_record()
    clocks = by_kind(start(record, at=None, actor=agent, team=agent.teams.get()))
    services.pause_clock(
        clocks[TargetKind.RESOLUTION], reason=PauseReason.WAITING_FOR_PAYMENT, actor=agent
    )
    services.stop_clock(clocks[TargetKind.FIRST_RESPONSE], actor=agent)
    return record


def test_staff_of_the_unit_read_the_state_and_the_clocks(client, verified_login, agent, record):
    verified_login(client, agent)

    response = client.get(url(record))

    assert response.status_code == 200
    body = response.json()
    assert (body["record_type"], body["record_id"]) == ("accounts.user", record.pk)
    sla = body["sla"]
    assert (sla["state"], sla["kind"], sla["pause_reason"], sla["expected_at"]) == (
        "paused",
        "resolution",
        "waiting_for_payment",
        None,
    )
    assert sla["remaining_minutes"] > 0 and sla["promised_at"]
    kinds = [(clock["kind"], clock["state"]) for clock in body["clocks"]]
    assert sorted(kinds) == [("first_response", "met"), ("resolution", "paused")]
    resolution = next(clock for clock in body["clocks"] if clock["kind"] == "resolution")
    assert [(seg["kind"], seg["reason"], seg["actor_id"]) for seg in resolution["segments"]] == [
        ("running", "", agent.pk),
        ("paused", "waiting_for_payment", agent.pk),
    ]


def test_the_schema_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert "/api/v1/sla/records/{record_type}/{record_id}/" in paths


@pytest.mark.parametrize("who", ["outsider", "applicant"])
def test_others_get_not_found(client, verified_login, record, who, request):
    user = request.getfixturevalue(who)
    if who == "applicant":
        client.force_login(user)
    else:
        verified_login(client, user)

    response = client.get(url(record))

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_unknown_types_and_records_without_clocks_are_not_found(
    client, verified_login, agent, make_record
):
    verified_login(client, agent)

    assert client.get("/api/v1/sla/records/nothing.here/1/").status_code == 404
    assert client.get(url(make_record())).status_code == 404


def test_anonymous_callers_are_refused(client, record):
    response = client.get(url(record))
    assert response.status_code == 401
    assert "clocks" not in response.content.decode()
