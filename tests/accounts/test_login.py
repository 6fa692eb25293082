from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from khedmat.accounts import views
from khedmat.accounts.models import User
from khedmat.core.models import Activity
from tests.accounts.helpers import open_enrolment_link, totp_code, wrong_code

LOGIN = "/accounts/login/"
VERIFY = "/accounts/login/code/"
SETUP = "/accounts/two-factor/setup/"

MakeDevice = Callable[[User], TOTPDevice]


def post_password(client: Client, username: str, password: str, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def session_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def test_urls_keep_their_names() -> None:
    assert reverse("accounts:login") == LOGIN
    assert reverse("accounts:verify") == VERIFY
    assert reverse("accounts:two_factor_setup") == SETUP
    assert reverse("accounts:logout") == "/accounts/logout/"


@pytest.mark.django_db
class TestStaffLoginWithCode:
    def test_password_then_code_logs_in_verified(
        self, client: Client, agent: User, staff_password: str, make_device: MakeDevice
    ) -> None:
        device = make_device(agent)
        response = post_password(client, "agent", staff_password, next="/desk/")
        assert response.status_code == 302
        assert response["Location"] == VERIFY
        assert session_user_id(client) is None  # not logged in before the code
        assert client.get("/desk/").status_code == 302  # still anonymous

        response = client.post(VERIFY, {"code": totp_code(device)})
        assert response.status_code == 302
        assert response["Location"] == "/desk/"
        assert session_user_id(client) == str(agent.pk)
        assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
        assert client.get("/desk/").status_code == 200

    def test_code_in_persian_digits_is_accepted(
        self, client: Client, agent: User, staff_password: str, make_device: MakeDevice
    ) -> None:
        device = make_device(agent)
        post_password(client, "agent", staff_password)
        persian = totp_code(device).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
        response = client.post(VERIFY, {"code": persian})
        assert response["Location"] == "/desk/"
        assert session_user_id(client) == str(agent.pk)

    def test_wrong_code_does_not_log_in(
        self, client: Client, agent: User, staff_password: str, make_device: MakeDevice
    ) -> None:
        device = make_device(agent)
        post_password(client, "agent", staff_password)
        response = client.post(VERIFY, {"code": wrong_code(device)})
        assert response.status_code == 200
        assert str(views.INVALID_CODE) in response.text
        assert 'aria-describedby="id_code_helptext id_code_error"' in response.text
        assert session_user_id(client) is None
        assert DEVICE_ID_SESSION_KEY not in client.session

    def test_a_used_code_cannot_be_replayed(
        self, agent: User, staff_password: str, make_device: MakeDevice
    ) -> None:
        device = make_device(agent)
        code = totp_code(device)
        first, second = Client(), Client()
        post_password(first, "agent", staff_password)
        first.post(VERIFY, {"code": code})
        post_password(second, "agent", staff_password)
        response = second.post(VERIFY, {"code": code})
        assert response.status_code == 200
        assert session_user_id(second) is None

    def test_verify_without_password_step_goes_back_to_login(
        self, client: Client, agent: User, make_device: MakeDevice
    ) -> None:
        device = make_device(agent)
        response = client.post(VERIFY, {"code": totp_code(device)})
        assert response["Location"] == LOGIN
        assert session_user_id(client) is None

    def test_pending_password_step_expires(
        self, client: Client, agent: User, staff_password: str, make_device: MakeDevice
    ) -> None:
        device = make_device(agent)
        post_password(client, "agent", staff_password)
        session = client.session
        session[views.PENDING_SINCE] = int(time.time()) - views.PENDING_SECONDS - 1
        session.save()
        response = client.post(VERIFY, {"code": totp_code(device)})
        assert response["Location"] == LOGIN
        assert session_user_id(client) is None

    def test_next_pointing_elsewhere_is_ignored(
        self, client: Client, agent: User, staff_password: str, make_device: MakeDevice
    ) -> None:
        device = make_device(agent)
        post_password(client, "agent", staff_password, next="https://evil.example/")
        response = client.post(VERIFY, {"code": totp_code(device)})
        assert response["Location"] == "/desk/"


@pytest.mark.django_db
class TestEnrolment:
    def test_staff_with_an_enrolment_link_enrols_then_reaches_the_desk(
        self, client: Client, agent: User, staff_password: str, administrator: User
    ) -> None:
        open_enrolment_link(client, agent, actor=administrator)
        response = post_password(client, "agent", staff_password, next="/desk/")
        assert response["Location"] == f"{SETUP}?next=%2Fdesk%2F"
        assert session_user_id(client) == str(agent.pk)
        assert client.get("/desk/")["Location"] == f"{SETUP}?next=%2Fdesk%2F"

        page = client.get(SETUP, {"next": "/desk/"})
        assert page.status_code == 200
        device = TOTPDevice.objects.get(user=agent)
        assert device.confirmed is False
        assert "<svg" in page.text
        assert page.context["secret"].replace(" ", "") in device.config_url
        assert 'autocomplete="one-time-code"' in page.text
        assert 'inputmode="numeric"' in page.text

        response = client.post(SETUP, {"code": totp_code(device), "next": "/desk/"})
        assert response["Location"] == "/desk/"
        device.refresh_from_db()
        assert device.confirmed is True
        assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
        assert client.get("/desk/").status_code == 200
        row = Activity.objects.for_target(agent).first()
        assert row is not None
        assert (row.verb, row.actor) == ("user.second_factor_enrolled", agent)

    def test_wrong_enrolment_code_leaves_device_unconfirmed(
        self, client: Client, agent: User
    ) -> None:
        client.force_login(agent)
        open_enrolment_link(client, agent)
        client.get(SETUP)
        device = TOTPDevice.objects.get(user=agent)
        response = client.post(SETUP, {"code": wrong_code(device)})
        assert response.status_code == 200
        assert str(views.INVALID_CODE) in response.text
        device.refresh_from_db()
        assert device.confirmed is False
        assert DEVICE_ID_SESSION_KEY not in client.session
        assert client.get("/desk/").status_code == 302

    def test_the_same_secret_is_shown_until_confirmed(self, client: Client, agent: User) -> None:
        client.force_login(agent)
        open_enrolment_link(client, agent)
        first = client.get(SETUP).context["secret"]
        second = client.get(SETUP).context["secret"]
        assert first == second
        assert TOTPDevice.objects.filter(user=agent).count() == 1

    def test_setup_refused_while_an_existing_device_is_not_verified(
        self, client: Client, agent: User, make_device: MakeDevice
    ) -> None:
        """Someone with only the password must not replace the owner's authenticator."""
        make_device(agent)
        client.force_login(agent)
        response = client.get(SETUP)
        assert response["Location"] == VERIFY
        assert TOTPDevice.objects.filter(user=agent).count() == 1

    def test_verified_user_replaces_the_device(
        self, client: Client, agent: User, verified_login
    ) -> None:  # type: ignore[no-untyped-def]
        verified_login(client, agent)
        old = TOTPDevice.objects.get(user=agent)
        client.get(SETUP)
        new = TOTPDevice.objects.get(user=agent, confirmed=False)
        response = client.post(SETUP, {"current_code": totp_code(old), "code": totp_code(new)})
        assert response.status_code == 302
        assert list(TOTPDevice.objects.filter(user=agent)) == [new]
        assert not TOTPDevice.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
class TestSecondFactorGate:
    def test_unverified_staff_is_sent_to_verify_from_desk_and_admin(
        self, client: Client, agent: User, make_device: MakeDevice
    ) -> None:
        make_device(agent)
        client.force_login(agent)
        assert client.get("/desk/")["Location"] == f"{VERIFY}?next=%2Fdesk%2F"
        assert client.get("/admin/")["Location"] == f"{VERIFY}?next=%2Fadmin%2F"
        assert client.get("/")["Location"] == f"{VERIFY}?next=%2F"

    def test_unverified_superuser_without_device_must_enrol_before_admin(
        self, client: Client, admin_user: User
    ) -> None:
        client.force_login(admin_user)
        response = client.get("/admin/accounts/user/")
        assert response["Location"] == f"{SETUP}?next=%2Fadmin%2Faccounts%2Fuser%2F"

    def test_unverified_staff_post_changes_nothing(
        self, client: Client, admin_user: User, applicant: User
    ) -> None:
        client.force_login(admin_user)
        url = f"/admin/accounts/user/{applicant.pk}/delete/"
        response = client.post(url, {"post": "yes"})
        assert response["Location"] == SETUP
        assert User.objects.filter(pk=applicant.pk).exists()

    def test_open_paths_stay_open(self, client: Client, agent: User) -> None:
        client.force_login(agent)
        assert client.get("/healthz").status_code == 200
        assert client.get(SETUP).status_code == 200
        response = client.post("/language/", {"language": "en", "next": "/"})
        assert response["Location"] == "/"
        assert client.post("/accounts/logout/").status_code == 302
        assert session_user_id(client) is None

    def test_api_answers_403_instead_of_redirecting(self, client: Client, agent: User) -> None:
        client.force_login(agent)
        response = client.get("/api/v1/openapi.json", headers={"accept-language": "en"})
        assert response.status_code == 403
        assert response.json() == {"detail": "Second factor required."}

    def test_verified_staff_goes_through(self, client: Client, agent: User, verified_login) -> None:  # type: ignore[no-untyped-def]
        verified_login(client, agent)
        assert client.get("/desk/").status_code == 200

    def test_optional_mode_lets_staff_through_and_does_not_force_enrolment(
        self, client: Client, agent: User, staff_password: str, settings
    ) -> None:  # type: ignore[no-untyped-def]
        settings.KHEDMAT_STAFF_2FA = "optional"
        response = post_password(client, "agent", staff_password)
        assert response["Location"] == "/desk/"
        assert client.get("/desk/").status_code == 200
        assert not TOTPDevice.objects.filter(user=agent).exists()

    def test_optional_mode_still_asks_for_the_code_of_an_enrolled_user(
        self, client: Client, agent: User, staff_password: str, settings, make_device: MakeDevice
    ) -> None:  # type: ignore[no-untyped-def]
        settings.KHEDMAT_STAFF_2FA = "optional"
        make_device(agent)
        assert post_password(client, "agent", staff_password)["Location"] == VERIFY
        assert session_user_id(client) is None


@pytest.mark.django_db
class TestApplicantLogin:
    def test_applicant_is_not_asked_for_a_code(
        self, client: Client, applicant: User, staff_password: str
    ) -> None:
        response = post_password(client, "applicant", staff_password)
        assert response["Location"] == "/"
        assert session_user_id(client) == str(applicant.pk)
        assert client.get("/").status_code == 200
        assert not TOTPDevice.objects.filter(user=applicant).exists()

    def test_applicant_cannot_enter_the_desk(self, client: Client, applicant: User) -> None:
        client.force_login(applicant)
        response = client.get("/desk/")
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)


