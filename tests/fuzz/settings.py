"""Shared Hypothesis settings of the fuzz tests: reproducible in CI (derandomised: the same
examples on every run), bounded in time, no deadline (the first example warms caches)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
