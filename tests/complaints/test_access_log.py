"""Staff opening a complaint (the complainant's name, national code, mobile) leaves an audit
row kept off its history; holders of core.view_access_log read who opened it."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from khedmat.accounts.models import User
from khedmat.complaints.models import Complaint
from khedmat.core.models import Activity
from tests.complaints.helpers import FileComplaint

pytestmark = pytest.mark.django_db


def detail(complaint: Complaint) -> str:
    return reverse("complaints:desk_complaint_detail", args=[complaint.tracking_code])


def access_log(complaint: Complaint) -> str:
    return reverse("complaints:desk_complaint_access_log", args=[complaint.tracking_code])


def viewers(complaint: Complaint) -> list[str]:
    rows = Activity.objects.access_log_for(complaint).select_related("actor").order_by("id")
    return [row.actor.username for row in rows if row.actor]


def test_opening_a_complaint_is_logged_off_its_history(
    client: Client, inspector: User, verified_login: Any, file: FileComplaint
) -> None:
    complaint = file()
    verified_login(client, inspector)

    response = client.get(detail(complaint))

    assert response.status_code == 200
    assert viewers(complaint) == [inspector.username]
    assert Activity.objects.get(verb="complaint.personal_data_viewed").is_public is False
    labels = [str(item.label) for item in response.context["timeline"]]
    assert all("personal_data" not in label for label in labels)
    assert len(labels) == Activity.objects.for_target(complaint).count()


def test_the_access_log_needs_the_permission_and_a_visible_complaint(
    client: Client,
    inspector: User,
    stranger: User,
    verified_login: Any,
    file: FileComplaint,
) -> None:
    complaint = file()
    verified_login(client, inspector)
    client.get(detail(complaint))
    assert client.get(access_log(complaint)).status_code == 403

    permission = Permission.objects.get(codename="view_access_log", content_type__app_label="core")
    inspector.user_permissions.add(permission)
    stranger.user_permissions.add(permission)
    allowed = verified_login(Client(), User.objects.get(pk=inspector.pk))
    response = allowed.get(access_log(complaint))
    assert response.status_code == 200
    assert [row.actor for row in response.context["page"].items] == [inspector]
    refused = verified_login(Client(), User.objects.get(pk=stranger.pk))
    assert refused.get(access_log(complaint)).status_code == 404
