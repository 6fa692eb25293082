"""Prove an applicant's national code: is their mobile registered to it (a Shahkar-style inquiry)?

A national code typed on the profile form (or at the desk) is stored unverified. Only a verified
code lets the account follow requests filed for that code by others
(`Ticket.objects.visible_to_applicant`, `tickets.services.can_follow`); the account that filed a
request always follows it. The check runs in a job through the inquiries framework (cache, circuit
breaker, log): `request_national_code_check` queues it, the job (`finish_national_code_check`) asks
the provider, and `settle_national_code_check` records the answer. When a code is verified, every
other account's unverified claim to it is released, so typing someone's code never locks them out.
A new mobile or national code voids the check (`User.save`).
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from khedmat.accounts.choices import NATIONAL_CODE_TRANSITIONS, NationalCodeStatus
from khedmat.accounts.errors import NationalCodeCheckLimitError, NationalCodeCheckUnavailableError
from khedmat.accounts.models import User
from khedmat.config import ConfigError
from khedmat.core.services import record_activity
from khedmat.integrations import services as integrations
from khedmat.integrations.choices import InquiryOutcome
from khedmat.integrations.models import InquiryRequest
from khedmat.jobs.errors import RetryableError

logger = logging.getLogger(__name__)

MOBILE_OWNERSHIP = "mobile_ownership"
DAY = dt.timedelta(days=1)

#: Where a check may be asked for (a verified code is final; a pending one is being checked).
CHECKABLE = frozenset(
    status
    for status, moves in NATIONAL_CODE_TRANSITIONS.items()
    if NationalCodeStatus.PENDING in moves
)

# Reasons recorded with a refused or failed check (Activity data), for staff reading the history.
TAKEN = "verified_by_another_account"
SUPERSEDED = "superseded"  # answered already, or the code or mobile changed since


def ownership_parameters(user: User) -> dict[str, str]:
    """What the inquiry asks: the national code and the mobile as the operators write it (09…)."""
    mobile = user.mobile or ""
    local = "0" + mobile[3:] if mobile.startswith("+98") else mobile
    return {"national_code": user.national_code or "", "mobile": local}


def can_request_check(user: User) -> bool:
    """Whether the account has a code and a mobile to check, and no check running or done."""
    return bool(user.national_code and user.mobile) and user.national_code_status in CHECKABLE


def checks_of(user: User) -> QuerySet[InquiryRequest]:
    """The mobile-ownership inquiries asked for this account, newest first."""
    return InquiryRequest.objects.filter(
        record_type__app_label=User._meta.app_label,
        record_type__model=User._meta.model_name,
        record_id=str(user.pk),
        kind=MOBILE_OWNERSHIP,
    ).order_by("-id")


def checks_asked_today(user: User, *, now: dt.datetime | None = None) -> int:
    """How many checks this account asked for in the last 24 hours."""
    return checks_of(user).filter(created_at__gt=(now or timezone.now()) - DAY).count()


# --- asking ------------------------------------------------------------------------------------


def request_national_code_check(
    user: User, *, actor: User | None, now: dt.datetime | None = None
) -> User:
    """Queue the check of the account's national code against its mobile (status pending).

    No-op when there is nothing to check (see can_request_check). Raises
    NationalCodeCheckLimitError after KHEDMAT_NATIONAL_CODE_CHECKS_PER_DAY checks in a day and
    NationalCodeCheckUnavailableError when no provider answers the mobile_ownership inquiry.
    """
    from khedmat.accounts.tasks import verify_national_code_task

    if not can_request_check(user):
        return user
    if checks_asked_today(user, now=now) >= settings.KHEDMAT_NATIONAL_CODE_CHECKS_PER_DAY:
        raise NationalCodeCheckLimitError
    parameters = ownership_parameters(user)
    try:
        with transaction.atomic():
            inquiry = integrations.open_inquiry(user, MOBILE_OWNERSHIP, parameters, actor=actor)
            _change_check_status(user, NationalCodeStatus.PENDING, actor=actor, inquiry=inquiry.pk)
            verify_national_code_task.enqueue(user.pk, inquiry.pk)
    except ConfigError as error:
        logger.error("national codes cannot be checked: %s", error)
        raise NationalCodeCheckUnavailableError from error
    return user


def check_when_possible(user: User, *, actor: User | None) -> bool:
    """Queue the check of a code never checked (or whose check a new mobile or code voided);
    False, and nothing happens, when it is not due or cannot be asked for now."""
    if user.national_code_status != NationalCodeStatus.UNVERIFIED:
        return False
    try:
        request_national_code_check(user, actor=actor)
    except (NationalCodeCheckLimitError, NationalCodeCheckUnavailableError):
        return False
    return user.national_code_status == NationalCodeStatus.PENDING


# --- answering (the job) -------------------------------------------------------------------------


def _is_current(user: User, inquiry: InquiryRequest) -> bool:
    """Whether the inquiry is the account's latest and still asks about its code and mobile."""
    if user.national_code_status != NationalCodeStatus.PENDING:
        return False
    latest = checks_of(user).values_list("pk", flat=True).first()
    expected = integrations.parameters_hash(MOBILE_OWNERSHIP, ownership_parameters(user))
    return latest == inquiry.pk and hmac.compare_digest(expected, inquiry.parameters_hash)


