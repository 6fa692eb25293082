"""Incidents and known errors in the search index: found by words in fa/ar/en, suggested, retired."""

from __future__ import annotations

from typing import Any

import pytest

from khedmat.accounts.models import User
from khedmat.itsm import services
from khedmat.itsm.indexing import (
    incident_search,
    known_error_search,
    reindex_known_errors,
    suggest_known_errors,
)
from tests.itsm.helpers import ReportIncident

pytestmark = pytest.mark.django_db


@pytest.fixture
def known(it_agent: User, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    with django_capture_on_commit_callbacks(execute=True):
        vpn = services.create_known_error(
            title="قطع شدن وی‌پی‌ان پس از به‌روزرسانی ویندوز",
            symptom="اتصال وی‌پی‌ان هر ده دقیقه قطع می‌شود",
            workaround="نمایه جدید وی‌پی‌ان را نصب کنید",
            actor=it_agent,
        )
        printer = services.create_known_error(
            title="Printer driver fails after the update",
            symptom="Jobs stay in the queue",
            workaround="Install driver 5.2 from the portal",
            actor=it_agent,
        )
    return {"vpn": vpn, "printer": printer}


def test_known_errors_are_found_by_normalised_words(known: dict[str, Any]) -> None:
    # Arabic yeh and kaf, and no zero-width non-joiner: the normalised keys still match.
    found = known_error_search("وي پي ان")
    assert [hit.record for hit in found] == [known["vpn"]]
    assert [hit.record for hit in known_error_search("printer queue")] == [known["printer"]]


def test_a_new_incident_is_offered_the_known_error_that_matches_it(
    report: ReportIncident, known: dict[str, Any]
) -> None:
    incident = report("وی‌پی‌ان من مدام قطع می‌شود", description="از صبح امروز")
    suggested = [hit.record for hit in suggest_known_errors(incident)]
    assert suggested[:1] == [known["vpn"]]
    assert known["printer"] not in suggested


def test_a_retired_known_error_is_no_longer_suggested(
    known: dict[str, Any], it_agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.retire_known_error(known["printer"], actor=it_agent)
    assert known_error_search("printer") == []
    assert reindex_known_errors() == 1


def test_staff_search_finds_only_visible_incidents(
    report: ReportIncident,
    it_agent: User,
    outsider: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        incident = report("Scanner on the second floor is jammed")
    assert [hit.record for hit in incident_search("scanner", it_agent)] == [incident]
    assert incident_search("scanner", outsider) == []
    assert [hit.record for hit in incident_search(incident.tracking_code, it_agent)] == [incident]
