"""The staff outbox at /desk/messages/: filters, keyset pages, query count, resend permission."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from khedmat.accounts.models import OrgUnit, User
from khedmat.core.models import Activity
from khedmat.notifications import services
from khedmat.notifications.choices import Channel, MessageKind, MessageStatus
from khedmat.notifications.models import Message

LIST = "/desk/messages/"
Login = Callable[[Client, User], Client]


def make_message(
    *,
    record: Any = None,
    channel: str = Channel.SMS,
    recipient: str = "+989121234567",
    kind: str = MessageKind.TRANSACTIONAL,
    now: dt.datetime | None = None,
    body: str = "درخواست شما ثبت شد.",
) -> Message:
    return services.queue_message(
        channel=channel,
        recipient=recipient,
        subject="s" if channel == Channel.EMAIL else "",
        body=body,
        kind=kind,
        record=record,
        now=now,
    )


def failed_message(record: Any = None) -> Message:
    message = make_message(record=record)
    Message.objects.filter(pk=message.pk).update(provider="kavenegar", attempts=1)
    return services.change_message_status(message, MessageStatus.FAILED, error="411 receptor")


def listed_ids(response: Any) -> list[int]:
    return [
        int(pk) for pk in re.findall(r'href="/desk/messages/(\d+)/"', response.content.decode())
    ]


def test_urls_keep_their_names() -> None:
    assert reverse("notifications:message_list") == LIST
    assert reverse("notifications:message_detail", args=[5]) == "/desk/messages/5/"
    assert reverse("notifications:message_resend", args=[5]) == "/desk/messages/5/resend/"
    assert reverse("notifications:sms_callback", args=["kavenegar"]) == "/hooks/sms/kavenegar/"


@pytest.mark.django_db
class TestAccess:
    def test_anonymous_is_sent_to_login(self, client: Client) -> None:
        response = client.get(LIST)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_an_applicant_is_refused(self, client: Client, applicant: User) -> None:
        client.force_login(applicant)
        assert client.get(LIST).status_code == 403

    def test_staff_need_the_second_factor(self, client: Client, agent: User) -> None:
        client.force_login(agent)
        assert client.get(LIST).status_code == 302

    @pytest.mark.parametrize("persona", ["operator", "agent", "supervisor", "administrator"])
    def test_every_staff_role_reads_the_outbox(
        self, client: Client, verified_login: Login, persona: str, request: pytest.FixtureRequest
    ) -> None:
        verified_login(client, request.getfixturevalue(persona))
        assert client.get(LIST).status_code == 200


@pytest.mark.django_db
class TestList:
    @pytest.fixture(autouse=True)
    def signed_in(self, client: Client, verified_login: Login, administrator: User) -> None:
        verified_login(client, administrator)  # reads every message (scoping: test_security_outbox)

    def test_newest_first_with_the_record(
        self, client: Client, org_units: dict[str, OrgUnit]
    ) -> None:
        first = make_message(record=org_units["office"])
        second = make_message(channel=Channel.EMAIL, recipient="a@example.org")

        response = client.get(LIST)

        assert listed_ids(response) == [second.pk, first.pk]
        html = response.content.decode()
        assert "Licensing office" in html  # the record each message belongs to
        assert '<span class="ltr-value" dir="ltr">+989121234567</span>' in html

    def test_filters(self, client: Client) -> None:
        now = timezone.now()
        old = make_message(now=now - dt.timedelta(days=10))
        email = make_message(channel=Channel.EMAIL, recipient="a@example.org")
        failed = failed_message()
        sms_today = make_message()

        def ids(**query: str) -> list[int]:
            return listed_ids(client.get(LIST, query))

        today = timezone.localdate().isoformat()
        assert ids(status="failed") == [failed.pk]
        assert ids(channel="email") == [email.pk]
        assert ids(provider="kavenegar") == [failed.pk]
        assert ids(date_from=today) == [sms_today.pk, failed.pk, email.pk]
        ten_days_ago = timezone.localdate(now - dt.timedelta(days=10)).isoformat()
        assert ids(date_to=ten_days_ago) == [old.pk]
        assert ids(channel="sms", status="queued", date_from=today) == [sms_today.pk]

    def test_dates_in_persian_digits_and_bad_values(self, client: Client) -> None:
        message = make_message()
        today = timezone.localdate().isoformat()
        persian = today.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
        assert listed_ids(client.get(LIST, {"date_from": persian})) == [message.pk]
        response = client.get(LIST, {"status": "nonsense", "date_from": "yesterday"})
        assert response.status_code == 200
        assert listed_ids(response) == [message.pk]  # invalid filters filter nothing
        assert response.context["form"].errors.keys() == {"status", "date_from"}

    def test_end_before_start_is_explained(self, client: Client) -> None:
        response = client.get(LIST, {"date_from": "2025-03-10", "date_to": "2025-03-01"})
        assert response.context["form"].errors["date_to"] == [
            "The end date is before the start date."
        ]

    def test_keyset_pages(self, client: Client) -> None:
        made = [make_message().pk for _ in range(120)]
        newest_first = sorted(made, reverse=True)

        first = client.get(LIST)
        assert listed_ids(first) == newest_first[:50]
        cursor = first.context["page"].next_cursor
        assert f'href="?after={cursor}"' in first.content.decode()

        second = client.get(LIST, {"after": cursor})
        assert listed_ids(second) == newest_first[50:100]
        third = client.get(LIST, {"after": second.context["page"].next_cursor})
        assert listed_ids(third) == newest_first[100:]
        assert third.context["page"].next_cursor == ""

    def test_pages_keep_the_filters(self, client: Client) -> None:
        for _ in range(51):
            make_message(channel=Channel.EMAIL, recipient="a@example.org")
        response = client.get(LIST, {"channel": "email"})
        last = response.context["page"].next_cursor
        assert f'href="?channel=email&amp;after={last}"' in response.content.decode()

    def test_query_count_does_not_grow_with_the_page(
        self,
        client: Client,
        org_units: dict[str, OrgUnit],
        applicant: User,
        django_assert_max_num_queries: Any,
    ) -> None:
        for number in range(3):
            make_message(record=org_units["office"])
            make_message(record=applicant, channel=Channel.EMAIL, recipient=f"{number}@x.org")
        client.get(LIST)  # the session's first request stores the staff member's last-seen time
        with django_assert_max_num_queries(10) as few:  # DESIGN.md §7: <= 10 for lists
            client.get(LIST)
        for number in range(60):
            make_message(record=org_units["ministry"] if number % 2 else applicant)
        failed_message(record=org_units["office"])
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(LIST)
        assert len(listed_ids(response)) == 50

    def test_htmx_gets_the_list_only(self, client: Client) -> None:
        make_message()
        response = client.get(LIST, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert html.startswith('<div id="message-list"')
        assert "<html" not in html

    def test_one_time_codes_are_not_shown(self, client: Client) -> None:
        make_message(kind=MessageKind.OTP, body="کد ورود: 482913")
        html = client.get(LIST).content.decode()
        assert "482913" not in html
        assert "One-time code hidden" in html


@pytest.mark.django_db
class TestDetail:
    def test_shows_the_message_and_its_timeline(
        self, client: Client, verified_login: Login, administrator: User
    ) -> None:
        verified_login(client, administrator)
        message = failed_message()

        response = client.get(f"/desk/messages/{message.pk}/")

        assert response.status_code == 200
        html = response.content.decode()
        assert "411 receptor" in html
        assert [row.verb for row in response.context["timeline"]] == [
            "message.failed",
            "message.queued",
        ]

    def test_missing_message(self, client: Client, verified_login: Login, agent: User) -> None:
        verified_login(client, agent)
        assert client.get("/desk/messages/999999/").status_code == 404


@pytest.mark.django_db
class TestResend:
    def test_an_agent_is_refused_and_nothing_is_created(
        self, client: Client, verified_login: Login, agent: User
    ) -> None:
        verified_login(client, agent)
        message = failed_message()
        count, activities = Message.objects.count(), Activity.objects.count()

        response = client.post(f"/desk/messages/{message.pk}/resend/")

        assert response.status_code == 403
        assert (Message.objects.count(), Activity.objects.count()) == (count, activities)

    def test_a_resend_is_a_new_linked_message(
        self, client: Client, verified_login: Login, administrator: User, applicant: User
    ) -> None:
        verified_login(client, administrator)
        message = failed_message(record=applicant)
        listing = client.get(LIST).content.decode()
        assert f'action="/desk/messages/{message.pk}/resend/"' in listing

        response = client.post(f"/desk/messages/{message.pk}/resend/")

        resend = Message.objects.exclude(pk=message.pk).get()
        assert response.status_code == 302
        assert response["Location"] == f"/desk/messages/{resend.pk}/"
        assert resend.resent_from == message
        assert resend.idempotency_key != message.idempotency_key
        assert resend.idempotency_key.startswith(f"resend:{message.pk}:")
        assert (resend.status, resend.body, resend.recipient) == (
            MessageStatus.QUEUED,
            message.body,
            message.recipient,
        )
        assert (resend.related_type_id, resend.related_id) == (
            message.related_type_id,
            message.related_id,
        )
        assert resend.created_by == administrator
        audit = Activity.objects.for_target(message).get(verb="message.resent")
        assert (audit.actor, audit.data["resend"]) == (administrator, resend.pk)
        queued = Activity.objects.for_target(resend).get()
        assert (queued.verb, queued.actor) == ("message.queued", administrator)
        assert Activity.objects.for_target(applicant).filter(verb="message.queued").count() == 2
        message.refresh_from_db()
        assert message.status == MessageStatus.FAILED  # the original keeps its history

    def test_a_message_that_did_not_fail_is_not_resent(
        self, client: Client, verified_login: Login, administrator: User
    ) -> None:
        verified_login(client, administrator)
        message = make_message()

        response = client.post(f"/desk/messages/{message.pk}/resend/", follow=True)

        assert Message.objects.count() == 1
        assert "Only failed or undelivered messages can be sent again." in response.content.decode()

    def test_resend_needs_post_and_the_csrf_token(
        self, verified_login: Login, supervisor: User
    ) -> None:
        client = verified_login(Client(enforce_csrf_checks=True), supervisor)
        message = failed_message()
        assert client.get(f"/desk/messages/{message.pk}/resend/").status_code == 405
        assert client.post(f"/desk/messages/{message.pk}/resend/").status_code == 403
        assert Message.objects.count() == 1


def test_the_date_filter_takes_a_jalali_date_in_persian_digits() -> None:
    from khedmat.notifications.forms import MessageFilterForm

    form = MessageFilterForm({"date_from": "۱۴۰۵/۰۹/۰۴", "date_to": "2026-11-30"})
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["date_from"], form.cleaned_data["date_to"]) == (
        dt.date(2026, 11, 25),
        dt.date(2026, 11, 30),
    )
