"""Processes fixtures used by several test modules here (the shared ones are in tests/fixtures/)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from khedmat.accounts.models import OrgUnit, User


@pytest.fixture
def inbox_staff(make_user: Callable[..., User], units: dict[str, OrgUnit]) -> dict[str, User]:
    """Agents of the request's unit, a supervisor of the unit above, a stranger elsewhere."""
    far = OrgUnit.objects.create(code="far-agency", name="Far agency")
    return {
        "clerk": make_user("clerk", roles=["agent"], org_unit=units["office"]),
        "other_clerk": make_user("other_clerk", roles=["agent"], org_unit=units["office"]),
        "boss": make_user("boss", roles=["supervisor"], org_unit=units["agency"]),
        "stranger": make_user("stranger", roles=["agent"], org_unit=far),
    }
