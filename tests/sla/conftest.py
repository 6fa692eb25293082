"""SLA fixtures: a policy with targets and escalations, stand-in records, a fixed Tehran week.

There is no ticket model yet: any saved model row can carry clocks through the generic relation,
so the tests use plain users as records.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group

from khedmat.accounts.models import OrgUnit, Team, User
from khedmat.calendars.queries import clear_calendar_cache
from khedmat.sla import services
from khedmat.sla.choices import (
    DurationUnit,
    EscalationAction,
    EscalationEvent,
    Priority,
    TargetKind,
)
from khedmat.sla.models import SlaClock, SlaEscalation, SlaPolicy, SlaTarget
from khedmat.sla.queries import PolicyContext, clear_unit_calendars
from tests.fixtures.sla import SATURDAY_0800


@pytest.fixture(autouse=True)
def fresh_calendars() -> Iterator[None]:
    clear_calendar_cache()
    clear_unit_calendars()
    yield
    clear_calendar_cache()
    clear_unit_calendars()


@pytest.fixture
def escalation_team(org_units: dict[str, OrgUnit]) -> Team:
    return Team.objects.create(code="escalations", name="Escalations", org_unit=org_units["office"])


@pytest.fixture
def policy(db: None, escalation_team: Team) -> SlaPolicy:
    """Default policy: first response in 4 working hours, resolution in 3 working days."""
    policy = SlaPolicy.objects.create(name="Default", precedence=100)
    SlaTarget.objects.create(
        policy=policy, kind=TargetKind.FIRST_RESPONSE, amount=4, unit=DurationUnit.WORKING_HOURS
    )
    resolution = SlaTarget.objects.create(
        policy=policy,
        kind=TargetKind.RESOLUTION,
        amount=3,
        unit=DurationUnit.WORKING_DAYS,
        warning_percents=[75, 90],
    )
    SlaEscalation.objects.create(
        target=resolution, event=EscalationEvent.WARNING, level=75, action=EscalationAction.NOTIFY
    )
    SlaEscalation.objects.create(
        target=resolution,
        event=EscalationEvent.BREACH,
        action=EscalationAction.REASSIGN,
        team=escalation_team,
    )
    SlaEscalation.objects.create(
        target=resolution,
        event=EscalationEvent.BREACH,
        action=EscalationAction.RAISE_PRIORITY,
        priority=Priority.URGENT,
    )
    return policy


@pytest.fixture
def hours_policy(db: None) -> SlaPolicy:
    """A policy whose resolution target is 10 working hours (for pause arithmetic)."""
    policy = SlaPolicy.objects.create(name="Hours", precedence=10, service_key="permit")
    SlaTarget.objects.create(
        policy=policy,
        kind=TargetKind.RESOLUTION,
        amount=10,
        unit=DurationUnit.WORKING_HOURS,
        warning_percents=[50],
    )
    return policy


_numbers = itertools.count(1)


@pytest.fixture
def make_record(db: None) -> Callable[..., User]:
    """A saved row standing in for a ticket (the clocks point at it generically)."""

    def make(**kwargs: Any) -> User:
        return User.objects.create(username=f"record-{next(_numbers)}", **kwargs)

    return make


@pytest.fixture
def start(org_units: dict[str, OrgUnit]) -> Callable[..., list[SlaClock]]:
    """start(record, at=..., unit=..., **context) -> the clocks started_clocks made."""

    def run(
        record: Any,
        *,
        at: dt.datetime = SATURDAY_0800,
        unit: str = "office",
        actor: Any = None,
        team: Team | None = None,
        **context: Any,
    ) -> list[SlaClock]:
        context.setdefault("service_key", "licence")
        context.setdefault("priority", Priority.NORMAL)
        return services.start_clocks(
            record,
            policy_context=PolicyContext(**context),
            org_unit=org_units[unit],
            started_at=at,
            actor=actor,
            team=team,
        )

    return run


@pytest.fixture
def supervisors_group(db: None) -> Group:
    return Group.objects.get(name="supervisor")
