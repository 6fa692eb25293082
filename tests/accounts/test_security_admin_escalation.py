"""The admin role manages people but cannot make anyone (itself included) a superuser, hand out
single permissions, or take over a superuser's account."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from khedmat.accounts.models import User
from tests.accounts.helpers import NO_TEAMS, change_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def role_admin_client(client: Client, administrator: User, verified_login: Any) -> Client:
    return verified_login(client, administrator)


def post_change(client: Client, user: User, **changes: Any) -> Any:
    """Post the user's admin change form as the page shows it, with `changes` on top."""
    url = f"/admin/accounts/user/{user.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = change_form_data(form) | NO_TEAMS | changes
    data["Team_members-INITIAL_FORMS"] = data["Team_members-TOTAL_FORMS"] = "0"
    return client.post(url, data)


def any_permission() -> Permission:
    return Permission.objects.get(codename="delete_group")


class TestTheAdminRole:
    def test_cannot_make_itself_superuser_or_grant_itself_permissions(
        self, role_admin_client: Client, administrator: User
    ) -> None:
        response = post_change(
            role_admin_client,
            administrator,
            is_superuser="on",
            user_permissions=[any_permission().pk],
            first_name="Still",
        )
        assert response.status_code == 302
        administrator.refresh_from_db()
        assert administrator.first_name == "Still"  # the form was saved, without the grants
        assert administrator.is_superuser is False
        assert list(administrator.user_permissions.all()) == []
        assert not administrator.has_perm("auth.delete_group")

    def test_cannot_make_another_user_superuser(
        self, role_admin_client: Client, agent: User
    ) -> None:
        response = post_change(
            role_admin_client, agent, is_superuser="on", user_permissions=[any_permission().pk]
        )
        assert response.status_code == 302
        agent.refresh_from_db()
        assert agent.is_superuser is False
        assert list(agent.user_permissions.all()) == []

    def test_the_change_form_shows_superuser_and_permissions_read_only(
        self, role_admin_client: Client, agent: User
    ) -> None:
        form = (
            role_admin_client.get(f"/admin/accounts/user/{agent.pk}/change/")
            .context["adminform"]
            .form
        )
        assert {"is_superuser", "user_permissions", "groups"}.isdisjoint(form.fields)
        assert "roles" in form.fields

    def test_cannot_change_a_superusers_password_or_account(
        self, role_admin_client: Client, admin_user: User
    ) -> None:
        old_hash = admin_user.password
        response = role_admin_client.post(
            f"/admin/accounts/user/{admin_user.pk}/password/",
            {
                "password1": "taken-over-passphrase-7",
                "password2": "taken-over-passphrase-7",
                "usable_password": "true",
            },
        )
        assert response.status_code == 403
        response = role_admin_client.post(
            f"/admin/accounts/user/{admin_user.pk}/change/",
            {"username": admin_user.username, "is_active": "", **NO_TEAMS},
        )
        assert response.status_code == 403
        response = role_admin_client.post(
            f"/admin/accounts/user/{admin_user.pk}/delete/", {"post": "yes"}
        )
        assert response.status_code == 403
        admin_user.refresh_from_db()
        assert (admin_user.password, admin_user.is_active) == (old_hash, True)

    def test_a_superuser_still_can(
        self, client: Client, admin_user: User, agent: User, verified_login: Any
    ) -> None:
        verified_login(client, admin_user)
        response = post_change(client, agent, is_superuser="on")
        assert response.status_code == 302
        agent.refresh_from_db()
        assert agent.is_superuser is True
