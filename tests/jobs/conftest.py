"""Job fixtures of these tests: a listener for the tasks' reports, a gate they wait at (the worker
processes and in-process workers are in tests/fixtures/jobs.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.jobs.helpers import Gate, Listener


@pytest.fixture
def listener() -> Iterator[Listener]:
    listener = Listener()
    try:
        yield listener
    finally:
        listener.close()


@pytest.fixture
def gate(tmp_path: Path) -> Iterator[Gate]:
    gate = Gate(tmp_path / "gate")
    try:
        yield gate
    finally:
        gate.open()
