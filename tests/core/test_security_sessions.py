"""Sessions (ASVS V3): personal and staff pages never cached, idle and absolute timeouts, a new
key at each login step, logout ends the session on the server, cookie flags."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts.models import User
from khedmat.core.middleware import LAST_SEEN_KEY, LOGGED_IN_KEY, session_expired
from khedmat.core.models import Activity
from tests.accounts.helpers import totp_code
from tests.core.test_security_headers import settings_with

pytestmark = pytest.mark.django_db

IDLE_MESSAGE = "You were signed out after a period without activity."


def no_store(response: Any) -> bool:
    return "no-store" in response.get("Cache-Control", "")


class TestNoStore:
    def test_public_pages_seen_anonymously_stay_cacheable(self, client: Client) -> None:
        for path in ("/", "/services/", "/knowledge/"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert not no_store(response), path

    def test_static_files_are_not_touched(self, client: Client) -> None:
        response = client.get("/static/khedmat/khedmat.css")
        assert response.status_code == 200
        assert not no_store(response)

    def test_account_pages_and_form_answers_are_not_stored(self, client: Client) -> None:
        for path in ("/accounts/login/", "/accounts/applicant/login/", "/admin/login/"):
            response = client.get(path)
            assert no_store(response), path
        answer = client.post("/track/", {"code": "123", "national_code": "0013542419"})
        assert no_store(answer)

    def test_every_page_of_a_signed_in_applicant_is_not_stored(
        self, client: Client, applicant: User
    ) -> None:
        client.force_login(applicant)
        for path in ("/", "/requests/", "/services/"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert no_store(response), path
            assert "private" in response["Cache-Control"]

    def test_desk_and_admin_pages_are_not_stored(
        self, client: Client, agent: User, administrator: User, verified_login: Any
    ) -> None:
        verified_login(client, agent)
        desk = client.get("/desk/")
        assert desk.status_code == 200
        assert no_store(desk)
        verified_login(client, administrator)
        admin = client.get("/admin/")
        assert admin.status_code == 200
        assert no_store(admin)


def last_seen(client: Client, minutes_ago: float) -> None:
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - minutes_ago * 60
    session.save()


def logged_in(client: Client, minutes_ago: float) -> None:
    session = client.session
    session[LOGGED_IN_KEY] = time.time() - minutes_ago * 60
    session.save()


class TestStaffIdleTimeout:
    def test_an_idle_staff_session_ends_and_the_login_page_says_why(
        self, client: Client, agent: User, verified_login: Any, settings: SettingsWrapper
    ) -> None:
        settings.KHEDMAT_STAFF_IDLE_MINUTES = 30
        verified_login(client, agent)
        last_seen(client, 31)
        response = client.get("/desk/requests/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/desk/requests/"
        assert "_auth_user_id" not in client.session
        login_page = client.get(response["Location"])
        assert IDLE_MESSAGE in login_page.content.decode()
        assert client.get("/desk/").status_code == 302  # still signed out

    def test_the_clocks_start_at_login(self, client: Client, agent: User, applicant: User) -> None:
        for user in (agent, applicant):
            client.force_login(user)
            assert time.time() - client.session[LAST_SEEN_KEY] < 60
            assert time.time() - client.session[LOGGED_IN_KEY] < 60
            client.logout()

    def test_a_staff_member_at_work_stays_signed_in(
        self, client: Client, agent: User, verified_login: Any
    ) -> None:
        verified_login(client, agent)
        last_seen(client, 29)
        assert client.get("/desk/").status_code == 200
        assert time.time() - client.session[LAST_SEEN_KEY] < 60  # the pause starts again
        assert client.get("/desk/").status_code == 200

    def test_an_htmx_request_reloads_to_the_login_page(
        self, client: Client, agent: User, verified_login: Any
    ) -> None:
        verified_login(client, agent)
        last_seen(client, 45)
        response = client.get("/desk/", headers={"hx-request": "true"})
        assert response["HX-Redirect"] == "/accounts/login/?next=/desk/"

    def test_an_api_call_after_the_pause_answers_as_signed_out(
        self, client: Client, agent: User, verified_login: Any
    ) -> None:
        verified_login(client, agent)
        last_seen(client, 45)
        response = client.get("/api/v1/requests/")
        assert response.status_code == 401
        assert "_auth_user_id" not in client.session


class TestApplicantIdleTimeout:
    def test_applicants_have_a_longer_pause_than_staff(
        self, client: Client, applicant: User, settings: SettingsWrapper
    ) -> None:
        settings.KHEDMAT_STAFF_IDLE_MINUTES = 30
        settings.KHEDMAT_APPLICANT_IDLE_MINUTES = 60
        client.force_login(applicant)
        last_seen(client, 45)
        assert client.get("/requests/").status_code == 200
        assert client.session["_auth_user_id"] == str(applicant.pk)

    def test_an_idle_applicant_is_sent_to_the_applicant_login(
        self, client: Client, applicant: User, settings: SettingsWrapper
    ) -> None:
        settings.KHEDMAT_APPLICANT_IDLE_MINUTES = 60
        client.force_login(applicant)
        last_seen(client, 61)
        response = client.get("/requests/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/applicant/login/?next=/requests/"
        assert "_auth_user_id" not in client.session
        assert IDLE_MESSAGE in client.get(response["Location"]).content.decode()


class TestAbsoluteTimeout:
    def test_a_busy_session_still_ends_at_the_session_age(
        self, client: Client, agent: User, verified_login: Any, settings: SettingsWrapper
    ) -> None:
        settings.SESSION_COOKIE_AGE = 8 * 3600
        verified_login(client, agent)
        logged_in(client, 8 * 60 + 1)  # active a minute ago, but logged in 8 hours ago
        last_seen(client, 1)
        response = client.get("/desk/")
        assert response.status_code == 302
        assert "_auth_user_id" not in client.session
        page = client.get(response["Location"]).content.decode()
        assert "Your session has ended. Please log in again." in page

    def test_within_the_session_age_the_session_goes_on(
        self, client: Client, applicant: User, settings: SettingsWrapper
    ) -> None:
        settings.SESSION_COOKIE_AGE = 8 * 3600
        client.force_login(applicant)
        logged_in(client, 8 * 60 - 1)
        assert client.get("/requests/").status_code == 200


class TestSessionKeys:
    def test_the_key_changes_at_the_password_and_at_the_second_factor(
        self, client: Client, agent: User, staff_password: str
    ) -> None:
        device = TOTPDevice.objects.create(user=agent, name="phone", confirmed=True)
        client.get("/accounts/login/")
        client.session.save()
        first = client.session.session_key
        response = client.post(
            "/accounts/login/", {"username": agent.username, "password": staff_password}
        )
        assert response["Location"] == "/accounts/login/code/"
        second = client.session.session_key
        assert second != first
        response = client.post("/accounts/login/code/", {"code": totp_code(device)})
        assert response.status_code == 302
        third = client.session.session_key
        assert third not in (first, second)
        assert client.session["_auth_user_id"] == str(agent.pk)
        assert not Session.objects.filter(session_key__in=[first, second]).exists()

    def test_logout_ends_the_session_on_the_server(
        self, client: Client, agent: User, verified_login: Any
    ) -> None:
        verified_login(client, agent)
        stolen = client.cookies[settings.SESSION_COOKIE_NAME].value
        assert client.post("/accounts/logout/").status_code == 302
        assert not Session.objects.filter(session_key=stolen).exists()
        replay = Client()
        replay.cookies[settings.SESSION_COOKIE_NAME] = stolen
        assert replay.get("/desk/").status_code == 302


class TestCookies:
    def test_session_and_csrf_cookies_over_https(
        self, client: Client, agent: User, staff_password: str, settings: SettingsWrapper
    ) -> None:
        settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
        settings.SESSION_COOKIE_NAME = "__Host-khedmat_session"
        settings.CSRF_COOKIE_NAME = "__Host-khedmat_csrf"
        settings.KHEDMAT_STAFF_2FA = "optional"
        page = client.get("/accounts/login/", secure=True)
        csrf = page.cookies["__Host-khedmat_csrf"]
        assert (csrf["secure"], csrf["httponly"], csrf["samesite"], csrf["path"]) == (
            True,
            True,
            "Lax",
            "/",
        )
        assert not csrf["domain"]
        response = client.post(
            "/accounts/login/",
            {"username": agent.username, "password": staff_password},
            secure=True,
        )
        assert response.status_code == 302
        session = response.cookies["__Host-khedmat_session"]
        assert (session["secure"], session["httponly"], session["samesite"]) == (
            True,
            True,
            "Lax",
        )
        assert session["path"] == "/" and not session["domain"]

    def test_production_settings_name_the_cookies_with_the_host_prefix(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        values = settings_with(monkeypatch)
        assert values["SESSION_COOKIE_NAME"] == "__Host-khedmat_session"
        assert values["CSRF_COOKIE_NAME"] == "__Host-khedmat_csrf"
        assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True
        assert values["SESSION_COOKIE_HTTPONLY"] is True
        assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
        plain = settings_with(monkeypatch, KHEDMAT_HTTPS="0")
        assert "SESSION_COOKIE_NAME" not in plain  # Django's default: the prefix needs Secure
        assert plain["SESSION_COOKIE_SECURE"] is False


def test_session_expired_counts_from_the_last_request(agent: User) -> None:
    request = RequestFactory().get("/desk/")
    request.session = {}  # type: ignore[assignment]
    request.user = agent
    limit = settings.KHEDMAT_STAFF_IDLE_MINUTES * 60
    assert session_expired(request, now=1000.0) is None  # the first request notes the time
    assert request.session[LAST_SEEN_KEY] == 1000
    assert session_expired(request, now=1030.0) is None
    assert request.session[LAST_SEEN_KEY] == 1000  # not rewritten within a minute
    assert session_expired(request, now=1000.0 + limit) is None
    assert request.session[LAST_SEEN_KEY] == 1000 + limit
    assert session_expired(request, now=1000.0 + 2 * limit + 1) == "idle"
    request.session = {LOGGED_IN_KEY: 0, LAST_SEEN_KEY: settings.SESSION_COOKIE_AGE}  # type: ignore[assignment]
    assert session_expired(request, now=settings.SESSION_COOKIE_AGE + 1.0) == "age"


def test_a_staff_login_is_recorded_with_its_address(agent: User, staff_password: str) -> None:
    device = TOTPDevice.objects.create(user=agent, name="phone", confirmed=True)
    client = Client(REMOTE_ADDR="10.1.2.3")
    client.post("/accounts/login/", {"username": agent.username, "password": staff_password})
    assert not Activity.objects.filter(verb="user.logged_in").exists()  # not before the code
    client.post("/accounts/login/code/", {"code": totp_code(device)})
    row = Activity.objects.get(verb="user.logged_in")
    assert (row.target_id, row.actor_id) == (str(agent.pk), agent.pk)
    assert row.data == {"ip_address": "10.1.2.3", "second_factor": True}
