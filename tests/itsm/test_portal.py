"""Portal pages of ITSM: report a problem, its receipt, my incidents, one incident (reopen), and
the public status notices (home page, service card, /status/)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from khedmat.accounts.models import User
from khedmat.catalog.models import Service
from khedmat.core.models import Activity
from khedmat.itsm import services
from khedmat.itsm.choices import IncidentChannel, IncidentStatus
from khedmat.itsm.models import Incident, IncidentAttachment
from khedmat.notifications.models import Message
from khedmat.sla.models import SlaPolicy
from tests.fixtures.tickets import PDF, PNG, pdf_file, png_file, sha256_hex
from tests.itsm.helpers import ReportIncident

pytestmark = pytest.mark.django_db

REPORT = "/incidents/report/"
LIST = "/incidents/"
STATUS = "/status/"
Login = Callable[[Client, User], Any]


@pytest.fixture
def signed_in(client: Client, applicant: User) -> Client:
    client.force_login(applicant)
    return client


def form(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": "The payment page does not open",
        "description": "After I press pay, the page stays white.",
        "impact": "high",
        "urgency": "medium",
        "mobile": "",
        "email": "",
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def detail_url(incident: Incident) -> str:
    return reverse("itsm:portal_incident_detail", args=[incident.tracking_code])


def reopen_url(incident: Incident) -> str:
    return reverse("itsm:portal_incident_reopen", args=[incident.tracking_code])


# --- report --------------------------------------------------------------------------------------


def test_anonymous_visitors_go_to_the_applicant_login(client: Client) -> None:
    for url in (REPORT, LIST, "/incidents/1234567890/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:applicant_login"))


def test_the_form_asks_in_plain_words_and_fills_the_contact_from_the_account(
    signed_in: Client, service: Service
) -> None:
    page = text(signed_in.get(REPORT, {"service": service.code}))
    assert "How many people are affected?" in page and "Can you still work?" in page
    assert "No, my work has stopped" in page and "Only me" in page
    assert f'<option value="{service.pk}" selected>' in page
    assert 'value="09121234567"' in page  # the account's mobile, as people type it
    assert 'enctype="multipart/form-data"' in page


def test_report_receipt_list_and_detail(
    signed_in: Client, applicant: User, service: Service, incident_sla: SlaPolicy
) -> None:
    response = signed_in.post(REPORT, form(service=service.pk))

    incident = Incident.objects.get()
    receipt = reverse("itsm:portal_incident_receipt", args=[incident.tracking_code])
    assert (response.status_code, response["Location"]) == (303, receipt)
    assert (incident.reporter, incident.reported_by, incident.channel) == (
        applicant,
        applicant,
        IncidentChannel.PORTAL,
    )
    assert (incident.impact, incident.urgency, incident.priority) == ("high", "medium", "high")
    assert incident.org_unit is not None
    assert incident.service == service and incident.org_unit.code == "licence-office"
    assert incident.reporter_mobile == "+989121234567" and incident.language == "en"
    assert incident.promised_at is not None
    assert Message.objects.filter(event="incident_reported", related_id=str(incident.pk)).exists()

    page = text(signed_in.get(receipt))
    assert incident.tracking_code in page and "We aim to fix it by" in page

    listing = text(signed_in.get(LIST))
    assert re.findall(r'data-testid="row-code">(\d+)<', listing) == [incident.tracking_code]

    page = text(signed_in.get(detail_url(incident)))
    assert 'data-testid="incident-status">New<' in page
    assert "Incident reported" in page
    assert "The service desk; not assigned to a team yet" in page
    assert 'data-testid="incident-reopen"' not in page


def test_an_employee_reports_too_and_the_typed_contact_wins(
    client: Client, employee: User, verified_login: Login
) -> None:
    verified_login(client, employee)
    response = client.post(
        REPORT, form(mobile="۰۹۱۲۷۶۵۴۳۲۱", email="me@example.org", impact="low", urgency="low")
    )
    assert response.status_code == 303
    incident = Incident.objects.get()
    assert (incident.reporter, incident.service, incident.priority) == (employee, None, "low")
    assert (incident.reporter_mobile, incident.reporter_email) == (
        "+989127654321",
        "me@example.org",
    )


def test_a_bad_form_reports_nothing(signed_in: Client) -> None:
    response = signed_in.post(REPORT, form(title="", mobile="12345", impact="huge"))
    page = text(response)
    assert "This field is required." in page
    assert "Enter a mobile number such as 09121234567." in page
    assert Incident.objects.count() == 0


def test_a_screenshot_is_kept_with_its_sha256(signed_in: Client, applicant: User) -> None:
    signed_in.post(REPORT, {**form(), "screenshot": png_file("screen.png")})

    incident = Incident.objects.get()
    attachment = IncidentAttachment.objects.get()
    assert (attachment.incident, attachment.original_name, attachment.size) == (
        incident,
        "screen.png",
        len(PNG),
    )
    assert (attachment.sha256, attachment.content_type) == (sha256_hex(PNG), "image/png")
    assert attachment.uploaded_by == applicant
    assert attachment.file.name.startswith("incidents/") and "screen" not in attachment.file.name
    row = Activity.objects.for_target(incident).get(verb="incident.file_attached")
    assert row.data["sha256"] == sha256_hex(PNG) and not row.is_public
    assert "screen.png" in text(signed_in.get(detail_url(incident)))


def test_a_pdf_is_accepted(signed_in: Client) -> None:
    signed_in.post(REPORT, {**form(), "screenshot": pdf_file("error.pdf")})
    assert IncidentAttachment.objects.get().sha256 == sha256_hex(PDF)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.png", b"just some text, not a picture"),  # the content is no PNG
        ("setup.exe", b"MZ\x90\x00\x03"),  # a type not accepted
    ],
)
def test_a_file_that_is_no_picture_or_pdf_is_refused_in_the_visitors_language(
    signed_in: Client, name: str, content: bytes
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(name, content, content_type="image/png")
    response = signed_in.post(
        REPORT, {**form(), "screenshot": upload}, headers={"accept-language": "fa"}
    )

    page = text(response)
    with translation.override("fa"):
        if name.endswith(".png"):
            message = str(
                translation.gettext("%(name)s: the file's content is not a %(type)s file.")
            )
            expected = message % {"name": name, "type": "png"}
        else:
            message = str(
                translation.gettext(
                    "%(name)s: files of this type are not accepted; allowed: %(types)s."
                )
            )
            expected = message % {"name": name, "types": "png, jpg, jpeg, webp, pdf"}
    assert "فایل" in expected  # a Persian message, not the English one
    assert expected.replace("'", "&#x27;") in page
    assert Incident.objects.count() == 0 and IncidentAttachment.objects.count() == 0


# --- who sees what -------------------------------------------------------------------------------


def test_another_person_gets_404_and_changes_nothing(
    report: ReportIncident, it_agent: User, applicant: User, client: Client
) -> None:
    incident = services.resolve_incident(
        report(), code="permanent", note="Restarted.", actor=it_agent
    )
    client.force_login(applicant)  # the employee reported it, not the applicant
    urls = [
        detail_url(incident),
        reverse("itsm:portal_incident_receipt", args=[incident.tracking_code]),
    ]
    assert [client.get(url).status_code for url in urls] == [404, 404]
    assert client.post(reopen_url(incident), {"reason": "Me too"}).status_code == 404
    assert "row-code" not in text(client.get(LIST))
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED and incident.reopen_count == 0


def test_the_list_pages_by_twenty_with_a_constant_number_of_queries(
    report: ReportIncident,
    applicant: User,
    signed_in: Client,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    for number in range(3):
        report(f"Problem {number}", reporter=applicant)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            text(signed_in.get(LIST))
        return len(queries.captured_queries)

    few = count()
    made = [report(f"Problem {number}", reporter=applicant) for number in range(3, 23)]
    assert count() == few
    with django_assert_max_num_queries(few):
        first = text(signed_in.get(LIST))
    codes = re.findall(r'data-testid="row-code">(\d+)<', first)
    assert codes == [incident.tracking_code for incident in reversed(made)]
    after = re.search(r'href="\?after=([^"]+)"', first)
    assert after is not None
    rest = re.findall(
        r'data-testid="row-code">(\d+)<', text(signed_in.get(f"{LIST}?after={after[1]}"))
    )
    assert len(rest) == 3 and not set(rest) & set(codes)
    # a damaged page link shows the first page
    assert (
        re.findall(r'data-testid="row-code">(\d+)<', text(signed_in.get(LIST, {"after": "x"})))
        == codes
    )


# --- reopen --------------------------------------------------------------------------------------


def test_the_reporter_reopens_within_the_window(
    report: ReportIncident, it_agent: User, employee: User, client: Client, verified_login: Login
) -> None:
    incident = services.resolve_incident(
        report(), code="workaround", note="Use the other printer.", actor=it_agent
    )
    verified_login(client, employee)
    page = text(client.get(detail_url(incident)))
    assert 'data-testid="incident-resolution"' in page and "Use the other printer." in page
    assert 'data-testid="reopen-submit"' in page

    response = client.post(reopen_url(incident), {"reason": "It fails again."})

    assert (response.status_code, response["Location"]) == (303, detail_url(incident))
    incident.refresh_from_db()
    assert (incident.status, incident.reopen_count) == (IncidentStatus.IN_PROGRESS, 1)
    page = text(client.get(detail_url(incident)))
    assert "The incident is open again" in page and "Reopened" in page


def test_reopening_after_the_window_is_refused_with_a_message(
    report: ReportIncident, it_agent: User, employee: User, client: Client, verified_login: Login
) -> None:
    incident = services.resolve_incident(report(), code="permanent", note="Fixed.", actor=it_agent)
    Incident.objects.filter(pk=incident.pk).update(
        resolved_at=timezone.now() - dt.timedelta(days=30)
    )
    verified_login(client, employee)
    page = text(client.get(detail_url(incident)))
    assert "The time to reopen this problem has passed." in page
    assert 'data-testid="reopen-submit"' not in page

    page = text(client.post(reopen_url(incident), {"reason": "Still broken."}))

    assert "The time to reopen this incident has passed; report a new one." in page
    incident.refresh_from_db()
    assert (incident.status, incident.reopen_count) == (IncidentStatus.RESOLVED, 0)


def test_reopening_needs_a_reason(
    report: ReportIncident, it_agent: User, employee: User, client: Client, verified_login: Login
) -> None:
    incident = services.resolve_incident(report(), code="permanent", note="Fixed.", actor=it_agent)
    verified_login(client, employee)
    page = text(client.post(reopen_url(incident), {"reason": "   "}))
    assert "Say what is still wrong." in page or "This field is required." in page
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED


# --- status notices ------------------------------------------------------------------------------


def test_a_public_update_shows_on_home_status_and_the_service_card_until_resolved(
    report: ReportIncident,
    incident_manager: User,
    service: Service,
    make_service: Callable[..., Service],
    client: Client,
) -> None:
    other = make_service("10012656000sh13")
    incident = services.declare_major_incident(report(service=service), actor=incident_manager)
    notice = "Payments are down; a fix is expected at noon."
    services.post_major_update(
        incident, text="Staff only.", audience="staff", actor=incident_manager
    )
    assert notice not in text(client.get("/"))
    assert 'data-testid="status-ok"' in text(client.get(STATUS))

    services.post_major_update(incident, text=notice, audience="public", actor=incident_manager)

    assert notice in text(client.get("/"))
    status = text(client.get(STATUS))
    assert notice in status and "Last update" in status and "Staff only." not in status
    assert notice in text(client.get(f"/services/{service.code}/"))
    assert notice not in text(client.get(f"/services/{other.code}/"))

    services.resolve_incident(incident, code="permanent", note="Fixed.", actor=incident_manager)

    assert notice not in text(client.get("/"))
    assert notice not in text(client.get(f"/services/{service.code}/"))
    status = text(client.get(STATUS))
    assert notice not in status and 'data-testid="status-ok"' in status


def test_the_status_page_is_public_and_its_queries_do_not_grow(
    report: ReportIncident,
    incident_manager: User,
    client: Client,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    for number in range(2):
        incident = services.declare_major_incident(report(), actor=incident_manager)
        services.post_major_update(
            incident, text=f"Notice {number}", audience="public", actor=incident_manager
        )
    with CaptureQueriesContext(connection) as two:
        page = text(client.get(STATUS))
    assert page.count('data-testid="status-notice"') == 2
    incident = services.declare_major_incident(report(), actor=incident_manager)
    services.post_major_update(incident, text="Notice 3", audience="public", actor=incident_manager)
    with django_assert_max_num_queries(len(two.captured_queries)):
        assert text(client.get(STATUS)).count('data-testid="status-notice"') == 3


def test_the_portal_links_a_signed_in_person_to_report_a_problem(
    client: Client, signed_in: Client
) -> None:
    page = text(signed_in.get("/"))
    assert f'href="{REPORT}" data-testid="report-problem-link"' in page
    signed_in.logout()
    assert 'data-testid="report-problem-link"' not in text(client.get("/"))
