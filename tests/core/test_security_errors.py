"""Error pages (ASVS 7.4.1, 14.3.2-3): 400, 403, 404, 500 and the CSRF failure say nothing of the
failure (no trace, query, setting, path or version), are translated and carry the security
headers, with DEBUG off as in production."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.core.error_urls import SECRET_DETAIL

pytestmark = pytest.mark.django_db

#: What no error page may contain.
LEAKS = (
    "Traceback",
    "RuntimeError",
    "SuspiciousOperation",
    "PermissionDenied",
    "SELECT",
    "SECRET_KEY",
    "hunter2",
    "/srv/",
    "site-packages",
    "Django",
    "django",
    "Python",
    "DEBUG",
    "settings",
    "CSRF verification failed",
    "Reason given",
)


@pytest.fixture
def failing_site(settings: SettingsWrapper) -> Client:
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.core.error_urls"
    return Client(raise_request_exception=False)


def assert_tells_nothing(body: str) -> None:
    assert SECRET_DETAIL not in body
    assert [word for word in LEAKS if word in body] == []


def assert_security_headers(response) -> None:  # type: ignore[no-untyped-def]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "Server" not in response
    assert "X-Powered-By" not in response


@pytest.mark.parametrize(
    ("path", "status", "title"),
    [
        ("/test-errors/crash/", 500, "Something went wrong"),
        ("/test-errors/forbidden/", 403, "Access denied"),
        ("/test-errors/suspicious/", 400, "Bad request"),
        ("/no-such-page/", 404, "Page not found"),
        ("/services/no-such-service/", 404, "Page not found"),
    ],
)
def test_error_pages_tell_nothing(failing_site: Client, path: str, status: int, title: str) -> None:
    response = failing_site.get(path, headers={"accept-language": "en"})
    assert response.status_code == status
    body = response.content.decode()
    assert f'data-testid="error-title">{title}</h1>' in body
    assert_tells_nothing(body)
    assert_security_headers(response)
    assert response["Content-Type"] == "text/html; charset=utf-8"


def test_a_host_not_allowed_is_a_plain_400(failing_site: Client) -> None:
    response = failing_site.get("/", headers={"host": "evil.example", "accept-language": "en"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Bad request" in body
    assert "evil.example" not in body
    assert_tells_nothing(body)


def test_a_csrf_failure_explains_without_the_reason(failing_site: Client) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/track/", {"code": "1", "national_code": "0013542419"}, headers={"accept-language": "en"}
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert "The form has expired" in body
    assert "CSRF cookie not set" not in body
    assert_tells_nothing(body)
    assert_security_headers(response)


def test_error_pages_follow_the_language(failing_site: Client) -> None:
    response = failing_site.get("/no-such-page/", headers={"accept-language": "fa"})
    body = response.content.decode()
    assert '<html lang="fa" dir="rtl">' in body
    assert "bootstrap.rtl.min.css" in body
    assert "صفحه" in body  # "Page not found" has a Persian translation already (Django's)
    english = failing_site.get("/no-such-page/", headers={"accept-language": "en"})
    assert '<html lang="en" dir="ltr">' in english.content.decode()


def test_the_api_answers_errors_as_json_without_detail(failing_site: Client) -> None:
    response = failing_site.get("/api/v1/requests/no-such-thing/extra/")
    assert response.status_code == 404
    assert_tells_nothing(response.content.decode())
