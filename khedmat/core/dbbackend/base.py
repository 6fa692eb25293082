"""Django's PostgreSQL backend, checking a kept connection at most once per
KHEDMAT_DB_CHECK_SECONDS instead of before every request.

With CONN_HEALTH_CHECKS Django sends `SELECT 1` before the first query of every request that
reuses a connection: one more round trip on each request (a tracking look-up runs two queries, so
a third of its round trips were the check). A connection that connected or passed a check less
than KHEDMAT_DB_CHECK_SECONDS ago is trusted without one, as PgBouncer's `server_check_delay`
does. If the server went away inside that time, that one request fails, and Django closes the
connection at the end of it (its error is noted: `close_if_unusable_or_obsolete`), so the next
request connects anew. 0 checks before every request, as Django does.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.trusted_until = 0.0

    def connect(self) -> None:
        super().connect()
        self._trust()

    def close_if_health_check_failed(self) -> None:
        was_done = self.health_check_done
        super().close_if_health_check_failed()
        if not was_done and self.connection is not None:
            self._trust()  # it passed a check

    def close_if_unusable_or_obsolete(self) -> None:
        super().close_if_unusable_or_obsolete()
        if self.connection is not None and time.monotonic() < self.trusted_until:
            self.health_check_done = True  # checked or connected a moment ago

    def _trust(self) -> None:
        self.trusted_until = time.monotonic() + settings.KHEDMAT_DB_CHECK_SECONDS
