"""Complaints, incidents and survey answers past their period lose their personal data and keep
their skeleton; a hold on a complaint keeps it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile

from khedmat.catalog.models import Service
from khedmat.complaints.models import Complaint
from khedmat.itsm.models import Incident, IncidentAttachment
from khedmat.retention import services
from khedmat.retention.choices import DataClass
from khedmat.retention.models import DestructionRecord
from khedmat.surveys.models import SurveyResponse
from tests.retention.helpers import NOW, new_run

pytestmark = pytest.mark.django_db

SIX_YEARS = NOW - dt.timedelta(days=6 * 365)


def _complaint(service: Service, code: str) -> Complaint:
    return Complaint.objects.create(
        tracking_code=code,
        service=service,
        complainant_name="زهرا کریمی",
        complainant_national_code="0013542419",
        complainant_mobile="+989121234567",
        subject="رفتار کارمند",
        text="کارمند باجه ۳ پاسخ نداد.",
        answer="بررسی و تذکر داده شد.",
        status="answered",
        deadline_at=SIX_YEARS,
        submitted_at=SIX_YEARS,
        status_changed_at=SIX_YEARS,
    )


def test_a_decided_complaint_past_its_period_is_anonymised(
    service: Service, administrator: Any
) -> None:
    complaint = _complaint(service, "10000000001")
    held = _complaint(service, "10000000002")
    services.place_hold(record=held, reason="Inspection", actor=administrator)
    run = new_run()

    services.destroy_expired(run, now=NOW)

    complaint.refresh_from_db()
    held.refresh_from_db()
    erased = (
        complaint.complainant_name,
        complaint.complainant_national_code,
        complaint.complainant_mobile,
        complaint.subject,
        complaint.text,
        complaint.answer,
    )
    assert erased == ("", "", "", "", "", "")
    assert (complaint.tracking_code, complaint.status, complaint.service_id) == (
        "10000000001",
        "answered",
        service.pk,
    )
    assert held.complainant_national_code == "0013542419"
    assert DestructionRecord.objects.get(run=run, data_class=DataClass.COMPLAINTS).count == 1


def test_a_closed_incident_past_its_period_is_anonymised_with_its_files(
    administrator: Any, media: Path
) -> None:
    incident = Incident.objects.create(
        tracking_code="I00000000001",
        title="Printer down",
        description="My name is Ali Rezaei, call me on 09121234567",
        reporter_name="Ali Rezaei",
        reporter_mobile="+989121234567",
        reporter_email="ali@example.org",
        status="closed",
        closed_at=NOW - dt.timedelta(days=4 * 365),
    )
    attachment = IncidentAttachment(
        incident=incident, original_name="screen.png", size=3, content_type="image/png", sha256="x"
    )
    attachment.file.save("screen.png", ContentFile(b"png"), save=False)
    attachment.save()
    stored = Path(attachment.file.path)
    assert stored.exists()
    run = new_run()

    services.destroy_expired(run, now=NOW)

    incident.refresh_from_db()
    assert (incident.reporter_name, incident.reporter_mobile, incident.reporter_email) == (
        "",
        "",
        "",
    )
    assert incident.description == ""
    assert (incident.title, incident.status) == ("Printer down", "closed")
    assert not IncidentAttachment.objects.filter(incident=incident).exists()
    assert not stored.exists()
    assert DestructionRecord.objects.get(run=run, data_class=DataClass.INCIDENTS).count == 1


def test_survey_answers_lose_their_free_text_and_keep_their_scores(
    closed_request: Any, service: Service
) -> None:
    from khedmat.surveys.models import SurveyDefinition, SurveyInvitation

    ticket = closed_request(days_ago=30)
    definition = SurveyDefinition.objects.first() or SurveyDefinition.objects.create(
        key="satisfaction", name="Satisfaction"
    )
    invitation = SurveyInvitation.objects.create(
        ticket=ticket,
        definition=definition,
        token_hash="a" * 64,
        expires_at=NOW,
        service=service,
        month="2028-01",
        jalali_month="1406-10",
    )
    response = SurveyResponse.objects.create(
        invitation=invitation,
        answers={"speed": 4, "courtesy": 5, "remarks": "کارمند آقای احمدی عالی بود"},
        scores={"speed": 4},
        average="4.50",
        comment="شماره من ۰۹۱۲۱۲۳۴۵۶۷",
        created_at=NOW - dt.timedelta(days=3 * 365),
    )
    run = new_run()

    services.destroy_expired(run, now=NOW)

    response.refresh_from_db()
    assert response.answers == {"speed": 4, "courtesy": 5}
    assert (response.comment, str(response.average)) == ("", "4.50")
    assert DestructionRecord.objects.get(run=run, data_class=DataClass.SURVEY_RESPONSES).count == 1
