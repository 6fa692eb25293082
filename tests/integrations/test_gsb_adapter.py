"""The real GSB-style adapter against the fake agency: answers, refusals and outages."""

from __future__ import annotations

import json

import pytest

from khedmat.config import ConfigError
from khedmat.integrations.choices import InquiryOutcome
from khedmat.integrations.fake_agency import FAKE_API_KEY, FakeAgencyServer
from khedmat.integrations.inquiries.base import InquiryRejected, InquiryUnavailable
from khedmat.integrations.inquiries.gsb import GsbInquiryProvider
from khedmat.integrations.inquiries.registry import get_provider, provider_name_for
from khedmat.jobs.services import is_retryable
from tests.fixtures.integrations import (
    BAD_KEY_CODE,
    CLIENT_TIMEOUT,
    ERROR_500_CODE,
    FOUND_CODE,
    NOT_FOUND_CODE,
    SLOW_CODE,
)


def adapter(fake: FakeAgencyServer, **overrides: object) -> GsbInquiryProvider:
    config = {**fake.provider_config(timeout=CLIENT_TIMEOUT), **overrides}
    return GsbInquiryProvider(**config)  # type: ignore[arg-type]


def test_identity_found_sends_key_request_id_and_json(fake_agency):
    result = adapter(fake_agency).inquire(
        "identity", {"national_code": FOUND_CODE}, request_id="req-1"
    )

    assert result.outcome == InquiryOutcome.FOUND
    assert result.found is True
    assert result.provider == "gsb"
    assert result.data["national_code"] == FOUND_CODE
    assert result.data["birth_date"] == "1370/06/15"
    [seen] = fake_agency.requests()
    assert seen["method"] == "POST"
    assert seen["path"] == "/inquiry/identity"
    assert seen["headers"]["x-api-key"] == FAKE_API_KEY
    assert seen["headers"]["x-request-id"] == "req-1"
    assert json.loads(seen["body"]) == {"national_code": FOUND_CODE}


def test_postal_code_found_returns_an_address(fake_agency):
    result = adapter(fake_agency).inquire(
        "postal_code", {"postal_code": "1234567890"}, request_id="req-2"
    )

    assert result.outcome == InquiryOutcome.FOUND
    assert result.data["postal_code"] == "1234567890"
    assert result.data["city"] == "تهران"


def test_not_found(fake_agency):
    result = adapter(fake_agency).inquire(
        "identity", {"national_code": NOT_FOUND_CODE}, request_id="req-3"
    )

    assert result.outcome == InquiryOutcome.NOT_FOUND
    assert result.data == {}


def test_server_error_is_unavailable_and_retryable(fake_agency):
    with pytest.raises(InquiryUnavailable) as caught:
        adapter(fake_agency).inquire(
            "identity", {"national_code": ERROR_500_CODE}, request_id="req-4"
        )

    assert caught.value.code == "http-500"
    assert is_retryable(caught.value) is True


def test_timeout_is_unavailable(fake_agency):
    with pytest.raises(InquiryUnavailable) as caught:
        adapter(fake_agency).inquire("identity", {"national_code": SLOW_CODE}, request_id="req-5")

    assert caught.value.code == "timeout"


def test_connection_refused_is_unavailable(fake_agency):
    url = fake_agency.url
    fake_agency.stop()

    with pytest.raises(InquiryUnavailable) as caught:
        adapter(fake_agency, url=url).inquire(
            "identity", {"national_code": FOUND_CODE}, request_id="req-6"
        )

    assert caught.value.code == "connection"


def test_401_is_rejected_and_not_retryable(fake_agency):
    with pytest.raises(InquiryRejected) as caught:
        adapter(fake_agency).inquire(
            "identity", {"national_code": BAD_KEY_CODE}, request_id="req-7"
        )

    assert caught.value.code == "invalid-key"
    assert is_retryable(caught.value) is False


def test_wrong_api_key_is_rejected(fake_agency):
    with pytest.raises(InquiryRejected) as caught:
        adapter(fake_agency, api_key="wrong").inquire(
            "identity", {"national_code": FOUND_CODE}, request_id="req-8"
        )

    assert caught.value.code == "invalid-key"


def test_bad_parameters_are_rejected(fake_agency):
    with pytest.raises(InquiryRejected) as caught:
        adapter(fake_agency).inquire("identity", {"national_code": "12"}, request_id="req-9")

    assert caught.value.code == "invalid-national-code"


def test_registry_builds_the_configured_provider(inquiry_settings, fake_agency):
    provider = get_provider(provider_name_for("identity"))

    assert isinstance(provider, GsbInquiryProvider)
    assert provider.url == fake_agency.url


def test_registry_refuses_unknown_kind_and_missing_key(settings, inquiry_settings):
    with pytest.raises(ConfigError, match="No inquiry provider for kind 'tax'"):
        provider_name_for("tax")
    inquiry_settings["config"]["gsb"]["api_key"] = ""
    settings.KHEDMAT_INQUIRY = inquiry_settings
    with pytest.raises(ConfigError, match="KHEDMAT_INQUIRY_GSB_API_KEY is not set"):
        get_provider("gsb")
