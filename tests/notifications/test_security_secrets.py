"""Secrets in the outbox (issue 20): a login code or a survey link is kept only until delivery.

The provider gets the real text; the stored message keeps the masked text once the provider took
it (or it failed, or was cancelled), and the tick removes the secret from any message older than
KHEDMAT_SECRET_MESSAGE_MINUTES whatever its state.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import json
import logging
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts import otp
from khedmat.accounts.models import LoginCode, User
from khedmat.core.models import Activity
from khedmat.jobs.tick import tick_handler_names
from khedmat.notifications import services
from khedmat.notifications.choices import Channel, MessageKind, MessageStatus
from khedmat.notifications.errors import NotResendableError
from khedmat.notifications.fake_sms import FakeSmsServer
from khedmat.notifications.models import Message, MessageTemplate
from khedmat.notifications.providers.console import ConsoleBackend
from khedmat.notifications.secrecy import SECRET_MASK, Secret
from tests.fixtures.notifications import INVALID_MOBILE, install_default_templates, run_worker

UseProviders = Callable[..., dict[str, Any]]
MOBILE = "+989121234567"
LINK = "https://khedmat.example.ir/survey/sEcReT-tOkEn-0123456789abcdef/"
MASKED_TEXT = f"Your service desk login code: {SECRET_MASK}\nDo not share it."


def login_code(mobile: str = MOBILE) -> tuple[LoginCode, Message]:
    row = otp.send_login_code(mobile, ip_address="10.0.0.7", language="en")
    return row, Message.objects.get(idempotency_key=f"otp:{row.pk}")


def code_in(message: Message) -> str:
    """The code in the text still to be sent (only there, and only until it is sent)."""
    assert message.contains_secret and message.secret_removed_at is None
    (code,) = message.secret_values
    assert len(code) == 6 and code.isdigit()
    return code


def stored(message: Message) -> str:
    """Everything the database keeps about a message and its timeline, as one string."""
    # django-stubs misreads the GenericForeignKey in a bare values() as a lookup.
    row = Message.objects.filter(pk=message.pk).values().get()  # type: ignore[misc]
    activities = list(
        Activity.objects.for_target(message).values("verb", "old_value", "new_value", "data")
    )
    return json.dumps([row, activities], default=str, ensure_ascii=False)


def survey_message(*, now: dt.datetime | None = None, recipient: str = MOBILE) -> Message:
    """A survey invitation as the surveys app queues it: the link marked secret."""
    return services.notify(
        "request_returned",
        record=None,
        recipient=recipient,
        language="en",
        context={"tracking_code": "140312345678", "link": Secret(LINK)},
        now=now,
    )


# --- delivery removes the secret -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_after_delivery_the_code_is_gone_but_the_provider_got_it(
    use_providers: UseProviders, fake_sms: FakeSmsServer
) -> None:
    install_default_templates()
    use_providers("kavenegar")
    _, message = login_code()
    code = code_in(message)
    assert message.masked_body == MASKED_TEXT

    run_worker()

    [entry] = fake_sms.outbox()
    assert entry["text"] == f"Your service desk login code: {code}\nDo not share it."
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert (message.body, message.masked_body, message.secret_values) == (MASKED_TEXT, "", [])
    assert message.secret_removed_at is not None
    assert code not in stored(message)
    assert otp.verify_login_code(MOBILE, code, ip_address="10.0.0.7").mobile == MOBILE


@pytest.mark.django_db
def test_provider_template_parameters_lose_the_code_after_delivery(
    templates: None, use_providers: UseProviders, fake_sms: FakeSmsServer
) -> None:
    MessageTemplate.objects.filter(event="otp", language="en").update(
        provider_template="verify", provider="kavenegar", provider_params={"token": "code"}
    )
    use_providers("kavenegar")
    _, message = login_code()
    code = code_in(message)
    assert message.provider_params == {"token": code}  # needed until the provider takes it

    services.deliver_message(message)

    [entry] = fake_sms.outbox()
    assert entry["params"]["token"] == code
    message.refresh_from_db()
    assert message.provider_params == {"token": SECRET_MASK}
    assert code not in stored(message)


@pytest.mark.django_db
def test_a_permanent_failure_removes_the_code_too(
    templates: None, use_providers: UseProviders, fake_sms: FakeSmsServer
) -> None:
    use_providers("kavenegar")
    _, message = login_code(INVALID_MOBILE)
    code = code_in(message)

    with pytest.raises(Exception, match="411"):
        services.deliver_message(message)

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.secret_removed_at is not None
    assert code not in stored(message)
    assert not message.can_resend()
    with pytest.raises(NotResendableError):
        services.resend_message(message, actor=None)


@pytest.mark.django_db
def test_an_error_that_quotes_the_secret_is_stored_masked() -> None:
    message = survey_message()

    services.change_message_status(message, MessageStatus.FAILED, error=f"refused text: {LINK}")

    message.refresh_from_db()
    assert message.last_error == f"refused text: {SECRET_MASK}"
    assert LINK not in stored(message)


@pytest.mark.django_db
def test_a_code_the_rules_cancel_at_once_keeps_no_secret(
    templates: None, settings: SettingsWrapper
) -> None:
    settings.KHEDMAT_MESSAGE_RATE_LIMIT = 1
    services.queue_message(channel=Channel.SMS, recipient=MOBILE, body="earlier")

    message = services.notify(
        "otp",
        record=None,
        recipient=MOBILE,
        language="en",
        context={"code": Secret("482913")},
        kind=MessageKind.OTP,
    )

    assert message.status == MessageStatus.CANCELLED  # over the hourly cap: codes are refused
    assert (message.body, message.secret_values) == (MASKED_TEXT, [])
    assert "482913" not in stored(message)


# --- the purge tick ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_tick_cancels_a_stuck_secret_message_after_the_window(
    settings: SettingsWrapper,
) -> None:
    settings.KHEDMAT_SECRET_MESSAGE_MINUTES = 15
    start = timezone.now()
    message = survey_message(now=start)
    plain = services.queue_message(channel=Channel.SMS, recipient=MOBILE, body="plain", now=start)
    assert message.status == MessageStatus.QUEUED and LINK in message.body

    assert services.purge_message_secrets(now=start + dt.timedelta(minutes=14)) == 0
    message.refresh_from_db()
    assert LINK in message.body  # still inside the window: it may still be sent

    assert services.purge_message_secrets(now=start + dt.timedelta(minutes=16)) == 1

    message.refresh_from_db()
    assert message.status == MessageStatus.CANCELLED
    assert message.body == (
        "Request 140312345678 was returned to you for correction. Please fix it here:\n"
        + SECRET_MASK
    )
    assert "removed" in message.last_error
    assert LINK not in stored(message)
    assert Message.objects.get(pk=plain.pk).status == MessageStatus.QUEUED  # not a secret
    assert services.purge_message_secrets(now=start + dt.timedelta(minutes=30)) == 0


@pytest.mark.django_db
def test_a_message_whose_secret_was_removed_is_never_sent(
    use_providers: UseProviders, fake_sms: FakeSmsServer
) -> None:
    use_providers("kavenegar")
    message = survey_message()
    Message.objects.filter(pk=message.pk).update(
        body=message.masked_body, secret_values=[], secret_removed_at=timezone.now()
    )

    with pytest.raises(Exception, match="removed"):
        services.deliver_message(message)

    assert fake_sms.outbox() == []
    assert Message.objects.get(pk=message.pk).status == MessageStatus.FAILED


def test_the_purge_runs_on_the_tick() -> None:
    assert "khedmat.notifications.services.retention.purge_message_secrets" in tick_handler_names()


# --- what staff and logs see -------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_see_a_queued_secret_masked_even_as_administrators(
    client: Client, verified_login: Callable[[Client, User], Client], administrator: User
) -> None:
    verified_login(client, administrator)
    message = survey_message()

    listing = client.get("/desk/messages/").content.decode()
    detail = client.get(f"/desk/messages/{message.pk}/").content.decode()
    admin = client.get(f"/admin/notifications/message/{message.pk}/change/").content.decode()

    for html in (listing, detail, admin):
        assert "sEcReT-tOkEn" not in html
        assert SECRET_MASK in html


@pytest.mark.django_db
def test_the_console_backend_logs_the_code_masked(
    templates: None, use_providers: UseProviders, caplog: pytest.LogCaptureFixture, capsys: Any
) -> None:
    use_providers("console")
    _, message = login_code()
    code = code_in(message)

    with caplog.at_level(logging.INFO, logger="khedmat.sms"):
        services.deliver_message(message)

    printed = capsys.readouterr().out
    assert code in printed  # the developer's phone
    logged = [record.getMessage() for record in caplog.records if record.name == "khedmat.sms"]
    assert len(logged) == 1
    assert code not in logged[0] and SECRET_MASK in logged[0]


def test_the_console_backend_logs_template_values_masked(caplog: pytest.LogCaptureFixture) -> None:
    stream = io.StringIO()
    with caplog.at_level(logging.INFO, logger="khedmat.sms"):
        ConsoleBackend(stream=stream).send_template(
            MOBILE, "verify", {"token": "482913"}, local_id="9", shown={"token": SECRET_MASK}
        )
    assert "token=482913" in stream.getvalue()
    (record,) = caplog.records
    assert record.getMessage().endswith(f"template verify [token={SECRET_MASK}]")
    assert "482913" not in caplog.text


@pytest.mark.django_db
def test_the_file_backend_writes_the_code_masked(
    templates: None, use_providers: UseProviders, tmp_path: Path
) -> None:
    use_providers("file")
    _, message = login_code()
    code = code_in(message)

    services.deliver_message(message)

    text = (tmp_path / "sms-outbox.jsonl").read_text(encoding="utf-8")
    assert code not in text
    (line,) = [json.loads(row) for row in text.splitlines()]
    assert (line["text"], line["masked"]) == (MASKED_TEXT, True)


# --- messages kept before this change ----------------------------------------------------------


@pytest.mark.django_db
def test_the_migration_masks_codes_and_survey_links_kept_in_clear() -> None:
    code = Message.objects.create(
        channel=Channel.SMS,
        kind=MessageKind.OTP,
        event="otp",
        recipient=MOBILE,
        language="fa",
        body="کد ورود: 482913",
        provider_params={"token": "482913"},
        idempotency_key="old-otp",
    )
    survey = Message.objects.create(
        channel=Channel.SMS,
        kind=MessageKind.TRANSACTIONAL,
        event="survey_invitation",
        recipient=MOBILE,
        language="fa",
        body=f"نظرسنجی: {LINK}",
        idempotency_key="old-survey",
    )
    migration = importlib.import_module("khedmat.notifications.migrations.0005_message_secrets")

    migration.mask_kept_secrets(
        apps, SimpleNamespace(connection=SimpleNamespace(alias=connection.alias))
    )

    code.refresh_from_db()
    survey.refresh_from_db()
    assert (code.body, code.provider_params, code.contains_secret) == (SECRET_MASK, {}, True)
    assert (survey.body, survey.contains_secret) == (f"نظرسنجی: {SECRET_MASK}", True)
    assert code.secret_removed_at is not None and survey.secret_removed_at is not None
