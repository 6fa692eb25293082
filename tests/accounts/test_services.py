from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from khedmat.accounts import services
from khedmat.accounts.models import User
from khedmat.core.models import Activity


def verbs(user: User) -> list[str]:
    return list(Activity.objects.for_target(user).values_list("verb", flat=True))


@pytest.mark.django_db
class TestCreateUser:
    def test_creates_with_normalised_identifiers_roles_and_activity(
        self, administrator: User, staff_password: str, org_units: dict
    ) -> None:
        user = services.create_user(
            "maryam",
            actor=administrator,
            password=staff_password,
            mobile="0935 123 4567",
            national_code="۱۲۳۴۵۶۷۸۹۱",
            org_unit=org_units["office"],
            roles=["agent"],
        )
        user.refresh_from_db()
        assert (user.mobile, user.national_code) == ("+989351234567", "1234567891")
        assert user.check_password(staff_password)
        assert user.is_staff is True
        assert list(user.groups.values_list("name", flat=True)) == ["agent"]
        assert verbs(user) == ["user.roles_changed", "user.created"]
        created = Activity.objects.for_target(user).get(verb="user.created")
        assert created.actor == administrator
        assert created.new_value == {"mobile": "+989351234567", "national_code": "1234567891"}

    @pytest.mark.parametrize(
        ("password", "code"),
        [("short9", "password_too_short"), ("password123", "password_too_common")],
    )
    def test_refuses_weak_passwords_and_creates_nothing(self, password: str, code: str) -> None:
        with pytest.raises(ValidationError) as caught:
            services.create_user("weak", actor=None, password=password)
        assert code in [error.code for error in caught.value.error_list]
        assert not User.objects.filter(username="weak").exists()
        assert Activity.objects.count() == 0

    def test_password_like_the_username_is_refused(self) -> None:
        with pytest.raises(ValidationError):
            services.create_user("kourosh-tehrani", actor=None, password="kourosh-tehrani")
        assert not User.objects.exists()

    def test_without_password_the_account_has_an_unusable_one(self) -> None:
        user = services.create_user("citizen", actor=None, mobile="09121234567")
        assert not user.has_usable_password()
        assert user.is_staff is False


@pytest.mark.django_db
class TestUpdateUserContact:
    def test_normalises_and_records_old_and_new(self, applicant: User, agent: User) -> None:
        services.update_user_contact(
            applicant, actor=agent, mobile="۰۹۳۵۱۲۳۴۵۶۷", national_code="1234567891"
        )
        applicant.refresh_from_db()
        assert applicant.mobile == "+989351234567"
        row = Activity.objects.for_target(applicant).first()
        assert row is not None
        assert (row.verb, row.actor) == ("user.contact_changed", agent)
        assert row.old_value == {"mobile": "+989121234567", "national_code": "0013542419"}
        assert row.new_value == {"mobile": "+989351234567", "national_code": "1234567891"}

    def test_unchanged_contact_writes_nothing(self, applicant: User) -> None:
        before = Activity.objects.count()
        services.update_user_contact(
            applicant, actor=None, mobile="09121234567", national_code="0013542419"
        )
        assert Activity.objects.count() == before

    def test_invalid_mobile_changes_nothing(self, applicant: User) -> None:
        before = Activity.objects.count()
        with pytest.raises(ValidationError):
            services.update_user_contact(applicant, actor=None, mobile="123", national_code=None)
        assert applicant.mobile == "+989121234567"
        applicant.refresh_from_db()
        assert applicant.mobile == "+989121234567"
        assert Activity.objects.count() == before


@pytest.mark.django_db
class TestRoles:
    def test_role_groups_exist_with_permissions(self) -> None:
        perms = {
            group.name: set(group.permissions.values_list("codename", flat=True))
            for group in Group.objects.all()
        }
        assert set(perms) >= {"applicant", "operator", "agent", "supervisor", "admin"}
        assert perms["applicant"] == set()
        assert {"view_user", "view_orgunit", "view_team", "view_activity"} <= perms["agent"]
        # Agents delete nothing, and create only IT records: what they log for callers (ITSM),
        # the CMDB they keep and the changes they ask for.
        assert not {codename for codename in perms["agent"] if codename.startswith("delete_")}
        assert {c for c in perms["agent"] if c.startswith("add_")} == {
            "add_incident",
            "add_problem",
            "add_knownerror",
            "add_configurationitem",
            "add_cirelation",
            "add_asset",
            "add_licence",
            "add_licenceassignment",
            "add_change",
        }
        assert "change_team" in perms["supervisor"]
        assert {"add_user", "change_user", "delete_user", "view_activity"} <= perms["admin"]

    def test_assign_staff_role_makes_staff_and_writes_activity(
        self, applicant: User, administrator: User
    ) -> None:
        services.assign_role(applicant, "agent", actor=administrator)
        applicant.refresh_from_db()
        assert applicant.is_staff is True
        assert applicant.has_role("agent")
        assert applicant.has_perm("accounts.view_user")
        row = Activity.objects.for_target(applicant).first()
        assert row is not None
        assert (row.verb, row.actor) == ("user.roles_changed", administrator)
        assert (row.old_value, row.new_value) == (["applicant"], ["agent", "applicant"])
        assert row.data == {"added": ["agent"], "removed": []}

    def test_removing_last_staff_role_ends_staff_status(
        self, agent: User, administrator: User
    ) -> None:
        services.remove_role(agent, "agent", actor=administrator)
        agent.refresh_from_db()
        assert agent.is_staff is False
        assert agent.roles == frozenset()
        row = Activity.objects.for_target(agent).first()
        assert row is not None
        assert row.data == {"added": [], "removed": ["agent"]}

    def test_superuser_stays_staff_without_roles(self, admin_user: User) -> None:
        services.assign_role(admin_user, "agent", actor=None)
        services.remove_role(admin_user, "agent", actor=None)
        admin_user.refresh_from_db()
        assert admin_user.is_staff is True

    def test_assigning_a_held_role_does_nothing(self, agent: User) -> None:
        before = Activity.objects.count()
        services.assign_role(agent, "agent", actor=None)
        assert Activity.objects.count() == before
        assert agent.groups.count() == 1

    def test_unknown_role_is_refused(self, agent: User) -> None:
        with pytest.raises(ValueError):
            services.assign_role(agent, "wizard", actor=None)
        assert agent.roles == frozenset({"agent"})


@pytest.mark.django_db
class TestSecondFactorServices:
    def test_enrolment_is_reused_until_confirmed(self, agent: User) -> None:
        first = services.start_totp_enrolment(agent, actor=agent)
        second = services.start_totp_enrolment(agent, actor=agent)
        assert first.pk == second.pk
        assert first.confirmed is False

    def test_reset_removes_devices_and_records(self, agent: User, administrator: User) -> None:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        TOTPDevice.objects.create(user=agent, name="phone", confirmed=True)
        services.reset_second_factor(agent, actor=administrator)
        assert not TOTPDevice.objects.filter(user=agent).exists()
        row = Activity.objects.for_target(agent).first()
        assert row is not None
        assert (row.verb, row.actor, row.data) == (
            "user.second_factor_reset",
            administrator,
            {"devices": 1},
        )
