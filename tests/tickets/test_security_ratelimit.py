"""Security review (issue 20, items 10 and 14a): tracking look-up limits.

Failures count per client and per client and code, so an attacker never locks the applicant out;
the counts live in the database, so every worker process shares them; an IPv6 client is one /64.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.core import ratelimit as counters
from khedmat.core.models import RateLimitCounter
from khedmat.core.tracking import generate_tracking_code
from khedmat.tickets.models import Ticket
from khedmat.tickets.ratelimit import TrackLimits
from tests.fixtures.jobs import REPO, worker_env
from tests.fixtures.tickets import Submit

pytestmark = pytest.mark.django_db

CITIZEN_CODE = "0013542419"
WRONG_CODE = "1234567891"


@pytest.fixture
def ticket(submit: Submit) -> Ticket:
    return submit()


def from_address(address: str) -> Client:
    return Client(headers={"accept-language": "en"}, REMOTE_ADDR=address)


def lookup(client: Client, code: str, national_code: str) -> Any:
    return client.post("/track/", {"code": code, "national_code": national_code})


def api_track(client: Client, code: str, national_code: str) -> Any:
    body = json.dumps({"tracking_code": code, "national_code": national_code})
    return client.post("/api/v1/requests/track", body, content_type="application/json")


def unknown_code() -> str:
    return generate_tracking_code(
        exists=lambda code: Ticket.objects.filter(tracking_code=code).exists()
    )


def test_failing_on_someones_code_locks_out_only_the_one_who_failed(ticket: Ticket) -> None:
    attacker = from_address("198.51.100.1")

    statuses = [lookup(attacker, ticket.tracking_code, WRONG_CODE).status_code for _ in range(8)]
    api = api_track(attacker, ticket.tracking_code, CITIZEN_CODE)
    applicant = lookup(from_address("203.0.113.7"), ticket.tracking_code, CITIZEN_CODE)
    applicant_api = api_track(from_address("203.0.113.8"), ticket.tracking_code, CITIZEN_CODE)

    assert statuses == [200] * 5 + [429] * 3  # KHEDMAT_TRACK_MAX_FAILURES_PER_CODE = 5
    assert api.status_code == 429  # the page and the API count the same pair
    assert applicant.status_code == 303
    assert applicant["Location"] == f"/track/{ticket.tracking_code}/"
    assert applicant_api.status_code == 200
    assert applicant_api.json()["tracking_code"] == ticket.tracking_code


def test_past_the_ceiling_on_a_code_each_address_keeps_one_try(
    ticket: Ticket, settings: SettingsWrapper
) -> None:
    settings.KHEDMAT_TRACK_MAX_FAILURES_PER_CODE_TOTAL = 3
    guessers = [from_address(f"198.51.100.{number}") for number in (1, 2, 3)]
    first = [lookup(guesser, ticket.tracking_code, WRONG_CODE).status_code for guesser in guessers]

    again = lookup(guessers[0], ticket.tracking_code, CITIZEN_CODE)
    newcomer = from_address("198.51.100.9")
    newcomer_guesses = [
        lookup(newcomer, ticket.tracking_code, WRONG_CODE).status_code for _ in range(2)
    ]
    applicant = lookup(from_address("203.0.113.7"), ticket.tracking_code, CITIZEN_CODE)

    assert first == [200, 200, 200]
    assert again.status_code == 429  # failed on it once already: no more tries for now
    assert newcomer_guesses == [200, 429]  # one try, then refused
    assert applicant.status_code == 303  # the applicant's first try goes through


def test_an_ipv6_client_rotating_within_its_64_shares_one_limit(
    ticket: Ticket, settings: SettingsWrapper
) -> None:
    settings.KHEDMAT_TRACK_MAX_FAILURES_PER_IP = 3
    rotating = [
        lookup(from_address(f"2001:db8:1:2::{number}"), unknown_code(), CITIZEN_CODE).status_code
        for number in range(1, 4)
    ]

    same_network = lookup(from_address("2001:db8:1:2:ffff::1"), ticket.tracking_code, CITIZEN_CODE)
    next_network = lookup(from_address("2001:db8:1:3::1"), ticket.tracking_code, CITIZEN_CODE)

    assert rotating == [200, 200, 200]
    assert same_network.status_code == 429
    assert next_network.status_code == 303


def test_counters_open_and_close_their_window() -> None:
    counters.record_failure("k", window=60, now=1000.0)
    counters.record_failure("k", window=60, now=1030.0)

    assert counters.retry_after("k", maximum=2, now=1030.0) == 30
    assert counters.retry_after("k", maximum=2, now=1060.0) == 0  # the window closed
    counters.record_failure("k", window=60, now=1061.0)  # a new window, counted from one
    assert counters.windows(["k"], now=1061.0)["k"].count == 1
    assert counters.retry_after("k", maximum=1, now=1062.0) == 59


def test_a_new_key_prunes_closed_windows() -> None:
    counters.record_failure("old", window=60, now=1000.0)
    counters.record_failure("new", window=60, now=2000.0)

    assert list(RateLimitCounter.objects.values_list("key", flat=True)) == ["new"]


def test_a_very_long_key_is_counted_under_its_hash() -> None:
    name = "track:pair:" + "x" * 500
    counters.record_failure(name, window=60, now=1000.0)
    counters.record_failure(name, window=60, now=1001.0)

    assert counters.retry_after(name, maximum=2, now=1002.0) == 58
    assert len(RateLimitCounter.objects.get().key) == 200


FAIL_IN_ANOTHER_PROCESS = """
import django
django.setup()
from khedmat.tickets.ratelimit import TrackLimits
for _ in range(5):
    TrackLimits("198.51.100.1").fail("123456789012")
"""


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_every_worker_process_counts_into_the_same_limits(settings: SettingsWrapper) -> None:
    """Two other processes (two gunicorn workers, say) fail at once; this one sees all ten."""
    settings.KHEDMAT_TRACK_MAX_FAILURES_PER_IP = 10
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", FAIL_IN_ANOTHER_PROCESS], cwd=REPO, env=worker_env()
        )
        for _ in range(2)
    ]
    assert [worker.wait(timeout=60) for worker in workers] == [0, 0]

    found = counters.windows(["track:ip:198.51.100.1", "track:pair:198.51.100.1:123456789012"])
    refused = lookup(from_address("198.51.100.1"), "123456789012", CITIZEN_CODE)

    assert {name: window.count for name, window in found.items()} == {
        "track:ip:198.51.100.1": 10,
        "track:pair:198.51.100.1:123456789012": 10,
    }
    assert TrackLimits("198.51.100.1").wait(None) > 0
    assert refused.status_code == 429


def test_the_tracking_read_sees_the_same_open_windows_as_the_counters_alone(
    ticket: Ticket,
) -> None:
    from khedmat.tickets.queries import tracked_request

    limits = TrackLimits("10.0.0.7")
    names = limits.names(ticket.tracking_code)
    counters.record_failure(names[0], window=60, now=1_000_000.0)  # closed long ago
    counters.record_failure(names[1], window=60)
    counters.record_failure(names[1], window=60)

    found = tracked_request(ticket.tracking_code, names)

    assert found is not None and found.pk == ticket.pk
    assert found.windows == counters.windows(names)
    assert set(found.windows) == {names[1]} and found.windows[names[1]].count == 2
    assert limits.wait_in(found.windows, ticket.tracking_code) == limits.wait(ticket.tracking_code)
