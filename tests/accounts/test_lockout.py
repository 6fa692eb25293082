from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from khedmat.accounts import views
from khedmat.accounts.models import LoginFailure, User
from khedmat.core.models import Activity, RateLimitCounter
from tests.accounts.helpers import totp_code, wrong_code

LOGIN = "/accounts/login/"
VERIFY = "/accounts/login/code/"


def attempt(client: Client, username: str, password: str, ip: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail_times(client: Client, username: str, times: int, ip: str = "10.0.0.1") -> None:
    for _ in range(times):
        response = attempt(client, username, "wrong-password-123", ip)
        assert str(views.INVALID_LOGIN) in response.text


def page_without(text: str, username: str) -> str:
    """A page with the typed username and the per-session CSRF tokens blanked out."""
    text = re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", text)
    return text.replace(f'value="{username}"', 'value="X"')


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
class TestPasswordLockout:
    def test_five_failures_lock_out_even_the_right_password(
        self, client: Client, applicant: User, staff_password: str
    ) -> None:
        fail_times(client, "applicant", 5)
        response = attempt(client, "applicant", staff_password)
        assert response.status_code == 200
        assert str(views.LOCKED_OUT) in response.text
        assert not logged_in(client)
        assert LoginFailure.objects.filter(username="applicant").count() == 5

    def test_lockout_is_recorded_once_on_the_user(
        self, client: Client, applicant: User, staff_password: str
    ) -> None:
        fail_times(client, "Applicant", 5)
        attempt(client, "applicant", staff_password)
        rows = Activity.objects.for_target(applicant).filter(verb="user.locked_out")
        assert [row.data for row in rows] == [
            {"failures": 5, "minutes": 15, "ip_address": "10.0.0.1"}
        ]
        assert rows[0].actor is None

    def test_messages_do_not_reveal_whether_the_username_exists(self, applicant: User) -> None:
        known, unknown = Client(), Client()
        wrong_known = attempt(known, "applicant", "wrong-password-123").text
        wrong_unknown = attempt(unknown, "nobody-here", "wrong-password-123").text
        assert page_without(wrong_known, "applicant") == page_without(wrong_unknown, "nobody-here")
        fail_times(known, "applicant", 4)
        fail_times(unknown, "nobody-here", 4)
        locked_known = attempt(known, "applicant", "wrong-password-123").text
        locked_unknown = attempt(unknown, "nobody-here", "wrong-password-123").text
        assert str(views.LOCKED_OUT) in locked_known
        assert page_without(locked_known, "applicant") == page_without(
            locked_unknown, "nobody-here"
        )

    def test_failures_under_the_limit_do_not_lock(
        self, client: Client, applicant: User, staff_password: str
    ) -> None:
        fail_times(client, "applicant", 4)
        response = attempt(client, "applicant", staff_password)
        assert response["Location"] == "/"
        assert logged_in(client)
        assert not LoginFailure.objects.filter(username="applicant").exists()  # cleared
        assert not RateLimitCounter.objects.filter(key="login:user:applicant").exists()

    def test_lockout_ends_when_the_window_passes(
        self, client: Client, applicant: User, staff_password: str
    ) -> None:
        fail_times(client, "applicant", 5)
        window = RateLimitCounter.objects.get(key="login:user:applicant")
        assert window.window_ends_at - timezone.now() > dt.timedelta(minutes=14)
        RateLimitCounter.objects.update(window_ends_at=timezone.now() - dt.timedelta(seconds=1))
        response = attempt(client, "applicant", staff_password)
        assert response["Location"] == "/"
        assert logged_in(client)

    def test_shorter_window_setting(
        self, client: Client, applicant: User, staff_password: str, settings
    ) -> None:  # type: ignore[no-untyped-def]
        settings.KHEDMAT_LOGIN_MAX_FAILURES = 2
        settings.KHEDMAT_LOGIN_LOCKOUT_MINUTES = 1
        fail_times(client, "applicant", 2)
        assert str(views.LOCKED_OUT) in attempt(client, "applicant", staff_password).text
        window = RateLimitCounter.objects.get(key="login:user:applicant")
        assert window.window_ends_at - timezone.now() <= dt.timedelta(minutes=1)
        RateLimitCounter.objects.update(window_ends_at=timezone.now() - dt.timedelta(seconds=1))
        assert attempt(client, "applicant", staff_password)["Location"] == "/"

    def test_other_accounts_are_not_locked(
        self, client: Client, applicant: User, make_user, staff_password: str
    ) -> None:  # type: ignore[no-untyped-def]
        make_user("neighbour")
        fail_times(client, "applicant", 5)
        assert attempt(client, "neighbour", staff_password)["Location"] == "/"

    def test_attempts_while_locked_are_not_counted(self, client: Client, applicant: User) -> None:
        fail_times(client, "applicant", 5)
        for _ in range(3):
            attempt(client, "applicant", "wrong-password-123")
        assert LoginFailure.objects.count() == 5


@pytest.mark.django_db
class TestAddressLimit:
    def test_one_address_failing_across_many_usernames_is_refused(
        self, client: Client, applicant: User, staff_password: str
    ) -> None:
        for index in range(20):
            attempt(client, f"guess-{index}", "wrong-password-123", ip="10.9.9.9")
        response = attempt(client, "applicant", staff_password, ip="10.9.9.9")
        assert str(views.LOCKED_OUT) in response.text
        assert not logged_in(client)
        other = Client()
        assert attempt(other, "applicant", staff_password, ip="10.1.1.1")["Location"] == "/"


@pytest.mark.django_db
class TestCodeFailures:
    def test_wrong_codes_count_and_lock_out(
        self, client: Client, agent: User, staff_password: str
    ) -> None:
        device = TOTPDevice.objects.create(user=agent, name="phone", confirmed=True)
        attempt(client, "agent", staff_password)
        for _ in range(4):
            response = client.post(VERIFY, {"code": wrong_code(device)})
            assert str(views.INVALID_CODE) in response.text
        response = client.post(VERIFY, {"code": wrong_code(device)})
        assert str(views.INVALID_CODE) in response.text
        assert set(LoginFailure.objects.values_list("stage", flat=True)) == {"code"}
        assert LoginFailure.objects.count() == 5

        # Locked now: the right code is refused and the pending login is dropped.
        response = client.post(VERIFY, {"code": totp_code(device)})
        assert response["Location"] == LOGIN
        assert not logged_in(client)
        assert "accounts.pending_user_id" not in client.session
        assert str(views.LOCKED_OUT) in client.get(LOGIN).text
        # And the password does not open a new attempt either.
        assert str(views.LOCKED_OUT) in attempt(client, "agent", staff_password).text
        assert Activity.objects.for_target(agent).filter(verb="user.locked_out").count() == 1

    def test_success_clears_earlier_failures(
        self, client: Client, agent: User, staff_password: str
    ) -> None:
        device = TOTPDevice.objects.create(user=agent, name="phone", confirmed=True)
        fail_times(client, "agent", 2)
        attempt(client, "agent", staff_password)
        client.post(VERIFY, {"code": wrong_code(device)})
        assert LoginFailure.objects.filter(username="agent").count() == 3
        response = client.post(VERIFY, {"code": totp_code(device)})
        assert response["Location"] == "/desk/"
        assert not LoginFailure.objects.filter(username="agent").exists()

    def test_password_alone_does_not_clear_failures(
        self, client: Client, agent: User, staff_password: str
    ) -> None:
        """Otherwise re-entering the password would reset the code-guessing budget."""
        TOTPDevice.objects.create(user=agent, name="phone", confirmed=True)
        fail_times(client, "agent", 3)
        attempt(client, "agent", staff_password)
        assert LoginFailure.objects.filter(username="agent").count() == 3
