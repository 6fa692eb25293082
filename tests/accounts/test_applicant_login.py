"""Applicant login pages: mobile, SMS code, profile; the portal header."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts import applicant_views
from khedmat.accounts.choices import Role
from khedmat.accounts.models import LoginCode, User
from khedmat.core.digits import fold_digits
from khedmat.core.models import Activity
from khedmat.notifications.choices import MessageKind
from khedmat.notifications.models import Message

LOGIN = "/accounts/applicant/login/"
CODE = "/accounts/applicant/code/"
PROFILE = "/accounts/applicant/profile/"
MOBILE = "+989121234567"
OTHER_MOBILE = "+989351234567"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("templates")]


def ask_code(client: Client, mobile: str = "09121234567", **extra: str):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"mobile": mobile, **extra})


def sent_code(mobile: str = MOBILE) -> str:
    """The code in the newest SMS queued for `mobile`."""
    message = Message.objects.filter(recipient=mobile, kind=MessageKind.OTP).latest("id")
    match = re.search(r"\d{6}", fold_digits(message.body))
    assert match is not None
    return match.group()


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def session_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def allow_resend(mobile: str = MOBILE) -> None:
    """Move the mobile's codes a minute and a second into the past (the resend wait is over)."""
    earlier = timezone.now() - dt.timedelta(seconds=61)
    LoginCode.objects.filter(mobile=mobile).update(created_at=earlier)


def log_in(client: Client, mobile: str = MOBILE, next_url: str | None = None):  # type: ignore[no-untyped-def]
    """Ask for a code for `mobile` (E.164) and enter it; the response of the code page."""
    extra = {"next": next_url} if next_url else {}
    ask_code(client, mobile, **extra)
    return client.post(CODE, {"code": sent_code(mobile)})


@pytest.fixture
def known_applicant(applicant: User) -> User:
    """The applicant persona with a name: their profile is complete."""
    User.objects.filter(pk=applicant.pk).update(first_name="Maryam", last_name="Karimi")
    applicant.refresh_from_db()
    return applicant


def test_urls_keep_their_names() -> None:
    assert reverse("accounts:applicant_login") == LOGIN
    assert reverse("accounts:applicant_code") == CODE
    assert reverse("accounts:applicant_profile") == PROFILE


class TestMobileStep:
    def test_the_form_is_public_and_phone_friendly(self, client: Client) -> None:
        response = client.get(LOGIN)
        assert response.status_code == 200
        html = response.text
        field = re.search(r'<input type="text" name="mobile"[^>]*>', html)
        assert field is not None
        for attribute in ('dir="ltr"', 'inputmode="tel"', 'autocomplete="tel"', "required"):
            assert attribute in field.group()
        assert f'href="{reverse("accounts:login")}"' in html  # staff log in elsewhere

    def test_a_mobile_gets_a_code_and_the_code_page(self, client: Client) -> None:
        response = ask_code(client, "0912 123 4567")
        assert response.status_code == 302
        assert response["Location"] == CODE
        assert client.session[applicant_views.APPLICANT_MOBILE] == MOBILE
        [row] = LoginCode.objects.all()
        assert (row.mobile, row.ip_address) == (MOBILE, "127.0.0.1")
        message = Message.objects.get(idempotency_key=f"otp:{row.pk}")
        assert message.kind == MessageKind.OTP
        assert message.language == "en"
        assert sent_code() not in row.code_hash

    def test_the_sms_follows_the_page_language(self) -> None:
        client = Client(headers={"accept-language": "fa"})
        ask_code(client)
        assert Message.objects.get().language == "fa"

    def test_an_invalid_mobile_is_refused(self, client: Client) -> None:
        response = ask_code(client, "0212345678")
        assert response.status_code == 200
        assert "Enter a mobile number such as 09121234567." in response.text
        assert LoginCode.objects.count() == 0
        assert Message.objects.count() == 0
        assert applicant_views.APPLICANT_MOBILE not in client.session

    def test_too_many_codes_from_one_address_show_the_wait(
        self, client: Client, settings: SettingsWrapper
    ) -> None:
        settings.KHEDMAT_OTP_PER_IP_HOUR = 1
        ask_code(client, "09121234567")
        response = ask_code(client, "09351234567")
        assert response.status_code == 200
        assert "Too many codes were asked for. Try again in 60 minutes." in response.text
        assert LoginCode.objects.count() == 1
        assert client.session[applicant_views.APPLICANT_MOBILE] == MOBILE

    def test_asking_again_too_soon_shows_the_seconds(self, client: Client) -> None:
        ask_code(client)
        response = ask_code(client)
        assert re.search(
            r"Please wait (59|60) seconds before asking for a new code\.", response.text
        )
        assert LoginCode.objects.count() == 1

    def test_a_logged_in_visitor_goes_on(self, client: Client, applicant: User) -> None:
        client.force_login(applicant)
        response = client.get(LOGIN, {"next": "/services/"})
        assert response["Location"] == "/services/"


