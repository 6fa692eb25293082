"""Survey links in the outbox (issue 20): the token is kept only until the SMS is handed over.

Anyone holding a link answers the survey, so the outbox must not keep it: staff see the link
masked, and after delivery (or past KHEDMAT_SECRET_MESSAGE_MINUTES) the stored text has none.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from khedmat.notifications import services as notifications
from khedmat.notifications.choices import MessageStatus
from khedmat.notifications.models import Message
from khedmat.notifications.secrecy import SECRET_MASK
from khedmat.surveys import services
from khedmat.surveys.models import SurveyInvitation
from tests.fixtures.surveys import survey_tokens
from tests.surveys.helpers import Complete

pytestmark = pytest.mark.django_db


def survey_sms() -> Message:
    return Message.objects.get(event="survey_invitation")


def kept(message: Message) -> str:
    # django-stubs misreads the GenericForeignKey in a bare values() as a lookup.
    return json.dumps(Message.objects.filter(pk=message.pk).values().get(), default=str)  # type: ignore[misc]


def test_staff_see_the_survey_link_masked(
    complete: Complete, survey_staff: dict[str, Any], client: Client, verified_login: Any
) -> None:
    complete()
    services.send_due_invitations()
    (token,) = survey_tokens()
    message = survey_sms()
    verified_login(client, survey_staff["agent"])

    for page in ("/desk/messages/", f"/desk/messages/{message.pk}/"):
        html = client.get(page).content.decode()
        assert token not in html
        assert SECRET_MASK in html


def test_after_delivery_the_outbox_keeps_no_link_and_the_link_still_works(
    complete: Complete, capsys: Any
) -> None:
    complete()
    services.send_due_invitations()
    (token,) = survey_tokens()
    message = survey_sms()
    assert message.contains_secret

    notifications.deliver_message(message)  # the console provider in the tests

    assert token in capsys.readouterr().out  # the applicant's phone got it
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    assert token not in kept(message)
    assert f"/survey/{token}/" not in message.body and SECRET_MASK in message.body
    assert services.invitation_for_token(token) is not None


def test_a_reminder_link_stuck_in_the_outbox_is_removed_after_the_window(
    complete: Complete,
) -> None:
    complete()
    assert services.send_due_invitations() == 1
    assert services.remind_survey(SurveyInvitation.objects.get())
    reminder = Message.objects.filter(event="survey_invitation").latest("id")
    (_, token) = survey_tokens()

    later = timezone.now() + dt.timedelta(minutes=16)
    assert notifications.purge_message_secrets(now=later) == 2

    reminder.refresh_from_db()
    assert reminder.status == MessageStatus.CANCELLED
    assert token not in kept(reminder)
