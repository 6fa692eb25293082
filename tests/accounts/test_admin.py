from __future__ import annotations

import pytest
from django.test import Client

from khedmat.accounts.admin import UserCreationForm
from khedmat.accounts.models import User
from khedmat.core.models import Activity
from tests.accounts.helpers import NO_TEAMS, change_form_data


@pytest.fixture
def admin_client_verified(client: Client, admin_user: User, verified_login) -> Client:  # type: ignore[no-untyped-def]
    return verified_login(client, admin_user)


@pytest.mark.django_db
class TestUserCreationForm:
    def test_short_or_common_password_is_refused(self) -> None:
        form = UserCreationForm(
            data={
                "username": "newbie",
                "password1": "password",
                "password2": "password",
                "usable_password": "true",
            }
        )
        assert not form.is_valid()
        assert {error.code for error in form.errors.as_data()["password2"]} == {
            "password_too_short",
            "password_too_common",
        }


@pytest.mark.django_db
class TestUserAdmin:
    def test_add_user_normalises_and_assigns_roles(
        self, admin_client_verified: Client, admin_user: User, org_units: dict
    ) -> None:
        response = admin_client_verified.post(
            "/admin/accounts/user/add/",
            {
                "username": "newagent",
                "usable_password": "true",
                "password1": "a-long-enough-passphrase-7",
                "password2": "a-long-enough-passphrase-7",
                "first_name": "New",
                "last_name": "Agent",
                "mobile": "۰۹۱۲۱۲۳۴۵۶۷",
                "national_code": "0013542419",
                "org_unit": org_units["office"].pk,
                "roles": ["agent"],
                **NO_TEAMS,
            },
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
        user = User.objects.get(username="newagent")
        assert user.mobile == "+989121234567"
        assert user.is_staff is True
        assert user.roles == frozenset({"agent"})
        verbs = list(Activity.objects.for_target(user).values_list("verb", "actor"))
        assert verbs == [("user.roles_changed", admin_user.pk), ("user.created", admin_user.pk)]

    def test_add_user_with_weak_password_creates_nothing(
        self, admin_client_verified: Client
    ) -> None:
        response = admin_client_verified.post(
            "/admin/accounts/user/add/",
            {
                "username": "weak",
                "usable_password": "true",
                "password1": "12345",
                "password2": "12345",
                **NO_TEAMS,
            },
        )
        assert response.status_code == 200
        assert not User.objects.filter(username="weak").exists()

    def test_changelist_search_by_mobile_typed_locally(
        self, admin_client_verified: Client, applicant: User, agent: User
    ) -> None:
        response = admin_client_verified.get("/admin/accounts/user/", {"q": "0912 123 4567"})
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == [applicant]

    def test_removing_roles_in_the_admin_ends_staff_status(
        self, admin_client_verified: Client, admin_user: User, agent: User
    ) -> None:
        url = f"/admin/accounts/user/{agent.pk}/change/"
        form = admin_client_verified.get(url).context["adminform"].form
        assert form["roles"].value() == ["agent"]
        data = change_form_data(form) | {"roles": [], **NO_TEAMS}
        data["Team_members-INITIAL_FORMS"] = data["Team_members-TOTAL_FORMS"] = "0"
        response = admin_client_verified.post(url, data)
        assert response.status_code == 302
        agent.refresh_from_db()
        assert agent.is_staff is False
        assert agent.roles == frozenset()
        row = Activity.objects.for_target(agent).first()
        assert row is not None
        assert (row.verb, row.actor, row.data) == (
            "user.roles_changed",
            admin_user,
            {"added": [], "removed": ["agent"]},
        )

    def test_pages_load(self, admin_client_verified: Client, agent: User) -> None:
        for url in (
            "/admin/accounts/user/",
            "/admin/accounts/orgunit/",
            "/admin/accounts/team/",
            "/admin/accounts/loginfailure/",
            "/admin/accounts/user/add/",
        ):
            assert admin_client_verified.get(url).status_code == 200, url
