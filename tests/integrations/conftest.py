"""Integrations test helpers: the fake agency and office automation servers, pointed at by settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.integrations.fake_agency import FakeAgencyServer, FakeOfficeServer

# National codes whose last four digits make the fake agency misbehave.
FOUND_CODE = "0013542419"
NOT_FOUND_CODE = "0012340000"
ERROR_500_CODE = "0012340500"
SLOW_CODE = "0012340408"
BAD_KEY_CODE = "0012340401"
CLIENT_TIMEOUT = 0.5


@pytest.fixture(autouse=True)
def clear_cache() -> Iterator[None]:
    """Cached answers and breaker state belong to one test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fake_agency() -> Iterator[FakeAgencyServer]:
    """A fresh fake GSB-style agency on 127.0.0.1 for one test."""
    server = FakeAgencyServer(slow_seconds=2.0)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fake_office() -> Iterator[FakeOfficeServer]:
    """A fresh fake office automation on 127.0.0.1 for one test."""
    server = FakeOfficeServer(slow_seconds=2.0)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def inquiry_settings(settings: SettingsWrapper, fake_agency: FakeAgencyServer) -> dict[str, Any]:
    """KHEDMAT_INQUIRY pointed at the fake agency: cache 10 minutes, breaker opens after 3."""
    config: dict[str, Any] = {
        "providers": {"identity": "gsb", "postal_code": "gsb"},
        "config": {"gsb": fake_agency.provider_config(timeout=CLIENT_TIMEOUT)},
        "default_cache_seconds": 600,
        "cache_seconds": {"postal_code": 0},
        "breaker": {"failures": 3, "window_seconds": 60, "cooldown_seconds": 60},
    }
    settings.KHEDMAT_INQUIRY = config
    return config


@pytest.fixture
def office_settings(settings: SettingsWrapper, fake_office: FakeOfficeServer) -> dict[str, Any]:
    """KHEDMAT_OFFICE_AUTOMATION pointed at the fake office automation."""
    config = fake_office.office_settings(timeout=CLIENT_TIMEOUT)
    settings.KHEDMAT_OFFICE_AUTOMATION = config
    return config


@pytest.fixture
def record(org_units: dict[str, Any]) -> Any:
    """A stand-in for the request record: any saved model works with the generic keys."""
    return org_units["office"]
