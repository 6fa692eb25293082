"""Security review (issue 20, item 13): the staff second factor is not set up with the password alone.

A first authenticator needs a single-use, expiring enrolment link an administrator issued (only
its hash is stored); replacing an authenticator needs a code from the current one, or a new link
when the phone is lost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts import services, views
from khedmat.accounts.errors import EnrolmentNotAllowedError
from khedmat.accounts.models import EnrolmentLink, User
from khedmat.core.models import Activity
from tests.accounts.helpers import open_enrolment_link, totp_code, wrong_code

LOGIN = "/accounts/login/"
VERIFY = "/accounts/login/code/"
SETUP = "/accounts/two-factor/setup/"

pytestmark = pytest.mark.django_db


def post_password(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"username": username, "password": password})


def session_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def enrol_with_link(client: Client, user: User, password: str, administrator: User) -> TOTPDevice:
    """Open an administrator's link, log in with the password and confirm the new app."""
    open_enrolment_link(client, user, actor=administrator)
    assert post_password(client, user.username, password)["Location"] == SETUP
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post(SETUP, {"code": totp_code(device)})["Location"] == "/desk/"
    return device


class TestPasswordAloneCannotEnrol:
    def test_staff_without_an_authenticator_are_not_logged_in_by_the_password(
        self, client: Client, agent: User, staff_password: str
    ) -> None:
        response = post_password(client, "agent", staff_password)

        assert response.status_code == 200
        assert str(views.NO_AUTHENTICATOR) in response.text
        assert session_user_id(client) is None
        assert not TOTPDevice.objects.filter(user=agent).exists()

    def test_the_setup_page_shows_no_secret_and_refuses_a_post(
        self, client: Client, agent: User
    ) -> None:
        client.force_login(agent)  # as after the password, before this fix
        page = client.get(SETUP)
        assert page.status_code == 200
        assert 'data-testid="enrolment-link-needed"' in page.text
        assert "<svg" not in page.text
        assert not TOTPDevice.objects.filter(user=agent).exists()

        pending = services.start_totp_enrolment(agent, actor=agent)  # say, left from before
        response = client.post(SETUP, {"code": totp_code(pending)})

        assert response.status_code == 403
        pending.refresh_from_db()
        assert pending.confirmed is False
        assert DEVICE_ID_SESSION_KEY not in client.session
        assert not Activity.objects.filter(verb="user.second_factor_enrolled").exists()

    def test_the_service_refuses_without_a_link_or_a_current_code(self, agent: User) -> None:
        device = services.start_totp_enrolment(agent, actor=agent)
        with pytest.raises(EnrolmentNotAllowedError):
            services.confirm_totp_device(device, totp_code(device), actor=agent)
        device.refresh_from_db()
        assert device.confirmed is False

    def test_a_link_for_someone_else_does_not_help(
        self, client: Client, agent: User, supervisor: User, staff_password: str
    ) -> None:
        open_enrolment_link(client, agent)
        response = post_password(client, "supervisor", staff_password)
        assert str(views.NO_AUTHENTICATOR) in response.text
        assert session_user_id(client) is None


