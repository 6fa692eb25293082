"""Who may see which units, teams and people (object-level visibility), and login lockout reads."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.models import Device

from khedmat.accounts.choices import STAFF_ROLES, Role, SecondFactorMode
from khedmat.accounts.models import EnrolmentLink, OrgUnit, Team, User
from khedmat.core import ratelimit
from khedmat.core.http import rate_limit_address

# How many times the per-user limit one address may fail before it is refused as well.
IP_FAILURE_FACTOR = 4

Viewer = User | AnonymousUser


def _is_admin(viewer: Viewer) -> bool:
    return isinstance(viewer, User) and viewer.is_administrator


def _active_user(viewer: Viewer) -> User | None:
    return viewer if isinstance(viewer, User) and viewer.is_active else None


def unit_and_descendant_ids(unit_ids: Iterable[int]) -> set[int]:
    """The given units and every unit below them (one query per tree level)."""
    found: set[int] = set()
    frontier = set(unit_ids)
    while frontier:
        found |= frontier
        children = OrgUnit.objects.filter(parent_id__in=frontier).values_list("id", flat=True)
        frontier = set(children) - found
    return found


def visible_org_unit_ids(viewer: Viewer) -> set[int] | None:
    """Ids of the units `viewer` may see; None means all of them."""
    if _is_admin(viewer):
        return None
    user = _active_user(viewer)
    if user is None or user.org_unit_id is None:
        return set()
    if user.has_role(Role.SUPERVISOR):
        return unit_and_descendant_ids([user.org_unit_id])
    if user.roles & STAFF_ROLES:
        return {user.org_unit_id}
    return set()


def visible_org_units(viewer: Viewer) -> QuerySet[OrgUnit]:
    """Units `viewer` may see: admins all, supervisors their subtree, agents and operators their unit."""
    ids = visible_org_unit_ids(viewer)
    if ids is None:
        return OrgUnit.objects.all()
    return OrgUnit.objects.filter(id__in=ids)


def teams_for(user: Viewer) -> QuerySet[Team]:
    """The active teams `user` is a member of (their work queues)."""
    member = _active_user(user)
    if member is None:
        return Team.objects.none()
    return Team.objects.filter(members=member, is_active=True).select_related("org_unit")


def visible_teams(viewer: Viewer) -> QuerySet[Team]:
    """Teams `viewer` may see: the teams of their visible units and the teams they belong to."""
    ids = visible_org_unit_ids(viewer)
    if ids is None:
        return Team.objects.all()
    user = _active_user(viewer)
    if user is None:
        return Team.objects.none()
    return Team.objects.filter(Q(org_unit_id__in=ids) | Q(members=user)).distinct()


def visible_users(viewer: Viewer) -> QuerySet[User]:
    """People `viewer` may see.

    Everyone sees themselves; admins see everyone; staff see applicants (people who hold no staff
    role and are not staff), the staff of their visible units and the members of their teams.
    """
    if _is_admin(viewer):
        return User.objects.all()
    user = _active_user(viewer)
    if user is None:
        return User.objects.none()
    if not user.roles & STAFF_ROLES:
        return User.objects.filter(pk=user.pk)
    unit_ids = visible_org_unit_ids(user) or set()
    applicants = Q(is_staff=False, is_superuser=False) & ~Q(groups__name__in=STAFF_ROLES)
    colleagues = Q(org_unit_id__in=unit_ids) | Q(teams__members=user)
    ids = User.objects.filter(applicants | colleagues | Q(pk=user.pk)).values("pk")
    return User.objects.filter(pk__in=ids)


def can_view_user(viewer: Viewer, user: User) -> bool:
    """Whether `viewer` may see `user` (see `visible_users`)."""
    if isinstance(viewer, User) and viewer.pk == user.pk and viewer.is_active:
        return True
    return visible_users(viewer).filter(pk=user.pk).exists()


def confirmed_device(user: User) -> Device | None:
    """The user's first confirmed second-factor device, if any."""
    return next(devices_for_user(user, confirmed=True), None)


def live_enrolment_link(
    *, token: str | None = None, link_id: object = None, now: dt.datetime | None = None
) -> EnrolmentLink | None:
    """The unused, unexpired enrolment link of an active user with this token (or id), if any."""
    if token:
        found = EnrolmentLink.objects.filter(token_hash=EnrolmentLink.hash_token(token))
    elif isinstance(link_id, int):
        found = EnrolmentLink.objects.filter(pk=link_id)
    else:
        return None
    link = found.filter(user__is_active=True).select_related("user").first()
    return link if link is not None and link.is_live(now or timezone.now()) else None


def login_key(username: str) -> str:
    """The form of a username that failures are counted under (NFKC, case-folded, trimmed)."""
    return unicodedata.normalize("NFKC", username or "").strip().casefold()[:150]


def login_limit_names(username_key: str, ip_address: str | None) -> list[str]:
    """The rate-limit keys (core.ratelimit) a login failure counts under: the username, and the
    address (IPv6: its /64) when known."""
    names = [f"login:user:{username_key}"]
    address = rate_limit_address(ip_address)
    return [*names, f"login:ip:{address}"] if address else names


def recent_failure_count(username_key: str, *, now: float | None = None) -> int:
    """Failures for one (normalised) username in its open lockout window."""
    (name,) = login_limit_names(username_key, None)
    window = ratelimit.windows([name], now=now).get(name)
    return window.count if window is not None else 0


def login_is_locked(username_key: str, *, ip_address: str | None, now: float | None = None) -> bool:
    """Whether logins for this username, or from this address (IPv6: its /64), are refused.

    One indexed read of the shared counters (core.ratelimit), the same for every web worker.
    """
    limit = settings.KHEDMAT_LOGIN_MAX_FAILURES
    names = login_limit_names(username_key, ip_address)
    found, at = ratelimit.windows(names, now=now), ratelimit.moment(now)
    maxima = [limit, limit * IP_FAILURE_FACTOR]
    return any(
        found[name].wait(maximum, at)
        for name, maximum in zip(names, maxima, strict=False)
        if name in found
    )


def second_factor_required() -> bool:
    """Whether staff must pass the second factor (the KHEDMAT_STAFF_2FA setting)."""
    return bool(settings.KHEDMAT_STAFF_2FA == SecondFactorMode.REQUIRED)
