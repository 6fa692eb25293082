"""A circuit breaker per inquiry provider, its state in the Django cache so every process shares it.

Closed: calls go through. After `failures` unavailable outcomes within `window_seconds` it opens:
calls are skipped for `cooldown_seconds`. Then it is half-open: one process (whoever adds the probe
key first) tries one call; success closes it, failure opens it again. The read-modify-write of the
counter is not atomic across processes: a burst may count a failure or two less, never more.
"""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Any

from django.core.cache import cache

from khedmat.integrations.inquiries.registry import breaker_settings

KEY = "khedmat:integrations:breaker:{provider}"
PROBE_KEY = "khedmat:integrations:breaker:{provider}:probe"


class BreakerState(StrEnum):
    """What the breaker lets a caller do now."""

    CLOSED = "closed"
    HALF_OPEN = "half_open"
    OPEN = "open"


def _state(provider: str) -> dict[str, Any]:
    value = cache.get(KEY.format(provider=provider))
    return value if isinstance(value, dict) else {}


def _keep_seconds() -> int:
    config = breaker_settings()
    return max(60, 10 * (int(config["window_seconds"]) + int(config["cooldown_seconds"])))


def breaker_state(provider: str) -> BreakerState:
    """The breaker's state as it stands, without claiming the half-open probe."""
    opened_at = _state(provider).get("opened_at")
    if opened_at is None:
        return BreakerState.CLOSED
    if time.time() - float(opened_at) < int(breaker_settings()["cooldown_seconds"]):
        return BreakerState.OPEN
    return BreakerState.HALF_OPEN


def allow_call(provider: str) -> bool:
    """Whether a call may go out now (closed, or half-open and this caller won the probe)."""
    state = breaker_state(provider)
    if state is BreakerState.CLOSED:
        return True
    if state is BreakerState.OPEN:
        return False
    cooldown = max(1, int(breaker_settings()["cooldown_seconds"]))
    return bool(cache.add(PROBE_KEY.format(provider=provider), 1, timeout=cooldown))


def seconds_until_probe(provider: str) -> float:
    """How long an open breaker stays open (0 when it is not open)."""
    opened_at = _state(provider).get("opened_at")
    if opened_at is None:
        return 0.0
    remaining = float(opened_at) + int(breaker_settings()["cooldown_seconds"]) - time.time()
    return max(0.0, remaining)


def record_success(provider: str) -> None:
    """The provider answered: close the breaker and forget past failures."""
    if _state(provider):
        cache.delete(KEY.format(provider=provider))
    cache.delete(PROBE_KEY.format(provider=provider))


def record_failure(provider: str) -> BreakerState:
    """The provider was unavailable: count it, and open (or re-open) the breaker when due."""
    config = breaker_settings()
    now = time.time()
    state = _state(provider)
    if state.get("opened_at") is not None:
        state = {"failures": int(state.get("failures", 0)) + 1, "first_at": now, "opened_at": now}
    elif not state or now - float(state.get("first_at", now)) > int(config["window_seconds"]):
        state = {"failures": 1, "first_at": now, "opened_at": None}
    else:
        state = {**state, "failures": int(state.get("failures", 0)) + 1}
    if state["opened_at"] is None and state["failures"] >= int(config["failures"]):
        state["opened_at"] = now
    cache.set(KEY.format(provider=provider), state, timeout=_keep_seconds())
    cache.delete(PROBE_KEY.format(provider=provider))
    return BreakerState.CLOSED if state["opened_at"] is None else BreakerState.OPEN
