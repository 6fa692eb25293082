"""Helpers of the survey tests (the survey links in the SMS are read by tests/fixtures/surveys.py)."""

from __future__ import annotations

from collections.abc import Callable

from khedmat.tickets.models import Ticket

#: complete(**submit_overrides): file a request, give it to the agent's team, complete it.
Complete = Callable[..., Ticket]
