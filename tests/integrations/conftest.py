"""Integrations fixtures: an empty cache for every test, a stand-in record (the fake agency and
office automation are in tests/fixtures/integrations.py)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def fresh_cache(clear_cache: None) -> None:
    """Every test here starts and ends with an empty cache (cached answers, breaker state)."""


@pytest.fixture
def record(org_units: dict[str, Any]) -> Any:
    """A stand-in for the request record: any saved model works with the generic keys."""
    return org_units["office"]
