"""run_inquiry against the fake agency: the log, the cache, the circuit breaker, and the job."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from khedmat.core.models import Activity
from khedmat.integrations.choices import InquiryOutcome, InquiryRequestStatus
from khedmat.integrations.inquiries.base import (
    CircuitOpenError,
    InquiryRejected,
    InquiryUnavailable,
)
from khedmat.integrations.models import InquiryLog, InquiryRequest
from khedmat.integrations.services import parameters_hash, request_inquiry, run_inquiry
from khedmat.integrations.tasks import run_inquiry_task
from khedmat.jobs.errors import PermanentError
from tests.fixtures.integrations import (
    BAD_KEY_CODE,
    ERROR_500_CODE,
    FOUND_CODE,
    NOT_FOUND_CODE,
    SLOW_CODE,
)
from tests.fixtures.jobs import make_worker

pytestmark = pytest.mark.django_db


def identity(code: str) -> dict[str, str]:
    return {"national_code": code}


def outcomes() -> list[str]:
    return list(InquiryLog.objects.order_by("id").values_list("outcome", flat=True))


def test_found_is_logged_with_hashed_parameters_only(inquiry_settings, record):
    result = run_inquiry("identity", identity(FOUND_CODE), request_id="req-1", record=record)

    assert result.outcome == InquiryOutcome.FOUND
    assert result.cached is False
    [log] = InquiryLog.objects.all()
    assert log.request_id == "req-1"
    assert log.provider == "gsb"
    assert log.kind == "identity"
    assert log.outcome == InquiryOutcome.FOUND
    assert log.parameters_hash == parameters_hash("identity", identity(FOUND_CODE))
    assert len(log.parameters_hash) == 64
    assert FOUND_CODE not in log.parameters_hash
    assert log.error == ""
    assert log.record_type == ContentType.objects.get_for_model(record)
    assert log.record_id == str(record.pk)
    # django-stubs misreads the GenericForeignKey in a bare values() as a lookup.
    stored = InquiryLog.objects.filter(pk=log.pk).values().get()  # type: ignore[misc]
    assert not any(FOUND_CODE in str(value) for value in stored.values())


def test_not_found_is_logged(inquiry_settings):
    result = run_inquiry("identity", identity(NOT_FOUND_CODE), request_id="req-2")

    assert result.outcome == InquiryOutcome.NOT_FOUND
    assert outcomes() == [InquiryOutcome.NOT_FOUND]


def test_unavailable_is_logged_and_raised_as_retryable(inquiry_settings):
    with pytest.raises(InquiryUnavailable):
        run_inquiry("identity", identity(ERROR_500_CODE), request_id="req-3")

    [log] = InquiryLog.objects.all()
    assert log.outcome == InquiryOutcome.UNAVAILABLE
    assert "http-500" in log.error


def test_timeout_is_logged_as_unavailable_with_its_latency(inquiry_settings):
    with pytest.raises(InquiryUnavailable):
        run_inquiry("identity", identity(SLOW_CODE), request_id="req-4")

    [log] = InquiryLog.objects.all()
    assert log.outcome == InquiryOutcome.UNAVAILABLE
    assert "timeout" in log.error
    assert log.latency_ms >= 400


def test_rejected_is_logged(inquiry_settings):
    with pytest.raises(InquiryRejected):
        run_inquiry("identity", identity(BAD_KEY_CODE), request_id="req-5")

    assert outcomes() == [InquiryOutcome.REJECTED]


def test_cache_hit_skips_the_call_and_is_logged(inquiry_settings, fake_agency):
    first = run_inquiry("identity", identity(FOUND_CODE), request_id="req-6")
    second = run_inquiry("identity", identity(FOUND_CODE), request_id="req-7")

    assert second.cached is True
    assert second.outcome == InquiryOutcome.FOUND
    assert second.data == first.data
    assert len(fake_agency.requests()) == 1
    assert outcomes() == [InquiryOutcome.FOUND, InquiryOutcome.CACHED]


def test_other_parameters_and_kinds_without_ttl_are_not_cached(inquiry_settings, fake_agency):
    run_inquiry("identity", identity(FOUND_CODE), request_id="a")
    run_inquiry("identity", identity("0067749828"), request_id="b")
    run_inquiry("postal_code", {"postal_code": "1234567890"}, request_id="c")
    run_inquiry("postal_code", {"postal_code": "1234567890"}, request_id="d")

    assert len(fake_agency.requests()) == 4
    assert InquiryOutcome.CACHED not in outcomes()


def test_failures_are_not_cached(inquiry_settings, fake_agency):
    for request_id in ("a", "b"):
        with pytest.raises(InquiryUnavailable):
            run_inquiry("identity", identity(ERROR_500_CODE), request_id=request_id)

    assert len(fake_agency.requests()) == 2


def test_circuit_opens_after_failures_skips_calls_then_half_opens(
    settings, inquiry_settings, fake_agency
):
    for number in range(3):
        with pytest.raises(InquiryUnavailable):
            run_inquiry("identity", identity(ERROR_500_CODE), request_id=f"fail-{number}")

    with pytest.raises(CircuitOpenError) as caught:
        run_inquiry("identity", identity(FOUND_CODE), request_id="skipped")

    assert caught.value.retryable is True
    assert 0 < (caught.value.retry_after or 0) <= 60
    assert len(fake_agency.requests()) == 3
    assert outcomes()[-1] == InquiryOutcome.CIRCUIT_OPEN

    inquiry_settings["breaker"]["cooldown_seconds"] = 0  # the cool-down is over
    settings.KHEDMAT_INQUIRY = inquiry_settings
    result = run_inquiry("identity", identity(FOUND_CODE), request_id="probe")

    assert result.outcome == InquiryOutcome.FOUND
    assert len(fake_agency.requests()) == 4
    inquiry_settings["breaker"]["cooldown_seconds"] = 60
    settings.KHEDMAT_INQUIRY = inquiry_settings
    run_inquiry("identity", identity("0067749828"), request_id="closed-again")
    assert len(fake_agency.requests()) == 5


def test_failed_probe_opens_the_circuit_again(settings, inquiry_settings, fake_agency):
    for number in range(3):
        with pytest.raises(InquiryUnavailable):
            run_inquiry("identity", identity(ERROR_500_CODE), request_id=f"fail-{number}")
    inquiry_settings["breaker"]["cooldown_seconds"] = 0
    settings.KHEDMAT_INQUIRY = inquiry_settings
    with pytest.raises(InquiryUnavailable):
        run_inquiry("identity", identity(ERROR_500_CODE), request_id="probe")

    inquiry_settings["breaker"]["cooldown_seconds"] = 60
    settings.KHEDMAT_INQUIRY = inquiry_settings
    with pytest.raises(CircuitOpenError):
        run_inquiry("identity", identity(FOUND_CODE), request_id="skipped")
    assert len(fake_agency.requests()) == 4


def test_rejections_do_not_open_the_circuit(inquiry_settings, fake_agency):
    for number in range(4):
        with pytest.raises(InquiryRejected):
            run_inquiry("identity", identity(BAD_KEY_CODE), request_id=f"r-{number}")

    result = run_inquiry("identity", identity(FOUND_CODE), request_id="ok")
    assert result.outcome == InquiryOutcome.FOUND
    assert len(fake_agency.requests()) == 5


# --- The job ---------------------------------------------------------------------------------
def test_task_stores_the_result_on_the_inquiry_request(inquiry_settings, record, operator):
    inquiry = request_inquiry(record, "identity", identity(FOUND_CODE), actor=operator)

    assert inquiry.status == InquiryRequestStatus.PENDING
    assert inquiry.parameters_hash == parameters_hash("identity", identity(FOUND_CODE))
    run_inquiry_task.call(inquiry.pk, identity(FOUND_CODE))

    inquiry.refresh_from_db()
    assert inquiry.status == InquiryRequestStatus.DONE
    assert inquiry.attempts == 1
    assert inquiry.result["outcome"] == "found"
    assert inquiry.result["data"]["last_name"] == "محمدی"
    [log] = InquiryLog.objects.all()
    assert log.request_id == f"khedmat-inquiry-{inquiry.pk}"
    verbs = list(Activity.objects.for_target(record).order_by("id").values_list("verb", flat=True))
    assert verbs == ["inquiry.requested", "inquiry.done"]


def test_task_waits_and_reraises_a_provider_outage(inquiry_settings, record, operator):
    inquiry = request_inquiry(record, "identity", identity(ERROR_500_CODE), actor=operator)

    with pytest.raises(InquiryUnavailable):
        run_inquiry_task.call(inquiry.pk, identity(ERROR_500_CODE))

    inquiry.refresh_from_db()
    assert inquiry.status == InquiryRequestStatus.WAITING
    assert inquiry.attempts == 1
    assert "http-500" in inquiry.error


def test_task_fails_after_the_last_attempt(settings, inquiry_settings, record, operator):
    settings.KHEDMAT_TASK_MAX_ATTEMPTS = 2
    inquiry = request_inquiry(record, "identity", identity(ERROR_500_CODE), actor=operator)
    with pytest.raises(InquiryUnavailable):
        run_inquiry_task.call(inquiry.pk, identity(ERROR_500_CODE))

    with pytest.raises(PermanentError):
        run_inquiry_task.call(inquiry.pk, identity(ERROR_500_CODE))

    inquiry.refresh_from_db()
    assert inquiry.status == InquiryRequestStatus.FAILED
    assert inquiry.attempts == 2
    activity = Activity.objects.for_target(record).first()
    assert activity is not None
    assert activity.verb == "inquiry.failed"


def test_task_fails_at_once_on_a_rejection(inquiry_settings, record, operator):
    inquiry = request_inquiry(record, "identity", identity(BAD_KEY_CODE), actor=operator)

    with pytest.raises(InquiryRejected):
        run_inquiry_task.call(inquiry.pk, identity(BAD_KEY_CODE))

    inquiry.refresh_from_db()
    assert inquiry.status == InquiryRequestStatus.FAILED


def test_task_refuses_parameters_that_do_not_match(inquiry_settings, record, operator, fake_agency):
    inquiry = request_inquiry(record, "identity", identity(FOUND_CODE), actor=operator)

    with pytest.raises(PermanentError):
        run_inquiry_task.call(inquiry.pk, identity("0067749828"))

    assert fake_agency.requests() == []
    assert InquiryRequest.objects.get(pk=inquiry.pk).status == InquiryRequestStatus.PENDING


@pytest.mark.django_db(transaction=True)
def test_worker_retries_an_outage_later(inquiry_settings, record, operator):
    from django_tasks_db.models import DBTaskResult

    inquiry = request_inquiry(record, "identity", identity(ERROR_500_CODE), actor=operator)

    make_worker().run()

    inquiry.refresh_from_db()
    assert inquiry.status == InquiryRequestStatus.WAITING
    [job] = DBTaskResult.objects.all()
    assert job.status == "READY"
    assert job.run_after is not None
