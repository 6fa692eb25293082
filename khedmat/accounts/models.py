"""People and where they sit: users, org units, teams."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OrgUnit(models.Model):
    """A unit of the organisation (agency, department, office); a tree."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A group of staff in one unit that shares a work queue."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="teams", verbose_name=_("unit")
    )
    members = models.ManyToManyField(
        "accounts.User", blank=True, related_name="teams", verbose_name=_("members")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """Anyone who signs in: applicants by mobile, staff by password and a second factor."""

    mobile = models.CharField(
        _("mobile"), max_length=16, null=True, blank=True, help_text=_("Stored as E.164, e.g. +989121234567.")
    )
    national_code = models.CharField(_("national code"), max_length=10, null=True, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("unit"),
    )
    preferred_language = models.CharField(_("preferred language"), max_length=8, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["mobile"],
                condition=Q(mobile__isnull=False),
                name="accounts_user_mobile_unique",
                violation_error_message=_("A user with this mobile number already exists."),
            ),
            models.UniqueConstraint(
                fields=["national_code"],
                condition=Q(national_code__isnull=False),
                name="accounts_user_national_code_unique",
                violation_error_message=_("A user with this national code already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username
