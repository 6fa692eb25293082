"""Process fixtures: the hand-written BPMN documents, published definitions, filed requests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from khedmat.accounts.models import User
from khedmat.processes import services
from khedmat.processes.models import ProcessDefinition
from tests.tickets.conftest import (  # noqa: F401  (fixtures)
    MakeService,
    Submit,
    category,
    citizen,
    lease_key,
    make_service,
    office,
    outside_requests,
    service,
    submit,
    templates,
    units,
)

BPMN = Path(__file__).parent / "bpmn"


def bpmn(name: str) -> str:
    return (BPMN / name).read_text(encoding="utf-8")


Publish = Callable[[str, str], ProcessDefinition]


@pytest.fixture
def designer(make_user: Callable[..., User]) -> User:
    return make_user("designer", roles=["admin"])


@pytest.fixture
def publish(designer: User) -> Publish:
    """publish("key", "file.bpmn"): a new version of the document, published."""

    def run(key: str, filename: str) -> ProcessDefinition:
        draft = services.create_definition(key, bpmn(filename), name=key, actor=designer)
        return services.publish_definition(draft, actor=designer)

    return run
