"""Staff search over requests: code, national code, name and text; scoped to what staff may see."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from khedmat.accounts.models import OrgUnit, User
from khedmat.search.models import SearchEntry
from khedmat.tickets.indexing import index_request, reindex_requests, request_search
from khedmat.tickets.models import Ticket
from tests.fixtures.tickets import Submit

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@pytest.fixture
def desk_agent(make_user: Callable[..., User], office: OrgUnit) -> User:
    return make_user("desk-agent", roles=["agent"], org_unit=office, first_name="Sara")


@pytest.fixture
def stranger(make_user: Callable[..., User]) -> User:
    unit = OrgUnit.objects.create(code="elsewhere", name="Elsewhere")
    return make_user("stranger", roles=["agent"], org_unit=unit)


@pytest.fixture
def tickets(submit: Submit) -> list[Ticket]:
    first = submit()
    second = submit(
        answers={"shop_name": "قنادی ياس", "opening_date": "2026-03-02"},
        principal=_principal("علي رضایی", "0078456126"),
        submission_key="second",
    )
    reindex_requests()
    return [first, second]


def _principal(name: str, code: str):  # type: ignore[no-untyped-def]
    from khedmat.tickets.services import Principal

    return Principal(name=name, national_code=code, mobile="+989121234567")


def _codes(results: list) -> list[str]:  # type: ignore[type-arg]
    return [result.ticket.tracking_code for result in results]


def test_finds_by_tracking_code_prefix_in_any_digits(
    tickets: list[Ticket], desk_agent: User
) -> None:
    first = tickets[0]
    assert _codes(request_search(first.tracking_code, desk_agent)) == [first.tracking_code]
    persian_prefix = first.tracking_code[:6].translate(PERSIAN)
    assert first.tracking_code in _codes(request_search(persian_prefix, desk_agent))


def test_finds_by_national_code_name_and_answer_text(
    tickets: list[Ticket], desk_agent: User
) -> None:
    first, second = tickets
    assert _codes(request_search("۰۰۷۸۴۵۶۱۲۶", desk_agent)) == [second.tracking_code]
    assert _codes(request_search("علی رضايی", desk_agent)) == [second.tracking_code]
    assert _codes(request_search("یاس", desk_agent)) == [second.tracking_code]
    assert _codes(request_search("نانوایی", desk_agent)) == [first.tracking_code]
    (result,) = request_search("علی", desk_agent)
    assert result.highlight == "<mark>علي</mark> رضایی"


def test_staff_of_another_unit_find_nothing(tickets: list[Ticket], stranger: User) -> None:
    assert request_search(tickets[0].tracking_code, stranger) == []
    assert request_search("نانوایی", stranger) == []


def test_index_request_and_the_command_fill_the_index(submit: Submit, desk_agent: User) -> None:
    ticket = submit()
    assert _codes(request_search(ticket.tracking_code, desk_agent)) == [ticket.tracking_code]
    SearchEntry.objects.all().delete()
    assert request_search(ticket.tracking_code, desk_agent) == []  # the index is the source
    index_request(ticket)
    assert _codes(request_search(ticket.tracking_code, desk_agent)) == [ticket.tracking_code]
    SearchEntry.objects.all().delete()
    call_command("reindex_requests", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _codes(request_search(ticket.tracking_code, desk_agent)) == [ticket.tracking_code]


def test_search_page_has_a_constant_query_count(
    tickets: list[Ticket],
    desk_agent: User,
    client: Client,
    verified_login: Callable[..., Client],
) -> None:
    verified_login(client, desk_agent)
    client.get("/desk/search/?q=x")  # warm the session and permission caches
    counts = []
    for query in ("نانوایی", tickets[0].tracking_code[:1], "0"):
        with CaptureQueriesContext(connection) as context:
            response = client.get("/desk/search/", {"q": query})
        assert response.status_code == 200
        counts.append(len(context))
    assert counts == [counts[0]] * 3, counts
    assert counts[0] <= 9


def test_search_page_refuses_applicants(
    tickets: list[Ticket], citizen: User, client: Client
) -> None:
    client.force_login(citizen)
    response = client.get("/desk/search/", {"q": tickets[0].tracking_code})
    assert response.status_code in {403, 302}
    assert tickets[0].tracking_code not in response.content.decode()


def test_published_services_are_indexed_for_the_catalog(service: object) -> None:
    from khedmat.catalog.indexing import SERVICE_KIND, reindex_services
    from khedmat.search.backends import search

    assert reindex_services() == 1
    (hit,) = search(SERVICE_KIND, "پروانة كسب")
    assert hit.id == service.pk  # type: ignore[attr-defined]
    assert hit.highlight == "صدور <mark>پروانه</mark> <mark>کسب</mark>"


def test_a_filed_request_is_found_at_once_and_a_correction_updates_it(
    submit: Submit, desk_agent: User, citizen: User
) -> None:
    from khedmat.tickets import services as ticket_services

    ticket = submit()  # submit_request indexes it in its transaction
    assert _codes(request_search("نانوایی", desk_agent)) == [ticket.tracking_code]
    ticket_services.start_review(ticket, actor=desk_agent)
    ticket_services.return_for_correction(
        ticket, fields=["shop_name"], note="The name", actor=desk_agent
    )
    ticket.refresh_from_db()
    ticket_services.correct_request(ticket, answers={"shop_name": "قنادی گلستان"}, actor=citizen)

    assert _codes(request_search("گلستان", desk_agent)) == [ticket.tracking_code]
    assert request_search("نانوایی", desk_agent) == []


def test_reindex_search_rebuilds_every_kind_the_apps_registered(
    submit: Submit, service: object
) -> None:
    import io

    from khedmat.search.services import reindexers

    ticket = submit()
    SearchEntry.objects.all().delete()
    out = io.StringIO()
    call_command("reindex_search", stdout=out)

    assert {"request", "service"} <= set(reindexers())
    assert "indexed 1 request entries" in out.getvalue()
    assert "indexed 1 service entries" in out.getvalue()
    assert set(SearchEntry.objects.values_list("kind", "object_id")) >= {
        ("request", ticket.pk),
        ("service", service.pk),  # type: ignore[attr-defined]
    }
