"""Demo data: a small agency with its units, teams and one user per role (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from khedmat.accounts import verification
from khedmat.accounts.choices import Role
from khedmat.accounts.models import OrgUnit, Team, User
from khedmat.accounts.services import assign_role, create_user


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: Role
    first_name: str
    last_name: str
    mobile: str | None = None
    national_code: str | None = None


DEMO_LOGINS = (
    DemoLogin("admin", "Khedmat-Admin-1405", Role.ADMIN, "مدیر", "سامانه"),
    DemoLogin("supervisor", "Khedmat-Super-1405", Role.SUPERVISOR, "مریم", "احمدی"),
    DemoLogin("agent", "Khedmat-Agent-1405", Role.AGENT, "علی", "رضایی"),
    DemoLogin("operator", "Khedmat-Desk-1405", Role.OPERATOR, "زهرا", "کریمی"),
    # The tickets demo files the applicant's requests for this code (APPLICANT_NATIONAL_CODE).
    DemoLogin(
        "applicant",
        "Khedmat-Citizen-1405",
        Role.APPLICANT,
        "حسین",
        "محمدی",
        mobile="09121234567",
        national_code="0078456126",
    ),
)


@transaction.atomic
def load_demo_data() -> list[DemoLogin]:
    """Create the demo agency and users unless they exist; return the logins to print."""
    agency, _ = OrgUnit.objects.get_or_create(code="agency", defaults={"name": "سازمان نمونه"})
    desk_unit, _ = OrgUnit.objects.get_or_create(
        code="service-desk", defaults={"name": "میز خدمت", "parent": agency}
    )
    licences, _ = OrgUnit.objects.get_or_create(
        code="licences", defaults={"name": "اداره صدور مجوز", "parent": agency}
    )
    front_desk, _ = Team.objects.get_or_create(
        code="front-desk", defaults={"name": "پیشخوان", "org_unit": desk_unit}
    )
    experts, _ = Team.objects.get_or_create(
        code="licence-experts", defaults={"name": "کارشناسان مجوز", "org_unit": licences}
    )
    units = {
        Role.ADMIN: agency,
        Role.SUPERVISOR: licences,
        Role.AGENT: licences,
        Role.OPERATOR: desk_unit,
    }
    teams = {Role.SUPERVISOR: experts, Role.AGENT: experts, Role.OPERATOR: front_desk}
    for login in DEMO_LOGINS:
        if User.objects.filter(username=login.username).exists():
            continue
        user = create_user(
            login.username,
            password=login.password,
            first_name=login.first_name,
            last_name=login.last_name,
            mobile=login.mobile,
            national_code=login.national_code,
            org_unit=units.get(login.role),
            actor=None,
        )
        if login.national_code:
            _verify_national_code(user)
        assign_role(user, login.role, actor=None)
        if login.role == Role.ADMIN:
            User.objects.filter(pk=user.pk).update(is_superuser=True)
        if login.role in teams:
            teams[login.role].members.add(user)
    return list(DEMO_LOGINS)


def _verify_national_code(user: User) -> None:
    """The demo's applicant is who they say: their check is asked for and answered at once (the
    demo's fake agency would say the same), so they see every request filed for their code."""
    verification.request_national_code_check(user, actor=None)
    verification.settle_national_code_check(user, matched=True)
