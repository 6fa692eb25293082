"""The site's URLs plus views that fail, for the error-page tests (tests/core/test_security_errors.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from khedmat.urls import urlpatterns as site_urlpatterns

#: What a careless error page would show: a query, a setting, a path of the code.
SECRET_DETAIL = "SELECT national_code FROM accounts_user; SECRET_KEY=hunter2 /srv/khedmat/x.py"


@login_not_required
def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET_DETAIL)


@login_not_required
def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied(SECRET_DETAIL)


@login_not_required
def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation(SECRET_DETAIL)


urlpatterns = [
    path("test-errors/crash/", crash),
    path("test-errors/forbidden/", forbidden),
    path("test-errors/suspicious/", suspicious),
    *site_urlpatterns,
]