class TestEnrolmentLink:
    def test_an_administrator_issues_a_hashed_single_use_link(
        self, agent: User, administrator: User, settings: SettingsWrapper
    ) -> None:
        now = timezone.now()
        link, token = services.issue_enrolment_link(agent, actor=administrator, now=now)

        assert len(token) >= 43
        assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert not EnrolmentLink.objects.filter(token_hash=token).exists()
        assert (link.created_by, link.used_at) == (administrator, None)
        assert link.expires_at == now + dt.timedelta(hours=settings.KHEDMAT_STAFF_2FA_LINK_HOURS)
        row = Activity.objects.for_target(agent).get(verb="user.enrolment_link_issued")
        assert (row.actor, row.data["link"], row.data["revoked_links"]) == (
            administrator,
            link.pk,
            0,
        )
        assert token not in str(row.data)

    def test_the_link_enrols_once(
        self, client: Client, agent: User, staff_password: str, administrator: User
    ) -> None:
        url = open_enrolment_link(client, agent, actor=administrator)
        assert post_password(client, "agent", staff_password)["Location"] == SETUP
        client.get(SETUP)
        device = TOTPDevice.objects.get(user=agent, confirmed=False)
        assert client.post(SETUP, {"code": totp_code(device)})["Location"] == "/desk/"
        device.refresh_from_db()
        assert device.confirmed is True
        assert EnrolmentLink.objects.get(user=agent).used_at is not None
        enrolled = Activity.objects.for_target(agent).get(verb="user.second_factor_enrolled")
        assert enrolled.data["by"] == "enrolment_link"

        again = Client(HTTP_ACCEPT_LANGUAGE="en")  # the message is compared in English
        response = again.get(url)
        assert response.status_code == 404
        assert "This enrolment link cannot be used" in response.text
        assert post_password(again, "agent", staff_password)["Location"] == VERIFY

    def test_a_used_link_fails_in_the_service(self, agent: User, administrator: User) -> None:
        link, _token = services.issue_enrolment_link(agent, actor=administrator)
        first = services.start_totp_enrolment(agent, actor=agent)
        services.confirm_totp_device(first, totp_code(first), actor=agent, link=link)

        second = services.start_totp_enrolment(agent, actor=agent)
        with pytest.raises(EnrolmentNotAllowedError):
            services.confirm_totp_device(second, totp_code(second), actor=agent, link=link)
        assert list(TOTPDevice.objects.filter(user=agent, confirmed=True)) == [first]

    def test_an_expired_link_fails(
        self, client: Client, agent: User, staff_password: str, settings: SettingsWrapper
    ) -> None:
        hours = settings.KHEDMAT_STAFF_2FA_LINK_HOURS
        issued = timezone.now() - dt.timedelta(hours=hours, seconds=1)
        _link, token = services.issue_enrolment_link(agent, actor=None, now=issued)

        response = client.get(reverse("accounts:enrolment_link", args=[token]))

        assert response.status_code == 404
        assert str(views.NO_AUTHENTICATOR) in post_password(client, "agent", staff_password).text
        assert session_user_id(client) is None

    def test_a_link_expiring_before_the_confirmation_enrols_nothing(
        self, agent: User, settings: SettingsWrapper
    ) -> None:
        link, _token = services.issue_enrolment_link(agent, actor=None)
        device = services.start_totp_enrolment(agent, actor=agent)
        later = link.expires_at + dt.timedelta(seconds=1)
        with pytest.raises(EnrolmentNotAllowedError):
            services.confirm_totp_device(
                device, totp_code(device), actor=agent, link=link, now=later
            )
        device.refresh_from_db()
        assert device.confirmed is False

    def test_a_new_link_revokes_the_older_one(self, client: Client, agent: User) -> None:
        _old, old_token = services.issue_enrolment_link(agent, actor=None)
        services.issue_enrolment_link(agent, actor=None)
        assert client.get(reverse("accounts:enrolment_link", args=[old_token])).status_code == 404

    def test_an_unknown_token_fails(self, client: Client) -> None:
        response = client.get(reverse("accounts:enrolment_link", args=["not-a-real-token"]))
        assert response.status_code == 404

    def test_a_signed_in_unverified_staff_member_may_open_the_link(
        self, client: Client, agent: User
    ) -> None:
        client.force_login(agent)  # the second-factor gate lets the link through
        _link, token = services.issue_enrolment_link(agent, actor=None)
        response = client.get(reverse("accounts:enrolment_link", args=[token]))
        assert response["Location"] == SETUP
        assert "<svg" in client.get(SETUP).text

    def test_optional_mode_demo_enrols_with_a_link(
        self, client: Client, agent: User, staff_password: str, settings: SettingsWrapper
    ) -> None:
        settings.KHEDMAT_STAFF_2FA = "optional"
        assert post_password(client, "agent", staff_password)["Location"] == "/desk/"
        assert client.post(SETUP, {"code": "123456"}).status_code == 403

        enrol_with_link(Client(), agent, staff_password, administrator=agent)
        assert TOTPDevice.objects.filter(user=agent, confirmed=True).count() == 1


