"""Retention fixtures: closed requests whose closing is moved back in time, and a run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from khedmat.tickets import services as tickets
from khedmat.tickets.models import Ticket
from tests.retention.helpers import NOW, ClosedRequest


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def closed_request(submit: Callable[..., Ticket]) -> ClosedRequest:
    """closed_request(days_ago=...): a completed request (with its uploaded file), closed that
    many days before NOW."""

    def make(days_ago: int, **overrides: Any) -> Ticket:
        ticket = submit(**overrides)
        ticket = tickets.complete_request(ticket, note="مدارک کامل بود", actor=None)
        closed_at = NOW - dt.timedelta(days=days_ago)
        Ticket.objects.filter(pk=ticket.pk).update(closed_at=closed_at)
        ticket.refresh_from_db()
        return ticket

    return make
