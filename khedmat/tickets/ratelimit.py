"""Failed attempts counted in the cache (Redis in production): a fixed window per key.

The first failure opens the window; once `maximum` failures are counted the key is refused until
the window closes. Counts use the cache's atomic `add`/`incr`, so several app servers share them.
"""

from __future__ import annotations

import math
import time

from django.core.cache import cache
from django.utils.translation import ngettext

PREFIX = "khedmat:ratelimit:"


def _keys(name: str) -> tuple[str, str]:
    return f"{PREFIX}{name}:count", f"{PREFIX}{name}:until"


def retry_after(name: str, *, maximum: int, now: float | None = None) -> int:
    """Seconds until `name` may try again (at least 1), or 0 while it has failures left."""
    count_key, until_key = _keys(name)
    values = cache.get_many([count_key, until_key])
    if int(values.get(count_key) or 0) < maximum:
        return 0
    until = values.get(until_key)
    if until is None:
        return 0
    return max(1, math.ceil(float(until) - (time.time() if now is None else now)))


def record_failure(name: str, *, window: int, now: float | None = None) -> int:
    """Count one failure of `name` in its window; the number of failures counted so far."""
    count_key, until_key = _keys(name)
    started = time.time() if now is None else now
    cache.add(until_key, started + window, timeout=window)
    if cache.add(count_key, 1, timeout=window):
        return 1
    try:
        return int(cache.incr(count_key))
    except ValueError:  # the window closed between add and incr
        cache.set(count_key, 1, timeout=window)
        cache.set(until_key, started + window, timeout=window)
        return 1


def minutes(seconds: int) -> int:
    """Whole minutes to wait, rounded up (a person reads "in 3 minutes", not "in 150 seconds")."""
    return max(1, math.ceil(seconds / 60))


def wait_message(seconds: int) -> str:
    """The translated "try again in N minutes" a form shows when its look-ups are limited."""
    count = minutes(seconds)
    return ngettext(
        "Too many attempts. Please try again in %(minutes)d minute.",
        "Too many attempts. Please try again in %(minutes)d minutes.",
        count,
    ) % {"minutes": count}
