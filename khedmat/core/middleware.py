"""Site-wide request rules: login required, proxy headers, private pages not cached, session
timeouts."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _

from khedmat.core.http import is_trusted_proxy

Handler = Callable[[HttpRequest], HttpResponse]

#: Paths whose pages are personal or staff-only whoever asks: never kept in a cache.
PRIVATE_PREFIXES = ("/desk/", "/admin/", "/accounts/", "/api/")
#: The session key holding the time (epoch seconds) of the session's last request.
LAST_SEEN_KEY = "khedmat_last_seen"
#: The session key holding the time (epoch seconds) of the login that started the session.
LOGGED_IN_KEY = "khedmat_logged_in_at"
EXPIRED_IDLE = "idle"
EXPIRED_AGE = "age"
EXPIRED_MESSAGES = {
    EXPIRED_IDLE: _("You were signed out after a period without activity."),
    EXPIRED_AGE: _("Your session has ended. Please log in again."),
}
#: The stored time is refreshed at most this often, not on every request (one session write).
LAST_SEEN_RESOLUTION_SECONDS = 60


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Django's middleware, but /api/ uses its own authentication and answers JSON."""

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):  # type: ignore[no-untyped-def]
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class TrustedProxyProtoMiddleware:
    """Drops X-Forwarded-Proto unless the request came through a configured proxy.

    SecurityMiddleware and `request.is_secure()` read the header (SECURE_PROXY_SSL_HEADER); a
    client talking to the app directly must not be able to claim HTTPS with it. Put first.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_trusted_proxy(request.META.get("REMOTE_ADDR")):
            request.META.pop("HTTP_X_FORWARDED_PROTO", None)
        return self.get_response(request)


def _is_private(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    if request.method not in ("GET", "HEAD"):
        return True  # the answer to a form (a tracked request, a filed complaint)
    return request.path_info.startswith(PRIVATE_PREFIXES)


class PrivatePagesNoStoreMiddleware:
    """`Cache-Control: no-store` on what a shared computer must not keep.

    Every page of a signed-in person, every staff, admin, account or API path and every answer to
    a form. Public pages seen anonymously stay cacheable; static files never reach this (WhiteNoise
    answers them first). Put after AuthenticationMiddleware.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        private = _is_private(request)  # before the view: a logout leaves an anonymous user
        response = self.get_response(request)
        if private or _is_private(request):
            del response["Cache-Control"]
            add_never_cache_headers(response)  # max-age=0, no-cache, no-store, must-revalidate
        return response


def _is_staff(user: Any) -> bool:
    return bool(user.is_staff or user.is_superuser)


def idle_limit_seconds(user: Any) -> int:
    """How long a session may see no request: KHEDMAT_STAFF_IDLE_MINUTES for staff,
    KHEDMAT_APPLICANT_IDLE_MINUTES for everyone else."""
    minutes = (
        settings.KHEDMAT_STAFF_IDLE_MINUTES
        if _is_staff(user)
        else settings.KHEDMAT_APPLICANT_IDLE_MINUTES
    )
    return int(minutes) * 60


def session_expired(request: HttpRequest, *, now: float) -> str | None:
    """EXPIRED_AGE when the signed-in session is older than SESSION_COOKIE_AGE since its login
    (whatever the activity), EXPIRED_IDLE when it saw no request for its idle limit; else None,
    and `now` is noted as seen."""
    logged_in_at = request.session.get(LOGGED_IN_KEY)
    if isinstance(logged_in_at, int | float) and now - logged_in_at > settings.SESSION_COOKIE_AGE:
        return EXPIRED_AGE
    last_seen = request.session.get(LAST_SEEN_KEY)
    if isinstance(last_seen, int | float) and now - last_seen > idle_limit_seconds(request.user):
        return EXPIRED_IDLE
    if not isinstance(last_seen, int | float) or now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS:
        request.session[LAST_SEEN_KEY] = int(now)
    if not isinstance(logged_in_at, int | float):
        request.session[LOGGED_IN_KEY] = int(now)  # a session from before this rule: from now
    return None


def start_idle_clock(sender: object, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """On login (user_logged_in): the session's login and last request are now."""
    session = getattr(request, "session", None)
    if session is not None:
        session[LAST_SEEN_KEY] = session[LOGGED_IN_KEY] = int(time.time())


class SessionTimeoutMiddleware:
    """Logs out a session idle past its limit (staff 30 minutes, applicants 60 by default) or
    older than SESSION_COOKIE_AGE since login (ASVS 3.3.2).

    The next request after the pause lands on the login page (then back where it was) with a
    message; an API call just answers as for anyone signed out. Put after MessageMiddleware.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            for key in (LAST_SEEN_KEY, LOGGED_IN_KEY):  # signed out some other way: start anew
                if key in request.session:
                    del request.session[key]
            return self.get_response(request)
        expired = session_expired(request, now=time.time())
        if expired is None:
            return self.get_response(request)
        staff = _is_staff(user)
        logout(request)
        if request.path_info.startswith("/api/"):
            return self.get_response(request)
        messages.warning(request, EXPIRED_MESSAGES[expired])
        login_url = settings.LOGIN_URL if staff else "accounts:applicant_login"
        response = redirect_to_login(request.get_full_path(), login_url)
        if request.headers.get("HX-Request"):
            response["HX-Redirect"] = response["Location"]  # a partial reloads the whole page
        return response
