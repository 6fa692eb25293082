"""Roles and the stages of a login, with their translated labels."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a person does here; each role is a Django group of the same name (the value)."""

    APPLICANT = "applicant", _("Applicant")
    OPERATOR = "operator", _("Desk operator")
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


# Roles that work in the staff workspace: holding one of them makes `is_staff` true.
STAFF_ROLES: frozenset[str] = frozenset({Role.OPERATOR, Role.AGENT, Role.SUPERVISOR, Role.ADMIN})


class LoginStage(models.TextChoices):
    """The step of a login at which an attempt failed."""

    PASSWORD = "password", _("Password")
    CODE = "code", _("Authenticator code")


class SecondFactorMode(models.TextChoices):
    """Values of the KHEDMAT_STAFF_2FA setting."""

    REQUIRED = "required", _("Required for staff")
    OPTIONAL = "optional", _("Optional")


class NationalCodeStatus(models.TextChoices):
    """Whether an applicant's national code is proven theirs (their mobile is registered to it).

    Only a verified code lets an account follow requests filed for that code by others; a code
    typed on the profile form is unverified until the mobile-ownership inquiry confirms it.
    """

    UNVERIFIED = "unverified", _("Not verified")
    PENDING = "pending", _("Being verified")
    VERIFIED = "verified", _("Verified")
    REFUSED = "refused", _("Not confirmed")
    FAILED = "failed", _("Could not be checked")


NATIONAL_CODE_TRANSITIONS: dict[str, frozenset[str]] = {
    NationalCodeStatus.UNVERIFIED: frozenset({NationalCodeStatus.PENDING}),
    NationalCodeStatus.PENDING: frozenset(
        {NationalCodeStatus.VERIFIED, NationalCodeStatus.REFUSED, NationalCodeStatus.FAILED}
    ),
    NationalCodeStatus.VERIFIED: frozenset(),
    NationalCodeStatus.REFUSED: frozenset({NationalCodeStatus.PENDING}),
    NationalCodeStatus.FAILED: frozenset({NationalCodeStatus.PENDING}),
}
