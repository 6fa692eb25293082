from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from khedmat.accounts.choices import STAFF_ROLES, Role
from khedmat.accounts.models import User


@pytest.mark.django_db
class TestUserClean:
    def test_normalises_mobile_and_national_code_from_persian_digits(self) -> None:
        user = User(username="reza", mobile="۰۹۱۲ ۱۲۳ ۴۵۶۷", national_code="۰۰۱۳۵۴۲۴۱۹")
        user.set_unusable_password()
        user.full_clean()
        assert user.mobile == "+989121234567"
        assert user.national_code == "0013542419"

    def test_rejects_bad_identifiers_per_field(self) -> None:
        user = User(username="reza", mobile="12345", national_code="1111111111")
        user.set_unusable_password()
        with pytest.raises(ValidationError) as caught:
            user.full_clean()
        assert set(caught.value.message_dict) == {"mobile", "national_code"}

    def test_blank_identifiers_are_stored_as_null(self) -> None:
        first = User.objects.create(username="a", mobile="", national_code="")
        second = User.objects.create(username="b", mobile="", national_code="")
        assert User.objects.filter(pk__in=[first.pk, second.pk], mobile__isnull=True).count() == 2
        assert User.objects.filter(national_code__isnull=True).count() == 2

    def test_duplicate_normalised_mobile_is_refused(self, applicant: User) -> None:
        other = User(username="other", mobile="+98 912 123 4567")
        other.set_unusable_password()
        with translation.override("en"):
            with pytest.raises(ValidationError) as caught:
                other.full_clean()
            assert caught.value.messages == ["A user with this mobile number already exists."]


@pytest.mark.django_db
class TestRolePredicates:
    def test_roles_and_staff_membership(self, applicant: User, agent: User) -> None:
        assert applicant.has_role(Role.APPLICANT)
        assert not applicant.has_role(Role.AGENT)
        assert not applicant.is_staff_member
        assert agent.has_role(Role.AGENT)
        assert agent.is_staff_member
        assert agent.roles == frozenset({"agent"})

    def test_inactive_staff_is_not_a_staff_member(self, agent: User) -> None:
        agent.is_active = False
        assert not agent.is_staff_member

    def test_superuser_is_staff_member_without_roles(self, admin_user: User) -> None:
        assert admin_user.roles == frozenset()
        assert admin_user.is_staff_member
        assert admin_user.is_administrator

    def test_staff_roles(self) -> None:
        assert frozenset({"operator", "agent", "supervisor", "admin"}) == STAFF_ROLES
