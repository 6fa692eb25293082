"""Failures counted per key in a fixed window, in the database (the RateLimitCounter table).

The first failure opens a window of `window` seconds; once `maximum` failures are counted the key
is refused until the window closes, then the next failure opens a new one.

Why a table and not the cache: Django's database cache increments by reading then writing, so
failures sent in parallel overwrite each other and an attacker's concurrency multiplies the limit;
an in-process cache counts per worker and forgets on restart. `UPDATE ... SET count = count + 1`
is atomic on SQLite and PostgreSQL, every worker and server sees it, a restart keeps it, and the
limits are the same with Redis or without. Only failures write; a check is one indexed read.
Expired rows are deleted a batch at a time whenever a new key is counted, so the table holds
little more than the keys of the current windows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Subquery

from khedmat.core.models import RateLimitCounter
from khedmat.core.sql import ReusedQuery

KEY_LENGTH = RateLimitCounter._meta.get_field("key").max_length or 200
PRUNE_BATCH = 500


@dataclass(frozen=True)
class Window:
    """The failures counted under a key and when its window closes."""

    count: int
    ends_at: dt.datetime

    def wait(self, maximum: int, now: dt.datetime) -> int:
        """Seconds until the key may try again (at least 1), or 0 while it has failures left."""
        if self.count < maximum:
            return 0
        return max(1, math.ceil((self.ends_at - now).total_seconds()))


def moment(now: float | None = None) -> dt.datetime:
    """`now` (epoch seconds; default the clock) as an aware datetime."""
    return dt.datetime.fromtimestamp(time.time() if now is None else now, tz=dt.UTC)


def _key(name: str) -> str:
    if len(name) <= KEY_LENGTH:
        return name
    return f"{name[: KEY_LENGTH - 65]}#{hashlib.sha256(name.encode()).hexdigest()}"


def _counters(keys: list[str]) -> QuerySet[RateLimitCounter]:
    rows = RateLimitCounter.objects.filter(key__in=keys)
    return rows.values_list("key", "count", "window_ends_at")  # type: ignore[return-value]


# Read on every tracking look-up and login: compiled once per process (core.sql).
_COUNTERS = ReusedQuery(_counters, "core.ratelimit.windows")


def windows(names: Iterable[str], *, now: float | None = None) -> dict[str, Window]:
    """The open windows of these keys, in one query; a key without failures is absent."""
    keys = {_key(name): name for name in names}
    if not keys:
        return {}
    started = moment(now)
    return {
        keys[key]: Window(count, ends_at)
        for key, count, ends_at in _COUNTERS.rows(list(keys))
        if ends_at > started
    }


def window_columns(names: Sequence[str]) -> dict[str, Subquery]:
    """Columns to annotate another query with, so it reads the windows of `names` too (one
    round trip where the look-up and its limit are read together): a count and an end per
    name, in this order; `windows_in` reads their values."""
    columns = {}
    for index, name in enumerate(names):
        counter = RateLimitCounter.objects.filter(key=_key(name)).order_by()
        columns[f"ratelimit_{index}_count"] = Subquery(counter.values("count")[:1])
        columns[f"ratelimit_{index}_ends"] = Subquery(counter.values("window_ends_at")[:1])
    return columns


def windows_in(
    values: Sequence[Any], names: Sequence[str], *, now: float | None = None
) -> dict[str, Window]:
    """The open windows of `names` from the values of `window_columns(names)`, in its order."""
    started = moment(now)
    found = {}
    for index, name in enumerate(names):
        count, ends_at = values[2 * index], values[2 * index + 1]
        if count is not None and ends_at is not None and ends_at > started:
            found[name] = Window(count, ends_at)
    return found


def retry_after(name: str, *, maximum: int, now: float | None = None) -> int:
    """Seconds until `name` may try again (at least 1), or 0 while it has failures left."""
    window = windows([name], now=now).get(name)
    return window.wait(maximum, moment(now)) if window is not None else 0


def record_failure(name: str, *, window: int, now: float | None = None) -> None:
    """Count one failure of `name`: in its open window, or in a new one of `window` seconds."""
    key, started = _key(name), moment(now)
    counters = RateLimitCounter.objects.filter(key=key)
    if counters.filter(window_ends_at__gt=started).update(count=F("count") + 1):
        return
    ends_at = started + dt.timedelta(seconds=window)
    # A closed window restarts; of two callers racing here, one resets it and one counts next.
    if counters.filter(window_ends_at__lte=started).update(count=1, window_ends_at=ends_at):
        return
    try:
        with transaction.atomic():
            RateLimitCounter.objects.create(key=key, count=1, window_ends_at=ends_at)
    except IntegrityError:  # another process created it first: count in its window
        counters.update(count=F("count") + 1)
        return
    _prune(started)


def forget(name: str) -> None:
    """Drop the failures counted under `name` (a login that succeeded clears its username)."""
    RateLimitCounter.objects.filter(key=_key(name)).delete()


def _prune(now: dt.datetime) -> None:
    """Delete up to PRUNE_BATCH counters whose window has closed."""
    closed = RateLimitCounter.objects.filter(window_ends_at__lte=now).order_by().values("pk")
    RateLimitCounter.objects.filter(pk__in=Subquery(closed[:PRUNE_BATCH])).delete()
