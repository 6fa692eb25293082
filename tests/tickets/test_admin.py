"""Requests in the admin: administrators read and search them; nobody edits, adds or deletes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts.models import OrgUnit, User
from khedmat.tickets.models import Attachment, Ticket
from khedmat.tickets.services import Principal
from tests.fixtures.tickets import Submit

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/tickets/ticket/"


@pytest.fixture(autouse=True)
def media(settings: SettingsWrapper, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_administrator_finds_requests_by_tracking_code_and_national_code(
    client: Client, verified_login: Callable[..., Client], administrator: User, submit: Submit
) -> None:
    ticket = submit()
    other = submit(principal=Principal(name="علی کریمی", national_code="0021953740"))
    verified_login(client, administrator)

    listing = client.get(LIST_URL)
    by_code = client.get(LIST_URL, {"q": ticket.tracking_code})
    by_national_code = client.get(LIST_URL, {"q": "0021953740"})
    by_status = client.get(LIST_URL, {"status__exact": "in_progress"})

    assert listing.status_code == 200
    assert ticket.tracking_code in listing.content.decode()
    assert list(by_code.context["cl"].result_list) == [ticket]
    assert list(by_national_code.context["cl"].result_list) == [other]
    assert list(by_status.context["cl"].result_list) == []
    attachments = client.get("/admin/tickets/attachment/", {"q": ticket.tracking_code})
    assert list(attachments.context["cl"].result_list) == list(ticket.attachments.all())


def test_requests_are_read_only_in_the_admin(
    client: Client, verified_login: Callable[..., Client], administrator: User, submit: Submit
) -> None:
    ticket = submit()
    attachment = ticket.attachments.get()
    verified_login(client, administrator)
    change_url = f"{LIST_URL}{ticket.pk}/change/"

    page = client.get(change_url)
    posted = client.post(change_url, {"status": "completed", "principal_name": "x"})
    deleted = client.post(f"{LIST_URL}{ticket.pk}/delete/", {"post": "yes"})
    added = client.get(f"{LIST_URL}add/")
    attachment_deleted = client.post(
        f"/admin/tickets/attachment/{attachment.pk}/delete/", {"post": "yes"}
    )

    assert page.status_code == 200
    content = page.content.decode()
    assert 'name="_save"' not in content
    assert f'href="/desk/requests/{ticket.tracking_code}/"' in content
    assert (posted.status_code, deleted.status_code, added.status_code) == (403, 403, 403)
    assert attachment_deleted.status_code == 403
    ticket.refresh_from_db()
    assert (ticket.status, ticket.principal_name) == ("submitted", "زهرا کریمی")
    assert Ticket.objects.count() == 1 and Attachment.objects.count() == 1


def test_agents_do_not_read_requests_in_the_admin(
    client: Client,
    verified_login: Callable[..., Client],
    make_user: Callable[..., User],
    office: OrgUnit,
    submit: Submit,
) -> None:
    agent = make_user("desk-agent", roles=["agent"], org_unit=office)
    ticket = submit()
    verified_login(client, agent)

    assert agent.has_perm("tickets.view_ticket")
    assert client.get(LIST_URL).status_code == 403
    assert client.get(f"{LIST_URL}{ticket.pk}/change/").status_code == 403
    assert b"/admin/tickets/" not in client.get("/admin/").content
