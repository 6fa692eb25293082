"""Personas and shared fixtures."""

from __future__ import annotations

import pytest


@pytest.fixture
def staff_password() -> str:
    return "correct-horse-battery-9"
