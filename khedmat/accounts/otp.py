"""Applicant login by mobile and a one-time SMS code (R-12), and the applicant's own profile.

A code is six random digits; the row keeps only an HMAC-SHA256 of it keyed with SECRET_KEY and a
per-row salt. Rate limits count LoginCode rows: one code per mobile per KHEDMAT_OTP_RESEND_SECONDS,
KHEDMAT_OTP_PER_MOBILE_HOUR per mobile and KHEDMAT_OTP_PER_IP_HOUR per address in any hour, and a
site-wide budget (KHEDMAT_OTP_SITE_PER_MINUTE, KHEDMAT_OTP_SITE_PER_HOUR) that no spread of addresses
gets round. Past KHEDMAT_OTP_WRONG_PER_MOBILE_DAY wrong codes in 24 hours (over all its codes) a mobile
gets no code and logs in by none until the window passes. Staff never log in this way: they get the
same generic error as a wrong code (and no SMS).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from khedmat.accounts import verification
from khedmat.accounts.choices import NationalCodeStatus, Role
from khedmat.accounts.errors import (
    InvalidCodeError,
    NationalCodeLockedError,
    NationalCodeTakenError,
    OtpMobileLockedError,
    OtpRateLimitedError,
    OtpSiteBusyError,
)
from khedmat.accounts.models import LoginCode, User
from khedmat.accounts.services import assign_role, create_user
from khedmat.core.actors import Actor
from khedmat.core.digits import fold_digits
from khedmat.core.http import rate_limit_address
from khedmat.core.identifiers import normalize_mobile, normalize_national_code
from khedmat.core.services import record_activity
from khedmat.notifications.choices import MessageKind, MessageStatus
from khedmat.notifications.secrecy import Secret
from khedmat.notifications.services import notify

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
_HMAC_PURPOSE = "khedmat.accounts.otp.login_code"
REQUIRED = _("This field is required.")


# --- codes ------------------------------------------------------------------------------------


def hash_login_code(mobile: str, code: str, salt: str) -> str:
    """HMAC-SHA256 of the code for this mobile, keyed with SECRET_KEY and the row's salt."""
    digest = salted_hmac(
        f"{_HMAC_PURPOSE}:{salt}",
        f"{mobile}:{code}",
        secret=settings.SECRET_KEY,
        algorithm="sha256",
    )
    return digest.hexdigest()


def _new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _max_attempts() -> int:
    return int(settings.KHEDMAT_OTP_MAX_ATTEMPTS)


def _seconds_until(moment: dt.datetime, now: dt.datetime) -> int:
    return max(0, math.ceil((moment - now).total_seconds()))


# --- rate limits ------------------------------------------------------------------------------


def seconds_until_resend(mobile: str, *, now: dt.datetime | None = None) -> int:
    """Seconds before another code may be sent to this (E.164) mobile; 0 when it may now."""
    now = now or timezone.now()
    latest = LoginCode.objects.filter(mobile=mobile).order_by("-created_at", "-id").first()
    if latest is None:
        return 0
    wait = dt.timedelta(seconds=settings.KHEDMAT_OTP_RESEND_SECONDS)
    return _seconds_until(latest.created_at + wait, now)


def _hourly_wait(codes: list[dt.datetime], limit: int, now: dt.datetime) -> int:
    """Seconds until fewer than `limit` of these creation times fall within the last hour."""
    if len(codes) < limit:
        return 0
    # The oldest code that must leave the window for one more to fit.
    leaving = sorted(codes, reverse=True)[limit - 1]
    return max(1, _seconds_until(leaving + HOUR, now))


def login_code_wait(mobile: str, *, ip_address: str | None, now: dt.datetime) -> int:
    """Seconds before a code may be sent to `mobile` from `ip_address`; 0 when it may now."""
    since = now - HOUR
    by_mobile = LoginCode.objects.filter(mobile=mobile, created_at__gt=since)
    waits = [
        seconds_until_resend(mobile, now=now),
        _hourly_wait(
            list(by_mobile.values_list("created_at", flat=True)),
            settings.KHEDMAT_OTP_PER_MOBILE_HOUR,
            now,
        ),
    ]
    if ip_address:
        by_address = LoginCode.objects.filter(
            ip_address=rate_limit_address(ip_address), created_at__gt=since
        )
        waits.append(
            _hourly_wait(
                list(by_address.values_list("created_at", flat=True)),
                settings.KHEDMAT_OTP_PER_IP_HOUR,
                now,
            )
        )
    return max(waits)


def site_budget_wait(*, now: dt.datetime) -> int:
    """Seconds before the whole site may send another code (its per-minute and hourly budgets)."""
    budgets = (
        (MINUTE, settings.KHEDMAT_OTP_SITE_PER_MINUTE),
        (HOUR, settings.KHEDMAT_OTP_SITE_PER_HOUR),
    )
    return max(_budget_wait(window, limit, now) for window, limit in budgets)


