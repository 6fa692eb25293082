"""Rules and legal holds edited in the admin go through the services (Activity rows); holds,
rules and destruction records are never deleted there."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from khedmat.core.models import Activity
from khedmat.retention.choices import DataClass
from khedmat.retention.models import DestructionRecord, LegalHold
from khedmat.tickets.models import Ticket
from tests.retention.helpers import ClosedRequest, rule

pytestmark = pytest.mark.django_db

HOLDS = "/admin/retention/legalhold/"


@pytest.fixture
def admin_page(client: Client, administrator: Any, verified_login: Any) -> Client:
    return verified_login(client, administrator)


def test_a_rule_changed_in_the_admin_leaves_its_activity(admin_page: Client) -> None:
    codes = rule(DataClass.LOGIN_CODES)
    response = admin_page.post(
        f"/admin/retention/retentionrule/{codes.pk}/change/",
        {"data_class": "login_codes", "period_days": "2", "action": "delete", "is_active": "on"},
    )
    assert response.status_code == 302
    codes.refresh_from_db()
    assert codes.period_days == 2
    changed = Activity.objects.get(verb="retention_rule.changed", target_id=str(codes.pk))
    assert changed.old_value is not None and changed.new_value is not None
    assert (changed.old_value["period_days"], changed.new_value["period_days"]) == (1, 2)


def test_the_admin_refuses_an_action_the_class_does_not_allow(admin_page: Client) -> None:
    requests = rule(DataClass.REQUESTS)
    response = admin_page.post(
        f"/admin/retention/retentionrule/{requests.pk}/change/",
        {"data_class": "requests", "period_days": "10", "action": "delete", "is_active": "on"},
    )
    assert response.status_code == 200  # the form again, with the error
    requests.refresh_from_db()
    assert (requests.action, requests.period_days) == ("anonymise", 1825)
    assert not Activity.objects.filter(verb="retention_rule.changed").exists()


def test_a_hold_placed_and_released_in_the_admin(
    admin_page: Client, closed_request: ClosedRequest, administrator: Any
) -> None:
    ticket = closed_request(days_ago=10)
    ticket_type = ContentType.objects.get_for_model(Ticket)

    placed = admin_page.post(
        f"{HOLDS}add/",
        {"content_type": ticket_type.pk, "object_id": ticket.pk, "reason": "Court case 12"},
    )

    assert placed.status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.object_id, hold.placed_by, hold.released_at) == (ticket.pk, administrator, None)
    assert Activity.objects.filter(verb="legal_hold.placed", target_id=str(hold.pk)).exists()

    refused = admin_page.post(f"{HOLDS}{hold.pk}/change/", {"release": "on", "release_reason": ""})
    assert refused.status_code == 200
    hold.refresh_from_db()
    assert hold.released_at is None

    released = admin_page.post(
        f"{HOLDS}{hold.pk}/change/", {"release": "on", "release_reason": "Judgment final"}
    )
    assert released.status_code == 302
    hold.refresh_from_db()
    assert (hold.released_by, hold.release_reason) == (administrator, "Judgment final")
    assert Activity.objects.filter(verb="legal_hold.released", target_id=str(hold.pk)).exists()


def test_a_hold_on_a_missing_record_is_refused(admin_page: Client) -> None:
    ticket_type = ContentType.objects.get_for_model(Ticket)
    response = admin_page.post(
        f"{HOLDS}add/", {"content_type": ticket_type.pk, "object_id": 999999, "reason": "x"}
    )
    assert response.status_code == 200
    assert not LegalHold.objects.exists()


def test_nothing_of_retention_can_be_deleted_in_the_admin(admin_page: Client) -> None:
    requests = rule(DataClass.REQUESTS)
    assert (
        admin_page.get(f"/admin/retention/retentionrule/{requests.pk}/delete/").status_code == 403
    )
    assert admin_page.get("/admin/retention/destructionrecord/add/").status_code == 403
    assert DestructionRecord.objects.count() == 0
    assert admin_page.get("/admin/retention/destructionrecord/").status_code == 200
