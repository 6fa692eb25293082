"""Fuzz: the answers of a request sent to the API (POST /api/v1/requests/) in any JSON shape are
filed or refused with a 4xx and a readable error - never a server error - and a refusal saves
nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import example, given
from hypothesis import strategies as st
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts.models import User
from khedmat.tickets.models import Ticket
from tests.fixtures.catalog import MakeService
from tests.fixtures.tickets import FORM_FIELDS
from tests.fuzz.settings import FUZZ

pytestmark = pytest.mark.django_db

URL = "/api/v1/requests/"
KEYS = ["shop_name", "opening_date", "photo", "other", "__proto__", "shop_name.0"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(["2026-03-01", "1404/12/10", "۱۴۰۴/۱۲/۱۰", "2026-02-30", "0000-00-00"]),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(["name", "size", "sha256", "x"]), children, max_size=3),
    ),
    max_leaves=8,
)
answers = st.one_of(
    st.dictionaries(st.sampled_from(KEYS), values, max_size=5),
    values,
)


@pytest.fixture
def applicant_client(
    client: Client,
    citizen: User,
    make_service: MakeService,
    templates: None,
    settings: SettingsWrapper,
) -> Client:
    settings.KHEDMAT_MAX_REQUESTS_PER_DAY = 100_000
    make_service("13061709000", rows={"form_fields": FORM_FIELDS, "documents": []})
    client.force_login(citizen)
    return client


def detail_of(response: Any) -> str:
    body = response.json()
    return json.dumps(body, ensure_ascii=False)


@FUZZ
@given(answers=answers, key=st.uuids())
@example(answers={"shop_name": "نانوایی", "opening_date": "2026-03-01"}, key=None)
@example(answers={"shop_name": "x" * 100_000}, key=None)
@example(answers={"shop_name": ["a", {"b": None}]}, key=None)
def test_any_answers_are_filed_or_refused_with_a_4xx(
    applicant_client: Client, answers: Any, key: Any
) -> None:
    cache.clear()
    before = Ticket.objects.count()
    body = {"service_code": "13061709000", "answers": answers}
    headers = {"Idempotency-Key": str(key)} if key else {}
    response = applicant_client.post(
        URL, json.dumps(body), content_type="application/json", headers=headers
    )
    assert response.status_code in (200, 201, 400, 409, 422, 429), response.content[:300]
    if response.status_code >= 400:
        assert detail_of(response)
        assert Ticket.objects.count() == before


@FUZZ
@given(body=st.one_of(values, st.dictionaries(st.text(max_size=12), values, max_size=4)))
def test_any_body_shape_is_refused_cleanly(applicant_client: Client, body: Any) -> None:
    before = Ticket.objects.count()
    response = applicant_client.post(URL, json.dumps(body), content_type="application/json")
    assert response.status_code in (200, 201, 400, 409, 422, 429), response.content[:300]
    if response.status_code >= 400:
        assert Ticket.objects.count() == before


def test_the_fuzzed_service_really_files_a_valid_request(applicant_client: Client) -> None:
    """The property above is not vacuous: a valid body is filed."""
    body = {"service_code": "13061709000", "answers": {"shop_name": "نانوایی"}}
    response = applicant_client.post(URL, json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    assert Ticket.objects.count() == 1