@pytest.mark.django_db
class TestAdminLogin:
    def test_admin_login_redirects_to_our_login(self, client: Client) -> None:
        response = client.get("/admin/login/", {"next": "/admin/accounts/"})
        assert response["Location"] == f"{LOGIN}?next=%2Fadmin%2Faccounts%2F"

    def test_posting_to_admin_login_does_not_log_in(self, client: Client, admin_user: User) -> None:
        response = client.post("/admin/login/", {"username": "admin", "password": "password"})
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
        assert session_user_id(client) is None

    def test_anonymous_admin_goes_to_our_login(self, client: Client) -> None:
        response = client.get("/admin/", follow=True)
        assert response.redirect_chain[-1][0].startswith(LOGIN)
        assert response.status_code == 200


@pytest.mark.django_db
class TestLoginPage:
    def test_controls_are_labelled_with_autocomplete(self, client: Client) -> None:
        page = client.get(LOGIN).text
        assert '<label class="form-label fw-semibold" for="id_username">' in page
        assert '<label class="form-label fw-semibold" for="id_password">' in page
        assert 'autocomplete="username"' in page
        assert 'autocomplete="current-password"' in page

    def test_wrong_password_message_is_tied_to_the_controls(
        self, client: Client, agent: User
    ) -> None:
        response = post_password(client, "agent", "not-the-password")
        assert response.status_code == 200
        assert str(views.INVALID_LOGIN) in response.text
        assert 'id="form-errors"' in response.text
        assert response.text.count('aria-describedby="form-errors"') == 2
        assert session_user_id(client) is None
