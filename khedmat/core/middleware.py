"""Site-wide request rules: login required, proxy headers, private pages not cached, staff idle."""

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
#: The session key holding the time (epoch seconds) of a staff member's last request.
LAST_SEEN_KEY = "khedmat_last_seen"
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


def _is_staff(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and (user.is_staff or user.is_superuser))


def idle_expired(request: HttpRequest, *, now: float) -> bool:
    """Whether the staff session saw no request for KHEDMAT_STAFF_IDLE_MINUTES; else note `now`."""
    last_seen = request.session.get(LAST_SEEN_KEY)
    limit = settings.KHEDMAT_STAFF_IDLE_MINUTES * 60
    if isinstance(last_seen, int | float) and now - last_seen > limit:
        return True
    if not isinstance(last_seen, int | float) or now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS:
        request.session[LAST_SEEN_KEY] = int(now)
    return False


def start_idle_clock(sender: object, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """On login (user_logged_in): a staff session's last request is now."""
    session = getattr(request, "session", None)
    if session is not None and (user.is_staff or user.is_superuser):
        session[LAST_SEEN_KEY] = int(time.time())


class StaffIdleTimeoutMiddleware:
    """Logs out staff after KHEDMAT_STAFF_IDLE_MINUTES without a request; applicants are untouched.

    The next request after the pause lands on the login page (then back where it was) with a
    message; an API call just answers as for anyone signed out. Put after MessageMiddleware.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _is_staff(request):
            if LAST_SEEN_KEY in request.session:  # signed out some other way: a login starts anew
                del request.session[LAST_SEEN_KEY]
            return self.get_response(request)
        if not idle_expired(request, now=time.time()):
            return self.get_response(request)
        logout(request)
        if request.path_info.startswith("/api/"):
            return self.get_response(request)
        messages.warning(request, _("You were signed out after a period without activity."))
        response = redirect_to_login(request.get_full_path())
        if request.headers.get("HX-Request"):
            response["HX-Redirect"] = response["Location"]  # a partial reloads the whole page
        return response
