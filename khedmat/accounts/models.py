"""People and where they sit: users, org units, teams; login failures, SMS login codes and
authenticator enrolment links."""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import cached_property
from typing import Any

from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khedmat.accounts.choices import STAFF_ROLES, LoginStage, NationalCodeStatus, Role
from khedmat.core.identifiers import normalize_mobile, normalize_national_code
from khedmat.core.sql import ReusedQuery


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

    # NULL, not "", means "none", so the partial unique constraints below allow many of them.
    mobile = models.CharField(  # noqa: DJ001
        _("mobile"),
        max_length=16,
        null=True,
        blank=True,
        help_text=_("Stored as E.164, e.g. +989121234567."),
    )
    national_code = models.CharField(  # noqa: DJ001
        _("national code"), max_length=10, null=True, blank=True
    )
    # A typed national code proves nothing: only a verified one (the mobile-ownership inquiry
    # confirmed the mobile is registered to it) lets the account follow requests filed for it.
    national_code_status = models.CharField(
        _("national code check"),
        max_length=16,
        choices=NationalCodeStatus.choices,
        default=NationalCodeStatus.UNVERIFIED,
    )
    national_code_verified_at = models.DateTimeField(
        _("national code verified"), null=True, blank=True
    )
    org_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("unit"),
    )
    preferred_language = models.CharField(_("preferred language"), max_length=8, blank=True)

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
            # Only a verified code is unique: a code anyone may type must not lock its owner out.
            models.UniqueConstraint(
                fields=["national_code"],
                condition=Q(national_code__isnull=False, national_code_status="verified"),
                name="accounts_user_verified_national_code_unique",
                violation_error_message=_("A user with this national code already exists."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        national_code_status="verified",
                        national_code__isnull=False,
                        national_code_verified_at__isnull=False,
                    )
                    | (
                        ~Q(national_code_status="verified")
                        & Q(national_code_verified_at__isnull=True)
                    )
                ),
                name="accounts_user_national_code_verified_consistent",
                violation_error_message=_(
                    "A verified national code needs its code and the time it was verified."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["national_code"], name="accounts_user_code_idx"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def clean(self) -> None:
        """Store the mobile as E.164 and the national code as ten ASCII digits."""
        super().clean()
        errors: dict[str, list[ValidationError]] = {}
        self.mobile = self.mobile.strip() if self.mobile else None
        self.national_code = self.national_code.strip() if self.national_code else None
        if self.mobile:
            try:
                self.mobile = normalize_mobile(self.mobile)
            except ValidationError as error:
                errors["mobile"] = error.error_list
        if self.national_code:
            try:
                self.national_code = normalize_national_code(self.national_code)
            except ValidationError as error:
                errors["national_code"] = error.error_list
        if errors:
            raise ValidationError(errors)

    def save(self, **kwargs: Any) -> None:
        # An empty mobile or national code is "none", so the partial unique constraints hold.
        self.mobile = self.mobile or None
        self.national_code = self.national_code or None
        self._forget_check_of_other_identity(kwargs)
        super().save(**kwargs)

    def _forget_check_of_other_identity(self, kwargs: dict[str, Any]) -> None:
        """A check proves one national code for one mobile: when either changes, it is void."""
        fields = kwargs.get("update_fields")
        identity = {"mobile", "national_code"}
        if self._state.adding or (fields is not None and not identity & {*fields}):
            return
        stored = type(self)._default_manager.filter(pk=self.pk).values(*sorted(identity)).first()
        if stored is None or stored == {"mobile": self.mobile, "national_code": self.national_code}:
            return
        self.national_code_status = NationalCodeStatus.UNVERIFIED
        self.national_code_verified_at = None
        if fields is not None:
            kwargs["update_fields"] = {*fields, "national_code_status", "national_code_verified_at"}

    @property
    def verified_national_code(self) -> str | None:
        """The national code once proven this account's (see national_code_status), else None."""
        if self.national_code and self.national_code_status == NationalCodeStatus.VERIFIED:
            return self.national_code
        return None

    @cached_property
    def group_names(self) -> frozenset[str]:
        """The names of every group the user is in (roles among them); one query per instance,
        compiled once per process (it runs on nearly every signed-in request)."""
        return frozenset(name for (name,) in _GROUP_NAMES.rows(self.pk))

    @property
    def roles(self) -> frozenset[str]:
        """The role values this user holds (their role groups)."""
        return self.group_names & frozenset(Role.values)

    def has_role(self, role: str) -> bool:
        """Whether the user holds `role` (superusers hold only the roles they were given)."""
        return role in self.roles

    @property
    def is_staff_member(self) -> bool:
        """An active user who works in the staff workspace (a staff role, or a superuser)."""
        return self.is_active and (self.is_superuser or bool(self.roles & STAFF_ROLES))

    @property
    def is_administrator(self) -> bool:
        """A superuser or a holder of the administrator role."""
        return self.is_active and (self.is_superuser or self.has_role(Role.ADMIN))

    def forget_roles(self) -> None:
        """Drop the cached roles after the groups changed."""
        self.__dict__.pop("group_names", None)


class LoginFailure(models.Model):
    """One failed login attempt (wrong password or wrong code); recent rows drive the lockout."""

    username = models.CharField(_("username"), max_length=150)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=16, choices=LoginStage.choices)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["username", "created_at"], name="accounts_failure_user_idx"),
            models.Index(fields=["ip_address", "created_at"], name="accounts_failure_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.created_at:%Y-%m-%d %H:%M}"


class LoginCode(models.Model):
    """A one-time code sent by SMS for an applicant's login; only its keyed hash is stored."""

    mobile = models.CharField(_("mobile"), max_length=16, help_text=_("E.164, e.g. +989121234567."))
    code_hash = models.CharField(_("code hash"), max_length=64, editable=False)
    salt = models.CharField(_("salt"), max_length=32, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("login code")
        verbose_name_plural = _("login codes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["mobile", "-created_at"], name="accounts_logincode_mobile_idx"),
            models.Index(fields=["ip_address", "created_at"], name="accounts_logincode_ip_idx"),
            # The site-wide budget counts every code sent in the last minute and hour.
            models.Index(fields=["created_at"], name="accounts_logincode_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.mobile} {self.created_at:%Y-%m-%d %H:%M}"

    def is_live(self, now: dt.datetime, *, max_attempts: int) -> bool:
        """Whether the code may still be tried: not used, not expired, attempts left."""
        return self.used_at is None and now < self.expires_at and self.attempts < max_attempts


class EnrolmentLink(models.Model):
    """A single-use, expiring link an administrator issues so a person may set up an authenticator.

    Only a SHA-256 of the link's token is stored; the link itself is shown once to whoever issued it.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="enrolment_links", verbose_name=_("user")
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    created_at = models.DateTimeField(_("issued"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("authenticator enrolment link")
        verbose_name_plural = _("authenticator enrolment links")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="accounts_enrolment_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"

    def is_live(self, now: dt.datetime) -> bool:
        """Whether the link may still be used: not used and not expired."""
        return self.used_at is None and now < self.expires_at

    @staticmethod
    def hash_token(token: str) -> str:
        """What is stored of a link's token: its SHA-256 (the token is 256 random bits)."""
        return hashlib.sha256(token.encode()).hexdigest()


def _group_names(user_id: int) -> QuerySet[Any]:
    return Group.objects.filter(user__pk=user_id).values_list("name").order_by()


_GROUP_NAMES = ReusedQuery(_group_names, "accounts.group_names")
