"""Fixtures of the import/export and asset tests (imported by name by those test modules)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts.models import OrgUnit, Team, User


@pytest.fixture
def media(settings: SettingsWrapper, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def infra_team(org_units: dict[str, OrgUnit]) -> Team:
    return Team.objects.create(code="infrastructure", name="Infra", org_unit=org_units["ministry"])


@pytest.fixture
def cmdb_supervisor(make_user: Callable[..., User], org_units: dict[str, OrgUnit]) -> User:
    """A supervisor: may import, add contracts and suppliers; gets licence alerts."""
    return make_user(
        "cmdb_supervisor",
        roles=["supervisor"],
        org_unit=org_units["ministry"],
        email="boss@example.ir",
        first_name="Maryam",
    )


@pytest.fixture
def cmdb_agent(make_user: Callable[..., User], org_units: dict[str, OrgUnit]) -> User:
    """An agent: may import CIs and manage assets and licences, not contracts or suppliers."""
    return make_user("cmdb_agent", roles=["agent"], org_unit=org_units["office"])


@pytest.fixture
def cmdb_operator(make_user: Callable[..., User], org_units: dict[str, OrgUnit]) -> User:
    """An operator: may look at CIs only."""
    return make_user("cmdb_operator", roles=["operator"], org_unit=org_units["office"])


@pytest.fixture
def supervisor_client(cmdb_supervisor: User, verified_login: Any) -> Client:
    return verified_login(Client(headers={"accept-language": "en"}), cmdb_supervisor)  # type: ignore[no-any-return]


@pytest.fixture
def agent_client(cmdb_agent: User, verified_login: Any) -> Client:
    return verified_login(Client(headers={"accept-language": "en"}), cmdb_agent)  # type: ignore[no-any-return]


@pytest.fixture
def operator_client(cmdb_operator: User, verified_login: Any) -> Client:
    return verified_login(Client(headers={"accept-language": "en"}), cmdb_operator)  # type: ignore[no-any-return]
