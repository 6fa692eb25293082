"""Use cases of the accounts app: people, roles, second factor, login failures and lockout."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Iterable
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import devices_for_user, verify_token
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from khedmat.accounts.choices import STAFF_ROLES, LoginStage, Role
from khedmat.accounts.errors import (
    EnrolmentNotAllowedError,
    InvalidCodeError,
    InvalidCredentialsError,
    LoginLockedError,
)
from khedmat.accounts.models import EnrolmentLink, LoginFailure, OrgUnit, User
from khedmat.accounts.queries import (
    login_is_locked,
    login_key,
    login_limit_names,
    recent_failure_count,
)
from khedmat.core import ratelimit
from khedmat.core.actors import Actor
from khedmat.core.http import rate_limit_address
from khedmat.core.services import record_activity
from khedmat.notifications.choices import Channel
from khedmat.notifications.services import notify

logger = logging.getLogger(__name__)

# Who acts: a user, an anonymous visitor, or None for the system itself.


# --- people -----------------------------------------------------------------------------------


def create_user(
    username: str,
    *,
    actor: Actor,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    mobile: str | None = None,
    national_code: str | None = None,
    org_unit: OrgUnit | None = None,
    roles: Iterable[str] = (),
    preferred_language: str = "",
) -> User:
    """Create a user with normalised identifiers, a validated password (or none) and roles."""
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=User.objects.normalize_email(email),
        mobile=mobile,
        national_code=national_code,
        org_unit=org_unit,
        preferred_language=preferred_language,
    )
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
    user.full_clean()
    with transaction.atomic():
        user.save()
        record_activity(user, "user.created", actor=actor, new=contact_of(user))
        if roles:
            set_roles(user, roles, actor=actor)
    return user


def update_user_contact(
    user: User, *, actor: Actor, mobile: str | None, national_code: str | None
) -> User:
    """Change a user's mobile and national code (normalised, unique); no-op when unchanged."""
    old = contact_of(user)
    user.mobile, user.national_code = mobile, national_code
    try:
        user.full_clean(exclude=["password"])
    except ValidationError:
        user.mobile, user.national_code = old["mobile"], old["national_code"]
        raise
    new = contact_of(user)
    if new == old:
        return user
    with transaction.atomic():
        user.save(update_fields=["mobile", "national_code"])
        record_activity(user, "user.contact_changed", actor=actor, old=old, new=new)
    return user


def contact_of(user: User) -> dict[str, str | None]:
    """The identifiers recorded in Activity rows when contact details change."""
    return {"mobile": user.mobile, "national_code": user.national_code}


# --- roles ------------------------------------------------------------------------------------


def assign_role(user: User, role: str, *, actor: Actor) -> User:
    """Give `user` a role (its group); staff roles make them staff. No-op if already held."""
    return set_roles(user, user.roles | {Role(role)}, actor=actor)


def remove_role(user: User, role: str, *, actor: Actor) -> User:
    """Take a role away; without any staff role left a non-superuser stops being staff."""
    return set_roles(user, user.roles - {Role(role)}, actor=actor)


def set_roles(user: User, roles: Iterable[str], *, actor: Actor) -> User:
    """Make `user` hold exactly `roles`, keep `is_staff` in line and write one Activity row."""
    wanted = frozenset(Role(role).value for role in roles)
    user.forget_roles()
    old = user.roles
    with transaction.atomic():
        if wanted != old:
            groups = {group.name: group for group in _role_groups(wanted | old)}
            user.groups.remove(*(groups[name] for name in old - wanted))
            user.groups.add(*(groups[name] for name in wanted - old))
            record_activity(
                user,
                "user.roles_changed",
                actor=actor,
                old=sorted(old),
                new=sorted(wanted),
                data={"added": sorted(wanted - old), "removed": sorted(old - wanted)},
            )
        _align_staff_flag(user, wanted)
    user.forget_roles()
    return user


def _align_staff_flag(user: User, roles: frozenset[str]) -> None:
    """Staff are the holders of a staff role, and superusers."""
    is_staff = user.is_superuser or bool(roles & STAFF_ROLES)
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])


