"""Office automation (R-19): the REST adapter against the fake, letters, polls and manual entry."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from khedmat.config import ConfigError
from khedmat.core.models import Activity
from khedmat.integrations import services
from khedmat.integrations.choices import LetterProvider, LetterStatus
from khedmat.integrations.errors import (
    IllegalStatusChangeError,
    LetterNumberError,
    OfficeAutomationRejected,
    OfficeAutomationUnavailable,
)
from khedmat.integrations.fake_agency import FAKE_API_KEY
from khedmat.integrations.models import OfficeLetter
from khedmat.integrations.office.rest import RestOfficeAutomation
from khedmat.integrations.services import (
    change_letter_status,
    letter_reference,
    poll_letter,
    record_manual_letter,
    register_letter,
)
from khedmat.integrations.tasks import poll_letter_task

pytestmark = pytest.mark.django_db

REF = "tickets.ticket:1:call-1"


def verbs(record):
    return list(Activity.objects.for_target(record).order_by("id").values_list("verb", flat=True))


def test_adapter_creates_a_letter_and_follows_its_status(fake_office):
    adapter = RestOfficeAutomation(url=fake_office.url, api_key=FAKE_API_KEY, timeout=0.5)

    receipt = adapter.create_letter("Licence", "Please review.", reference="ticket:1")

    assert receipt.number.startswith("1405/")
    assert receipt.date == dt.date.today()  # noqa: DTZ011  (the fake office dates letters by its own day)
    assert receipt.status == LetterStatus.REGISTERED
    assert adapter.letter_status(receipt.number) == LetterStatus.IN_REVIEW
    assert adapter.letter_status(receipt.number) == LetterStatus.SIGNED
    assert adapter.letter_status(receipt.number) == LetterStatus.SIGNED
    created = fake_office.requests()[0]
    assert created["headers"]["x-api-key"] == FAKE_API_KEY
    assert json.loads(created["body"]) == {
        "subject": "Licence",
        "body": "Please review.",
        "reference": "ticket:1",
    }


@pytest.mark.parametrize(
    ("subject", "api_key", "error"),
    [
        ("Licence [500]", FAKE_API_KEY, OfficeAutomationUnavailable),
        ("Licence [timeout]", FAKE_API_KEY, OfficeAutomationUnavailable),
        ("Licence [reject]", FAKE_API_KEY, OfficeAutomationRejected),
        ("Licence", "wrong-key", OfficeAutomationRejected),
    ],
)
def test_adapter_errors(fake_office, subject, api_key, error):
    adapter = RestOfficeAutomation(url=fake_office.url, api_key=api_key, timeout=0.5)

    with pytest.raises(error):
        adapter.create_letter(subject, "body", reference="ticket:1")


def test_unknown_letter_number_is_rejected(fake_office):
    adapter = RestOfficeAutomation(url=fake_office.url, api_key=FAKE_API_KEY, timeout=0.5)

    with pytest.raises(OfficeAutomationRejected):
        adapter.letter_status("1405/999/99")


def test_register_and_poll_a_letter(office_settings, record, operator):
    letter = register_letter(
        record, "Licence for the office", "Please review.", actor=operator, reference=REF
    )

    assert letter.provider == LetterProvider.REST
    assert letter.letter_number.startswith("1405/")
    assert letter.letter_date == dt.date.today()  # noqa: DTZ011  (the fake office dates letters by its own day)
    assert letter.status == LetterStatus.REGISTERED
    assert letter.last_checked_at is not None

    poll_letter(letter)
    assert OfficeLetter.objects.get(pk=letter.pk).status == LetterStatus.IN_REVIEW
    assert poll_letter_task.call(letter.pk) == LetterStatus.SIGNED
    letter.refresh_from_db()
    assert letter.status == LetterStatus.SIGNED
    assert letter.can_poll() is False
    assert verbs(record) == [
        "letter.registered",
        "letter.status_changed",
        "letter.status_changed",
    ]
    moves = Activity.objects.for_target(record).filter(verb="letter.status_changed")
    assert [(a.old_value, a.new_value, a.is_public) for a in moves.order_by("id")] == [
        ("registered", "in_review", True),
        ("in_review", "signed", True),
    ]


def test_a_registration_retried_after_a_crash_before_commit_registers_one_letter(
    office_settings, record, operator, fake_office, monkeypatch
):
    """The office answered, then the job died before our commit: the retry sends the same
    reference, the office answers the letter it has, and we keep it once."""
    reference = letter_reference(record, "call-7")
    real_create = services._create_letter

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed after the office's answer")

    monkeypatch.setattr(services, "_create_letter", crash)
    with pytest.raises(RuntimeError):
        register_letter(record, "Licence", "body", actor=operator, reference=reference)
    assert OfficeLetter.objects.count() == 0
    monkeypatch.setattr(services, "_create_letter", real_create)

    letter = register_letter(record, "Licence", "body", actor=operator, reference=reference)
    again = register_letter(record, "Licence", "body", actor=operator, reference=reference)

    assert again.pk == letter.pk
    assert len(fake_office.app.letters) == 1
    (number,) = fake_office.app.letters
    assert letter.letter_number == number
    assert letter.reference == reference
    posts = [item for item in fake_office.requests() if item["method"] == "POST"]
    assert [json.loads(item["body"])["reference"] for item in posts] == [reference, reference]
    assert verbs(record) == ["letter.registered"]


def test_two_letters_of_one_record_have_their_own_references(office_settings, record, operator):
    first = register_letter(
        record, "Licence", "body", actor=operator, reference=letter_reference(record, "call-1")
    )
    second = register_letter(
        record, "Licence", "body", actor=operator, reference=letter_reference(record, "call-2")
    )

    assert first.letter_number != second.letter_number


def test_a_failed_registration_leaves_nothing(office_settings, record, operator):
    with pytest.raises(OfficeAutomationUnavailable):
        register_letter(record, "Licence [500]", "body", actor=operator, reference=REF)

    assert OfficeLetter.objects.count() == 0
    assert verbs(record) == []


def test_manual_letter(settings, record, operator):
    settings.KHEDMAT_OFFICE_AUTOMATION = {"provider": "manual"}

    letter = record_manual_letter(record, " 1405/77/12 ", dt.date(2026, 11, 1), actor=operator)

    assert letter.provider == LetterProvider.MANUAL
    assert letter.letter_number == "1405/77/12"
    assert letter.letter_date == dt.date(2026, 11, 1)
    assert letter.status == LetterStatus.REGISTERED
    assert letter.can_poll() is False
    assert poll_letter(letter).status == LetterStatus.REGISTERED
    [activity] = Activity.objects.for_target(record)
    assert activity.verb == "letter.registered"
    assert activity.actor == operator
    assert activity.new_value == "1405/77/12"
    with pytest.raises(LetterNumberError, match="already recorded"):
        record_manual_letter(record, "1405/77/12", dt.date(2026, 11, 2), actor=operator)
    with pytest.raises(LetterNumberError, match="at most 20 characters"):
        record_manual_letter(record, "1" * 21, dt.date(2026, 11, 2), actor=operator)
    assert OfficeLetter.objects.count() == 1
    assert len(Activity.objects.for_target(record)) == 1  # nothing written by the refusals


def test_manual_letter_status_moves_by_the_table(record, operator):
    letter = record_manual_letter(record, "1405/1/1", dt.date(2026, 11, 1), actor=operator)

    change_letter_status(letter, LetterStatus.SIGNED, actor=operator)
    with pytest.raises(IllegalStatusChangeError):
        change_letter_status(letter, LetterStatus.IN_REVIEW, actor=operator)
    assert OfficeLetter.objects.get(pk=letter.pk).status == LetterStatus.SIGNED


def test_register_letter_needs_the_rest_provider(settings, record, operator):
    settings.KHEDMAT_OFFICE_AUTOMATION = {"provider": "manual"}

    with pytest.raises(ConfigError):
        register_letter(record, "Licence", "body", actor=operator, reference=REF)
