"""Personas and small builders for the CI tests (assets' fixtures are in conftest_assets.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from khedmat.accounts.models import OrgUnit, User
from khedmat.cmdb.models import CiRelation, CiType, ConfigurationItem


@pytest.fixture
def ci_agent(make_user: Callable[..., User], org_units: dict[str, OrgUnit]) -> User:
    """A desk agent: reads CIs, adds and edits them, relates them (the agent role's grants)."""
    return make_user("ci_agent", roles=["agent"], org_unit=org_units["ministry"])


@pytest.fixture
def ci_client(client: Client, ci_agent: User, verified_login: Any) -> Client:
    return verified_login(client, ci_agent)


@pytest.fixture
def make_ci() -> Callable[..., ConfigurationItem]:
    """A CI written straight to the table (no validation): make_ci("db", "database")."""

    def make(code: str, type_code: str = "server", **fields: Any) -> ConfigurationItem:
        fields.setdefault("name", code.upper())
        return ConfigurationItem.objects.create(
            code=code, ci_type=CiType.objects.get(code=type_code), **fields
        )

    return make


@pytest.fixture
def link() -> Callable[[ConfigurationItem, str, ConfigurationItem], CiRelation]:
    def make(source: ConfigurationItem, kind: str, target: ConfigurationItem) -> CiRelation:
        return CiRelation.objects.create(source=source, kind=kind, target=target)

    return make
