"""The demo requests: filed through the real services once, in every stage, with valid answers."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts.models import User
from khedmat.catalog.demo import load_demo_catalog
from khedmat.catalog.formbuilder import validate_answers
from khedmat.notifications.models import Message
from khedmat.site.demo_data import load_demo_data
from khedmat.tickets import services
from khedmat.tickets.choices import Capacity, IntakeChannel, Status
from khedmat.tickets.demo import APPLICANT_NATIONAL_CODE, FATHER, load_demo_requests
from khedmat.tickets.documents import document_key, upload_documents, validate_documents
from khedmat.tickets.models import Attachment, Ticket
from khedmat.tickets.views.desk import correction_choices

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings: SettingsWrapper, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    load_demo_data()
    load_demo_catalog()


def test_demo_requests_load_once_in_every_stage(demo: None) -> None:
    first = load_demo_requests()
    second = load_demo_requests()

    assert first == second
    assert len(first) == Ticket.objects.count() == 7
    assert Counter(row.status for row in first) == {
        Status.SUBMITTED: 3,
        Status.IN_PROGRESS: 1,
        Status.WAITING_APPLICANT: 1,
        Status.REJECTED: 1,
        Status.COMPLETED: 1,
    }
    assert Message.objects.filter(event="request_submitted").count() == 7
    assert User.objects.count() == 5  # the walk-in applicant is the demo applicant
    assert [row.tracking_code for row in first] == list(
        Ticket.objects.order_by("id").values_list("tracking_code", flat=True)
    )


def test_every_demo_answer_and_file_is_valid_for_its_version(demo: None) -> None:
    load_demo_requests()

    for ticket in Ticket.objects.select_related("service_version"):
        version = ticket.service_version
        assert validate_answers(version, ticket.answers) == ticket.answers, ticket.service_id
        assert validate_documents(version, ticket.documents) == ticket.documents
        for attachment in Attachment.objects.filter(ticket=ticket):
            stored = ticket.documents if attachment.field_key.startswith("doc-") else ticket.answers
            descriptors = stored[attachment.field_key]
            assert [item["sha256"] for item in descriptors] == [attachment.sha256]
            with attachment.file.open("rb") as handle:
                assert handle.read(5) in (b"%PDF-", b"\x89PNG\r")
    assert Attachment.objects.count() == 12


def test_demo_requests_cover_the_desk_a_representative_and_the_applicant_follows_them(
    demo: None,
) -> None:
    load_demo_requests()
    applicant = User.objects.get(username="applicant")
    operator = User.objects.get(username="operator")

    walk_in = Ticket.objects.get(channel=IntakeChannel.IN_PERSON)
    assert (walk_in.filed_by, walk_in.requester) == (operator, applicant)
    assert applicant.national_code == APPLICANT_NATIONAL_CODE
    represented = Ticket.objects.get(representative_capacity=Capacity.ATTORNEY)
    assert represented.principal_national_code == FATHER.national_code
    assert represented.representative_national_code == APPLICANT_NATIONAL_CODE
    returned = Ticket.objects.get(status=Status.WAITING_APPLICANT)
    (loss_notice,) = upload_documents(returned.service_version)
    assert returned.correction_fields == ["loss_notice", document_key(loss_notice.pk)]
    assert returned.correction_note
    new_licence = Ticket.objects.get(service__code="10012656000sh13")
    offered = [key for key, _label in correction_choices(new_licence)]
    assert "partners" in offered and "national_code" in offered
    assert "legal_id" not in offered and "company_name" not in offered  # hidden for a person
    rejected = Ticket.objects.get(status=Status.REJECTED)
    assert rejected.can_object() and rejected.decision_note
    assert Ticket.objects.visible_to_applicant(applicant).count() == 7
    assert all(services.can_follow(ticket, applicant) for ticket in Ticket.objects.all())