def _role_groups(names: Iterable[str]) -> list[Group]:
    """The role groups (made by the roles migration; created here if someone deleted one)."""
    return [Group.objects.get_or_create(name=name)[0] for name in names]


# --- second factor ----------------------------------------------------------------------------


class IssuedEnrolmentLink(NamedTuple):
    """A new enrolment link and its token, which exists only here: the row keeps its hash."""

    link: EnrolmentLink
    token: str


def issue_enrolment_link(
    user: User, *, actor: Actor, now: dt.datetime | None = None
) -> IssuedEnrolmentLink:
    """A single-use link with which `user` may set up (or, phone lost, replace) an authenticator.

    It expires after KHEDMAT_STAFF_2FA_LINK_HOURS; the user's earlier unused links die. The token
    is returned once, for the issuer to pass on privately; only its SHA-256 is stored.
    """
    if not user.is_active:
        raise EnrolmentNotAllowedError
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        live = EnrolmentLink.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now)
        revoked = live.update(expires_at=now)
        link = EnrolmentLink.objects.create(
            user=user,
            token_hash=EnrolmentLink.hash_token(token),
            created_by=actor if isinstance(actor, User) else None,
            created_at=now,
            expires_at=now + dt.timedelta(hours=settings.KHEDMAT_STAFF_2FA_LINK_HOURS),
        )
        record_activity(
            user,
            "user.enrolment_link_issued",
            actor=actor,
            data={
                "link": link.pk,
                "expires_at": link.expires_at.isoformat(),
                "revoked_links": revoked,
            },
        )
    return IssuedEnrolmentLink(link, token)


def start_totp_enrolment(user: User, *, actor: Actor) -> TOTPDevice:
    """The user's unconfirmed authenticator (created on first call), shown until confirmed.

    Call it only for a user allowed to enrol (see `confirm_totp_device`): it shows the secret.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def confirm_totp_device(
    device: TOTPDevice,
    code: str,
    *,
    actor: Actor,
    link: EnrolmentLink | None = None,
    current_code: str = "",
    now: dt.datetime | None = None,
) -> TOTPDevice:
    """Confirm an enrolment with a code from the app; it replaces the user's other devices.

    The password alone never enrols: it takes a live enrolment `link` for the device's user (used
    up here), or a `current_code` that the user's confirmed authenticator accepts. Without either:
    EnrolmentNotAllowedError; a wrong code from the new app: InvalidCodeError. Either way nothing
    changes.
    """
    now = now or timezone.now()
    if link is not None and (link.user_id != device.user_id or not link.is_live(now)):
        raise EnrolmentNotAllowedError
    # Codes are verified outside the transaction so the devices' own throttling survives.
    if link is None and not _current_code_accepted(device.user, current_code):
        raise EnrolmentNotAllowedError
    if device.confirmed or not device.verify_token(code):
        raise InvalidCodeError
    with transaction.atomic():
        if link is not None:
            _use_enrolment_link(link, now=now)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        replaced = TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk)
        replaced_count, _ = replaced.delete()
        notify_security_change(device.user, "authenticator", now=now)
        record_activity(
            device.user,
            "user.second_factor_enrolled",
            actor=actor,
            data={
                "replaced_devices": replaced_count,
                "by": "enrolment_link" if link is not None else "current_code",
                "link": link.pk if link is not None else None,
            },
        )
    return device


def _current_code_accepted(user: User, code: str) -> bool:
    """Whether one of the user's confirmed authenticators accepts `code` now (then it is spent)."""
    if not code:
        return False
    return any(device.verify_token(code) for device in devices_for_user(user, confirmed=True))


def _use_enrolment_link(link: EnrolmentLink, *, now: dt.datetime) -> None:
    """Mark the link used; a link used or expired meanwhile (another tab) refuses."""
    live = EnrolmentLink.objects.filter(pk=link.pk, used_at__isnull=True, expires_at__gt=now)
    if not live.update(used_at=now):
        raise EnrolmentNotAllowedError
    link.used_at = now


def reset_second_factor(user: User, *, actor: Actor) -> User:
    """Remove all of a user's authenticators (a lost phone); staff must enrol again."""
    with transaction.atomic():
        removed = sum(device.delete()[0] for device in devices_for_user(user, confirmed=None))
        if removed:
            record_activity(
                user, "user.second_factor_reset", actor=actor, data={"devices": removed}
            )
    return user


