"""/healthz and /readyz (DESIGN.md §6)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from khedmat.jobs.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_healthz_needs_no_login_and_touches_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_unavailable_without_a_recent_worker(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "worker": "no worker seen in the last two minutes",
    }


def heartbeat(seen: dt.datetime) -> WorkerHeartbeat:
    return WorkerHeartbeat.objects.create(
        worker_id="w1", hostname="host", pid=1, started_at=seen, last_seen_at=seen
    )


def test_readyz_is_ready_with_a_worker_seen_a_minute_ago(client):
    heartbeat(timezone.now() - dt.timedelta(minutes=1))
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz_refuses_a_worker_last_seen_three_minutes_ago(client):
    heartbeat(timezone.now() - dt.timedelta(minutes=3))
    assert client.get("/readyz").status_code == 503
