"""Browser and access rules Django does not give: Permissions-Policy, the API's body types and
download headers, and staff kept to the networks and hours an administrator configured
(docs/security/asvs-l2.md)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from khedmat.core.http import client_ip, valid_ip
from khedmat.core.services import record_activity

logger = logging.getLogger(__name__)

Handler = Callable[[HttpRequest], HttpResponse]

#: Browser features no page of ours uses, switched off for every page and anything it embeds.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)
#: The session key that remembers a refusal already logged in this session (one row, not one
#: per page a refused staff member reloads).
REFUSAL_LOGGED_KEY = "khedmat_staff_access_refused"
#: Why a staff request is refused: outside the allowed networks, or outside the hours.
OUTSIDE_NETWORKS = "network"
OUTSIDE_HOURS = "hours"


class PermissionsPolicyMiddleware:
    """Adds `Permissions-Policy` to every page that has none (WhiteNoise answers static files
    before it: a stylesheet or script is no document and needs none)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


#: What an API request body may be: JSON, or a multipart form (files with a JSON payload part).
API_BODY_TYPES = frozenset(
    {"application/json", "multipart/form-data", "application/x-www-form-urlencoded"}
)


def _has_body(request: HttpRequest) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > 0
    except ValueError:
        return True


class ApiContentTypeMiddleware:
    """The API refuses a body of another type with 415 (ASVS 13.1.5, 13.2.5), and its JSON
    answers are attachments named api.json, so a browser opening one never renders it as a page
    (ASVS 14.4.2)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith("/api/"):
            return self.get_response(request)
        if _has_body(request) and request.content_type not in API_BODY_TYPES:
            detail = gettext("Send the body as application/json or multipart/form-data.")
            response: HttpResponse = JsonResponse({"detail": detail}, status=415)
        else:
            response = self.get_response(request)
        if response.get("Content-Type", "").startswith("application/json"):
            response.headers.setdefault("Content-Disposition", 'attachment; filename="api.json"')
        return response


@cache
def _networks(
    entries: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def address_allowed(address: str | None, networks: list[str]) -> bool:
    """Whether `address` lies in one of `networks` (CIDR ranges); no ranges: any address."""
    if not networks:
        return True
    canonical = valid_ip(address)
    if canonical is None:
        return False
    ip = ipaddress.ip_address(canonical)
    return any(ip in network for network in _networks(tuple(networks)))


def parse_hours(value: str) -> tuple[dt.time, dt.time] | None:
    """ "07:00-19:00" as (start, end); "" as None (any time). A window may cross midnight."""
    if not value:
        return None
    start, end = value.split("-", 1)
    return dt.time.fromisoformat(start.strip()), dt.time.fromisoformat(end.strip())


def time_allowed(moment: dt.datetime, hours: str) -> bool:
    """Whether `moment` (read in TIME_ZONE) falls within `hours` ("HH:MM-HH:MM"; "": always)."""
    window = parse_hours(hours)
    if window is None:
        return True
    start, end = window
    now = timezone.localtime(moment).time()
    if start <= end:
        return start <= now < end
    return now >= start or now < end  # "22:00-06:00": a night shift


def refusal_reason(request: HttpRequest, *, now: dt.datetime) -> str | None:
    """Why this staff request may not go through now, or None."""
    if not address_allowed(client_ip(request), settings.KHEDMAT_STAFF_ALLOWED_NETWORKS):
        return OUTSIDE_NETWORKS
    if not time_allowed(now, settings.KHEDMAT_STAFF_HOURS):
        return OUTSIDE_HOURS
    return None


def _always_open(path: str) -> bool:
    """Leaving, the language switch, static files and health checks stay reachable."""
    return path in {reverse("accounts:logout"), reverse("set_language")} or path.startswith(
        (settings.STATIC_URL or "/static/", "/healthz", "/readyz")
    )


def _log_refusal(request: HttpRequest, reason: str) -> None:
    """One Activity row on the user per session and reason, with the address and path."""
    if request.session.get(REFUSAL_LOGGED_KEY) == reason:
        return
    address = client_ip(request)
    logger.warning(
        "staff access refused (%s) for user %s from %s", reason, request.user.pk, address
    )
    record_activity(
        request.user,  # type: ignore[arg-type]
        "user.access_refused",
        actor=request.user,
        data={"reason": reason, "ip_address": address, "path": request.path[:200]},
    )
    request.session[REFUSAL_LOGGED_KEY] = reason


class StaffAccessMiddleware:
    """Refuses signed-in staff (superusers too) outside KHEDMAT_STAFF_ALLOWED_NETWORKS or
    KHEDMAT_STAFF_HOURS with a translated 403 page (JSON under /api/) and logs it once a session.

    Applicants are never concerned. Put after AuthenticationMiddleware and the session timeout.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        staff = user is not None and user.is_authenticated and (user.is_staff or user.is_superuser)
        if not staff or _always_open(request.path_info):
            return self.get_response(request)
        reason = refusal_reason(request, now=timezone.now())
        if reason is None:
            return self.get_response(request)
        _log_refusal(request, reason)
        return _refusal_page(request, reason)


def _refusal_page(request: HttpRequest, reason: str) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        detail = gettext("Staff access is not allowed from this network or at this time.")
        return JsonResponse({"detail": detail}, status=403)
    context = {"outside_hours": reason == OUTSIDE_HOURS, "hours": settings.KHEDMAT_STAFF_HOURS}
    return render(request, "core/staff_access_refused.html", context, status=403)
