"""The staff outbox in a real browser: Persian, right to left, on a phone and a desktop."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from khedmat.accounts.models import OrgUnit, User
from khedmat.notifications import services
from khedmat.notifications.choices import Channel, MessageKind, MessageStatus
from tests.fixtures.browser import make_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def outbox(org_units: dict[str, OrgUnit]) -> None:
    for number in range(3):
        services.queue_message(
            channel=Channel.SMS,
            recipient=f"+98912123456{number}",
            body=f"درخواست ۱۴۰۳۱۲۳۴۵۶۷{number} به مرحله «کارشناسی» رسید.",
            record=org_units["office"],
        )
    failed = services.queue_message(
        channel=Channel.EMAIL,
        recipient="zahra@example.org",
        subject="ثبت درخواست",
        body="درخواست شما ثبت شد.",
        kind=MessageKind.INFORMATIONAL,
        record=org_units["office"],
    )
    services.change_message_status(failed, MessageStatus.FAILED, error="SMTP 550 mailbox full")


@pytest.mark.usefixtures("role_permissions", "outbox")
@pytest.mark.parametrize(("width", "suffix"), [(390, "phone"), (1280, "desktop")])
def test_outbox_in_persian(
    browser: Any,
    live_server: Any,
    outside_requests: list[str],
    administrator: User,
    verified_login: Any,
    width: int,
    suffix: str,
) -> None:
    client = verified_login(Client(), administrator)  # the office's records: administrators read
    page = make_page(browser, outside_requests, language="fa", width=width)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )

    page.goto(live_server.url + "/desk/messages/")

    assert page.locator("html").get_attribute("dir") == "rtl"
    for label in ("status", "channel", "provider", "date_from", "date_to"):
        assert page.locator(f"label[for=id_{label}]").count() == 1
    assert page.locator("#message-list li").count() == 4
    assert page.locator("form[action$='/resend/'] button").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, f"notifications-outbox-fa-{suffix}")
    assert outside_requests == []
