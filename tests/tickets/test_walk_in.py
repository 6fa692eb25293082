"""The desk: walk-in requests an operator files for an applicant (R-14), the staff request list,
one request with its files and actions; and who may do none of it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.http import FileResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts.models import OrgUnit, User
from khedmat.catalog.models import Service
from khedmat.core.models import Activity
from khedmat.notifications.models import Message
from khedmat.sla.choices import DurationUnit, TargetKind
from khedmat.sla.models import SlaPolicy, SlaTarget
from khedmat.sla.queries import clear_unit_calendars
from khedmat.tickets import services, walkin
from khedmat.tickets.choices import Capacity, IntakeChannel, Status
from khedmat.tickets.models import Attachment, StagedUpload, Ticket
from khedmat.tickets.views import desk as desk_views
from tests.fixtures.tickets import PDF, Submit, pdf_file, png_file, run_follow_ups
from tests.tickets.helpers import kept_tokens

pytestmark = pytest.mark.django_db

LIST_URL = "/desk/requests/"
NEW_URL = "/desk/requests/new/"
SERVICE_CODE = "17041325104"
NEW_MOBILE = "+989127654321"
NEW_NATIONAL_CODE = "0078456126"


@pytest.fixture(autouse=True)
def media(settings: SettingsWrapper, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def desk_operator(make_user: Callable[..., User], office: OrgUnit) -> User:
    """A desk operator of the unit the test service's requests go to."""
    return make_user("desk-operator", roles=["operator"], org_unit=office, first_name="Nima")


@pytest.fixture
def desk_agent(make_user: Callable[..., User], office: OrgUnit) -> User:
    return make_user("desk-agent", roles=["agent"], org_unit=office, first_name="Sara")


@pytest.fixture
def as_staff(client: Client, verified_login: Callable[..., Client]) -> Callable[[User], Client]:
    return lambda user: verified_login(client, user)


def detail_url(ticket: Ticket) -> str:
    return f"/desk/requests/{ticket.tracking_code}/"


