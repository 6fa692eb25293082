"""A notify escalation queues a message to each holder of the role in the clock's unit."""

from __future__ import annotations

import pytest

from khedmat.core.models import Activity
from khedmat.notifications.models import Message
from khedmat.sla.choices import EscalationAction, TargetKind
from khedmat.sla.models import SlaEscalation
from khedmat.sla.services.sweep import escalate_clock
from tests.fixtures.sla import by_kind

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user, org_units):  # type: ignore[no-untyped-def]
    office = org_units["office"]
    return {
        "by_email": make_user(
            "sup-mail", roles=["supervisor"], org_unit=office, email="sup@example.org"
        ),
        "by_sms": make_user("sup-sms", roles=["supervisor"], org_unit=office, mobile="09121112233"),
        "no_address": make_user("sup-none", roles=["supervisor"], org_unit=office),
        "elsewhere": make_user(
            "sup-other",
            roles=["supervisor"],
            org_unit=org_units["other"],
            email="other@example.org",
        ),
        "agent_here": make_user(
            "agent-here", roles=["agent"], org_unit=office, email="agent@example.org"
        ),
    }


def test_notify_escalation_tells_the_role_in_the_unit_once(policy, make_record, start, people):
    record = make_record()
    resolution = by_kind(start(record))[TargetKind.RESOLUTION]
    escalation = SlaEscalation.objects.get(action=EscalationAction.NOTIFY)

    escalate_clock(resolution, escalation=escalation, actor=None)
    escalate_clock(resolution, escalation=escalation, actor=None)

    messages = Message.objects.filter(event="sla_escalation").order_by("recipient")
    assert [(m.channel, m.recipient) for m in messages] == [
        ("sms", "+989121112233"),
        ("email", "sup@example.org"),
    ]
    assert all(str(resolution.pk) in m.body for m in messages)  # the link names the clock
    rows = Activity.objects.filter(verb="sla.escalation.notify").order_by("id")
    assert [row.data["notified"] for row in rows] == [
        sorted([people["by_email"].pk, people["by_sms"].pk])
    ] * 2
