"""The mobile-ownership inquiry (Shahkar-style) through the real GSB adapter and the fake agency."""

from __future__ import annotations

import pytest

from khedmat.integrations.choices import InquiryOutcome
from khedmat.integrations.fake_agency import FakeAgencyServer
from khedmat.integrations.inquiries.base import InquiryRejected
from khedmat.integrations.inquiries.gsb import GsbInquiryProvider
from tests.fixtures.integrations import CLIENT_TIMEOUT, FOUND_CODE, NOT_FOUND_CODE

KIND = "mobile_ownership"


def ask(fake: FakeAgencyServer, national_code: str, mobile: str) -> dict[str, object]:
    adapter = GsbInquiryProvider(**fake.provider_config(timeout=CLIENT_TIMEOUT))
    result = adapter.inquire(
        KIND, {"national_code": national_code, "mobile": mobile}, request_id="req-shahkar"
    )
    return {"outcome": result.outcome, **result.data}


def test_a_registered_line_matches_its_code_only(fake_agency: FakeAgencyServer) -> None:
    fake_agency.app.register_mobile(FOUND_CODE, "09121111111")
    assert ask(fake_agency, FOUND_CODE, "09121111111") == {
        "outcome": InquiryOutcome.FOUND,
        "matched": True,
    }
    assert ask(fake_agency, FOUND_CODE, "09352222222") == {
        "outcome": InquiryOutcome.FOUND,
        "matched": False,
    }


def test_a_code_with_no_registered_line_matches_any_line(fake_agency: FakeAgencyServer) -> None:
    assert ask(fake_agency, "1234567891", "09352222222")["matched"] is True


def test_the_injected_not_found_ending_still_applies(fake_agency: FakeAgencyServer) -> None:
    assert ask(fake_agency, NOT_FOUND_CODE, "09121111111") == {"outcome": InquiryOutcome.NOT_FOUND}


def test_a_malformed_mobile_is_refused(fake_agency: FakeAgencyServer) -> None:
    with pytest.raises(InquiryRejected):
        ask(fake_agency, FOUND_CODE, "+989121111111")
