"""Admin: policies with targets and escalations are editable; clocks are read-only with segments."""

from __future__ import annotations

import pytest
from django.urls import reverse

from khedmat.sla.choices import PauseReason, TargetKind
from khedmat.sla.models import SlaClock
from khedmat.sla.services import pause_clock
from tests.fixtures.sla import by_kind, tehran

pytestmark = pytest.mark.django_db


def test_administrators_edit_policies_and_targets(client, verified_login, administrator, policy):
    verified_login(client, administrator)

    assert client.get(reverse("admin:sla_slapolicy_changelist")).status_code == 200
    page = client.get(reverse("admin:sla_slapolicy_change", args=[policy.pk]))
    assert page.status_code == 200
    assert "targets-TOTAL_FORMS" in page.content.decode()
    resolution = policy.targets.get(kind=TargetKind.RESOLUTION)
    target = client.get(reverse("admin:sla_slatarget_change", args=[resolution.pk]))
    assert "escalations-TOTAL_FORMS" in target.content.decode()


def test_clocks_are_read_only_with_their_segments(
    client, verified_login, administrator, policy, make_record, start, agent
):
    clock = by_kind(start(make_record()))[TargetKind.RESOLUTION]
    pause_clock(
        clock, reason=PauseReason.WAITING_FOR_INQUIRY, actor=agent, at=tehran(2026, 5, 2, 9)
    )
    verified_login(client, administrator)

    listing = client.get(reverse("admin:sla_slaclock_changelist"))
    page = client.get(reverse("admin:sla_slaclock_change", args=[clock.pk]))

    assert listing.status_code == page.status_code == 200
    html = page.content.decode()
    assert str(PauseReason.WAITING_FOR_INQUIRY.label) in html
    assert 'name="state"' not in html  # no editable field
    assert client.get(reverse("admin:sla_slaclock_add")).status_code == 403
    response = client.post(reverse("admin:sla_slaclock_delete", args=[clock.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert SlaClock.objects.filter(pk=clock.pk).exists()


def test_supervisors_may_read_policies_but_not_change_them(
    client, verified_login, supervisor, policy
):
    verified_login(client, supervisor)

    assert client.get(reverse("admin:sla_slapolicy_changelist")).status_code == 200
    response = client.post(
        reverse("admin:sla_slapolicy_change", args=[policy.pk]), {"name": "Renamed"}
    )
    assert response.status_code == 403
    policy.refresh_from_db()
    assert policy.name == "Default"