def _matched(inquiry: InquiryRequest) -> bool:
    """Only a found answer that says matched: true proves the mobile is registered to the code."""
    result: dict[str, Any] = inquiry.result or {}
    data = result.get("data")
    return (
        result.get("outcome") == InquiryOutcome.FOUND
        and isinstance(data, dict)
        and data.get("matched") is True
    )


def finish_national_code_check(user: User, inquiry: InquiryRequest) -> User:
    """Run the queued check: ask the provider, then settle the account.

    A passing outage re-raises its RetryableError (the worker retries); any other failure leaves
    the account's check failed (the applicant may ask again) and re-raises.
    """
    if not _is_current(user, inquiry):
        integrations.abandon_inquiry(inquiry, reason=SUPERSEDED)
        return user
    try:
        inquiry = integrations.perform_inquiry_request(inquiry, ownership_parameters(user))
    except RetryableError:
        raise
    except Exception:
        _settle(user, NationalCodeStatus.FAILED, inquiry=inquiry)
        raise
    return settle_national_code_check(user, matched=_matched(inquiry), inquiry=inquiry)


def settle_national_code_check(
    user: User,
    *,
    matched: bool,
    actor: User | None = None,
    inquiry: InquiryRequest | None = None,
    now: dt.datetime | None = None,
) -> User:
    """Record a pending check's answer: verified (other accounts' unverified claims to the code
    are released) or refused. A code another account already verified is refused."""
    status = NationalCodeStatus.VERIFIED if matched else NationalCodeStatus.REFUSED
    try:
        return _settle(user, status, actor=actor, inquiry=inquiry, now=now)
    except IntegrityError:
        # Another account verified the same code at the same moment (the unique constraint).
        return _settle(user, NationalCodeStatus.REFUSED, actor=actor, inquiry=inquiry, reason=TAKEN)


def _settle(
    user: User,
    status: NationalCodeStatus,
    *,
    actor: User | None = None,
    inquiry: InquiryRequest | None = None,
    now: dt.datetime | None = None,
    reason: str = "",
) -> User:
    with transaction.atomic():
        current = User.objects.select_for_update().filter(pk=user.pk).first()
        if current is None or current.national_code_status != NationalCodeStatus.PENDING:
            return user
        if inquiry is not None and not _is_current(current, inquiry):
            return user  # the code or mobile changed while the provider was asked
        _copy_identity(current, user)
        if status == NationalCodeStatus.VERIFIED and _verified_elsewhere(user):
            status, reason = NationalCodeStatus.REFUSED, TAKEN
        if status == NationalCodeStatus.VERIFIED:
            _release_claims(user)
        extra = {"inquiry": inquiry.pk} if inquiry is not None else {}
        _change_check_status(user, status, actor=actor, now=now, reason=reason, **extra)
    return user


def _copy_identity(source: User, target: User) -> None:
    for name in ("mobile", "national_code", "national_code_status", "national_code_verified_at"):
        setattr(target, name, getattr(source, name))


def _verified_elsewhere(user: User) -> bool:
    others = User.objects.filter(
        national_code=user.national_code, national_code_status=NationalCodeStatus.VERIFIED
    )
    return others.exclude(pk=user.pk).exists()


def _release_claims(owner: User) -> None:
    """Other accounts that typed the owner's code lose it (they are asked for their own again)."""
    claims = User.objects.select_for_update().filter(national_code=owner.national_code)
    for claim in claims.exclude(pk=owner.pk):
        claim.national_code = None  # User.save voids its check too
        claim.save(update_fields=["national_code"])
        record_activity(
            claim,
            "user.national_code_released",
            actor=None,
            old=owner.national_code,
            new=None,
            data={"verified_by": owner.pk},
        )


def _change_check_status(
    user: User,
    status: NationalCodeStatus,
    *,
    actor: User | None,
    now: dt.datetime | None = None,
    reason: str = "",
    **data: Any,
) -> User:
    """Move the check along NATIONAL_CODE_TRANSITIONS, with its Activity row."""
    old = user.national_code_status
    if status not in NATIONAL_CODE_TRANSITIONS[old]:
        raise ValueError(f"national code check: {old} -> {status} is not allowed")
    user.national_code_status = status
    verified = status == NationalCodeStatus.VERIFIED
    user.national_code_verified_at = (now or timezone.now()) if verified else None
    user.save(update_fields=["national_code_status", "national_code_verified_at"])
    record_activity(
        user,
        "user.national_code_check",
        actor=actor,
        old=old,
        new=str(status),
        data={**data, "reason": reason} if reason else data,
    )
    return user
