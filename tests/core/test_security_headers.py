"""Transport and browser security: the Content-Security-Policy, HSTS on by default over HTTPS, and
X-Forwarded-Proto believed only from a configured proxy."""

from __future__ import annotations

import base64
import hashlib
import re
import runpy
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

import khedmat

pytestmark = pytest.mark.django_db

SETTINGS_FILE = Path(khedmat.__file__).parent / "settings.py"
PROXY = "10.0.0.5"
OUTSIDER = "203.0.113.9"
POLICY = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "style-src-attr 'unsafe-hashes' " + " ".join(settings.CSP_BPMN_ICON_STYLE_HASHES),
}
MODELER = Path(khedmat.__file__).parent / "static/vendor/bpmn-js/bpmn-modeler.production.min.js"
#: What the policy refuses in a page: a script without src, a style element or attribute, an
#: inline event handler, a javascript: link, htmx's eval-based hx-on.
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*application/json)|<style|\sstyle=|\son[a-z]+=|javascript:|hx-on",
    re.IGNORECASE,
)
#: Not pages: e-mail bodies (read in a mail client) and the receipt PDF (drawn by WeasyPrint).
NOT_PAGES = ("notifications/email/", "tickets/receipt_pdf.html")


def settings_with(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    """khedmat/settings.py as it reads the environment `env` (production: no debug)."""
    monkeypatch.setenv("KHEDMAT_DEBUG", "0")
    monkeypatch.setenv("KHEDMAT_SECRET_KEY", "x" * 50)
    monkeypatch.setenv("KHEDMAT_ALLOWED_HOSTS", "example.ir")
    for name in ("KHEDMAT_HTTPS", "KHEDMAT_HSTS_SECONDS", "KHEDMAT_TRUSTED_PROXY_COUNT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


class TestSettings:
    def test_https_turns_hsts_on_for_a_year(self, monkeypatch: pytest.MonkeyPatch) -> None:
        values = settings_with(monkeypatch)
        assert values["HTTPS"] is True
        assert values["SECURE_HSTS_SECONDS"] == 31_536_000
        assert values["SECURE_SSL_REDIRECT"] is False
        assert settings_with(monkeypatch, KHEDMAT_HSTS_SECONDS="600")["SECURE_HSTS_SECONDS"] == 600
        assert settings_with(monkeypatch, KHEDMAT_SSL_REDIRECT="1")["SECURE_SSL_REDIRECT"] is True

    def test_the_proxy_header_counts_only_with_a_proxy(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert "SECURE_PROXY_SSL_HEADER" not in settings_with(monkeypatch)
        behind = settings_with(monkeypatch, KHEDMAT_TRUSTED_PROXY_COUNT="1")
        assert behind["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
        assert behind["KHEDMAT_TRUSTED_PROXIES"] == ["127.0.0.1", "::1"]

    def test_a_proxy_that_is_not_an_address_stops_start_up(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from khedmat.config import ConfigError

        with pytest.raises(ConfigError, match="KHEDMAT_TRUSTED_PROXIES"):
            settings_with(monkeypatch, KHEDMAT_TRUSTED_PROXIES="nginx.local")


def test_every_page_sends_the_policy_without_unsafe_inline(client: Client) -> None:
    for path in ("/", "/track/", "/accounts/login/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert set(response["Content-Security-Policy"].split("; ")) == POLICY
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def test_no_template_has_inline_script_or_style() -> None:
    package = Path(khedmat.__file__).parent
    found = []
    for template in sorted(package.glob("**/templates/**/*.html")):
        name = template.as_posix().split("/templates/", 1)[1]
        if name.startswith(NOT_PAGES):
            continue
        text = re.sub(r"\{#.*?#\}", "", template.read_text(encoding="utf-8"))  # comments
        found += [f"{name}: {match.group(0)}" for match in INLINE.finditer(text)]
    assert found == []


def test_the_style_hashes_are_exactly_the_designers_icon_styles() -> None:
    """The only inline styles allowed are the vendored modeler's menu icons (a new bpmn-js
    version with other icon styles fails here, before the designer's menu loses them)."""
    values = set(re.findall(r'style=\\?"([^"\\]*)\\?"', MODELER.read_text(encoding="utf-8")))
    hashes = {
        "'sha256-" + base64.b64encode(hashlib.sha256(value.encode()).digest()).decode() + "'"
        for value in values
    }
    assert len(values) == 4
    assert hashes == set(settings.CSP_BPMN_ICON_STYLE_HASHES)


@pytest.fixture
def behind_proxy(settings: SettingsWrapper) -> SettingsWrapper:
    """HTTPS behind one proxy at PROXY; plain HTTP is redirected, HSTS for a year."""
    settings.KHEDMAT_TRUSTED_PROXY_COUNT = 1
    settings.KHEDMAT_TRUSTED_PROXIES = [f"{PROXY}/32", "::1"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = []
    settings.SECURE_HSTS_SECONDS = 31_536_000
    return settings


class TestForwardedProto:
    def test_the_proxy_says_https_and_the_page_is_secure(self, behind_proxy: Any) -> None:
        response = Client(REMOTE_ADDR=PROXY).get("/", headers={"x-forwarded-proto": "https"})
        assert response.status_code == 200
        assert response["Strict-Transport-Security"] == "max-age=31536000"

    def test_a_client_claiming_https_past_the_proxy_is_not_believed(
        self, behind_proxy: Any
    ) -> None:
        response = Client(REMOTE_ADDR=OUTSIDER).get("/", headers={"x-forwarded-proto": "https"})
        assert response.status_code == 301  # not secure: sent to https, and no HSTS over http
        assert response["Location"] == "https://testserver/"
        assert "Strict-Transport-Security" not in response

    def test_without_a_proxy_count_even_the_proxy_address_is_not_believed(
        self, behind_proxy: Any
    ) -> None:
        behind_proxy.KHEDMAT_TRUSTED_PROXY_COUNT = 0
        response = Client(REMOTE_ADDR=PROXY).get("/", headers={"x-forwarded-proto": "https"})
        assert response.status_code == 301


PERMISSIONS = "camera=(), display-capture=(), geolocation=()"


def assert_browser_headers(response: Any) -> None:
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert PERMISSIONS in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]


class TestEveryKindOfPage:
    def test_public_pages(self, client: Client) -> None:
        for path in ("/", "/services/", "/track/", "/knowledge/", "/accounts/applicant/login/"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert_browser_headers(response)

    def test_applicant_pages(self, client: Client, applicant: Any) -> None:
        client.force_login(applicant)
        response = client.get("/requests/")
        assert response.status_code == 200
        assert_browser_headers(response)
        assert "no-store" in response["Cache-Control"]

    def test_staff_pages_and_the_api(
        self, client: Client, agent: Any, administrator: Any, verified_login: Any
    ) -> None:
        verified_login(client, agent)
        for path in ("/desk/", "/desk/requests/", "/api/v1/requests/"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert "no-store" in response["Cache-Control"], path
            assert response["X-Frame-Options"] == "DENY", path
            assert PERMISSIONS in response["Permissions-Policy"], path
        assert_browser_headers(client.get("/desk/"))
        verified_login(client, administrator)
        assert_browser_headers(client.get("/admin/"))

    def test_no_listing_and_no_hidden_files(self, client: Client) -> None:
        for path in ("/static/", "/static/khedmat/", "/media/", "/.git/config", "/.env", "/var/"):
            assert client.get(path).status_code == 404, path

    def test_static_files_are_not_sniffed(self, client: Client) -> None:
        response = client.get("/static/khedmat/khedmat.css")
        assert response.status_code == 200
        assert response["X-Content-Type-Options"] == "nosniff"


class TestHstsOptions:
    def test_subdomains_and_preload_are_off_unless_asked(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        values = settings_with(monkeypatch)
        assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
        assert values["SECURE_HSTS_PRELOAD"] is False
        asked = settings_with(
            monkeypatch, KHEDMAT_HSTS_INCLUDE_SUBDOMAINS="1", KHEDMAT_HSTS_PRELOAD="1"
        )
        assert asked["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
        assert asked["SECURE_HSTS_PRELOAD"] is True
        assert settings_with(monkeypatch, KHEDMAT_HSTS_SECONDS="0")["SECURE_HSTS_SECONDS"] == 0

    def test_plain_http_development_sends_no_hsts(self, monkeypatch: pytest.MonkeyPatch) -> None:
        assert "SECURE_HSTS_SECONDS" not in settings_with(monkeypatch, KHEDMAT_HTTPS="0")

    def test_the_header_carries_the_options(
        self, behind_proxy: SettingsWrapper, client: Client
    ) -> None:
        behind_proxy.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
        behind_proxy.SECURE_HSTS_PRELOAD = True
        response = Client(REMOTE_ADDR=PROXY).get("/", headers={"x-forwarded-proto": "https"})
        assert response["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        )


class TestApi:
    def test_a_body_of_another_type_is_415(self, client: Client) -> None:
        body = '{"tracking_code": "140500000001", "national_code": "0013542419"}'
        response = client.post("/api/v1/requests/track", body, content_type="text/plain")
        assert response.status_code == 415
        assert "application/json" in response.json()["detail"]
        as_json = client.post("/api/v1/requests/track", body, content_type="application/json")
        assert as_json.status_code == 404  # read, and answered: no such request

    def test_json_answers_are_attachments(self, client: Client) -> None:
        response = client.get("/api/v1/catalog/services")
        assert response.status_code == 200
        assert response["Content-Disposition"] == 'attachment; filename="api.json"'
        assert response["X-Content-Type-Options"] == "nosniff"

    def test_no_cors_header(self, client: Client) -> None:
        response = client.get(
            "/api/v1/catalog/services", headers={"origin": "https://evil.example"}
        )
        assert response.status_code == 200
        assert "Access-Control-Allow-Origin" not in response
        preflight = client.options(
            "/api/v1/requests/track",
            headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
        )
        assert "Access-Control-Allow-Origin" not in preflight
