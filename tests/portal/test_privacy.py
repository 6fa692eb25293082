"""The privacy notice (ASVS 8.3.3): public, linked from the applicant login and every portal page."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_notice_is_public_and_says_what_is_kept_why_and_how_long(client: Client) -> None:
    client.cookies["khedmat_language"] = "en"
    response = client.get("/privacy/")
    assert response.status_code == 200
    text = response.content.decode()
    for heading in (
        "What we keep",
        "Why, and who reads it",
        "How it is protected",
        "How long it is kept",
        "Your rights",
    ):
        assert heading in text


@pytest.mark.parametrize(
    ("language", "title"), [("fa", "اطلاعیه‌ی حریم خصوصی"), ("ar", "إشعار الخصوصية")]
)
def test_the_notice_is_translated_and_right_to_left(
    client: Client, language: str, title: str
) -> None:
    client.cookies["khedmat_language"] = language
    html = client.get("/privacy/").content.decode()
    assert 'dir="rtl"' in html
    assert title in html


def test_the_applicant_login_and_the_footer_link_to_it(client: Client) -> None:
    login = client.get("/accounts/applicant/login/").content.decode()
    assert 'href="/privacy/"' in login.split('data-testid="privacy-line"')[1].split("</p>")[0]
    assert (
        'data-testid="privacy-link" ' in client.get("/").content.decode()
        or 'href="/privacy/" data-testid="privacy-link"' in client.get("/").content.decode()
    )