class TestCodeStep:
    def test_without_a_mobile_the_code_page_sends_back(self, client: Client) -> None:
        response = client.get(CODE)
        assert response["Location"] == LOGIN

    def test_the_code_page_shows_the_number_and_the_wait(self, client: Client) -> None:
        ask_code(client)
        response = client.get(CODE)
        html = response.text
        assert "We sent a 6-digit code to" in html
        assert '<bdi dir="ltr" class="fw-semibold">09121234567</bdi>' in html
        field = re.search(r'<input type="text" name="code"[^>]*>', html)
        assert field is not None
        for attribute in ('autocomplete="one-time-code"', 'inputmode="numeric"', 'dir="ltr"'):
            assert attribute in field.group()
        assert re.search(r"You can ask for a new code in (59|60) seconds\.", html)
        assert MOBILE not in response.request["PATH_INFO"]

    def test_the_right_code_logs_a_newcomer_in_and_asks_for_details(self, client: Client) -> None:
        ask_code(client, next="/services/")
        before = client.session.session_key
        response = client.post(CODE, {"code": sent_code()})

        user = User.objects.get(mobile=MOBILE)
        assert response.status_code == 302
        assert response["Location"] == f"{PROFILE}?next=%2Fservices%2F"
        assert session_user_id(client) == str(user.pk)
        assert client.session.session_key != before
        assert applicant_views.APPLICANT_MOBILE not in client.session
        assert applicant_views.APPLICANT_NEXT not in client.session
        assert user.roles == frozenset({Role.APPLICANT})
        assert User.objects.count() == 1

    def test_an_applicant_with_details_goes_to_next(
        self, client: Client, known_applicant: User
    ) -> None:
        response = log_in(client, next_url="/services/")
        assert response["Location"] == "/services/"
        assert session_user_id(client) == str(known_applicant.pk)

    def test_without_next_the_applicant_goes_home(
        self, client: Client, known_applicant: User
    ) -> None:
        response = log_in(client)
        assert response["Location"] == "/"

    @pytest.mark.parametrize(
        "next_url",
        ["https://evil.example/", "//evil.example/", "http://testserver.evil.example/x"],
    )
    def test_next_never_leaves_the_site(
        self, client: Client, known_applicant: User, next_url: str
    ) -> None:
        response = log_in(client, next_url=next_url)
        assert response["Location"] == "/"
        assert session_user_id(client) == str(known_applicant.pk)

    def test_an_unsafe_next_is_not_kept_for_the_profile(self, client: Client) -> None:
        response = log_in(client, next_url="https://evil.example/")
        assert response["Location"] == PROFILE

    def test_a_wrong_code_does_not_log_in(self, client: Client) -> None:
        ask_code(client)
        response = client.post(CODE, {"code": wrong(sent_code())})
        assert response.status_code == 200
        assert str(applicant_views.INVALID_SMS_CODE) in response.text
        assert session_user_id(client) is None
        assert User.objects.count() == 0
        assert LoginCode.objects.get().attempts == 1

    def test_a_malformed_code_is_refused_before_any_check(self, client: Client) -> None:
        ask_code(client)
        response = client.post(CODE, {"code": "12ab"})
        assert "Enter the 6-digit code, digits only." in response.text
        assert LoginCode.objects.get().attempts == 0

    def test_a_code_in_persian_digits_is_accepted(self, client: Client) -> None:
        ask_code(client)
        persian = sent_code().translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
        response = client.post(CODE, {"code": persian})
        assert response.status_code == 302
        assert session_user_id(client) == str(User.objects.get(mobile=MOBILE).pk)

    def test_a_used_code_cannot_log_in_again(self, client: Client, applicant: User) -> None:
        ask_code(client)
        code = sent_code()
        client.post(CODE, {"code": code})
        other = Client(headers={"accept-language": "en"})
        session = other.session
        session[applicant_views.APPLICANT_MOBILE] = MOBILE
        session.save()
        response = other.post(CODE, {"code": code})
        assert str(applicant_views.INVALID_SMS_CODE) in response.text
        assert session_user_id(other) is None

    def test_an_expired_code_cannot_log_in(self, client: Client) -> None:
        ask_code(client)
        LoginCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        response = client.post(CODE, {"code": sent_code()})
        assert str(applicant_views.INVALID_SMS_CODE) in response.text
        assert session_user_id(client) is None

    def test_staff_cannot_log_in_here(self, client: Client, make_user: Callable[..., User]) -> None:
        clerk = make_user("clerk", roles=[Role.AGENT], mobile=OTHER_MOBILE)
        response = ask_code(client, "09351234567")
        assert response["Location"] == CODE  # the same answer as for anyone
        assert Message.objects.count() == 0  # but no SMS
        response = client.post(CODE, {"code": "123456"})
        assert str(applicant_views.INVALID_SMS_CODE) in response.text
        assert session_user_id(client) is None
        clerk.refresh_from_db()
        assert clerk.last_login is None

    def test_send_again_too_soon_shows_the_wait(self, client: Client) -> None:
        ask_code(client)
        response = client.post(CODE, {"resend": "1"}, follow=True)
        assert re.search(
            r"Please wait (59|60) seconds before asking for a new code\.", response.text
        )
        assert LoginCode.objects.count() == 1

    def test_send_again_after_the_wait_sends_a_new_code(self, client: Client) -> None:
        ask_code(client)
        first = sent_code()
        allow_resend()
        response = client.post(CODE, {"resend": "1"}, follow=True)
        assert "A new code was sent. Only the newest code works." in response.text
        assert LoginCode.objects.count() == 2
        assert Message.objects.filter(recipient=MOBILE).count() == 2
        second = sent_code()
        if first != second:
            response = client.post(CODE, {"code": first})
            assert str(applicant_views.INVALID_SMS_CODE) in response.text
        response = client.post(CODE, {"code": second})
        assert response.status_code == 302
        assert session_user_id(client) is not None


