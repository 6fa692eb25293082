"""Helpers of the ITSM tests."""

from __future__ import annotations

from collections.abc import Callable

from khedmat.itsm.models import Incident

#: report(title=..., **fields) -> an incident logged by the IT agent for the employee.
ReportIncident = Callable[..., Incident]