class TestReplacingAnAuthenticator:
    def test_replacing_needs_a_code_from_the_current_app(
        self, client: Client, agent: User, verified_login
    ) -> None:  # type: ignore[no-untyped-def]
        verified_login(client, agent)
        old = TOTPDevice.objects.get(user=agent, confirmed=True)
        page = client.get(SETUP)
        assert 'name="current_code"' in page.text
        new = TOTPDevice.objects.get(user=agent, confirmed=False)

        without = client.post(SETUP, {"code": totp_code(new)})
        assert without.status_code == 200
        wrong = client.post(SETUP, {"current_code": wrong_code(old), "code": totp_code(new)})
        assert str(views.WRONG_CURRENT_CODE) in wrong.text
        assert list(TOTPDevice.objects.filter(user=agent, confirmed=True)) == [old]
        new.refresh_from_db()
        assert new.confirmed is False

        right = client.post(SETUP, {"current_code": totp_code(old), "code": totp_code(new)})
        assert right.status_code == 302
        assert list(TOTPDevice.objects.filter(user=agent)) == [new]
        row = Activity.objects.for_target(agent).get(verb="user.second_factor_enrolled")
        assert row.data == {"replaced_devices": 1, "by": "current_code", "link": None}

    def test_a_lost_phone_is_replaced_with_a_new_link(
        self,
        client: Client,
        agent: User,
        staff_password: str,
        administrator: User,
        make_device,  # type: ignore[no-untyped-def]
    ) -> None:
        lost = make_device(agent)
        new = enrol_with_link(client, agent, staff_password, administrator)
        assert list(TOTPDevice.objects.filter(user=agent)) == [new]
        assert not TOTPDevice.objects.filter(pk=lost.pk).exists()
        assert client.session[DEVICE_ID_SESSION_KEY] == new.persistent_id


class TestAdminIssuesLinks:
    @pytest.fixture
    def admin_client(self, client: Client, admin_user: User, verified_login) -> Client:  # type: ignore[no-untyped-def]
        return verified_login(client, admin_user)

    def test_the_action_shows_each_link_once(
        self, admin_client: Client, admin_user: User, agent: User, staff_password: str
    ) -> None:
        response = admin_client.post(
            "/admin/accounts/user/",
            {"action": "issue_enrolment_links", "_selected_action": [agent.pk]},
        )

        assert response.status_code == 200
        urls = re.findall(r'data-testid="enrolment-link">([^<]+)<', response.text)
        assert len(urls) == 1
        link = EnrolmentLink.objects.get(user=agent)
        assert link.created_by == admin_user
        token = urls[0].rstrip("/").rsplit("/", 1)[-1]
        assert link.token_hash == EnrolmentLink.hash_token(token)

        staff = Client()
        assert staff.get(urls[0].removeprefix("http://testserver"))["Location"] == LOGIN
        assert post_password(staff, "agent", staff_password)["Location"] == SETUP

    def test_an_administrator_by_role_cannot_issue_one_for_a_superuser(
        self, client: Client, administrator: User, admin_user: User, verified_login
    ) -> None:  # type: ignore[no-untyped-def]
        verified_login(client, administrator)
        client.post(
            "/admin/accounts/user/",
            {"action": "issue_enrolment_links", "_selected_action": [admin_user.pk]},
        )
        assert not EnrolmentLink.objects.exists()


def test_the_command_prints_a_working_link(client: Client, admin_user: User) -> None:
    out = io.StringIO()
    call_command("enrolment_link", admin_user.username, stdout=out)
    path = out.getvalue().splitlines()[0]
    assert path.startswith(SETUP)
    assert client.get(path)["Location"] == LOGIN
    assert EnrolmentLink.objects.get(user=admin_user).created_by is None