class TestProfileStep:
    def test_needs_a_login(self, client: Client) -> None:
        response = client.get(PROFILE)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))

    def test_saves_the_details_and_goes_to_next(self, client: Client) -> None:
        log_in(client)
        response = client.post(
            f"{PROFILE}?next=/services/",
            {"first_name": "Maryam", "last_name": "Karimi", "national_code": "۱۲۳۴۵۶۷۸۹۱"},
        )
        assert response["Location"] == "/services/"
        user = User.objects.get(mobile=MOBILE)
        assert (user.first_name, user.last_name, user.national_code) == (
            "Maryam",
            "Karimi",
            "1234567891",
        )
        assert Activity.objects.for_target(user).filter(verb="user.profile_completed").count() == 1

    def test_an_unsafe_next_goes_home(self, client: Client) -> None:
        log_in(client)
        response = client.post(
            f"{PROFILE}?next=https://evil.example/",
            {"first_name": "Maryam", "last_name": "Karimi", "national_code": "1234567891"},
        )
        assert response["Location"] == "/"

    def test_a_wrong_checksum_is_refused(self, client: Client) -> None:
        log_in(client)
        response = client.post(
            PROFILE, {"first_name": "Maryam", "last_name": "Karimi", "national_code": "1234567890"}
        )
        assert response.status_code == 200
        assert "This national code is not valid." in response.text
        assert User.objects.get(mobile=MOBILE).national_code is None

    def test_the_error_is_translated(self) -> None:
        client = Client(headers={"accept-language": "fa"})
        log_in(client)
        response = client.post(
            PROFILE, {"first_name": "مریم", "last_name": "کریمی", "national_code": "۱۲۳۴۵۶۷۸۹۰"}
        )
        assert "این کد ملی معتبر نیست." in response.text
        assert User.objects.get(mobile=MOBILE).national_code is None

    def test_a_national_code_of_another_account_is_refused(
        self, client: Client, applicant: User
    ) -> None:
        log_in(client, OTHER_MOBILE)
        response = client.post(
            PROFILE, {"first_name": "Maryam", "last_name": "Karimi", "national_code": "0013542419"}
        )
        assert response.status_code == 200
        assert str(applicant_views.NATIONAL_CODE_TAKEN) in response.text
        assert User.objects.get(mobile=OTHER_MOBILE).national_code is None

    def test_a_given_national_code_cannot_be_changed_here(
        self, client: Client, applicant: User
    ) -> None:
        log_in(client)
        response = client.get(PROFILE)
        assert re.search(r'<input type="text" name="national_code"[^>]*disabled', response.text)
        client.post(
            PROFILE, {"first_name": "Ali", "last_name": "Rezaei", "national_code": "1234567891"}
        )
        applicant.refresh_from_db()
        assert (applicant.first_name, applicant.national_code) == ("Ali", "0013542419")


class TestPortalHeader:
    def test_anonymous_visitors_see_the_applicant_login(self, client: Client) -> None:
        html = client.get("/").text
        assert f'href="{LOGIN}"' in html
        assert 'data-testid="user-name"' not in html

    def test_a_logged_in_applicant_sees_their_name_and_log_out(
        self, client: Client, applicant: User
    ) -> None:
        User.objects.filter(pk=applicant.pk).update(first_name="Maryam", last_name="Karimi")
        client.force_login(applicant)
        html = client.get("/").text
        assert (
            '<span class="navbar-text text-white small" data-testid="user-name"><bdi>Maryam Karimi</bdi></span>'
            in html
        )
        assert f'action="{reverse("accounts:logout")}"' in html
        assert f'href="{LOGIN}"' not in html

    def test_without_a_name_the_mobile_is_shown(self, client: Client, applicant: User) -> None:
        client.force_login(applicant)
        assert "<bdi>+989121234567</bdi>" in client.get("/").text
