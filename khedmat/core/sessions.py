"""The database session engine (KHEDMAT_SESSION_ENGINE=db, the default): Django's, with the
session row read by SQL compiled once per process (core.sql). Every signed-in request reads it."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation
from django.db.models import QuerySet
from django.utils import timezone

from khedmat.core.sql import ReusedQuery


def _session_rows(key: str, now: dt.datetime) -> QuerySet[Any]:
    rows = Session.objects.filter(session_key=key, expire_date__gt=now)
    return rows.values_list("session_key", "session_data", "expire_date").order_by()


_SESSION = ReusedQuery(_session_rows, "core.sessions")


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Session | None:
        try:
            key = self.session_key
            rows = _SESSION.rows(key, timezone.now()) if key else []
        except SuspiciousOperation as error:
            logging.getLogger(f"django.security.{error.__class__.__name__}").warning(str(error))
            rows = []
        if not rows:
            self._session_key = None
            return None
        return Session.from_db("default", ["session_key", "session_data", "expire_date"], rows[0])
