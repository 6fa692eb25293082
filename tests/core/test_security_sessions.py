"""Shared computers: personal and staff pages are never cached, and a staff session left idle ends."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts.models import User
from khedmat.core.middleware import LAST_SEEN_KEY, idle_expired

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

    def test_the_clock_starts_at_login_for_staff_only(
        self, client: Client, agent: User, applicant: User
    ) -> None:
        client.force_login(agent)
        assert time.time() - client.session[LAST_SEEN_KEY] < 60
        client.logout()
        client.force_login(applicant)
        assert LAST_SEEN_KEY not in client.session

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

    def test_applicants_keep_the_normal_session_age(self, client: Client, applicant: User) -> None:
        client.force_login(applicant)
        last_seen(client, 600)
        assert client.get("/requests/").status_code == 200
        assert client.session["_auth_user_id"] == str(applicant.pk)


def test_idle_expired_counts_from_the_last_request() -> None:
    request = RequestFactory().get("/desk/")
    request.session = {}  # type: ignore[assignment]
    limit = settings.KHEDMAT_STAFF_IDLE_MINUTES * 60
    assert idle_expired(request, now=1000.0) is False  # the first request notes the time
    assert request.session[LAST_SEEN_KEY] == 1000
    assert idle_expired(request, now=1030.0) is False
    assert request.session[LAST_SEEN_KEY] == 1000  # not rewritten within a minute
    assert idle_expired(request, now=1000.0 + limit) is False
    assert request.session[LAST_SEEN_KEY] == 1000 + limit
    assert idle_expired(request, now=1000.0 + 2 * limit + 1) is True