def walk_in_data(lease_key: str, **overrides: Any) -> dict[str, Any]:
    """The POST of step 2: the applicant (any digits), the service's form and its document."""
    data: dict[str, Any] = {
        "submission_key": "desk-form-1",
        "applicant-mobile": "۰۹۱۲ ۷۶۵ ۴۳۲۱",
        "applicant-national_code": "۰۰۷۸۴۵۶۱۲۶",
        "applicant-first_name": "رضا",
        "applicant-last_name": "احمدی",
        "applicant-language": "fa",
        "shop_name": "نانوایی سنگک",
        "opening_date": "1404/12/10",
        lease_key: pdf_file(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def nothing_filed() -> bool:
    return not Ticket.objects.exists() and not Message.objects.exists()


# --- the walk-in service --------------------------------------------------------------------


def test_walk_in_makes_an_applicant_account_for_a_new_mobile(desk_operator: User) -> None:
    user = walkin.applicant_for_walk_in(
        "09127654321", "0078456126", " رضا ", "احمدی", actor=desk_operator
    )

    assert (user.mobile, user.national_code) == (NEW_MOBILE, NEW_NATIONAL_CODE)
    assert (user.first_name, user.last_name) == ("رضا", "احمدی")
    assert user.username == "m989127654321"
    assert user.roles == frozenset({"applicant"})
    assert not user.is_staff and not user.has_usable_password()
    created = Activity.objects.for_target(user).get(verb="user.created")
    assert created.actor == desk_operator


def test_walk_in_finds_the_account_of_the_mobile_and_fills_its_national_code(
    make_user: Callable[..., User], desk_operator: User
) -> None:
    existing = make_user("m989127654321", mobile=NEW_MOBILE, password=None, first_name="Reza")

    user = walkin.applicant_for_walk_in(
        "09127654321", NEW_NATIONAL_CODE, "رضا", "احمدی", actor=desk_operator
    )

    assert user.pk == existing.pk
    user.refresh_from_db()
    assert (user.national_code, user.first_name, user.last_name) == (
        NEW_NATIONAL_CODE,
        "Reza",
        "احمدی",
    )
    assert user.roles == frozenset({"applicant"})
    change = Activity.objects.for_target(user).get(verb="user.identified_at_desk")
    assert change.new_value == {"national_code": NEW_NATIONAL_CODE, "last_name": "احمدی"}
    assert change.actor == desk_operator
    assert User.objects.count() == 2


@pytest.mark.parametrize(
    ("holder", "message"),
    [
        ({"roles": ["agent"]}, walkin.STAFF_MOBILE),
        ({"national_code": "0013542419"}, walkin.OTHER_NATIONAL_CODE),
    ],
)
def test_walk_in_refuses_a_staff_mobile_or_one_of_another_national_code(
    make_user: Callable[..., User], desk_operator: User, holder: dict[str, Any], message: Any
) -> None:
    other = make_user("holder", mobile=NEW_MOBILE, **holder)

    with pytest.raises(walkin.WalkInError) as refused:
        walkin.applicant_for_walk_in(
            NEW_MOBILE, NEW_NATIONAL_CODE, "رضا", "احمدی", actor=desk_operator
        )

    assert refused.value.message == message
    other.refresh_from_db()
    assert other.national_code == holder.get("national_code")
    assert User.objects.filter(national_code=NEW_NATIONAL_CODE).count() == 0


def test_walk_in_refuses_a_national_code_verified_by_another_account(
    make_user: Callable[..., User],
    desk_operator: User,
    verify_national_code: Callable[[User], User],
) -> None:
    holder = make_user(
        "holder", mobile="+989351112233", national_code=NEW_NATIONAL_CODE, password=None
    )
    verify_national_code(holder)

    with pytest.raises(walkin.WalkInError) as refused:
        walkin.applicant_for_walk_in(NEW_MOBILE, NEW_NATIONAL_CODE, "", "", actor=desk_operator)

    assert refused.value.message == walkin.NATIONAL_CODE_TAKEN
    assert not User.objects.filter(mobile=NEW_MOBILE).exists()


# --- the walk-in form -------------------------------------------------------------------------


def test_step_one_offers_the_published_services(
    as_staff: Callable[[User], Client], desk_operator: User, service: Service, make_service: Any
) -> None:
    make_service("99990001", publish=False)
    client = as_staff(desk_operator)

    page = client.get(NEW_URL).content.decode()
    found = client.get(NEW_URL, {"q": "پروانه"}).content.decode()

    assert f'value="{SERVICE_CODE}"' in page
    assert 'value="99990001"' not in page
    assert f"?service={SERVICE_CODE}" in found
    assert client.get(NEW_URL, {"service": "99990001"}).status_code == 404


def test_operator_files_a_walk_in_request_the_applicant_follows_online(
    as_staff: Callable[[User], Client],
    desk_operator: User,
    service: Service,
    lease_key: str,
    templates: None,
) -> None:
    client = as_staff(desk_operator)
    form = client.get(NEW_URL, {"service": SERVICE_CODE})
    assert form.status_code == 200
    assert b'name="applicant-mobile"' in form.content and b'name="shop_name"' in form.content

    response = client.post(f"{NEW_URL}?service={SERVICE_CODE}", walk_in_data(lease_key))

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/requests/{ticket.tracking_code}/receipt/"
    assert client.get(response["Location"]).status_code == 200  # the operator prints it
    applicant = User.objects.get(mobile=NEW_MOBILE)
    assert (ticket.requester, ticket.filed_by) == (applicant, desk_operator)
    assert ticket.channel == IntakeChannel.IN_PERSON
    assert (ticket.principal_name, ticket.principal_national_code, ticket.principal_mobile) == (
        "رضا احمدی",
        NEW_NATIONAL_CODE,
        NEW_MOBILE,
    )
    assert ticket.answers == {"shop_name": "نانوایی سنگک", "opening_date": "2026-03-01"}
    assert ticket.language == "fa"
    (attachment,) = Attachment.objects.filter(ticket=ticket)
    assert (attachment.field_key, attachment.sha256) == (lease_key, hashlib.sha256(PDF).hexdigest())
    assert attachment.uploaded_by == desk_operator
    run_follow_ups()
    (message,) = Message.objects.filter(event="request_submitted")
    assert message.recipient == NEW_MOBILE and ticket.tracking_code in message.body
    # the applicant, signed in with the account of that mobile, follows the same request.
    assert list(Ticket.objects.visible_to_applicant(applicant)) == [ticket]
    assert services.can_follow(ticket, applicant)
    applicant_client = Client(headers={"accept-language": "en"})
    applicant_client.force_login(applicant)
    receipt = applicant_client.get(f"/requests/{ticket.tracking_code}/receipt/")
    assert receipt.status_code == 200
    assert ticket.tracking_code in receipt.content.decode()


def test_the_same_walk_in_form_posted_twice_files_once(
    as_staff: Callable[[User], Client],
    desk_operator: User,
    service: Service,
    lease_key: str,
    templates: None,
) -> None:
    client = as_staff(desk_operator)
    url = f"{NEW_URL}?service={SERVICE_CODE}"

    first = client.post(url, walk_in_data(lease_key))
    second = client.post(url, walk_in_data(lease_key))

    assert first["Location"] == second["Location"]
    assert Ticket.objects.count() == 1
    assert User.objects.filter(mobile=NEW_MOBILE).count() == 1
    assert run_follow_ups() == 1
    assert Message.objects.filter(event="request_submitted").count() == 1


def test_invalid_walk_in_form_shows_every_error_and_files_nothing(
    as_staff: Callable[[User], Client],
    desk_operator: User,
    service: Service,
    lease_key: str,
    templates: None,
) -> None:
    client = as_staff(desk_operator)
    data = walk_in_data(
        lease_key, **{"shop_name": None, lease_key: None, "applicant-national_code": "1234567890"}
    )

    response = client.post(f"{NEW_URL}?service={SERVICE_CODE}", data)

    assert response.status_code == 400
    form = response.context["forms"]
    assert set(form.applicant.errors) == {"national_code"}
    assert set(form.answers.errors) == {"shop_name"}
    assert set(form.documents.errors) == {lease_key}
    assert nothing_filed()
    assert not User.objects.filter(mobile=NEW_MOBILE).exists()


def test_walk_in_refusal_is_shown_and_nothing_is_filed(
    as_staff: Callable[[User], Client],
    desk_operator: User,
    service: Service,
    lease_key: str,
    templates: None,
    make_user: Callable[..., User],
) -> None:
    make_user("colleague", roles=["agent"], mobile=NEW_MOBILE)
    client = as_staff(desk_operator)

    response = client.post(f"{NEW_URL}?service={SERVICE_CODE}", walk_in_data(lease_key))

    assert response.status_code == 400
    assert str(walkin.STAFF_MOBILE) in response.content.decode()
    assert nothing_filed()


def test_a_walk_in_file_of_the_wrong_type_is_refused(
    as_staff: Callable[[User], Client],
    desk_operator: User,
    service: Service,
    lease_key: str,
    templates: None,
) -> None:
    fake = pdf_file("lease.pdf", content=b"MZ\x90\x00 not a pdf")
    client = as_staff(desk_operator)

    response = client.post(
        f"{NEW_URL}?service={SERVICE_CODE}", walk_in_data(lease_key, **{lease_key: fake})
    )

    assert response.status_code == 400
    assert list(response.context["forms"].documents.errors) == [lease_key]
    assert nothing_filed()


def test_a_walk_in_form_with_errors_keeps_its_valid_files_for_the_retry(
    as_staff: Callable[[User], Client],
    desk_operator: User,
    service: Service,
    lease_key: str,
    templates: None,
) -> None:
    client = as_staff(desk_operator)
    url = f"{NEW_URL}?service={SERVICE_CODE}"
    response = client.post(url, walk_in_data(lease_key, shop_name=None))

    assert response.status_code == 400
    html = response.content.decode()
    (token,) = kept_tokens(html, lease_key)
    assert "Kept: lease.pdf" in html
    (staged,) = StagedUpload.objects.all()
    assert staged.owner == desk_operator
    assert nothing_filed()

    retry = walk_in_data(lease_key, **{lease_key: None, f"kept-{lease_key}": token})
    response = client.post(url, retry)

    assert response.status_code == 302
    attachment = Attachment.objects.get(field_key=lease_key)
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachment.original_name == "lease.pdf"
    assert not StagedUpload.objects.exists()


def test_a_walk_in_file_with_an_error_is_not_kept_and_a_kept_file_can_be_removed(
    as_staff: Callable[[User], Client],
    desk_operator: User,
    service: Service,
    lease_key: str,
    templates: None,
) -> None:
    client = as_staff(desk_operator)
    url = f"{NEW_URL}?service={SERVICE_CODE}"
    fake = pdf_file("lease.pdf", content=b"MZ\x90\x00 not a pdf")
    html = client.post(url, walk_in_data(lease_key, **{lease_key: fake})).content.decode()
    assert kept_tokens(html, lease_key) == []
    assert not StagedUpload.objects.exists()

    html = client.post(url, walk_in_data(lease_key, shop_name=None)).content.decode()
    (token,) = kept_tokens(html, lease_key)
    removed = walk_in_data(
        lease_key, **{lease_key: None, f"kept-{lease_key}": token, "kept-remove": token}
    )
    response = client.post(url, removed)

    assert response.status_code == 400
    assert list(response.context["forms"].documents.errors) == [lease_key]
    assert kept_tokens(response.content.decode(), lease_key) == []
    assert nothing_filed()


def test_another_operators_kept_file_is_ignored_by_the_walk_in_form(
    as_staff: Callable[[User], Client],
    desk_operator: User,
    desk_agent: User,
    service: Service,
    lease_key: str,
    templates: None,
) -> None:
    foreign = services.stage_upload(pdf_file(), field_key=lease_key, owner=desk_agent)
    client = as_staff(desk_operator)
    data = walk_in_data(lease_key, **{lease_key: None, f"kept-{lease_key}": str(foreign.token)})

    response = client.post(f"{NEW_URL}?service={SERVICE_CODE}", data)

    assert response.status_code == 400
    assert list(response.context["forms"].documents.errors) == [lease_key]
    assert str(foreign.token) not in response.content.decode()
    assert nothing_filed()


# --- who may not ------------------------------------------------------------------------------


def test_role_groups_hold_the_request_permissions(
    desk_operator: User, desk_agent: User, supervisor: User, administrator: User
) -> None:
    assert desk_operator.has_perm("tickets.add_ticket")
    assert desk_operator.has_perm("tickets.view_ticket")
    assert not desk_operator.has_perm("tickets.change_ticket")
    for user in (desk_agent, supervisor):
        assert user.has_perm("tickets.view_ticket") and user.has_perm("tickets.change_ticket")
        assert not user.has_perm("tickets.add_ticket")
    assert administrator.has_perm("tickets.delete_attachment")
    assert not Group.objects.get(name="applicant").permissions.exists()


def desk_urls(ticket: Ticket) -> list[tuple[str, str]]:
    attachment = ticket.attachments.get()
    return [
        ("get", LIST_URL),
        ("get", detail_url(ticket)),
        ("get", f"{detail_url(ticket)}files/{attachment.pk}/"),
        ("post", f"{detail_url(ticket)}act/"),
        ("get", NEW_URL),
        ("get", f"{NEW_URL}?service={SERVICE_CODE}"),
        ("post", f"{NEW_URL}?service={SERVICE_CODE}"),
    ]


def test_applicants_and_visitors_are_kept_out_of_every_desk_page(
    client: Client, submit: Submit, citizen: User, lease_key: str
) -> None:
    ticket = submit()
    before = (Ticket.objects.count(), Activity.objects.count(), Message.objects.count())
    for method, url in desk_urls(ticket):
        data = walk_in_data(lease_key) if "new" in url else {"action": "start_review"}
        response = getattr(client, method)(url, data if method == "post" else None)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url
    client.force_login(citizen)
    for method, url in desk_urls(ticket):
        data = walk_in_data(lease_key) if "new" in url else {"action": "start_review"}
        response = getattr(client, method)(url, data if method == "post" else None)
        assert response.status_code == 403, url

    assert (Ticket.objects.count(), Activity.objects.count(), Message.objects.count()) == before
    ticket.refresh_from_db()
    assert ticket.status == Status.SUBMITTED


def test_staff_of_another_agency_see_nothing_and_cannot_file(
    as_staff: Callable[[User], Client], outsider: User, submit: Submit, lease_key: str
) -> None:
    ticket = submit()
    client = as_staff(outsider)
    before = (Ticket.objects.count(), Activity.objects.count())

    listing = client.get(LIST_URL)
    statuses = []
    for method, url in desk_urls(ticket)[1:]:
        if method == "get":
            statuses.append(client.get(url).status_code)
        else:
            data = walk_in_data(lease_key) if "new" in url else {"action": "start_review"}
            statuses.append(client.post(url, data).status_code)

    assert listing.status_code == 200
    assert ticket.tracking_code.encode() not in listing.content
    # Someone else's request does not exist for them; filing needs add_ticket, which agents lack.
    assert statuses == [404, 404, 404, 403, 403, 403]
    assert (Ticket.objects.count(), Activity.objects.count()) == before
    ticket.refresh_from_db()
    assert ticket.status == Status.SUBMITTED


def test_operator_without_add_permission_cannot_file(
    as_staff: Callable[[User], Client],
    desk_operator: User,
    service: Service,
    lease_key: str,
    templates: None,
) -> None:
    Group.objects.get(name="operator").permissions.remove(
        *Group.objects.get(name="operator").permissions.filter(codename="add_ticket")
    )
    client = as_staff(User.objects.get(pk=desk_operator.pk))

    page = client.get(NEW_URL)
    posted = client.post(f"{NEW_URL}?service={SERVICE_CODE}", walk_in_data(lease_key))

    assert (page.status_code, posted.status_code) == (403, 403)
    assert nothing_filed()
    assert not User.objects.filter(mobile=NEW_MOBILE).exists()


# --- the list ---------------------------------------------------------------------------------


@pytest.fixture
def sla_policy(db: None) -> SlaPolicy:
    clear_unit_calendars()
    policy = SlaPolicy.objects.create(name="Default", precedence=100)
    SlaTarget.objects.create(
        policy=policy, kind=TargetKind.RESOLUTION, amount=5, unit=DurationUnit.WORKING_DAYS
    )
    return policy


def listed_codes(content: bytes) -> list[str]:
    import re

    return re.findall(r'data-ticket="(\d+)"', content.decode())


def test_list_shows_the_unit_requests_newest_first_with_their_sla(
    as_staff: Callable[[User], Client], desk_agent: User, submit: Submit, sla_policy: SlaPolicy
) -> None:
    older, newer = submit(), submit()
    services.start_review(older, actor=desk_agent)

    response = as_staff(desk_agent).get(LIST_URL)

    assert response.status_code == 200
    assert listed_codes(response.content) == [newer.tracking_code, older.tracking_code]
    page = response.content.decode()
    assert page.count('data-sla-state="ok"') == 2
    assert "Under review" in page and "Submitted" in page
    assert "زهرا کریمی" in page
    assert 'href="/desk/requests/new/"' not in page  # agents file nothing at the desk


def test_list_filters_by_status_and_service(
    as_staff: Callable[[User], Client],
    desk_agent: User,
    submit: Submit,
    make_service: Any,
    citizen: User,
    lease_key: str,
) -> None:
    first, second = submit(), submit()
    services.start_review(second, actor=desk_agent)
    other = make_service("99990002", rows={"documents": []})
    third = services.submit_request(
        other.current_version,
        answers={"national_code": "0013542419"},
        documents={},
        requester=citizen,
        filed_by=citizen,
        principal=services.Principal(name="زهرا کریمی", national_code="0013542419"),
    )
    client = as_staff(desk_agent)

    by_status = client.get(LIST_URL, {"status": Status.IN_PROGRESS})
    by_service = client.get(LIST_URL, {"service": SERVICE_CODE})
    by_both = client.get(LIST_URL, {"service": "99990002", "status": Status.SUBMITTED})

    assert listed_codes(by_status.content) == [second.tracking_code]
    assert listed_codes(by_service.content) == [second.tracking_code, first.tracking_code]
    assert listed_codes(by_both.content) == [third.tracking_code]


def test_list_pages_by_submission_time_and_id(
    as_staff: Callable[[User], Client],
    desk_agent: User,
    submit: Submit,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(desk_views, "PAGE_SIZE", 2)
    tickets = [submit() for _ in range(5)]
    Ticket.objects.filter(pk__in=[tickets[1].pk, tickets[2].pk]).update(
        submitted_at=tickets[2].submitted_at
    )
    client = as_staff(desk_agent)
    newest_first = [ticket.tracking_code for ticket in reversed(tickets)]

    seen, after = [], None
    for _ in range(3):
        response = client.get(LIST_URL, {"after": after} if after else {})
        seen += listed_codes(response.content)
        after = response.context["page"].next_cursor

    assert seen == newest_first
    assert after == ""


def test_list_query_count_does_not_grow_with_the_rows(
    as_staff: Callable[[User], Client],
    desk_agent: User,
    submit: Submit,
    sla_policy: SlaPolicy,
    settings: Any,
) -> None:
    settings.KHEDMAT_MAX_REQUESTS_PER_DAY = 0  # thirty filings by one applicant
    for _ in range(10):
        submit()
    client = as_staff(desk_agent)
    client.get(LIST_URL)
    with CaptureQueriesContext(connection) as ten:
        assert len(listed_codes(client.get(LIST_URL).content)) == 10
    for _ in range(20):
        submit()
    with CaptureQueriesContext(connection) as thirty:
        assert len(listed_codes(client.get(LIST_URL).content)) == 30

    assert len(thirty.captured_queries) == len(ten.captured_queries)
    assert len(ten.captured_queries) <= 12


def test_list_shows_an_operator_what_they_filed_for_other_units(
    as_staff: Callable[[User], Client],
    make_user: Callable[..., User],
    org_units: dict[str, OrgUnit],
    submit: Submit,
    citizen: User,
    supervisor: User,
    administrator: User,
) -> None:
    front_desk = make_user("front", roles=["operator"], org_unit=org_units["other"])
    theirs = submit(filed_by=front_desk, channel=IntakeChannel.IN_PERSON)
    submit()

    assert listed_codes(as_staff(front_desk).get(LIST_URL).content) == [theirs.tracking_code]
    assert listed_codes(as_staff(supervisor).get(LIST_URL).content) == []
    assert len(listed_codes(as_staff(administrator).get(LIST_URL).content)) == 2


# --- one request ------------------------------------------------------------------------------


def test_detail_shows_answers_documents_people_timeline_and_actions(
    as_staff: Callable[[User], Client],
    desk_agent: User,
    submit: Submit,
    lease_key: str,
    sla_policy: SlaPolicy,
) -> None:
    ticket = submit(
        files={lease_key: [pdf_file()], "photo": [png_file()]},
        answers={
            "shop_name": "نانوایی بربری",
            "opening_date": "2026-03-01",
            "photo": [
                {"name": "front.png", "size": 72, "sha256": _sha(png_file())},
            ],
        },
        representation=services.Representation(
            capacity=Capacity.ATTORNEY, name="علی کریمی", national_code="0021953740"
        ),
    )
    services.start_review(ticket, actor=desk_agent)
    photo = ticket.attachments.get(field_key="photo")
    lease = ticket.attachments.get(field_key=lease_key)

    response = as_staff(desk_agent).get(detail_url(ticket))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Shop name" in page and "نانوایی بربری" in page
    assert "Opening date" in page and "1 March 2026" in page
    assert f'href="{detail_url(ticket)}files/{photo.pk}/"' in page
    assert f'href="{detail_url(ticket)}files/{lease.pk}/"' in page
    assert "obtained by inquiry from" in page
    assert "علی کریمی" in page and "Attorney (power of attorney)" in page
    assert 'data-verb="ticket.submitted"' in page and 'data-verb="ticket.status_changed"' in page
    assert "from “Submitted” to “Under review”" in page
    assert 'data-sla-state="ok"' in page
    names = ("start_review", "return", "reject", "complete")
    actions = [name for name in names if f'data-action="{name}"' in page]
    assert actions == ["return", "reject", "complete"]
    assert 'value="shop_name"' in page and f'value="{lease_key}"' in page


def _sha(upload: Any) -> str:
    upload.seek(0)
    digest = hashlib.sha256(upload.read()).hexdigest()
    upload.seek(0)
    return digest


def test_detail_query_count_is_bounded(
    as_staff: Callable[[User], Client],
    desk_agent: User,
    submit: Submit,
    django_assert_max_num_queries: Any,
) -> None:
    ticket = submit()
    client = as_staff(desk_agent)
    client.get(detail_url(ticket))

    with django_assert_max_num_queries(16):
        assert client.get(detail_url(ticket)).status_code == 200


def test_operator_sees_a_request_without_action_buttons(
    as_staff: Callable[[User], Client], desk_operator: User, submit: Submit
) -> None:
    ticket = submit()

    page = as_staff(desk_operator).get(detail_url(ticket)).content.decode()

    assert ticket.tracking_code in page
    assert "data-action=" not in page


def test_attachment_downloads_as_an_attachment_that_is_never_sniffed(
    as_staff: Callable[[User], Client], desk_agent: User, submit: Submit, make_service: Any
) -> None:
    ticket, other = submit(), submit()
    lease = ticket.attachments.get()
    client = as_staff(desk_agent)

    response = client.get(f"{detail_url(ticket)}files/{lease.pk}/")
    wrong_ticket = client.get(f"{detail_url(other)}files/{lease.pk}/")

    assert response.status_code == 200
    # A download is a FileResponse, whose body is a synchronous iterator of bytes.
    body = cast("Iterator[bytes]", cast(FileResponse, response).streaming_content)
    assert b"".join(body) == PDF
    assert response["Content-Disposition"] == 'attachment; filename="lease.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert wrong_ticket.status_code == 404


def test_opening_a_file_is_recorded_and_kept_from_the_applicant(
    as_staff: Callable[[User], Client],
    desk_agent: User,
    submit: Submit,
) -> None:
    from khedmat.tickets.queries import public_history

    ticket = submit()
    lease = ticket.attachments.get()
    client = as_staff(desk_agent)

    client.get(f"{detail_url(ticket)}files/{lease.pk}/")
    client.get(f"{detail_url(ticket)}files/{lease.pk}/", {"inline": "1"})
    client.get(f"{detail_url(ticket)}files/{lease.pk + 999}/")  # no such file: nothing opened

    opened = Activity.objects.for_target(ticket).filter(verb="ticket.file_opened")
    assert [(row.actor, row.data, row.is_public) for row in opened.order_by("id")] == [
        (desk_agent, {"file": lease.pk, "name": "lease.pdf", "inline": False}, False),
        (desk_agent, {"file": lease.pk, "name": "lease.pdf", "inline": True}, False),
    ]
    timeline = client.get(detail_url(ticket)).content.decode()
    assert "File opened" in timeline and "lease.pdf" in timeline
    assert len(public_history(ticket)) == 1  # the applicant's history: only "submitted"


# --- actions ----------------------------------------------------------------------------------


def act(client: Client, ticket: Ticket, **data: Any) -> Any:
    return client.post(f"{detail_url(ticket)}act/", data)


def test_agent_moves_a_request_through_the_services(
    as_staff: Callable[[User], Client], desk_agent: User, submit: Submit, lease_key: str
) -> None:
    ticket = submit()
    client = as_staff(desk_agent)

    started = act(client, ticket, action="start_review")
    ticket.refresh_from_db()
    assert (started.status_code, started["Location"]) == (302, detail_url(ticket))
    assert ticket.status == Status.IN_PROGRESS

    act(client, ticket, action="return", to_correct=["shop_name", lease_key], note="نام کامل")
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_APPLICANT
    assert (ticket.correction_fields, ticket.correction_note) == (
        ["shop_name", lease_key],
        "نام کامل",
    )
    assert Message.objects.filter(event="request_returned").count() == 1
    returned = client.get(detail_url(ticket)).content.decode()
    assert (
        '<ul class="mb-1" data-testid="correction-fields"><li>Shop name</li><li>Lease</li></ul>'
        in returned
    )

    act(client, ticket, action="reject", note="مدارک ناقص است")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.decision_note) == (Status.REJECTED, "مدارک ناقص است")
    moves = Activity.objects.filter(verb="ticket.status_changed", actor=desk_agent)
    assert [row.new_value for row in moves.order_by("id")] == [
        Status.IN_PROGRESS,
        Status.WAITING_APPLICANT,
        Status.REJECTED,
    ]


def test_complete_then_an_illegal_move_is_refused(
    as_staff: Callable[[User], Client], desk_agent: User, submit: Submit
) -> None:
    ticket = submit()
    client = as_staff(desk_agent)
    act(client, ticket, action="complete", note="صادر شد")

    refused = act(client, ticket, action="start_review")

    ticket.refresh_from_db()
    assert ticket.status == Status.COMPLETED and ticket.decision_note == "صادر شد"
    assert refused.status_code == 302
    page = client.get(detail_url(ticket)).content.decode()
    assert "This request is not in a state that allows this action." in page
    assert "data-action=" not in page


@pytest.mark.parametrize(
    ("data", "error_field"),
    [
        ({"action": "return", "note": "fix it"}, "to_correct"),
        ({"action": "return", "to_correct": ["shop_name"]}, "note"),
        ({"action": "reject", "note": "  "}, "note"),
        ({"action": "return", "to_correct": ["answers"], "note": "x"}, "to_correct"),
        ({"action": "delete"}, "action"),
    ],
)
def test_incomplete_actions_are_refused_and_change_nothing(
    as_staff: Callable[[User], Client],
    desk_agent: User,
    submit: Submit,
    data: dict[str, Any],
    error_field: str,
) -> None:
    ticket = submit()
    before = Activity.objects.count()

    response = act(as_staff(desk_agent), ticket, **data)

    assert response.status_code == 400
    assert list(response.context["action_form"].errors) == [error_field]
    ticket.refresh_from_db()
    assert ticket.status == Status.SUBMITTED
    assert Activity.objects.count() == before


def test_operator_cannot_act(
    as_staff: Callable[[User], Client], desk_operator: User, submit: Submit
) -> None:
    ticket = submit()

    response = act(as_staff(desk_operator), ticket, action="start_review")

    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == Status.SUBMITTED


def test_a_picture_previews_inline_in_a_sandbox_and_other_files_still_download(
    as_staff: Callable[[User], Client], desk_agent: User, submit: Submit
) -> None:
    ticket = submit()
    lease = ticket.attachments.get()
    client = as_staff(desk_agent)
    pdf_inline = client.get(f"{detail_url(ticket)}files/{lease.pk}/?inline=1")
    assert pdf_inline["Content-Disposition"] == 'attachment; filename="lease.pdf"'
    assert f"files/{lease.pk}/?inline=1" not in client.get(detail_url(ticket)).content.decode()

    type(lease).objects.filter(pk=lease.pk).update(content_type="image/png")  # as if a photo
    picture = client.get(f"{detail_url(ticket)}files/{lease.pk}/?inline=1")
    page = client.get(detail_url(ticket)).content.decode()

    assert picture["Content-Disposition"] == 'inline; filename="lease.pdf"'
    assert picture["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert picture["X-Content-Type-Options"] == "nosniff"
    assert f'src="{detail_url(ticket)}files/{lease.pk}/?inline=1"' in page