def _budget_wait(window: dt.timedelta, limit: int, now: dt.datetime) -> int:
    """Seconds until fewer than `limit` codes of the whole site fall within `window` (one query)."""
    recent = LoginCode.objects.filter(created_at__gt=now - window).order_by("-created_at")
    # The limit-th newest code: while it is inside the window the budget is spent.
    leaving = list(recent.values_list("created_at", flat=True)[limit - 1 : limit])
    return max(1, _seconds_until(leaving[0] + window, now)) if leaving else 0


def wrong_code_wait(mobile: str, *, now: dt.datetime) -> int:
    """Seconds before `mobile` may log in by code again after too many wrong codes in 24 hours."""
    limit = settings.KHEDMAT_OTP_WRONG_PER_MOBILE_DAY
    rows = list(
        LoginCode.objects.filter(mobile=mobile, created_at__gt=now - DAY, attempts__gt=0)
        .order_by("created_at")
        .values_list("created_at", "attempts")
    )
    total = sum(attempts for _created, attempts in rows)
    for created_at, attempts in rows:  # oldest first: the window lets them go in this order
        if total < limit:
            break
        total -= attempts
        if total < limit:
            return max(1, _seconds_until(created_at + DAY, now))
    return 0


# --- sending ----------------------------------------------------------------------------------


def send_login_code(
    mobile: str, *, ip_address: str | None, language: str, now: dt.datetime | None = None
) -> LoginCode:
    """Send a new login code by SMS to `mobile` (within the rate limits); older codes die.

    Raises ValidationError for a mobile that is not an Iranian mobile number, OtpMobileLockedError
    after too many wrong codes for the mobile today, and OtpRateLimitedError (with `retry_after`
    seconds) when a limit is reached, ours, the site's (OtpSiteBusyError) or the message outbox's
    (then nothing is kept). The SMS is queued
    in the same transaction as the code; a staff member's mobile gets a row but no SMS.
    """
    mobile = normalize_mobile(mobile)
    now = now or timezone.now()
    code = _new_code()
    with transaction.atomic():
        # Locks the mobile's live codes, so two requests for one mobile queue up here.
        earlier = LoginCode.objects.select_for_update().filter(
            mobile=mobile, used_at__isnull=True, expires_at__gt=now
        )
        earlier_ids = list(earlier.values_list("pk", flat=True))
        _check_send_limits(mobile, ip_address=ip_address, now=now)
        LoginCode.objects.filter(pk__in=earlier_ids).update(expires_at=now)
        row = _create_login_code(mobile, code, ip_address=ip_address, now=now)
        record_activity(row, "login_code.sent", data={"ip_address": ip_address or None})
        if _is_staff_mobile(mobile):
            logger.warning("login code asked for the mobile of a staff account from %s", ip_address)
        else:
            message = notify(
                "otp",
                record=row,
                recipient=mobile,
                language=language,
                context={"code": Secret(code)},  # kept only until the SMS is handed over
                kind=MessageKind.OTP,
                idempotency_key=f"otp:{row.pk}",
                now=now,
            )
            if message.status == MessageStatus.CANCELLED:
                # The outbox refused it (its per-recipient hourly cap): no code, and the page
                # says to wait instead of claiming a code was sent.
                raise OtpRateLimitedError(settings.KHEDMAT_MESSAGE_RATE_WINDOW_SECONDS)
    return row


def _check_send_limits(mobile: str, *, ip_address: str | None, now: dt.datetime) -> None:
    """Raise the error of the first limit that refuses a code for `mobile` now."""
    locked = wrong_code_wait(mobile, now=now)
    if locked:
        raise OtpMobileLockedError(locked)
    wait = login_code_wait(mobile, ip_address=ip_address, now=now)
    if wait:
        raise OtpRateLimitedError(wait)
    busy = site_budget_wait(now=now)
    if busy:
        logger.warning("the site's login-code budget is spent; refusing codes for %d s", busy)
        raise OtpSiteBusyError(busy)


def _create_login_code(
    mobile: str, code: str, *, ip_address: str | None, now: dt.datetime
) -> LoginCode:
    salt = secrets.token_hex(16)
    return LoginCode.objects.create(
        mobile=mobile,
        code_hash=hash_login_code(mobile, code, salt),
        salt=salt,
        created_at=now,
        expires_at=now + dt.timedelta(seconds=settings.KHEDMAT_OTP_TTL_SECONDS),
        ip_address=rate_limit_address(ip_address),  # IPv6: its /64; the Activity keeps it all
    )


def _is_staff_mobile(mobile: str) -> bool:
    user = User.objects.filter(mobile=mobile).first()
    return user is not None and _is_staff(user)


def _is_staff(user: User) -> bool:
    return user.is_staff or user.is_superuser or user.is_staff_member


# --- verifying --------------------------------------------------------------------------------


