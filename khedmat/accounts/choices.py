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