# --- login ------------------------------------------------------------------------------------


def check_login_password(
    request: HttpRequest | None, *, username: str, password: str, ip_address: str | None
) -> User:
    """The active user these credentials belong to, unless locked out; a failure is counted."""
    key = login_key(username)
    if login_is_locked(key, ip_address=ip_address):
        raise LoginLockedError
    user = authenticate(request, username=username, password=password)
    if not isinstance(user, User):
        record_login_failure(key, ip_address=ip_address, stage=LoginStage.PASSWORD)
        raise InvalidCredentialsError
    return user


def check_login_code(user: User, code: str, *, ip_address: str | None) -> Device:
    """The confirmed device that accepts `code` for `user`, unless locked out; failures count."""
    key = login_key(user.get_username())
    if login_is_locked(key, ip_address=ip_address):
        raise LoginLockedError
    for device in devices_for_user(user, confirmed=True):
        verified = verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified
    record_login_failure(key, ip_address=ip_address, stage=LoginStage.CODE)
    raise InvalidCodeError


def record_login_failure(
    username_key: str, *, ip_address: str | None, stage: LoginStage
) -> LoginFailure:
    """Count one failed attempt; reaching the limit writes a lockout Activity on the user."""
    with transaction.atomic():
        # The address the lockout counts (IPv6: its /64); the lockout Activity keeps it whole.
        address = rate_limit_address(ip_address)
        failure = LoginFailure.objects.create(
            username=username_key, ip_address=address, stage=stage
        )
        window = settings.KHEDMAT_LOGIN_LOCKOUT_MINUTES * 60
        for name in login_limit_names(username_key, ip_address):
            ratelimit.record_failure(name, window=window)
        count = recent_failure_count(username_key)
        if count == settings.KHEDMAT_LOGIN_MAX_FAILURES:
            _record_lockout(username_key, ip_address=ip_address, failures=count)
    return failure


def _record_lockout(username_key: str, *, ip_address: str | None, failures: int) -> None:
    logger.warning(
        "login locked for %r after %d failures (last from %s)", username_key, failures, ip_address
    )
    user = User.objects.filter(username__iexact=username_key).order_by("id").first()
    if user is None or login_key(user.username) != username_key:
        return
    record_activity(
        user,
        "user.locked_out",
        data={
            "failures": failures,
            "minutes": settings.KHEDMAT_LOGIN_LOCKOUT_MINUTES,
            "ip_address": ip_address,
        },
    )


def record_staff_login(user: User, *, ip_address: str | None, second_factor: bool) -> None:
    """The audit row of a completed password login (ASVS 7.2.1): who, from where, and whether
    the session is verified by an authenticator. Applicants' logins are the code's
    `login_code.used` row."""
    record_activity(
        user,
        "user.logged_in",
        actor=user,
        data={"ip_address": ip_address, "second_factor": second_factor},
    )


def clear_login_failures(user: User) -> int:
    """Forget the user's failed attempts after a complete login; returns how many were removed."""
    key = login_key(user.get_username())
    ratelimit.forget(login_limit_names(key, None)[0])
    deleted, _ = LoginFailure.objects.filter(username=key).delete()
    return deleted


def notify_security_change(user: User, change: str, *, now: dt.datetime | None = None) -> bool:
    """Tell a staff member that their password or authenticator (`change`) changed, by SMS to
    their mobile or else by e-mail, so a change they did not make is noticed (ASVS 2.2.3, 2.5.5).
    Queued with the change's transaction; False when they have neither address."""
    now = now or timezone.now()
    channel = Channel.SMS if user.mobile else Channel.EMAIL if user.email else None
    if channel is None:
        logger.warning("%s changed for %r, who has no mobile or e-mail", change, user.username)
        return False
    notify(
        "security_changed",
        record=user,
        recipient=user,
        channel=channel,
        context={"change": change, "username": user.get_username(), "when": now},
        idempotency_key=f"security_changed:{user.pk}:{change}:{now.timestamp()}",
        now=now,
    )
    return True
