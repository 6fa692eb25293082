"""The fake SMS provider server (one per session) and adapters pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import translation

from khedmat.notifications.fake_sms import FakeSmsServer
from khedmat.notifications.providers.base import SmsBackend
from khedmat.notifications.providers.registry import BACKEND_CLASSES

#: Long enough for a loaded 2-core CI machine (0.4 s timed out once under a full run), below
#: the fake's 3 s stall so the …0408 case still times out.
CLIENT_TIMEOUT = 1.5


@pytest.fixture(scope="session")
def fake_sms_server() -> Iterator[FakeSmsServer]:
    server = FakeSmsServer(slow_seconds=2.0).start()
    yield server
    server.stop()


@pytest.fixture
def fake(fake_sms_server: FakeSmsServer) -> FakeSmsServer:
    """The session's fake server with an empty outbox."""
    fake_sms_server.reset()
    return fake_sms_server


@pytest.fixture
def make_backend(fake: FakeSmsServer) -> Callable[..., SmsBackend]:
    """make_backend("kavenegar", api_key="wrong") -> the real adapter talking to the fake."""

    def make(name: str, **overrides: Any) -> SmsBackend:
        config = {**fake.backend_config(name, timeout=CLIENT_TIMEOUT), **overrides}
        return BACKEND_CLASSES[name](**config)

    return make


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Error messages are asserted in English (the msgids)."""
    with translation.override("en"):
        yield
