"""Desk pages: list (visibility, overdue filter), answer, a walk-in's complaint, overdue report."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from khedmat.accounts.models import OrgUnit, User
from khedmat.complaints import services
from khedmat.complaints.choices import ComplaintChannel, ComplaintStatus
from khedmat.complaints.models import Complaint
from khedmat.notifications.models import Message
from tests.complaints.helpers import FileComplaint

pytestmark = pytest.mark.django_db

LIST = "/desk/complaints/"
OVERDUE = "/desk/complaints/overdue/"


def detail(complaint: Complaint) -> str:
    return reverse("complaints:desk_complaint_detail", args=[complaint.tracking_code])


def act(complaint: Complaint) -> str:
    return reverse("complaints:desk_complaint_act", args=[complaint.tracking_code])


def past_due(file: FileComplaint, **overrides: Any) -> Complaint:
    """A complaint filed 40 days ago: its 10 working days are over."""
    return file(now=timezone.now() - dt.timedelta(days=40), **overrides)


@pytest.fixture
def inspector_client(client: Client, inspector: User, verified_login: Any) -> Client:
    return verified_login(client, inspector)


class TestList:
    def test_the_complaints_unit_sees_its_complaints_with_the_overdue_badge(
        self, inspector_client: Client, file: FileComplaint
    ) -> None:
        late, fresh = past_due(file), file()
        response = inspector_client.get(LIST)
        assert response.status_code == 200
        codes = [item.tracking_code for item in response.context["page"].items]
        assert codes == [fresh.tracking_code, late.tracking_code]
        assert response.content.decode().count('data-testid="overdue-badge"') == 1
        only = inspector_client.get(LIST, {"overdue": "on"})
        assert [item.pk for item in only.context["page"].items] == [late.pk]

    def test_staff_of_another_unit_see_nothing(
        self, client: Client, stranger: User, verified_login: Any, file: FileComplaint
    ) -> None:
        complaint = file()
        verified_login(client, stranger)
        assert client.get(LIST).context["page"].items == []
        assert client.get(detail(complaint)).status_code == 404
        response = client.post(act(complaint), {"action": "answer", "text": "x"})
        assert response.status_code == 404
        complaint.refresh_from_db()
        assert complaint.status == ComplaintStatus.SUBMITTED

    def test_an_applicant_has_no_desk(
        self, client: Client, citizen: User, file: FileComplaint
    ) -> None:
        complaint = file()
        client.force_login(citizen)
        assert client.get(LIST).status_code in (302, 403)
        assert client.post(act(complaint), {"action": "answer", "text": "x"}).status_code in (
            302,
            403,
        )
        complaint.refresh_from_db()
        assert complaint.status == ComplaintStatus.SUBMITTED

    def test_keyset_pages_and_a_constant_query_count(
        self, inspector_client: Client, file: FileComplaint, django_assert_max_num_queries: Any
    ) -> None:
        for _ in range(3):
            file()
        with django_assert_max_num_queries(12) as few:
            inspector_client.get(LIST)
        for _ in range(30):
            file()
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = inspector_client.get(LIST)
        page = response.context["page"]
        assert len(page.items) == 25 and page.next_cursor
        second = inspector_client.get(LIST, {"after": page.next_cursor})
        assert len(second.context["page"].items) == 8


class TestAnswer:
    def test_the_unit_answers_and_the_complainant_gets_an_sms(
        self, inspector_client: Client, inspector: User, file: FileComplaint
    ) -> None:
        complaint = file()
        page = inspector_client.get(detail(complaint)).content.decode()
        assert 'data-testid="action-answer"' in page and 'href="tel:111"' in page
        response = inspector_client.post(act(complaint), {"action": "answer", "text": "Fixed."})
        assert response.status_code == 302
        complaint.refresh_from_db()
        assert (complaint.status, complaint.answer, complaint.answered_by) == (
            ComplaintStatus.ANSWERED,
            "Fixed.",
            inspector,
        )
        assert Message.objects.filter(event="complaint_answered").count() == 1
        page = inspector_client.get(detail(complaint)).content.decode()
        assert 'data-testid="answer-form"' not in page  # answered is final

    def test_an_empty_answer_is_refused(
        self, inspector_client: Client, file: FileComplaint
    ) -> None:
        complaint = file()
        response = inspector_client.post(act(complaint), {"action": "answer", "text": ""})
        assert response.status_code == 200
        assert "Write the answer" in response.content.decode()
        complaint.refresh_from_db()
        assert complaint.status == ComplaintStatus.SUBMITTED

    def test_an_operator_reads_but_cannot_answer(
        self,
        client: Client,
        desk_operator: User,
        verified_login: Any,
        file: FileComplaint,
        settings: Any,
    ) -> None:
        settings.KHEDMAT_COMPLAINTS_UNIT = ""  # routed to the operator's office
        complaint = file()
        verified_login(client, desk_operator)
        assert client.get(detail(complaint)).status_code == 200
        assert client.post(act(complaint), {"action": "answer", "text": "x"}).status_code == 403
        complaint.refresh_from_db()
        assert complaint.status == ComplaintStatus.SUBMITTED


class TestWalkIn:
    def test_an_operator_files_for_a_walk_in(
        self,
        client: Client,
        desk_operator: User,
        verified_login: Any,
        service: Any,
        complaint_templates: None,
        inspection: OrgUnit,
    ) -> None:
        verified_login(client, desk_operator)
        response = client.post(
            "/desk/complaints/new/",
            {
                "complainant_name": "علی رضایی",
                "national_code": "۰۰۱۳۵۴۲۴۱۹",
                "mobile": "09121234567",
                "language": "fa",
                "service": service.pk,
                "subject": "Rude clerk",
                "text": "At counter 2.",
            },
        )
        complaint = Complaint.objects.get()
        assert response.status_code == 302
        assert (complaint.channel, complaint.filed_by, complaint.complainant) == (
            ComplaintChannel.DESK,
            desk_operator,
            None,
        )
        assert (complaint.complainant_national_code, complaint.complainant_mobile) == (
            "0013542419",
            "+989121234567",
        )
        assert complaint.org_unit == inspection
        assert Message.objects.filter(event="complaint_filed").count() == 1

    def test_a_request_needs_its_applicants_national_code(
        self,
        client: Client,
        desk_operator: User,
        verified_login: Any,
        submit: Any,
        complaint_templates: None,
        inspection: OrgUnit,
    ) -> None:
        ticket = submit()
        verified_login(client, desk_operator)
        values = {
            "complainant_name": "X",
            "national_code": "0084575948",
            "language": "fa",
            "request_code": ticket.tracking_code,
            "subject": "s",
            "text": "t",
        }
        response = client.post("/desk/complaints/new/", values)
        assert response.status_code == 200
        assert Complaint.objects.count() == 0
        response = client.post("/desk/complaints/new/", {**values, "national_code": "0013542419"})
        assert response.status_code == 302
        assert Complaint.objects.get().ticket == ticket

    def test_an_agent_cannot_file_at_the_desk(self, inspector_client: Client, service: Any) -> None:
        response = inspector_client.post(
            "/desk/complaints/new/",
            {
                "complainant_name": "X",
                "national_code": "0013542419",
                "language": "fa",
                "service": service.pk,
                "subject": "s",
                "text": "t",
            },
        )
        assert response.status_code == 403
        assert Complaint.objects.count() == 0


class TestOverdueReport:
    def test_a_complaint_past_its_deadline_appears_per_unit_and_answered_ones_do_not(
        self,
        inspector_client: Client,
        inspector: User,
        file: FileComplaint,
        inspection: OrgUnit,
    ) -> None:
        late, answered_late, reviewing_late, fresh = (
            past_due(file),
            past_due(file),
            past_due(file),
            file(),
        )
        services.answer_complaint(answered_late, text="Done.", actor=inspector)
        services.start_review(reviewing_late, actor=inspector)
        response = inspector_client.get(OVERDUE)
        assert response.status_code == 200
        (group,) = response.context["groups"]
        assert (group.unit, group.count) == (inspection, 2)
        assert {item.pk for item in group.complaints} == {late.pk, reviewing_late.pk}
        page = response.content.decode()
        assert late.tracking_code in page
        assert answered_late.tracking_code not in page and fresh.tracking_code not in page

    def test_per_unit_groups(
        self,
        client: Client,
        administrator: User,
        verified_login: Any,
        file: FileComplaint,
        settings: Any,
        office: OrgUnit,
        inspection: OrgUnit,
    ) -> None:
        past_due(file)
        settings.KHEDMAT_COMPLAINTS_UNIT = ""
        past_due(file)
        past_due(file)
        verified_login(client, administrator)
        groups = client.get(OVERDUE).context["groups"]
        assert sorted((group.unit.code, group.count) for group in groups) == [
            ("inspection", 1),
            ("licence-office", 2),
        ]

    def test_a_constant_query_count(
        self, inspector_client: Client, file: FileComplaint, django_assert_max_num_queries: Any
    ) -> None:
        past_due(file)
        with django_assert_max_num_queries(12) as few:
            inspector_client.get(OVERDUE)
        for _ in range(10):
            past_due(file)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = inspector_client.get(OVERDUE)
        assert response.context["total"] == 11
