"""Portal pages: file a complaint (signed-in applicant), receipt, follow it by code + national code."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from khedmat.accounts.models import User
from khedmat.complaints import services
from khedmat.complaints.choices import ComplaintChannel
from khedmat.complaints.models import Complaint
from khedmat.notifications.models import Message
from tests.complaints.helpers import FileComplaint

pytestmark = pytest.mark.django_db

NEW = "/complaints/new/"
TRACK = "/complaints/track/"


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def signed_in(client: Client, citizen: User) -> Client:
    client.force_login(citizen)
    return client


class TestFile:
    def test_anonymous_visitors_go_to_the_applicant_login(self, client: Client) -> None:
        response = client.get(NEW)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:applicant_login"))

    def test_the_form_lists_services_and_shows_the_national_channels(
        self, signed_in: Client, service: Any
    ) -> None:
        response = signed_in.get(NEW)
        assert response.status_code == 200
        page = response.content.decode()
        assert f'value="{service.pk}"' in page
        assert 'href="tel:111"' in page and 'href="tel:128"' in page
        assert 'href="tel:+989371280000"' in page

    def test_a_service_card_link_chooses_the_service(self, signed_in: Client, service: Any) -> None:
        response = signed_in.get(NEW, {"service": service.code})
        assert response.context["form"]["service"].value() == service.pk

    def test_an_applicant_files_and_reads_the_receipt(
        self,
        signed_in: Client,
        service: Any,
        citizen: User,
        complaint_templates: None,
        inspection: Any,
    ) -> None:
        response = signed_in.post(
            NEW, {"service": service.pk, "subject": "Queue", "text": "Waited three hours."}
        )
        complaint = Complaint.objects.get()
        receipt = reverse("complaints:complaint_receipt", args=[complaint.tracking_code])
        assert (response.status_code, response["Location"]) == (303, receipt)
        assert (complaint.complainant, complaint.channel, complaint.org_unit) == (
            citizen,
            ComplaintChannel.PORTAL,
            inspection,
        )
        assert complaint.complainant_national_code == "0013542419"
        page = signed_in.get(receipt).content.decode()
        assert complaint.tracking_code in page
        assert Message.objects.filter(event="complaint_filed").count() == 1

    def test_about_one_of_their_requests(
        self, signed_in: Client, submit: Any, complaint_templates: None, inspection: Any
    ) -> None:
        ticket = submit()
        signed_in.post(NEW, {"ticket": ticket.pk, "subject": "Late", "text": "Past the promise."})
        assert Complaint.objects.get().ticket == ticket

    def test_nothing_chosen_files_nothing(self, signed_in: Client) -> None:
        response = signed_in.post(NEW, {"subject": "x", "text": "y"})
        assert response.status_code == 200
        assert "Choose the service or the request" in response.content.decode()
        assert Complaint.objects.count() == 0

    def test_someone_elses_request_cannot_be_chosen(
        self, submit: Any, make_user: Any, client: Client
    ) -> None:
        ticket = submit()
        other = make_user(
            "other",
            roles=["applicant"],
            mobile="+989127654321",
            national_code="0084575948",
            first_name="A",
            last_name="B",
        )
        client.force_login(other)
        response = client.post(NEW, {"ticket": ticket.pk, "subject": "x", "text": "y"})
        assert response.status_code == 200
        assert Complaint.objects.count() == 0

    def test_the_receipt_is_only_the_complainants(
        self, file: FileComplaint, make_user: Any, client: Client
    ) -> None:
        complaint = file()
        other = make_user("other", roles=["applicant"], mobile="+989127654321")
        client.force_login(other)
        url = reverse("complaints:complaint_receipt", args=[complaint.tracking_code])
        assert client.get(url).status_code == 404


class TestTrack:
    def test_code_and_national_code_show_status_deadline_and_outcome(
        self, client: Client, file: FileComplaint, inspector: User
    ) -> None:
        complaint = file()
        response = client.post(
            TRACK, {"code": complaint.tracking_code, "national_code": "۰۰۱۳۵۴۲۴۱۹"}
        )
        detail = reverse("complaints:complaint_track_detail", args=[complaint.tracking_code])
        assert (response.status_code, response["Location"]) == (303, detail)
        page = client.get(detail).content.decode()
        assert "Submitted" in page and 'data-testid="complaint-outcome"' not in page
        services.answer_complaint(complaint, text="The clerk was warned.", actor=inspector)
        page = client.get(detail).content.decode()
        assert 'data-testid="complaint-outcome"' in page
        assert "The clerk was warned." in page

    def test_wrong_code_and_wrong_national_code_get_the_same_answer(
        self, client: Client, file: FileComplaint
    ) -> None:
        complaint = file()
        wrong_person = client.post(
            TRACK, {"code": complaint.tracking_code, "national_code": "0084575948"}
        )
        unknown = client.post(TRACK, {"code": "10000000009", "national_code": "0013542419"})
        for response in (wrong_person, unknown):
            assert response.status_code == 200
            assert "We found no complaint with this code" in response.content.decode()
        assert wrong_person.context["form"].errors == unknown.context["form"].errors

    def test_the_detail_page_needs_the_proof(self, client: Client, file: FileComplaint) -> None:
        complaint = file()
        detail = reverse("complaints:complaint_track_detail", args=[complaint.tracking_code])
        response = client.get(detail)
        assert response.status_code == 302
        assert response["Location"].startswith(TRACK)

    def test_failures_are_rate_limited(
        self, client: Client, file: FileComplaint, settings: Any
    ) -> None:
        settings.KHEDMAT_TRACK_MAX_FAILURES_PER_IP = 3
        complaint = file()
        for _ in range(3):
            client.post(TRACK, {"code": complaint.tracking_code, "national_code": "0084575948"})
        response = client.post(
            TRACK, {"code": complaint.tracking_code, "national_code": "0013542419"}
        )
        assert response.status_code == 429
        assert "Too many attempts" in response.content.decode()

    def test_the_signed_in_complainant_needs_no_national_code(
        self, signed_in: Client, file: FileComplaint
    ) -> None:
        complaint = file()
        page = signed_in.get(TRACK).content.decode()
        assert complaint.tracking_code in page
        response = signed_in.post(TRACK, {"code": complaint.tracking_code})
        assert response.status_code == 303