def verify_login_code(
    mobile: str, code: str, *, ip_address: str | None, now: dt.datetime | None = None
) -> User:
    """The applicant whose latest live code for `mobile` is `code` (made on first login).

    The code is used once. A wrong code counts an attempt; at KHEDMAT_OTP_MAX_ATTEMPTS the code is
    dead. Wrong, expired, used or dead codes, staff and inactive accounts all raise the same
    InvalidCodeError, so nothing is learned from the answer. Once the mobile has had
    KHEDMAT_OTP_WRONG_PER_MOBILE_DAY wrong codes in 24 hours, every code (even the right one) gets
    OtpMobileLockedError until the window passes.
    """
    now = now or timezone.now()
    try:
        mobile = normalize_mobile(mobile)
    except ValidationError:
        raise InvalidCodeError from None
    code = fold_digits(code or "").replace(" ", "").replace("-", "")
    with transaction.atomic():
        row = (
            LoginCode.objects.select_for_update()
            .filter(mobile=mobile)
            .order_by("-created_at", "-id")
            .first()
        )
        user, locked = None, wrong_code_wait(mobile, now=now)
        if not locked and row is not None and row.is_live(now, max_attempts=_max_attempts()):
            if _matches(row, code):
                user = _use_login_code(row, ip_address=ip_address, now=now)
            else:
                _count_wrong_attempt(row, ip_address=ip_address)
                locked = wrong_code_wait(mobile, now=now)  # this wrong code may reach the cap
    if locked:
        raise OtpMobileLockedError(locked)
    if user is None:
        raise InvalidCodeError
    return user


def _matches(row: LoginCode, code: str) -> bool:
    expected = row.code_hash
    given = hash_login_code(row.mobile, code, row.salt)
    # Both sides are always hashed and compared, so the time taken says nothing about the code.
    well_formed = code.isascii() and code.isdigit() and len(code) == CODE_DIGITS
    return constant_time_compare(given, expected) and well_formed


def _count_wrong_attempt(row: LoginCode, *, ip_address: str | None) -> None:
    row.attempts += 1
    row.save(update_fields=["attempts"])
    record_activity(
        row, "login_code.rejected", data={"attempts": row.attempts, "ip_address": ip_address}
    )


def _use_login_code(row: LoginCode, *, ip_address: str | None, now: dt.datetime) -> User | None:
    """Mark the code used and return the applicant for its mobile, or None for staff/inactive."""
    row.used_at = now
    row.save(update_fields=["used_at"])
    user = User.objects.filter(mobile=row.mobile).first()
    if user is not None and (_is_staff(user) or not user.is_active):
        record_activity(row, "login_code.refused", data={"ip_address": ip_address})
        return None
    if user is None:
        user = _create_applicant(row.mobile)
    elif not user.has_role(Role.APPLICANT):
        assign_role(user, Role.APPLICANT, actor=None)
    record_activity(row, "login_code.used", actor=user, data={"ip_address": ip_address})
    return user


def _create_applicant(mobile: str) -> User:
    """A new applicant account for a mobile: no password, the applicant role."""
    username = "m" + mobile.lstrip("+")
    if User.objects.filter(username=username).exists():
        username = f"{username}-{secrets.token_hex(3)}"
    return create_user(username, actor=None, mobile=mobile, roles=[Role.APPLICANT])


# --- the applicant's profile ----------------------------------------------------------------


def profile_is_complete(user: User) -> bool:
    """Whether the applicant has given a first name, a last name and a national code."""
    return bool(user.first_name.strip() and user.last_name.strip() and user.national_code)


def complete_applicant_profile(
    user: User, *, first_name: str, last_name: str, national_code: str, actor: Actor
) -> User:
    """Set the applicant's name and national code (R-12, R-43); no-op when nothing changes.

    A new code is unverified: it proves nothing until the mobile-ownership check (queued here,
    khedmat.accounts.verification) confirms it. Raises ValidationError for an empty name or an
    invalid national code, NationalCodeTakenError when another account holds the code verified
    and NationalCodeLockedError when the account's own code is verified and different.
    """
    names = {"first_name": first_name.strip(), "last_name": last_name.strip()}
    missing = {name: REQUIRED for name, value in names.items() if not value}
    if missing:
        raise ValidationError(missing)
    code = normalize_national_code(national_code)
    if user.verified_national_code and user.verified_national_code != code:
        raise NationalCodeLockedError
    holders = User.objects.filter(national_code=code).exclude(pk=user.pk)
    if holders.filter(national_code_status=NationalCodeStatus.VERIFIED).exists():
        raise NationalCodeTakenError
    old = _profile_of(user)
    new = {**names, "national_code": code}
    if new == old:
        return user
    for name, value in new.items():
        setattr(user, name, value)
    with transaction.atomic():
        user.save(update_fields=list(new))  # a new code voids an earlier check (User.save)
        record_activity(user, "user.profile_completed", actor=actor, old=old, new=new)
        if old["national_code"] != code:
            verification.check_when_possible(user, actor=actor if isinstance(actor, User) else None)
    return user


def _profile_of(user: User) -> dict[str, str | None]:
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "national_code": user.national_code,
    }


def prune_login_codes(*, now: dt.datetime | None = None, batch: int = 10_000) -> int:
    """Delete login codes older than a day (their Activity rows stay as the audit trail)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=1)
    old = list(LoginCode.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:batch])
    deleted, _ = LoginCode.objects.filter(pk__in=old).delete()
    return deleted
