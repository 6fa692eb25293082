"""Staff must pass the second factor before the workspace or the admin."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from khedmat.accounts.models import User
from khedmat.accounts.queries import confirmed_device, second_factor_required

# Paths always reachable, so a staff member can verify, enrol, leave, or change language.
ALWAYS_OPEN_PREFIXES = ("/healthz", "/readyz")


@cache
def _open_paths() -> tuple[frozenset[str], tuple[str, ...]]:
    """The exact paths and the prefixes a staff member without a second factor may open
    (reversed once per process)."""
    setup = reverse("accounts:two_factor_setup")
    exact = frozenset(
        {reverse("accounts:verify"), setup, reverse("accounts:logout"), reverse("set_language")}
    )
    # The setup prefix: an administrator's enrolment link (/accounts/two-factor/setup/<token>/).
    return exact, (setup, settings.STATIC_URL or "/static/", *ALWAYS_OPEN_PREFIXES)


class StaffSecondFactorMiddleware:
    """Sends signed-in staff whose session has no verified second factor to verify or enrol.

    Applies when KHEDMAT_STAFF_2FA is "required"; under "optional" staff go through. Put after
    django_otp's OTPMiddleware (which adds `request.user.is_verified()`).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Who must verify is asked first: for everyone else (applicants, visitors, verified
        # staff) the open paths need not be worked out at all.
        if not self._must_verify(request) or self._is_open(request.path_info):
            return self.get_response(request)
        return self._refuse(request)

    @staticmethod
    def _is_open(path: str) -> bool:
        exact, prefixes = _open_paths()
        return path in exact or path.startswith(prefixes)

    @staticmethod
    def _must_verify(request: HttpRequest) -> bool:
        if not second_factor_required():
            return False
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        if not (user.is_staff or user.is_superuser):
            return False
        return not user.is_verified()

    @staticmethod
    def _refuse(request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": _("Second factor required.")}, status=403)
        user = request.user
        assert isinstance(user, User)  # _must_verify passed: a signed-in user
        url_name = "accounts:verify" if confirmed_device(user) else "accounts:two_factor_setup"
        url = reverse(url_name)
        if request.method == "GET":
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        return HttpResponseRedirect(url)
