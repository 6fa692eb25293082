"""The public survey page, the desk report and the follow-ups, with their permissions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation

from khedmat.core.digits import fold_digits
from khedmat.surveys import services
from khedmat.surveys.choices import FollowUpStatus, InvitationStatus
from khedmat.surveys.forms import SCALE_REQUIRED
from khedmat.surveys.models import SurveyFollowUp, SurveyInvitation, SurveyResponse
from khedmat.tickets.models import Ticket
from tests.fixtures.surveys import survey_tokens
from tests.surveys.helpers import Complete

pytestmark = pytest.mark.django_db

ANSWERS = {
    "transparency": "5",
    "responsiveness": "4",
    "mastery": "4",
    "time": "3",
    "orderliness": "4",
    "comment": "ممنون",
}


@pytest.fixture(autouse=True)
def clear_rate_limits() -> Any:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def token(complete: Complete) -> str:
    complete()
    services.send_due_invitations()
    return survey_tokens()[0]


def test_the_survey_page_needs_no_login_and_speaks_persian(token: str) -> None:
    client = Client(headers={"accept-language": "fa"})
    response = client.get(f"/survey/{token}/")
    assert response.status_code == 200
    html = response.content.decode()
    ticket = Ticket.objects.get()
    assert 'lang="fa"' in html and 'dir="rtl"' in html
    assert "شفافیت فرایندی" in html
    assert fold_digits(ticket.tracking_code) in fold_digits(html)
    assert html.count('type="radio"') == 25
    assert "csrfmiddlewaretoken" in html


def test_answering_stores_one_response_and_a_second_is_refused(token: str) -> None:
    client = Client(headers={"accept-language": "en"})
    response = client.post(f"/survey/{token}/", ANSWERS)
    assert response.status_code == 200
    assert b"Thank you for your answers" in response.content
    stored = SurveyResponse.objects.get()
    assert stored.scores == {
        "transparency": 5,
        "responsiveness": 4,
        "mastery": 4,
        "time": 3,
        "orderliness": 4,
    }
    assert stored.comment == "ممنون"
    again = client.post(f"/survey/{token}/", {**ANSWERS, "time": "1"})
    assert again.status_code == 200
    assert b"This survey was already answered" in again.content
    assert SurveyResponse.objects.get().scores["time"] == 3
    assert b"already answered" in client.get(f"/survey/{token}/").content


def test_missing_scores_are_reported_in_the_visitors_language(token: str) -> None:
    client = Client(headers={"accept-language": "fa"})
    response = client.post(f"/survey/{token}/", {"transparency": "5", "time": "9"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    with translation.override("fa"):
        message = str(SCALE_REQUIRED)  # in Persian once the translators fill the .po
    assert html.count(f">{message}</div>") == 4  # three missing, one out of range
    assert not SurveyResponse.objects.exists()
    assert SurveyInvitation.objects.get().status == InvitationStatus.SENT


def test_csrf_is_checked(token: str) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post(f"/survey/{token}/", ANSWERS).status_code == 403
    assert not SurveyResponse.objects.exists()


def test_unknown_and_expired_links_get_the_same_friendly_page(complete: Complete) -> None:
    complete()
    services.send_due_invitations(now=timezone.now() - dt.timedelta(days=20))
    (expired,) = survey_tokens()
    client = Client(headers={"accept-language": "en"})
    unknown = client.get("/survey/not-a-real-token/")
    old = client.get(f"/survey/{expired}/")
    assert (unknown.status_code, old.status_code) == (404, 410)
    for response in (unknown, old):
        assert b"This survey is not available" in response.content
    assert client.post(f"/survey/{expired}/", ANSWERS).status_code == 410
    assert not SurveyResponse.objects.exists()


def test_guessing_tokens_is_rate_limited(token: str, settings: Any) -> None:
    settings.KHEDMAT_SURVEY_MAX_FAILURES_PER_IP = 3
    client = Client()
    for number in range(3):
        assert client.get(f"/survey/guess-{number}/").status_code == 404
    assert client.get(f"/survey/{token}/").status_code == 429  # even a good link, for now
    assert client.post(f"/survey/{token}/", ANSWERS).status_code == 429
    assert not SurveyResponse.objects.exists()


# --- the desk ---------------------------------------------------------------------------------


def test_the_report_needs_login_and_permission(
    token: str, survey_staff: Any, verified_login: Any
) -> None:
    anonymous = Client().get("/desk/surveys/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    agent = verified_login(Client(), survey_staff["agent"])
    assert agent.get("/desk/surveys/").status_code == 403
    assert agent.get("/desk/surveys/follow-ups/").status_code == 403


def _answer(complete: Complete, scores: dict[str, int], **overrides: Any) -> SurveyInvitation:
    ticket = complete(**overrides)
    invitation = services.invite_to_survey(ticket)
    assert invitation is not None
    services.answer_survey(invitation, answers=scores)
    return invitation


def test_the_report_groups_by_service_team_agent_and_month(
    complete: Complete, survey_staff: Any, verified_login: Any
) -> None:
    scores = {"transparency": 5, "responsiveness": 4, "mastery": 3, "time": 2, "orderliness": 5}
    _answer(complete, scores, submission_key="a")
    _answer(complete, {key: 3 for key in scores}, submission_key="b")
    services.invite_to_survey(complete(submission_key="c"))  # sent, not answered
    client = verified_login(Client(headers={"accept-language": "en"}), survey_staff["supervisor"])
    response = client.get("/desk/surveys/")
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.total.sent, report.total.answered, report.total.rate) == (3, 2, 66.7)
    assert report.total.average == 3.4  # (3.8 + 3.0) / 2
    assert [axis.key for axis in report.axes] == [
        "transparency",
        "responsiveness",
        "mastery",
        "time",
        "orderliness",
    ]
    assert report.total.axes == [4.0, 3.5, 3.0, 2.5, 4.0]
    for rows in (report.by_service, report.by_team, report.by_agent, report.by_month):
        assert [(row.sent, row.answered) for row in rows] == [(3, 2)]
    assert report.by_team[0].label == "Licence desk"
    assert report.by_agent[0].label == "Sara Ahmadi"
    month = timezone.localtime().strftime("%B %Y")
    assert report.by_month[0].label == month
    # in Persian the months are Jalali
    client.cookies.load({"django_language": "fa"})
    persian = client.get("/desk/surveys/", headers={"accept-language": "fa"})
    label = persian.context["report"].by_month[0].label
    assert any(
        name in label
        for name in (
            "فروردین",
            "آذر",
            "دی",
            "بهمن",
            "اسفند",
            "اردیبهشت",
            "خرداد",
            "تیر",
            "مرداد",
            "شهریور",
            "مهر",
            "آبان",
        )
    )


def test_the_report_runs_a_constant_number_of_queries(
    complete: Complete,
    survey_staff: Any,
    verified_login: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client = verified_login(Client(), survey_staff["supervisor"])
    _answer(
        complete,
        {"transparency": 1, "responsiveness": 1, "mastery": 1, "time": 1, "orderliness": 1},
        submission_key="x",
    )
    with django_assert_max_num_queries(30) as few:
        client.get("/desk/surveys/")
    for number in range(4):
        _answer(
            complete,
            {"transparency": 4, "responsiveness": 4, "mastery": 4, "time": 4, "orderliness": 4},
            submission_key=f"k{number}",
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/desk/surveys/")
    assert response.context["report"].total.answered == 5


def test_other_units_see_nothing(
    complete: Complete, survey_staff: Any, verified_login: Any
) -> None:
    _answer(
        complete,
        {"transparency": 1, "responsiveness": 1, "mastery": 1, "time": 1, "orderliness": 1},
    )
    client = verified_login(Client(), survey_staff["outsider"])
    response = client.get("/desk/surveys/")
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.total.sent, report.by_service, response.context["follow_ups"]) == (0, [], [])
    listing = client.get("/desk/surveys/follow-ups/")
    assert listing.context["follow_ups"] == []
    follow_up = SurveyFollowUp.objects.get()
    closing = client.post(f"/desk/surveys/follow-ups/{follow_up.pk}/close/", {"note": "done"})
    assert closing.status_code == 404
    assert SurveyFollowUp.objects.get().status == FollowUpStatus.OPEN


def test_a_supervisor_closes_a_follow_up_with_a_note(
    complete: Complete, survey_staff: Any, verified_login: Any
) -> None:
    _answer(
        complete,
        {"transparency": 1, "responsiveness": 2, "mastery": 1, "time": 1, "orderliness": 2},
    )
    follow_up = SurveyFollowUp.objects.get()
    client = verified_login(Client(headers={"accept-language": "en"}), survey_staff["supervisor"])
    report = client.get("/desk/surveys/")
    assert report.context["follow_ups"] == [follow_up]
    listing = client.get("/desk/surveys/follow-ups/")
    assert listing.status_code == 200
    assert b"Close the follow-up" in listing.content
    url = f"/desk/surveys/follow-ups/{follow_up.pk}/close/"
    client.post(url, {"note": ""})
    assert SurveyFollowUp.objects.get().status == FollowUpStatus.OPEN
    assert client.post(url, {"note": "Called the applicant."}).status_code == 302
    closed = SurveyFollowUp.objects.get()
    assert (closed.status, closed.closed_by) == (FollowUpStatus.CLOSED, survey_staff["supervisor"])


def test_the_tracking_page_links_to_the_survey_once_the_code_is_proven(complete: Complete) -> None:
    ticket = complete()
    services.send_due_invitations()
    visitor = Client(headers={"accept-language": "fa"})
    survey_url = f"/survey/track/{ticket.tracking_code}/"
    assert visitor.get(survey_url).status_code == 404  # not proven yet: the same friendly page

    proven = visitor.post(
        "/track/",
        {"code": ticket.tracking_code, "national_code": ticket.principal_national_code},
        follow=True,
    )

    assert f'href="{survey_url}" data-testid="survey-link"' in proven.content.decode()
    assert visitor.get(survey_url).status_code == 200
    assert visitor.post(survey_url, ANSWERS).status_code == 200
    assert SurveyResponse.objects.get().invitation.ticket == ticket
    again = visitor.get(f"/track/{ticket.tracking_code}/").content.decode()
    assert 'data-testid="survey-link"' not in again  # answered: no link any more
