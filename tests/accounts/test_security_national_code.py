"""A typed national code proves nothing: the mobile-ownership check (issue 20, item 1).

The code an applicant types is kept unverified until the fake mobile-line registry (the fake
agency's mobile_ownership inquiry, real HTTP on 127.0.0.1) says their mobile is registered to it.
Only a verified code is unique, so an impostor's typing never locks the owner out.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts import otp, services, verification
from khedmat.accounts.choices import NationalCodeStatus
from khedmat.accounts.errors import NationalCodeCheckLimitError, NationalCodeTakenError
from khedmat.accounts.models import User
from khedmat.core.models import Activity
from khedmat.integrations.choices import InquiryRequestStatus
from khedmat.integrations.fake_agency import FakeAgencyServer
from khedmat.integrations.inquiries.base import InquiryUnavailable
from khedmat.jobs.errors import PermanentError
from khedmat.tickets import walkin
from tests.fixtures.accounts import queued_checks, run_national_code_checks

OWNER_MOBILE = "+989121111111"
IMPOSTOR_MOBILE = "+989352222222"
OWNER_CODE = "2720202551"
SERVER_ERROR_CODE = "0000080500"  # the fake agency answers HTTP 500 for it
PROFILE = reverse("accounts:applicant_profile")
T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_applicant(make_user: Callable[..., User]) -> Callable[..., User]:
    def make(username: str, mobile: str) -> User:
        return make_user(username, roles=["applicant"], mobile=mobile, password=None)

    return make


@pytest.fixture
def owner(make_applicant: Callable[..., User]) -> User:
    return make_applicant("owner", OWNER_MOBILE)


@pytest.fixture
def impostor(make_applicant: Callable[..., User]) -> User:
    return make_applicant("impostor", IMPOSTOR_MOBILE)


@pytest.fixture
def registry(mobile_registry: FakeAgencyServer) -> FakeAgencyServer:
    """The owner's code is registered to the owner's line only."""
    mobile_registry.app.register_mobile(OWNER_CODE, "09121111111")
    return mobile_registry


def type_code(user: User, code: str = OWNER_CODE) -> User:
    return otp.complete_applicant_profile(
        user, first_name="Sara", last_name="Ahmadi", national_code=code, actor=user
    )


def fresh(user: User) -> User:
    user.refresh_from_db()
    return user


def check_verbs(user: User) -> list[object]:
    rows = Activity.objects.for_target(user).filter(verb="user.national_code_check")
    return list(rows.order_by("id").values_list("new_value", flat=True))


# --- the check ---------------------------------------------------------------------------------


def test_a_typed_code_is_pending_and_proves_nothing(
    owner: User, registry: FakeAgencyServer
) -> None:
    type_code(owner)
    owner = fresh(owner)
    assert owner.national_code == OWNER_CODE
    assert owner.national_code_status == NationalCodeStatus.PENDING
    assert owner.verified_national_code is None
    assert len(queued_checks()) == 1
    assert registry.requests() == []  # nothing leaves inside the request


def test_the_registry_confirms_the_owner(owner: User, registry: FakeAgencyServer) -> None:
    type_code(owner)
    assert run_national_code_checks() == ["verified"]
    owner = fresh(owner)
    assert owner.verified_national_code == OWNER_CODE
    assert owner.national_code_verified_at is not None
    (call,) = registry.requests()
    assert call["path"] == "/inquiry/mobile_ownership"
    assert json.loads(call["body"]) == {"national_code": OWNER_CODE, "mobile": "09121111111"}
    assert check_verbs(owner) == ["pending", "verified"]


def test_the_registry_refuses_a_line_of_someone_else(
    impostor: User, registry: FakeAgencyServer
) -> None:
    type_code(impostor)
    assert run_national_code_checks() == ["refused"]
    impostor = fresh(impostor)
    assert impostor.national_code_status == NationalCodeStatus.REFUSED
    assert impostor.verified_national_code is None
    assert impostor.national_code_verified_at is None


def test_an_outage_is_retried_then_the_check_fails_and_may_be_asked_again(
    owner: User, mobile_registry: FakeAgencyServer, settings: SettingsWrapper
) -> None:
    settings.KHEDMAT_TASK_MAX_ATTEMPTS = 2
    type_code(owner, SERVER_ERROR_CODE)
    (job,) = queued_checks()
    arguments = job.args_kwargs["args"]
    with pytest.raises(InquiryUnavailable):  # retryable: the worker tries again later
        job.task.call(*arguments)
    assert fresh(owner).national_code_status == NationalCodeStatus.PENDING
    with pytest.raises(PermanentError):
        job.task.call(*arguments)
    owner = fresh(owner)
    assert owner.national_code_status == NationalCodeStatus.FAILED
    assert owner.verified_national_code is None
    assert verification.can_request_check(owner)


def test_a_new_mobile_voids_the_verification(owner: User, registry: FakeAgencyServer) -> None:
    type_code(owner)
    run_national_code_checks()
    owner = fresh(owner)
    services.update_user_contact(
        owner, actor=None, mobile="+989123333333", national_code=owner.national_code
    )
    owner = fresh(owner)
    assert owner.national_code_status == NationalCodeStatus.UNVERIFIED
    assert owner.national_code_verified_at is None
    assert owner.verified_national_code is None


def test_a_check_of_a_code_changed_since_is_dropped(
    impostor: User, registry: FakeAgencyServer
) -> None:
    type_code(impostor)  # the owner's code (the registry would refuse it)
    type_code(impostor, "1234567891")  # corrected: a new check for the new code
    assert run_national_code_checks() == ["pending", "verified"]  # the first one was dropped
    impostor = fresh(impostor)
    assert impostor.verified_national_code == "1234567891"
    first, second = verification.checks_of(impostor).order_by("id")
    assert first.status == InquiryRequestStatus.FAILED
    assert first.error == verification.SUPERSEDED
    assert second.status == InquiryRequestStatus.DONE
    assert len(registry.requests()) == 1  # only the current code was asked about


def test_an_answer_about_a_code_changed_while_asking_is_not_recorded(
    impostor: User, registry: FakeAgencyServer
) -> None:
    type_code(impostor, "1234567891")
    asked = verification.checks_of(impostor).get()
    type_code(fresh(impostor), OWNER_CODE)  # changed before the answer came back
    verification.settle_national_code_check(fresh(impostor), matched=True, inquiry=asked)
    impostor = fresh(impostor)
    assert impostor.national_code == OWNER_CODE
    assert impostor.national_code_status == NationalCodeStatus.PENDING  # the new check's
    assert impostor.verified_national_code is None


def test_checks_are_limited_per_day(
    impostor: User, registry: FakeAgencyServer, settings: SettingsWrapper
) -> None:
    settings.KHEDMAT_NATIONAL_CODE_CHECKS_PER_DAY = 2
    type_code(impostor)
    run_national_code_checks()
    verification.request_national_code_check(fresh(impostor), actor=impostor)
    run_national_code_checks()
    assert fresh(impostor).national_code_status == NationalCodeStatus.REFUSED
    with pytest.raises(NationalCodeCheckLimitError):
        verification.request_national_code_check(fresh(impostor), actor=impostor)
    assert queued_checks() == []
    assert len(registry.requests()) == 1  # the same question again was answered from the cache


# --- the owner is never locked out -------------------------------------------------------------


def test_an_impostors_typed_code_does_not_lock_the_owner_out(
    owner: User, impostor: User, registry: FakeAgencyServer
) -> None:
    type_code(impostor)
    type_code(owner)  # was NationalCodeTakenError: the impostor "held" the code
    run_national_code_checks()
    owner, impostor = fresh(owner), fresh(impostor)
    assert owner.verified_national_code == OWNER_CODE
    # The impostor's claim is released: they are asked for their own code again.
    assert impostor.national_code is None
    assert impostor.national_code_status == NationalCodeStatus.UNVERIFIED
    assert not otp.profile_is_complete(impostor)
    released = Activity.objects.for_target(impostor).get(verb="user.national_code_released")
    assert released.data == {"verified_by": owner.pk}


def test_the_owner_verifying_first_releases_a_later_claim_and_refuses_new_ones(
    owner: User, impostor: User, make_applicant: Callable[..., User], registry: FakeAgencyServer
) -> None:
    type_code(owner)
    type_code(impostor)
    run_national_code_checks()
    assert fresh(impostor).national_code is None
    third = make_applicant("third", "+989124444444")
    with pytest.raises(NationalCodeTakenError):
        type_code(third)
    assert fresh(third).national_code is None


def test_only_a_verified_code_is_unique(owner: User, impostor: User) -> None:
    User.objects.filter(pk__in=[owner.pk, impostor.pk]).update(national_code=OWNER_CODE)
    assert User.objects.filter(national_code=OWNER_CODE).count() == 2  # typed twice: allowed
    verified = {"national_code_status": "verified", "national_code_verified_at": T0}
    User.objects.filter(pk=owner.pk).update(**verified)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=impostor.pk).update(**verified)


def test_the_owner_is_not_refused_at_the_desk(
    impostor: User, operator: User, registry: FakeAgencyServer
) -> None:
    type_code(impostor)
    account = walkin.applicant_for_walk_in(
        "09121111111", OWNER_CODE, "Sara", "Ahmadi", actor=operator
    )  # was WalkInError: "This national code is registered with another mobile number"
    assert account.mobile == OWNER_MOBILE
    run_national_code_checks()
    assert fresh(account).verified_national_code == OWNER_CODE
    assert fresh(impostor).national_code is None


# --- the profile page --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "text", "button"),
    [
        ("pending", "We are checking that your mobile number is registered", None),
        ("refused", "Your mobile number is not registered to this national code", "Check again"),
        ("failed", "could not be done just now", "Check again"),
        ("unverified", "Until we check that your mobile number", "Check my national code"),
        ("verified", "so you also see the requests others filed for you", None),
    ],
)
def test_the_profile_page_says_where_the_check_stands(
    client: Client, owner: User, status: str, text: str, button: str | None
) -> None:
    verified_at = T0 if status == "verified" else None
    User.objects.filter(pk=owner.pk).update(
        first_name="Sara",
        last_name="Ahmadi",
        national_code=OWNER_CODE,
        national_code_status=status,
        national_code_verified_at=verified_at,
    )
    client.force_login(owner)
    html = client.get(PROFILE).text
    assert text in html
    label = dict(NationalCodeStatus.choices)[status]
    assert f"National code: {label}" in html
    if button:
        assert f'name="check" value="1">{button}</button>' in html
    else:
        assert 'name="check"' not in html
    disabled = re.search(r'<input type="text" name="national_code"[^>]*disabled', html)
    assert bool(disabled) == (status == "verified")  # a code not verified may be corrected


def test_the_check_button_asks_again(
    client: Client, owner: User, registry: FakeAgencyServer
) -> None:
    User.objects.filter(pk=owner.pk).update(
        first_name="Sara",
        last_name="Ahmadi",
        national_code=OWNER_CODE,
        national_code_status=NationalCodeStatus.FAILED,
    )
    client.force_login(owner)
    response = client.post(PROFILE, {"check": "1"}, follow=True)
    assert "We are checking that your mobile number is registered" in response.text
    assert fresh(owner).national_code_status == NationalCodeStatus.PENDING
    run_national_code_checks()
    assert "National code: Verified" in client.get(PROFILE).text
