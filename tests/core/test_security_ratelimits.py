"""Every public form and every authentication step has a limit (ASVS 2.2.1, 11.1.4): each one is
hammered over HTTP from one address, with its limit set to three, and the fourth try is refused
(429, or the form's translated refusal). The inventory in docs/security/asvs-l2.md names these
cases; endpoints not listed here are explained there."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts.models import LoginCode
from khedmat.core.digits import fold_digits
from khedmat.knowledge import services as knowledge
from khedmat.notifications.models import Message
from tests.accounts.helpers import wrong_code

pytestmark = pytest.mark.django_db

LIMIT = 3
ADDRESS = "198.51.100.23"
CITIZEN_CODE = "0013542419"

Attempt = Callable[[Client, int], Any]


@dataclass(frozen=True)
class Case:
    """One endpoint: the settings that bring its limit to LIMIT, what is needed first, one try,
    and how its refusal reads."""

    limits: dict[str, int]
    prepare: Callable[[pytest.FixtureRequest, Client], Any]
    attempt: Callable[[Client, Any, int], Any]
    refused: Callable[[Any], bool]


def nothing(request: pytest.FixtureRequest, client: Client) -> None:
    return None


def text(response: Any) -> str:
    return response.content.decode()


# --- staff: password, then the authenticator code ----------------------------------------------

LOCKED = "Too many failed attempts."


def staff_password_attempt(client: Client, prepared: Any, number: int) -> Any:
    return client.post("/accounts/login/", {"username": "agent", "password": f"wrong-{number}"})


def staff_code_prepare(request: pytest.FixtureRequest, client: Client) -> TOTPDevice:
    agent = request.getfixturevalue("agent")
    device = TOTPDevice.objects.create(user=agent, name="phone", confirmed=True)
    password = request.getfixturevalue("staff_password")
    client.post("/accounts/login/", {"username": agent.username, "password": password})
    return device


def staff_code_attempt(client: Client, device: TOTPDevice, number: int) -> Any:
    device.throttling_failure_count = 0  # the device's own back-off would answer first
    device.throttling_failure_timestamp = None
    device.save()
    return client.post("/accounts/login/code/", {"code": wrong_code(device)}, follow=True)


# --- applicants: the SMS code -----------------------------------------------------------------


def otp_request_attempt(client: Client, prepared: Any, number: int) -> Any:
    return client.post("/accounts/applicant/login/", {"mobile": f"0912000{number:04d}"})


def otp_verify_prepare(request: pytest.FixtureRequest, client: Client) -> None:
    request.getfixturevalue("templates")
    client.post("/accounts/applicant/login/", {"mobile": "09121234567"})


def otp_verify_attempt(client: Client, prepared: Any, number: int) -> Any:
    row = LoginCode.objects.latest("id")
    body = Message.objects.get(idempotency_key=f"otp:{row.pk}").body
    match = re.search(r"\d{6}", fold_digits(body))
    assert match is not None
    wrong = f"{(int(match.group()) + 1) % 1_000_000:06d}"
    return client.post("/accounts/applicant/code/", {"code": wrong})


# --- public look-ups ------------------------------------------------------------------------


def track_form_attempt(client: Client, prepared: Any, number: int) -> Any:
    return client.post("/track/", {"code": f"1405{number:08d}", "national_code": CITIZEN_CODE})


def track_api_attempt(client: Client, prepared: Any, number: int) -> Any:
    body = {"tracking_code": f"1405{number:08d}", "national_code": CITIZEN_CODE}
    return client.post("/api/v1/requests/track", body, content_type="application/json")


def complaint_form_attempt(client: Client, prepared: Any, number: int) -> Any:
    data = {"code": f"9{number:011d}", "national_code": CITIZEN_CODE}
    return client.post("/complaints/track/", data)


def complaint_api_attempt(client: Client, prepared: Any, number: int) -> Any:
    body = {"tracking_code": f"9{number:011d}", "national_code": CITIZEN_CODE}
    return client.post("/api/v1/complaints/track", body, content_type="application/json")


def survey_attempt(client: Client, prepared: Any, number: int) -> Any:
    return client.post(f"/survey/not-a-token-{number}/", {"score": "5"})


def feedback_prepare(request: pytest.FixtureRequest, client: Client) -> int:
    article = knowledge.create_article(actor=None, title_fa="راهنما", publish=True)
    return article.pk


def feedback_attempt(client: Client, article_id: int, number: int) -> Any:
    client.cookies.clear()  # a new session each time: the once-per-session rule does not hold it
    return client.post(f"/knowledge/{article_id}/feedback/", {"helpful": "yes"})


CASES = {
    "staff_password": Case(
        {"KHEDMAT_LOGIN_MAX_FAILURES": LIMIT},
        nothing,
        staff_password_attempt,
        lambda response: response.status_code == 200 and LOCKED in text(response),
    ),
    "staff_code": Case(
        {"KHEDMAT_LOGIN_MAX_FAILURES": LIMIT},
        staff_code_prepare,
        staff_code_attempt,
        lambda response: (
            response.redirect_chain[-1:] == [("/accounts/login/", 302)] and LOCKED in text(response)
        ),
    ),
    "applicant_code_request": Case(
        {"KHEDMAT_OTP_PER_IP_HOUR": LIMIT},
        lambda request, client: request.getfixturevalue("templates"),
        otp_request_attempt,
        lambda response: (
            response.status_code == 200 and "Too many codes were asked for" in text(response)
        ),
    ),
    "applicant_code_verify": Case(
        {"KHEDMAT_OTP_WRONG_PER_MOBILE_DAY": LIMIT, "KHEDMAT_OTP_MAX_ATTEMPTS": 10},
        otp_verify_prepare,
        otp_verify_attempt,
        lambda response: "Too many wrong codes were entered" in text(response),
    ),
    "track_form": Case(
        {"KHEDMAT_TRACK_MAX_FAILURES_PER_IP": LIMIT},
        nothing,
        track_form_attempt,
        lambda response: response.status_code == 429,
    ),
    "track_api": Case(
        {"KHEDMAT_TRACK_MAX_FAILURES_PER_IP": LIMIT},
        nothing,
        track_api_attempt,
        lambda response: response.status_code == 429 and "Retry-After" in response,
    ),
    "complaint_track_form": Case(
        {"KHEDMAT_TRACK_MAX_FAILURES_PER_IP": LIMIT},
        nothing,
        complaint_form_attempt,
        lambda response: response.status_code == 429,
    ),
    "complaint_track_api": Case(
        {"KHEDMAT_TRACK_MAX_FAILURES_PER_IP": LIMIT},
        nothing,
        complaint_api_attempt,
        lambda response: response.status_code == 429,
    ),
    "survey_link": Case(
        {"KHEDMAT_SURVEY_MAX_FAILURES_PER_IP": LIMIT},
        nothing,
        survey_attempt,
        lambda response: response.status_code == 429,
    ),
    "article_feedback": Case(
        {"KHEDMAT_FEEDBACK_PER_IP_HOUR": LIMIT},
        feedback_prepare,
        feedback_attempt,
        lambda response: response.status_code == 429 and "Too many ratings" in text(response),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_try_after_the_limit_is_refused(
    name: str, request: pytest.FixtureRequest, settings: SettingsWrapper, agent: Any
) -> None:
    case = CASES[name]
    for setting, value in case.limits.items():
        setattr(settings, setting, value)
    client = Client(REMOTE_ADDR=ADDRESS, headers={"accept-language": "en"})
    prepared = case.prepare(request, client)
    answers = [case.attempt(client, prepared, number) for number in range(LIMIT + 1)]
    assert [case.refused(answer) for answer in answers[: LIMIT - 1]] == [False] * (LIMIT - 1)
    assert case.refused(answers[-1]), text(answers[-1])[:2000]
