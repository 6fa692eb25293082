"""Reads behind /track/: the look-up, the public history, the handler, dates, correction rows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from pytest_django import DjangoAssertNumQueries
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts.models import OrgUnit, Team, User
from khedmat.catalog.models import FormField
from khedmat.core.services import record_activity
from khedmat.sla.choices import DurationUnit, TargetKind
from khedmat.sla.models import SlaPolicy, SlaTarget
from khedmat.sla.queries import clear_unit_calendars
from khedmat.tickets import queries, services
from khedmat.tickets.choices import Capacity, Status
from khedmat.tickets.models import Ticket
from tests.fixtures.tickets import Submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_calendars() -> None:
    clear_unit_calendars()


@pytest.fixture
def represented(submit: Submit) -> Ticket:
    return submit(
        principal=services.Principal(name="Reza", national_code="9876543210"),
        representation=services.Representation(
            capacity=Capacity.ATTORNEY, name="Zahra", national_code="1234567891"
        ),
    )


# --- the look-up --------------------------------------------------------------------------------


def test_follow_up_accepts_the_principal_or_the_representative(represented: Ticket) -> None:
    code, nobody = represented.tracking_code, AnonymousUser()

    assert queries.follow_up_ticket(code, national_code="9876543210", user=nobody) == represented
    assert queries.follow_up_ticket(code, national_code="1234567891", user=nobody) == represented
    assert queries.follow_up_ticket(code, national_code="0013542419", user=nobody) is None
    assert queries.follow_up_ticket("1" * 12, national_code="9876543210", user=nobody) is None


def test_an_empty_national_code_never_matches_a_missing_representative(
    submit: Submit, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    ticket = submit()
    assert ticket.representative_national_code == ""

    with django_assert_num_queries(1):
        found = queries.follow_up_ticket(
            ticket.tracking_code, national_code="", user=AnonymousUser()
        )
    assert found is None


def test_the_signed_in_follower_needs_only_the_code(
    submit: Submit, citizen: User, make_user: Callable[..., User]
) -> None:
    ticket = submit()
    stranger = make_user("stranger", mobile="+989351112233", national_code="4567891236")

    assert queries.follow_up_ticket(ticket.tracking_code, national_code="", user=citizen) == ticket
    assert queries.follow_up_ticket(ticket.tracking_code, national_code="", user=stranger) is None
    found = queries.follow_up_ticket(
        ticket.tracking_code, national_code="0013542419", user=stranger
    )
    assert found == ticket


def test_applicant_requests_are_their_own_newest_first(
    submit: Submit, citizen: User, make_user: Callable[..., User]
) -> None:
    first, second = submit(), submit()
    stranger = make_user("stranger", mobile="+989351112233", national_code="4567891236")

    assert queries.applicant_requests(citizen) == [second, first]
    assert queries.applicant_requests(stranger) == []
    assert queries.applicant_requests(AnonymousUser()) == []


# --- history ------------------------------------------------------------------------------------


def test_history_is_oldest_first_with_labels_stages_and_notes(submit: Submit) -> None:
    ticket = services.start_review(submit(), actor=None, stage_title="Expert review")
    ticket = services.return_for_correction(ticket, fields=["shop_name"], note="Fix it", actor=None)
    ticket = services.correct_request(ticket, answers={"shop_name": "New"}, actor=ticket.requester)
    ticket = services.reject_request(ticket, reason="Not allowed here", actor=None)
    record_activity(ticket, "ticket.internal_note", data={"note": "secret"})  # not public

    history = queries.public_history(ticket)

    assert [(entry.title, entry.status, entry.stage, entry.note) for entry in history] == [
        ("Submitted", "submitted", "", ""),
        ("Under review", "in_progress", "Expert review", ""),
        (
            "Returned to the applicant for correction",
            "waiting_applicant",
            "Expert review",
            "Fix it",
        ),
        ("Corrected by the applicant", "", "", ""),
        ("Under review", "in_progress", "Expert review", ""),
        ("Rejected", "rejected", "", "Not allowed here"),  # a decision clears the step
    ]
    assert [entry.at for entry in history] == sorted(entry.at for entry in history)


def test_the_answer_clock_steps_show_the_reason_and_the_new_date(submit: Submit) -> None:
    policy = SlaPolicy.objects.create(name="Default", precedence=100)
    SlaTarget.objects.create(
        policy=policy, kind=TargetKind.RESOLUTION, amount=5, unit=DurationUnit.WORKING_DAYS
    )
    ticket = services.return_for_correction(submit(), fields=["shop_name"], note="", actor=None)
    ticket = services.correct_request(ticket, answers={"shop_name": "New"}, actor=ticket.requester)

    clock_steps = [
        (entry.title, entry.detail, entry.due_at is not None)
        for entry in queries.public_history(ticket)
        if not entry.status and entry.title != "Corrected by the applicant"
    ]

    assert clock_steps == [
        ("Answer date set", "", True),
        ("Time count on hold", "Waiting for the applicant", False),
        ("Time count resumed", "", True),
    ]


# --- handler and dates --------------------------------------------------------------------------


def test_handler_is_the_name_or_the_team_or_the_unit(
    submit: Submit, agent: User, settings: SettingsWrapper, units: dict[str, OrgUnit]
) -> None:
    ticket = submit()
    team = Team.objects.get(code="licences")

    assert queries.handler_label(ticket) == "اداره صدور مجوز"  # the responsible unit
    Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)
    loaded = queries.ticket_for_tracking(ticket.tracking_code)
    assert loaded is not None and queries.handler_label(loaded) == "Sara"
    settings.KHEDMAT_TRACK_HANDLER = "role"
    assert queries.handler_label(loaded) == "Licensing office"  # the agent's unit
    Ticket.objects.filter(pk=ticket.pk).update(team=team)
    loaded = queries.ticket_for_tracking(ticket.tracking_code)
    assert loaded is not None and queries.handler_label(loaded) == "Licences"


def test_a_handler_without_a_name_is_shown_by_team(
    submit: Submit, make_user: Callable[..., User], org_units: dict[str, OrgUnit]
) -> None:
    nameless = make_user("clerk", roles=["agent"], org_unit=org_units["office"])
    ticket = submit()
    Ticket.objects.filter(pk=ticket.pk).update(assignee=nameless)
    loaded = queries.ticket_for_tracking(ticket.tracking_code)

    assert loaded is not None and queries.handler_label(loaded) == "Licensing office"


def test_track_page_dates_without_clocks(submit: Submit) -> None:
    ticket = submit()

    page = queries.track_page(ticket)
    assert page.sla is None and page.pause_reason == ""
    assert page.expected_at == ticket.promised_at == page.promised_at

    ticket = services.return_for_correction(ticket, fields=["shop_name"], note="", actor=None)
    page = queries.track_page(ticket)
    assert page.pause_reason == "Waiting for the applicant" and page.expected_at is None

    ticket = services.reject_request(ticket, reason="no", actor=None)
    page = queries.track_page(ticket)
    assert page.expected_at is None and page.promised_at == ticket.promised_at


def test_track_page_reads_the_answer_clock(submit: Submit) -> None:
    policy = SlaPolicy.objects.create(name="Default", precedence=100)
    SlaTarget.objects.create(
        policy=policy, kind=TargetKind.RESOLUTION, amount=5, unit=DurationUnit.WORKING_DAYS
    )
    ticket = submit()

    page = queries.track_page(ticket)

    assert page.sla is not None and page.sla.expected_at is not None
    assert page.expected_at == page.sla.expected_at


# --- correction rows ----------------------------------------------------------------------------


def test_correction_rows_are_only_the_named_ones_shown_whatever_their_condition(
    submit: Submit, lease_key: str
) -> None:
    ticket = submit()
    FormField.objects.filter(version=ticket.service_version, key="opening_date").update(
        show_if={"field": "shop_name", "op": "equals", "value": "never"}
    )
    ticket = services.return_for_correction(
        ticket, fields=["opening_date", lease_key], note="", actor=None
    )

    rows, documents = queries.correction_rows(Ticket.objects.get(pk=ticket.pk))

    assert [row.key for row in rows] == ["opening_date"]
    assert rows[0].show_if == {}
    assert FormField.objects.get(version=ticket.service_version, key="opening_date").show_if
    assert [f"doc-{item.pk}" for item in documents] == [lease_key]
    assert ticket.status == Status.WAITING_APPLICANT
