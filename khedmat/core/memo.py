"""A small per-process memo: at most `size` entries, each kept `seconds`, least recently used
dropped first; safe across a worker's threads.

For values keyed by a revision read from the database on every call (the tracking answer): a
stale entry is never returned for a newer revision, so each process may keep its own copy, and a
hit costs no round trip (the database cache would cost one, Redis one over the network).
Written here rather than taken from cachetools: it is twenty lines with the lock included, and
cachetools' TTLCache would need the same lock around it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Generic, TypeVar

V = TypeVar("V")


class LocalMemo(Generic[V]):
    def __init__(self, size: int, seconds: float) -> None:
        self.size = size
        self.seconds = seconds
        self._entries: OrderedDict[str, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, *, now: float | None = None) -> V | None:
        moment = time.monotonic() if now is None else now
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= moment:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def set(self, key: str, value: V, *, now: float | None = None) -> None:
        moment = time.monotonic() if now is None else now
        with self._lock:
            self._entries[key] = (moment + self.seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
