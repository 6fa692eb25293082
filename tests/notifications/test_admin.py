"""Admin: templates are validated on save, the outbox is read-only, opt-outs are audited."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from django.utils import translation

from khedmat.accounts.models import User
from khedmat.core.models import Activity
from khedmat.notifications import services
from khedmat.notifications.choices import Channel, MessageKind
from khedmat.notifications.models import Message, MessageTemplate, OptOut

Login = Callable[[Client, User], Client]
TEMPLATES = "/admin/notifications/messagetemplate/"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def admin_client_verified(client: Client, verified_login: Login, administrator: User) -> Client:
    client.cookies["khedmat_language"] = "en"
    return verified_login(client, administrator)


def template_form(**fields: str) -> dict[str, str]:
    data = {
        "event": "payment_received",
        "channel": "sms",
        "language": "fa",
        "is_active": "on",
        "subject": "",
        "body": "پرداخت درخواست {{ tracking_code }} ثبت شد.",
        "provider_template": "",
        "provider": "",
        "provider_params": "{}",
    }
    data.update(fields)
    return data


@pytest.mark.django_db
class TestTemplateAdmin:
    def test_a_valid_template_is_saved_with_its_activity(
        self, admin_client_verified: Client, administrator: User
    ) -> None:
        response = admin_client_verified.post(f"{TEMPLATES}add/", template_form())
        assert response.status_code == 302, response.content.decode()[:2000]
        saved = MessageTemplate.objects.get(event="payment_received")
        activity = Activity.objects.for_target(saved).get()
        assert (activity.verb, activity.actor) == ("template.created", administrator)

    @pytest.mark.parametrize(
        ("fields", "error"),
        [
            ({"body": "ب" * 300}, "at most 268 Persian or Arabic characters"),
            ({"body": "{{ tracking }}"}, "Unknown variable tracking."),
            (
                {"provider_template": "stage", "provider_params": '{"token": "stage"}'},
                "SMS providers refuse lookup tokens with spaces",
            ),
        ],
    )
    def test_an_invalid_template_is_refused_with_a_clear_error(
        self, admin_client_verified: Client, fields: dict[str, str], error: str
    ) -> None:
        response = admin_client_verified.post(f"{TEMPLATES}add/", template_form(**fields))
        assert response.status_code == 200
        assert error in response.content.decode()
        assert not MessageTemplate.objects.filter(event="payment_received").exists()

    def test_the_variables_are_listed(self, admin_client_verified: Client) -> None:
        html = admin_client_verified.get(f"{TEMPLATES}add/").content.decode()
        assert "<code>{{ tracking_code }}</code>" in html

    def test_a_supervisor_may_read_but_not_change(
        self, client: Client, verified_login: Login, supervisor: User
    ) -> None:
        verified_login(client, supervisor)
        item = MessageTemplate.objects.first()
        assert item is not None
        assert client.get(TEMPLATES).status_code == 200
        client.post(f"{TEMPLATES}{item.pk}/change/", template_form(event=item.event))
        assert MessageTemplate.objects.get(pk=item.pk).body == item.body


@pytest.mark.django_db
class TestMessageAdmin:
    def test_read_only(self, admin_client_verified: Client) -> None:
        message = services.queue_message(
            channel=Channel.SMS, recipient="+989121234567", body="code 482913", kind=MessageKind.OTP
        )
        assert admin_client_verified.get("/admin/notifications/message/").status_code == 200
        assert admin_client_verified.get("/admin/notifications/message/add/").status_code == 403
        detail = admin_client_verified.get(f"/admin/notifications/message/{message.pk}/change/")
        assert detail.status_code == 200
        html = detail.content.decode()
        assert "482913" not in html
        assert 'name="_save"' not in html
        response = admin_client_verified.post(
            f"/admin/notifications/message/{message.pk}/delete/", {"post": "yes"}
        )
        assert response.status_code == 403
        assert Message.objects.filter(pk=message.pk).exists()


@pytest.mark.django_db
class TestOptOutAdmin:
    def test_recipient_is_normalised_and_audited(
        self, admin_client_verified: Client, administrator: User
    ) -> None:
        response = admin_client_verified.post(
            "/admin/notifications/optout/add/",
            {"recipient": "۰۹۱۲ ۱۲۳ ۴۵۶۷", "channel": "sms", "reason": "asked by phone"},
        )
        assert response.status_code == 302
        opt_out = OptOut.objects.get()
        assert opt_out.recipient == "+989121234567"
        assert opt_out.created_by == administrator
        assert Activity.objects.for_target(opt_out).get().verb == "optout.created"

    def test_a_bad_number_is_refused(self, admin_client_verified: Client) -> None:
        response = admin_client_verified.post(
            "/admin/notifications/optout/add/", {"recipient": "12", "channel": "sms"}
        )
        assert response.status_code == 200
        assert not OptOut.objects.exists()
