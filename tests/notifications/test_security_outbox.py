"""Who reads the outbox (issue 20): staff see the messages of records they may see, and their own.

Administrators read every message; anyone else reads those about a request (or complaint) they
may see and those addressed to themselves. A message out of reach answers 404 on the desk and in
the admin, so a guessed id learns nothing; a secret is masked for everyone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from khedmat.accounts import otp
from khedmat.accounts.models import OrgUnit, User
from khedmat.core.models import Activity
from khedmat.notifications import services
from khedmat.notifications.choices import Channel, MessageStatus
from khedmat.notifications.models import Message
from khedmat.tickets.models import Ticket
from tests.fixtures.tickets import Submit

pytestmark = pytest.mark.django_db

LIST = "/desk/messages/"
ADMIN = "/admin/notifications/message/"
Login = Callable[[Client, User], Client]


@pytest.fixture
def staff(make_user: Callable[..., User], units: dict[str, OrgUnit]) -> dict[str, User]:
    """An agent of the licence office, its supervisor (the agency) and two people elsewhere."""
    elsewhere = OrgUnit.objects.create(code="elsewhere", name="Elsewhere")
    return {
        "agent": make_user("office-agent", roles=["agent"], org_unit=units["office"]),
        "supervisor": make_user("office-boss", roles=["supervisor"], org_unit=units["agency"]),
        "outsider": make_user(
            "outsider-agent", roles=["agent"], org_unit=elsewhere, mobile="+989351112233"
        ),
        "outsider_boss": make_user("outsider-boss", roles=["supervisor"], org_unit=elsewhere),
    }


@pytest.fixture
def ticket(submit: Submit) -> Ticket:
    return submit()  # queues the "request submitted" SMS about the request


def about(ticket: Ticket) -> Message:
    return Message.objects.for_record(ticket).get()


def listed_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/desk/messages/(\d+)/"', html)]


def failed(message: Message) -> Message:
    return services.change_message_status(message, MessageStatus.FAILED, error="411 receptor")


def test_an_outsider_sees_none_of_the_offices_messages(
    client: Client, verified_login: Login, staff: dict[str, User], ticket: Ticket
) -> None:
    message = about(ticket)
    verified_login(client, staff["outsider"])

    listing = client.get(LIST)
    assert listing.status_code == 200
    assert listed_ids(listing.content.decode()) == []
    assert ticket.tracking_code not in listing.content.decode()
    assert client.get(f"{LIST}{message.pk}/").status_code == 404
    admin_list = client.get(ADMIN).content.decode()
    assert ticket.tracking_code not in admin_list and "+989121234567" not in admin_list
    assert client.get(f"{ADMIN}{message.pk}/change/").status_code == 404


def test_the_office_agent_reads_the_requests_messages(
    client: Client, verified_login: Login, staff: dict[str, User], ticket: Ticket
) -> None:
    message = about(ticket)
    verified_login(client, staff["agent"])

    assert listed_ids(client.get(LIST).content.decode()) == [message.pk]
    detail = client.get(f"{LIST}{message.pk}/")
    assert detail.status_code == 200
    assert ticket.tracking_code in detail.content.decode()
    assert "Send again" not in detail.content.decode()  # agents may not resend
    assert client.get(f"{ADMIN}{message.pk}/change/").status_code == 200


def test_staff_read_the_messages_addressed_to_themselves(
    client: Client, verified_login: Login, staff: dict[str, User], ticket: Ticket
) -> None:
    own = services.queue_message(channel=Channel.SMS, recipient="09351112233", body="برای شما")
    services.queue_message(channel=Channel.SMS, recipient="+989359998877", body="برای دیگری")
    verified_login(client, staff["outsider"])

    assert listed_ids(client.get(LIST).content.decode()) == [own.pk]


def test_login_codes_are_for_administrators_only_and_masked(
    client: Client,
    verified_login: Login,
    staff: dict[str, User],
    administrator: User,
    templates: None,
) -> None:
    row = otp.send_login_code("+989121234567", ip_address="10.0.0.7", language="en")
    code = Message.objects.get(idempotency_key=f"otp:{row.pk}")
    verified_login(client, staff["supervisor"])
    assert client.get(f"{LIST}{code.pk}/").status_code == 404

    verified_login(client, administrator)
    detail = client.get(f"{LIST}{code.pk}/").content.decode()
    assert "One-time code hidden" in detail
    assert code.secret_values[0] not in detail


def test_an_outsider_supervisor_cannot_resend_the_offices_message(
    client: Client, verified_login: Login, staff: dict[str, User], ticket: Ticket
) -> None:
    message = failed(about(ticket))
    count, activities = Message.objects.count(), Activity.objects.count()
    verified_login(client, staff["outsider_boss"])

    response = client.post(f"{LIST}{message.pk}/resend/")

    assert response.status_code == 404
    assert (Message.objects.count(), Activity.objects.count()) == (count, activities)


def test_the_offices_supervisor_resends_it(
    client: Client, verified_login: Login, staff: dict[str, User], ticket: Ticket
) -> None:
    message = failed(about(ticket))
    verified_login(client, staff["supervisor"])

    response = client.post(f"{LIST}{message.pk}/resend/")

    resend = Message.objects.get(resent_from=message)
    assert response["Location"] == f"{LIST}{resend.pk}/"
    assert resend.created_by == staff["supervisor"]


def test_the_scoped_list_keeps_its_query_count(
    client: Client,
    verified_login: Login,
    staff: dict[str, User],
    submit: Submit,
    django_assert_max_num_queries: Any,
) -> None:
    submit()
    verified_login(client, staff["agent"])
    client.get(LIST)  # the session's first request stores the last-seen time
    # 9 as for an administrator, plus one walk of the unit tree per record type (requests,
    # complaints, incidents and problems): a query per level below the agent's unit, never per
    # message.
    with django_assert_max_num_queries(13) as few:
        client.get(LIST)
    tickets = [submit() for _ in range(4)]
    for made in tickets:
        services.queue_message(
            channel=Channel.EMAIL, recipient="a@example.org", subject="s", body="x", record=made
        )
    services.queue_message(channel=Channel.SMS, recipient="+989121234567", body="not theirs")

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)

    assert len(listed_ids(response.content.decode())) == 9


def test_nobody_signed_out_reads_a_message(staff: dict[str, User], ticket: Ticket) -> None:
    assert not Message.objects.visible_to_staff(AnonymousUser()).exists()
    assert Message.objects.visible_to_staff(staff["agent"]).get() == about(ticket)
