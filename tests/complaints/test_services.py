"""Complaint use cases: filing, code, routing, deadline in working days, transitions, SMS."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from khedmat.accounts.models import OrgUnit, User
from khedmat.calendars.choices import HolidayKind
from khedmat.calendars.models import CalendarScope, Holiday
from khedmat.calendars.queries import calendar_for_unit
from khedmat.calendars.worktime import add_working_days, is_working_day, local_date
from khedmat.complaints import services
from khedmat.complaints.choices import ComplaintChannel, ComplaintStatus
from khedmat.complaints.errors import (
    AnswerEmptyError,
    ComplaintSubjectMissingError,
    ComplaintTransitionError,
    RequestNotYoursError,
)
from khedmat.complaints.models import CODE_LENGTH, Complaint
from khedmat.core.models import Activity
from khedmat.core.tracking import is_valid_tracking_code
from khedmat.notifications.models import Message
from tests.complaints.helpers import FileComplaint

pytestmark = pytest.mark.django_db


def activities(complaint: Complaint) -> Any:
    return Activity.objects.for_target(complaint).filter(verb__startswith="complaint.")


def sms_to(complaint: Complaint, event: str) -> list[Message]:
    return list(Message.objects.filter(event=event, recipient=complaint.complainant_mobile))


class TestFile:
    def test_a_portal_complaint_gets_its_own_code_route_deadline_activity_and_sms(
        self, file: FileComplaint, inspection: OrgUnit, citizen: User
    ) -> None:
        complaint = file()
        assert len(complaint.tracking_code) == CODE_LENGTH == 11
        assert is_valid_tracking_code(complaint.tracking_code, CODE_LENGTH)
        assert complaint.status == ComplaintStatus.SUBMITTED
        assert complaint.channel == ComplaintChannel.PORTAL
        assert complaint.org_unit == inspection
        assert complaint.complainant == citizen
        assert complaint.deadline_at > complaint.submitted_at
        (activity,) = activities(complaint)
        assert (activity.verb, activity.new_value, activity.actor) == (
            "complaint.filed",
            "submitted",
            citizen,
        )
        (message,) = sms_to(complaint, "complaint_filed")
        assert complaint.tracking_code in message.body

    def test_codes_are_unique(self, file: FileComplaint) -> None:
        codes = {file().tracking_code for _ in range(5)}
        assert len(codes) == 5

    def test_without_the_setting_the_services_unit_answers(
        self, file: FileComplaint, settings: Any, office: OrgUnit
    ) -> None:
        settings.KHEDMAT_COMPLAINTS_UNIT = ""
        assert file().org_unit == office

    def test_an_unknown_unit_code_falls_back_to_the_services_unit(
        self, file: FileComplaint, settings: Any, office: OrgUnit
    ) -> None:
        settings.KHEDMAT_COMPLAINTS_UNIT = "no-such-unit"
        assert file().org_unit == office

    def test_a_complaint_needs_a_service_or_a_request(self, file: FileComplaint) -> None:
        with pytest.raises(ComplaintSubjectMissingError):
            file(service=None)
        assert Complaint.objects.count() == 0

    def test_about_the_complainants_request(self, file: FileComplaint, submit: Any) -> None:
        ticket = submit()
        complaint = file(service=None, ticket=ticket)
        assert (complaint.ticket, complaint.service) == (ticket, ticket.service)

    def test_a_walk_in_proves_the_request_with_its_national_code(
        self, file: FileComplaint, submit: Any, desk_operator: User
    ) -> None:
        ticket = submit()
        walk_in = services.Complainant(name="زهرا کریمی", national_code="0013542419")
        complaint = file(
            complainant=walk_in,
            service=None,
            ticket=ticket,
            filed_by=desk_operator,
            channel=ComplaintChannel.DESK,
        )
        assert complaint.complainant is None
        assert complaint.filed_by == desk_operator
        assert sms_to(complaint, "complaint_filed") == []  # no mobile: no SMS

    def test_someone_elses_request_is_refused(
        self, file: FileComplaint, submit: Any, make_user: Any
    ) -> None:
        ticket = submit()
        other = make_user("other", mobile="+989127654321", national_code="0084575948")
        intruder = services.Complainant(
            name="Other", national_code="0084575948", mobile="+989127654321", user=other
        )
        with pytest.raises(RequestNotYoursError):
            file(complainant=intruder, service=None, ticket=ticket, filed_by=other)
        assert Complaint.objects.count() == 0


class TestDeadline:
    def test_counts_working_days_and_skips_a_holiday(
        self, file: FileComplaint, inspection: OrgUnit, settings: Any
    ) -> None:
        settings.KHEDMAT_COMPLAINTS_ANSWER_DAYS = 3
        start = timezone.make_aware(dt.datetime(2026, 6, 6, 9, 0))  # noqa: DTZ001  (Saturday, Tehran)
        before = file(now=start)
        calendar = calendar_for_unit(inspection)
        assert before.deadline_at == add_working_days(calendar, start, 3)
        # a closure on the first working day after the start moves the deadline one working day
        day = local_date(calendar, start) + dt.timedelta(days=1)
        while not is_working_day(calendar, day):
            day += dt.timedelta(days=1)
        Holiday.objects.create(
            date=day,
            name_fa="تعطیلی",
            kind=HolidayKind.SPECIAL_CLOSURE,
            scope=CalendarScope.objects.get(kind="national", code="IR"),
        )
        after = file(now=start)
        calendar = calendar_for_unit(inspection)
        assert not is_working_day(calendar, day)
        assert after.deadline_at == add_working_days(calendar, start, 3)
        assert after.deadline_at > before.deadline_at
        assert (
            local_date(calendar, after.deadline_at) - local_date(calendar, before.deadline_at)
        ).days >= 1


class TestTransitions:
    def test_review_then_answer_is_final(self, file: FileComplaint, inspector: User) -> None:
        complaint = services.start_review(file(), actor=inspector)
        assert complaint.status == ComplaintStatus.IN_REVIEW
        complaint = services.answer_complaint(complaint, text="پیگیری شد.", actor=inspector)
        assert (complaint.status, complaint.answer, complaint.answered_by) == (
            ComplaintStatus.ANSWERED,
            "پیگیری شد.",
            inspector,
        )
        assert complaint.answered_at is not None
        verbs = [(row.old_value, row.new_value) for row in activities(complaint)]
        assert verbs == [("in_review", "answered"), ("submitted", "in_review"), (None, "submitted")]
        (message,) = sms_to(complaint, "complaint_answered")
        assert complaint.tracking_code in message.body
        for move in (
            lambda: services.start_review(complaint, actor=inspector),
            lambda: services.reject_complaint(complaint, text="x", actor=inspector),
        ):
            with pytest.raises(ComplaintTransitionError):
                move()
        complaint.refresh_from_db()
        assert complaint.status == ComplaintStatus.ANSWERED
        assert activities(complaint).count() == 3

    def test_an_answer_needs_text(self, file: FileComplaint, inspector: User) -> None:
        complaint = file()
        with pytest.raises(AnswerEmptyError):
            services.answer_complaint(complaint, text="  ", actor=inspector)
        complaint.refresh_from_db()
        assert complaint.status == ComplaintStatus.SUBMITTED

    def test_a_rejection_may_be_reviewed_again(self, file: FileComplaint, inspector: User) -> None:
        complaint = services.reject_complaint(file(), text="تکراری است.", actor=inspector)
        assert complaint.status == ComplaintStatus.REJECTED
        assert len(sms_to(complaint, "complaint_answered")) == 1
        complaint = services.start_review(complaint, actor=inspector)
        assert complaint.status == ComplaintStatus.IN_REVIEW

    def test_the_same_status_changes_nothing(self, file: FileComplaint, inspector: User) -> None:
        complaint = file()
        services.change_complaint_status(complaint, ComplaintStatus.SUBMITTED, actor=inspector)
        assert activities(complaint).count() == 1


def test_the_filed_sms_reads_in_the_complainants_language(file: FileComplaint) -> None:
    complaint = file(language="ar")
    (message,) = sms_to(complaint, "complaint_filed")
    assert "شكواك" in message.body
