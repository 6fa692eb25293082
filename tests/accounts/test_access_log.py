"""A staff member opening someone's account in the admin (mobile, national code) leaves an
audit row; opening one's own account does not."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from khedmat.accounts.models import User
from khedmat.core.models import Activity

pytestmark = pytest.mark.django_db


def test_opening_an_applicants_account_is_logged(
    client: Client, administrator: User, applicant: User, verified_login: Any
) -> None:
    verified_login(client, administrator)

    assert client.get(reverse("admin:accounts_user_change", args=[applicant.pk])).status_code == 200
    assert (
        client.get(reverse("admin:accounts_user_change", args=[administrator.pk])).status_code
        == 200
    )

    rows = Activity.objects.access_log_for(applicant)
    assert [(row.verb, row.actor) for row in rows] == [("user.personal_data_viewed", administrator)]
    assert not Activity.objects.access_log_for(administrator).exists()
    assert not Activity.objects.for_target(applicant).filter(verb__endswith="viewed").exists()
