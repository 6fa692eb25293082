"""The in-person desk (R-14): an operator files a request for a walk-in applicant.

The applicant's account is found, or made, by mobile number, so the applicant later follows the
same request online (OTP login with that mobile, or /track/ with the code and national code).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from khedmat.accounts import verification
from khedmat.accounts.choices import STAFF_ROLES, NationalCodeStatus, Role
from khedmat.accounts.models import User
from khedmat.accounts.services import assign_role, create_user
from khedmat.catalog.models import ServiceVersion
from khedmat.core.identifiers import normalize_mobile, normalize_national_code
from khedmat.core.services import record_activity
from khedmat.tickets import services
from khedmat.tickets.choices import IntakeChannel
from khedmat.tickets.errors import TicketError
from khedmat.tickets.models import Ticket


class WalkInError(TicketError):
    """The walk-in applicant's mobile or national code cannot be used for this request."""

    default_message = _("This applicant cannot be registered at the desk.")


STAFF_MOBILE = _(
    "This mobile number belongs to a staff account. Ask the applicant for their own mobile number."
)
OTHER_NATIONAL_CODE = _(
    "This mobile number is registered with another national code. Check both numbers with the "
    "applicant's identity card."
)
NATIONAL_CODE_TAKEN = _(
    "This national code is registered with another mobile number. Use the mobile number of that "
    "account, or ask an administrator to change it."
)
ACCOUNT_DISABLED = _("The account of this mobile number is disabled.")


@dataclass(frozen=True)
class WalkInApplicant:
    """Who came to the desk: their mobile, national code and name, as the operator typed them."""

    mobile: str
    national_code: str
    first_name: str
    last_name: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name.strip()} {self.last_name.strip()}".strip()


def _is_staff(user: User) -> bool:
    return user.is_staff or user.is_superuser or bool(user.roles & STAFF_ROLES)


def applicant_for_walk_in(
    mobile: str, national_code: str, first_name: str, last_name: str, *, actor: User | None
) -> User:
    """The applicant account of this mobile, made when there is none (no password: OTP login).

    An account found by mobile gets the national code and name when it has none yet, and the
    applicant role. Raises WalkInError when the mobile is a staff member's or belongs to another
    national code, or when the national code belongs to another account; ValidationError for a
    mobile or national code that is not valid.
    """
    mobile, national_code = normalize_mobile(mobile), normalize_national_code(national_code)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(mobile=mobile).first()
        # Only a verified holder owns the code: anyone may have typed it on their profile.
        holder = User.objects.filter(
            national_code=national_code, national_code_status=NationalCodeStatus.VERIFIED
        ).first()
        if user is None:
            if holder is not None:
                raise WalkInError(NATIONAL_CODE_TAKEN)
            user = _create_applicant(mobile, national_code, first_name, last_name, actor=actor)
            # The operator read the code off the card, not who owns the mobile: check it.
            verification.check_when_possible(user, actor=actor)
            return user
        if _is_staff(user):
            raise WalkInError(STAFF_MOBILE)
        if not user.is_active:
            raise WalkInError(ACCOUNT_DISABLED)
        if user.national_code and user.national_code != national_code:
            raise WalkInError(OTHER_NATIONAL_CODE)
        if holder is not None and holder.pk != user.pk:
            raise WalkInError(NATIONAL_CODE_TAKEN)
        _complete_identity(user, national_code, first_name, last_name, actor=actor)
        if not user.has_role(Role.APPLICANT):
            assign_role(user, Role.APPLICANT, actor=actor)
        verification.check_when_possible(user, actor=actor)
        return user


def _create_applicant(
    mobile: str, national_code: str, first_name: str, last_name: str, *, actor: User | None
) -> User:
    # The same username the OTP login gives an account it makes for a mobile.
    username = "m" + mobile.lstrip("+")
    if User.objects.filter(username=username).exists():
        username = f"{username}-{secrets.token_hex(3)}"
    return create_user(
        username,
        actor=actor,
        password=None,
        mobile=mobile,
        national_code=national_code,
        first_name=first_name.strip()[:150],
        last_name=last_name.strip()[:150],
        roles=[Role.APPLICANT],
    )


def _complete_identity(
    user: User, national_code: str, first_name: str, last_name: str, *, actor: User | None
) -> None:
    """Fill the account's empty national code and names; what the account holds stays."""
    wanted = {
        "national_code": national_code,
        "first_name": first_name.strip()[:150],
        "last_name": last_name.strip()[:150],
    }
    changes = {name: value for name, value in wanted.items() if value and not getattr(user, name)}
    if not changes:
        return
    old = {name: getattr(user, name) for name in changes}
    for name, value in changes.items():
        setattr(user, name, value)
    try:
        with transaction.atomic():
            user.save(update_fields=list(changes))
    except IntegrityError:
        for name, value in old.items():
            setattr(user, name, value)
        raise WalkInError(NATIONAL_CODE_TAKEN) from None
    record_activity(
        user,
        "user.identified_at_desk",
        actor=actor,
        old=old,
        new=changes,
    )


def submit_walk_in(
    version: ServiceVersion,
    *,
    applicant: WalkInApplicant,
    answers: Mapping[str, Any],
    documents: Mapping[str, Any] | None = None,
    files: Mapping[str, Sequence[File]] | None = None,
    operator: User,
    submission_key: str = "",
    language: str = "fa",
) -> Ticket:
    """File a request at the desk for a walk-in applicant, with their account, in one transaction.

    The request is the applicant's (they follow it online with the same tracking code); the
    operator is recorded as the one who filed it, and the channel is "in person". Raises what
    `applicant_for_walk_in` and `services.submit_request` raise; nothing is kept then.
    """
    with transaction.atomic():
        account = applicant_for_walk_in(
            applicant.mobile,
            applicant.national_code,
            applicant.first_name,
            applicant.last_name,
            actor=operator,
        )
        principal = services.Principal(
            name=applicant.full_name or str(account),
            national_code=normalize_national_code(applicant.national_code),
            mobile=account.mobile or "",
        )
        return services.submit_request(
            version,
            answers=answers,
            documents=documents,
            files=files,
            requester=account,
            filed_by=operator,
            principal=principal,
            channel=IntakeChannel.IN_PERSON,
            submission_key=submission_key,
            language=language,
        )
