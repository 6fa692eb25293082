"""Staff attach files to an incident on the desk: checked by their first bytes, kept with their
SHA-256 and an Activity row; a refused file leaves nothing behind."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from khedmat.accounts.models import User
from khedmat.core.models import Activity
from khedmat.itsm.models import IncidentAttachment
from tests.fixtures.tickets import PNG
from tests.itsm.helpers import ReportIncident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def attach(client: Client, code: str, upload: SimpleUploadedFile) -> Any:
    data = {"action": "attach", "attach-file": upload}
    return client.post(f"/desk/incidents/{code}/act/", data)


def test_a_picture_is_attached_and_can_be_downloaded(
    client: Client, it_agent: User, verified_login: Any, report: ReportIncident
) -> None:
    incident = report()
    staff = verified_login(client, it_agent)
    assert (
        'enctype="multipart/form-data"'
        in staff.get(f"/desk/incidents/{incident.tracking_code}/").content.decode()
    )
    response = attach(staff, incident.tracking_code, SimpleUploadedFile("screen.png", PNG))
    assert response.status_code == 302
    stored = IncidentAttachment.objects.get(incident=incident)
    assert (stored.original_name, stored.sha256) == ("screen.png", hashlib.sha256(PNG).hexdigest())
    assert stored.uploaded_by == it_agent
    assert Activity.objects.for_target(incident).filter(verb="incident.file_attached").exists()
    download = staff.get(f"/desk/incidents/{incident.tracking_code}/files/{stored.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG  # type: ignore[attr-defined]
    (opened,) = Activity.objects.for_target(incident).filter(verb="incident.file_opened")
    assert (opened.actor, opened.data) == (
        it_agent,
        {"file": stored.pk, "name": "screen.png", "inline": False},
    )


def test_a_file_that_is_not_what_it_says_is_refused_and_nothing_kept(
    client: Client, it_agent: User, verified_login: Any, report: ReportIncident, media: Path
) -> None:
    incident = report()
    staff = verified_login(client, it_agent)
    fake = SimpleUploadedFile("screen.png", b"#!/bin/sh\nrm -rf /\n")
    response = attach(staff, incident.tracking_code, fake)
    assert response.status_code == 400
    assert 'data-testid="error-attach"' in response.content.decode()
    assert not IncidentAttachment.objects.exists()
    assert not [path for path in media.rglob("*") if path.is_file()]


def test_another_units_agent_cannot_attach(
    client: Client, outsider: User, verified_login: Any, report: ReportIncident
) -> None:
    incident = report()
    staff = verified_login(client, outsider)
    response = attach(staff, incident.tracking_code, SimpleUploadedFile("a.png", PNG))
    assert response.status_code == 404
    assert not IncidentAttachment.objects.exists()
