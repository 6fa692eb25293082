"""Staff are told when their password or authenticator changes (ASVS 2.2.3, 2.5.5)."""

from __future__ import annotations

import pytest
from django.test import Client

from khedmat.accounts import services
from khedmat.accounts.models import User
from khedmat.notifications.models import Message
from tests.accounts.helpers import totp_code

pytestmark = pytest.mark.django_db

FRESH = "a long fresh passphrase for the desk"


def notices(user: User) -> list[Message]:
    return list(Message.objects.filter(event="security_changed").order_by("id"))


def test_a_new_authenticator_is_told_to_its_owner_by_sms(agent: User, administrator: User) -> None:
    agent.mobile = "+989121234567"
    agent.preferred_language = "fa"
    agent.save()
    link, _token = services.issue_enrolment_link(agent, actor=administrator)
    device = services.start_totp_enrolment(agent, actor=agent)
    services.confirm_totp_device(device, totp_code(device), actor=agent, link=link)

    (notice,) = notices(agent)
    assert (notice.channel, notice.recipient) == ("sms", "+989121234567")
    assert "برنامه‌ی احراز هویت" in notice.body
    assert agent.username in notice.body


def test_a_password_change_on_the_admin_page_is_told_by_email(
    client: Client,
    administrator: User,
    staff_password: str,
    verified_login,  # type: ignore[no-untyped-def]
) -> None:
    administrator.mobile = None
    administrator.email = "admin@example.org"
    administrator.preferred_language = "en"
    administrator.save()
    verified_login(client, administrator)
    data = {"old_password": staff_password, "new_password1": FRESH, "new_password2": FRESH}

    assert client.post("/admin/password_change/", data).status_code == 302

    (notice,) = notices(administrator)
    assert (notice.channel, notice.recipient) == ("email", "admin@example.org")
    assert "The password of your account" in notice.body


def test_a_wrong_current_password_tells_nobody(
    client: Client,
    administrator: User,
    verified_login,  # type: ignore[no-untyped-def]
) -> None:
    administrator.email = "admin@example.org"
    administrator.save()
    verified_login(client, administrator)
    data = {"old_password": "wrong", "new_password1": FRESH, "new_password2": FRESH}
    assert client.post("/admin/password_change/", data).status_code == 200
    assert notices(administrator) == []


def test_an_administrator_setting_someones_password_tells_that_person(
    client: Client,
    administrator: User,
    agent: User,
    verified_login,  # type: ignore[no-untyped-def]
) -> None:
    agent.mobile = "+989127654321"
    agent.save()
    verified_login(client, administrator)
    url = f"/admin/accounts/user/{agent.pk}/password/"
    data = {"password1": FRESH, "password2": FRESH, "usable_password": "true"}

    assert client.post(url, data).status_code == 302

    (notice,) = notices(agent)
    assert notice.recipient == "+989127654321"


def test_someone_with_no_address_is_logged_not_messaged(agent: User) -> None:
    agent.mobile = None
    agent.email = ""
    agent.save()
    assert services.notify_security_change(agent, "password") is False
    assert notices(agent) == []
