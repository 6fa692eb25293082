"""The fake server itself, over HTTP: its hooks, routing, auth checks and request log."""

from __future__ import annotations

import selectors
import subprocess
import sys
from pathlib import Path

import httpx

from khedmat.notifications.fake_sms import FakeSmsServer

REPO = Path(__file__).resolve().parents[3]


def kavenegar_send(fake: FakeSmsServer, receptor: str, **extra: str) -> httpx.Response:
    return httpx.post(
        f"{fake.url}/v1/fake-api-key/sms/send.json",
        data={"receptor": receptor, "message": "hello", **extra},
        timeout=5,
    )


def test_outbox_lists_messages_as_json(fake):
    kavenegar_send(fake, "09121234567", localid="77", sender="1000")

    outbox = httpx.get(f"{fake.url}/_outbox", timeout=5).json()

    [message] = outbox
    assert {
        key: message[key]
        for key in (
            "provider",
            "recipient",
            "sender",
            "text",
            "template",
            "params",
            "local_id",
            "status",
            "cost",
        )
    } == {
        "provider": "kavenegar",
        "recipient": "09121234567",
        "sender": "1000",
        "text": "hello",
        "template": None,
        "params": {},
        "local_id": "77",
        "status": "queued",
        "cost": 1200,
    }
    assert message["request"]["path"] == "/v1/fake-api-key/sms/send.json"
    assert isinstance(message["id"], int)


def test_advance_moves_queued_messages_to_their_end(fake):
    kavenegar_send(fake, "09121234567")
    kavenegar_send(fake, "09121230014")
    kavenegar_send(fake, "09121230011")

    assert httpx.post(f"{fake.url}/_advance", timeout=5).json() == {"advanced": 3}
    assert [m["status"] for m in fake.outbox()] == ["delivered", "blocked", "undelivered"]
    assert httpx.post(f"{fake.url}/_advance", timeout=5).json() == {"advanced": 0}


def test_reset_forgets_messages_and_requests(fake):
    kavenegar_send(fake, "09121234567")

    assert httpx.post(f"{fake.url}/_reset", timeout=5).json() == {"reset": True}
    assert httpx.get(f"{fake.url}/_outbox", timeout=5).json() == []
    assert httpx.get(f"{fake.url}/_requests", timeout=5).json() == []


def test_a_wrong_kavenegar_key_is_403_and_nothing_is_stored(fake):
    response = httpx.post(f"{fake.url}/v1/nope/sms/send.json", data={"receptor": "09121234567"})

    assert response.status_code == 403
    assert response.json() == {
        "return": {"status": 403, "message": "API-Key معتبر نیست"},
        "entries": None,
    }
    assert fake.outbox() == []
    assert [r["path"] for r in fake.requests()] == ["/v1/nope/sms/send.json"]


def test_unknown_paths_are_404(fake):
    assert httpx.get(f"{fake.url}/nowhere", timeout=5).status_code == 404
    assert httpx.get(f"{fake.url}/_nothing", timeout=5).status_code == 404


def test_a_request_stalled_past_a_reset_does_not_leak_into_the_next_outbox(fake):
    fake.app.outbox.begin_request()  # as the stalled request's thread did, before the reset
    fake.reset()
    fake.app.outbox.add("kavenegar", "09121230408")

    assert fake.outbox() == []


def test_the_management_command_serves_until_stopped():
    process = subprocess.Popen(
        [sys.executable, "-m", "khedmat", "fake_sms_server", "--port", "0"],
        cwd=REPO,
        env={"KHEDMAT_DEBUG": "1", "PYTHONUNBUFFERED": "1", "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            assert selector.select(timeout=30), "the command printed nothing in 30 s"
        first = process.stdout.readline()
        assert first.startswith("Fake SMS providers on http://127.0.0.1:")
        url = first.split(" on ", 1)[1].split(" ", 1)[0]
        assert httpx.get(f"{url}/_outbox", timeout=5).json() == []
    finally:
        process.terminate()
        process.wait(timeout=10)
