"""Invitations, reminders, expiry, answers and follow-ups (R-26)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from khedmat.core.models import Activity
from khedmat.jobs.tick import tick_handler_names
from khedmat.notifications.models import Message
from khedmat.surveys import services
from khedmat.surveys.apps import run_survey_tick
from khedmat.surveys.choices import FollowUpStatus, InvitationStatus
from khedmat.surveys.errors import (
    AlreadyAnsweredError,
    InvalidAnswersError,
    NoteRequiredError,
    SurveyExpiredError,
)
from khedmat.surveys.models import SurveyFollowUp, SurveyInvitation, SurveyResponse
from tests.fixtures.surveys import survey_tokens
from tests.surveys.helpers import Complete

pytestmark = pytest.mark.django_db

GOOD = {"transparency": 5, "responsiveness": 4, "mastery": 4, "time": 3, "orderliness": 4}


def test_the_tick_handler_is_registered() -> None:
    assert "khedmat.surveys.apps.run_survey_tick" in tick_handler_names()


def test_the_tick_invites_a_completed_request_once(complete: Complete, survey_staff: Any) -> None:
    ticket = complete()
    run_survey_tick()
    run_survey_tick()
    invitation = SurveyInvitation.objects.get()
    assert invitation.ticket_id == ticket.pk
    assert invitation.status == InvitationStatus.SENT
    assert invitation.definition.key == "default"
    assert (invitation.service_id, invitation.org_unit_id) == (
        ticket.service_id,
        ticket.org_unit_id,
    )
    assert (invitation.agent, invitation.team) == (survey_staff["agent"], survey_staff["team"])
    assert invitation.expires_at == invitation.sent_at + dt.timedelta(days=14)
    (message,) = Message.objects.filter(event="survey_invitation")
    assert message.recipient == "+989121234567"
    assert message.language == "fa"
    assert ticket.tracking_code in message.body
    assert "/survey/" in message.body
    assert Activity.objects.filter(verb="survey.invited", target_id=str(invitation.pk)).count() == 1


def test_open_and_old_requests_get_no_invitation(
    submit: Any, complete: Complete, settings: Any
) -> None:
    submit()  # still open
    old = complete()
    old.__class__.objects.filter(pk=old.pk).update(closed_at=timezone.now() - dt.timedelta(days=8))
    assert services.send_due_invitations() == 0
    assert not SurveyInvitation.objects.exists()
    settings.KHEDMAT_SURVEY_LOOKBACK_DAYS = 9
    assert services.send_due_invitations() == 1


def test_the_token_is_kept_only_as_a_keyed_hash(complete: Complete) -> None:
    complete()
    services.send_due_invitations()
    (token,) = survey_tokens()
    invitation = SurveyInvitation.objects.get()
    assert len(token) >= 32
    assert invitation.token_hash == services.hash_token(token) != token
    assert token not in str(SurveyInvitation.objects.values().get())
    assert services.invitation_for_token(token) == invitation
    assert services.invitation_for_token(token[:-1]) is None
    assert services.invitation_for_token("") is None


def test_an_answer_is_stored_once(complete: Complete) -> None:
    complete()
    services.send_due_invitations()
    invitation = services.invitation_for_token(survey_tokens()[0])
    assert invitation is not None
    response = services.answer_survey(invitation, answers={**GOOD, "comment": "  خوب بود  "})
    assert response.scores == GOOD
    assert response.average == Decimal("4.00")
    assert response.comment == "خوب بود"
    assert response.answers == {**GOOD, "comment": "خوب بود"}
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED
    assert invitation.answered_at is not None
    with pytest.raises(AlreadyAnsweredError):
        services.answer_survey(invitation, answers={**GOOD, "time": 1})
    assert SurveyResponse.objects.get().scores == GOOD
    assert not SurveyFollowUp.objects.exists()


def test_answers_are_checked(complete: Complete) -> None:
    complete()
    services.send_due_invitations()
    invitation = SurveyInvitation.objects.get()
    for answers in ({**GOOD, "time": 6}, {**GOOD, "time": "x"}, {"transparency": 5}):
        with pytest.raises(InvalidAnswersError):
            services.answer_survey(invitation, answers=answers)
    assert not SurveyResponse.objects.exists()
    assert SurveyInvitation.objects.get().status == InvitationStatus.SENT


def test_one_reminder_with_a_new_link_then_expiry(complete: Complete) -> None:
    complete()
    start = timezone.now()
    services.send_due_invitations(now=start)
    invitation = SurveyInvitation.objects.get()
    assert services.send_due_reminders(now=start + dt.timedelta(days=2)) == 0
    assert services.send_due_reminders(now=start + dt.timedelta(days=3, minutes=1)) == 1
    assert services.send_due_reminders(now=start + dt.timedelta(days=4)) == 0
    first, reminder = survey_tokens()
    assert first != reminder
    assert services.invitation_for_token(first) == invitation  # both links work until expiry
    assert services.invitation_for_token(reminder) == invitation
    assert services.expire_due_invitations(now=start + dt.timedelta(days=13)) == 0
    assert services.expire_due_invitations(now=start + dt.timedelta(days=14, minutes=1)) == 1
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.EXPIRED
    with pytest.raises(SurveyExpiredError):
        services.answer_survey(invitation, answers=GOOD)
    assert not SurveyResponse.objects.exists()


def test_an_expired_invitation_cannot_be_answered_even_before_the_tick(
    complete: Complete,
) -> None:
    complete()
    services.send_due_invitations(now=timezone.now() - dt.timedelta(days=15))
    invitation = SurveyInvitation.objects.get()
    with pytest.raises(SurveyExpiredError):
        services.answer_survey(invitation, answers=GOOD)


@pytest.mark.parametrize(
    ("scores", "reason"),
    [
        (
            {"transparency": 2, "responsiveness": 1, "mastery": 2, "time": 1, "orderliness": 3},
            "Low average score: 1.80",
        ),
        ({**GOOD, "time": 1}, "Low score on: time"),
    ],
)
def test_a_low_score_opens_a_follow_up_for_the_unit(
    complete: Complete, survey_staff: Any, scores: dict[str, int], reason: str
) -> None:
    ticket = complete()
    services.send_due_invitations()
    response = services.answer_survey(SurveyInvitation.objects.get(), answers=scores)
    follow_up = SurveyFollowUp.objects.get()
    assert follow_up.response == response
    assert follow_up.org_unit_id == ticket.org_unit_id
    assert follow_up.status == FollowUpStatus.OPEN
    assert follow_up.reason == reason
    assert Activity.objects.filter(verb="survey.follow_up_opened").count() == 1

    with pytest.raises(NoteRequiredError):
        services.close_follow_up(follow_up, note="  ", actor=survey_staff["supervisor"])
    assert SurveyFollowUp.objects.get().status == FollowUpStatus.OPEN
    closed = services.close_follow_up(
        follow_up, note="Called the applicant.", actor=survey_staff["supervisor"]
    )
    assert (closed.status, closed.note) == (FollowUpStatus.CLOSED, "Called the applicant.")
    assert closed.closed_by == survey_staff["supervisor"]
    assert Activity.objects.filter(verb="survey.follow_up_closed").count() == 1


def test_the_default_survey_has_the_five_axes_in_every_language(survey_rows: None) -> None:
    from khedmat.surveys.models import SurveyDefinition

    definition = SurveyDefinition.objects.get(key="default", service__isnull=True)
    questions = list(definition.questions.order_by("position"))
    assert [q.key for q in questions] == [
        "transparency",
        "responsiveness",
        "mastery",
        "time",
        "orderliness",
        "comment",
    ]
    assert [q.kind for q in questions] == ["scale_1_5"] * 5 + ["text"]
    assert all(q.label_fa and q.label_ar and q.label_en for q in questions)
    assert [q.label_fa.split(":")[0] for q in questions[:5]] == [
        "شفافیت فرایندی",
        "پاسخگویی و مسئولیت‌پذیری",
        "تسلط بر فرایند",
        "زمان فرایند",
        "نظام‌مند بودن",
    ]
    assert all(any("\u0600" <= ch <= "\u06ff" for ch in q.label_ar) for q in questions)


def test_the_invitation_sms_exists_in_fa_ar_en(survey_rows: None) -> None:
    from khedmat.notifications.models import MessageTemplate

    languages = set(
        MessageTemplate.objects.filter(event="survey_invitation", channel="sms").values_list(
            "language", flat=True
        )
    )
    assert languages == {"fa", "ar", "en"}


def test_every_survey_setting_is_documented_in_env_example() -> None:
    from pathlib import Path

    from khedmat.surveys.conf import DEFAULTS

    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    assert [name for name in DEFAULTS if f"{name}=" not in example] == []
