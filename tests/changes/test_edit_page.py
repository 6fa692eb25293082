"""The edit page of a change: a draft's fields, only the plans and the window during assessment,
a standard change's template plans kept, refusals with what was typed kept, permissions, the
Activity row, and the page's query count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from khedmat.accounts.models import User
from khedmat.changes.choices import ChangeKind, ChangeStatus
from khedmat.changes.errors import NotEditableError
from khedmat.changes.models import Change, FreezeWindow
from khedmat.cmdb.models import ConfigurationItem
from khedmat.core.models import Activity
from tests.changes.conftest import END, START, MakeChange

pytestmark = pytest.mark.django_db

Login = Callable[[Client, User], Client]

DRAFT_FORM = {
    "title",
    "description",
    "reason",
    "items",
    "team",
    "implementation_plan",
    "backout_plan",
    "test_plan",
    "start_date",
    "start_time",
    "end_date",
    "end_time",
}
ASSESSMENT_FORM = {
    "implementation_plan",
    "backout_plan",
    "test_plan",
    "start_date",
    "start_time",
    "end_date",
    "end_time",
}


def edit_url(change: Change) -> str:
    return reverse("changes:change_edit", args=[change.tracking_code])


def detail_url(change: Change) -> str:
    return reverse("changes:change_detail", args=[change.tracking_code])


def typed(page: Any) -> dict[str, Any]:
    """What the page's form shows, as a browser would post it back."""
    form = page.context["form"]
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            value = ""
        elif isinstance(value, dt.time):
            value = value.strftime("%H:%M")
        elif isinstance(value, list):
            value = [str(each) for each in value]
        data[name] = value
    return data


def updates(change: Change) -> list[Any]:
    """The data of the change's change.updated Activity rows, oldest first."""
    rows = Activity.objects.for_target(change).filter(verb="change.updated").order_by("id")
    return [row.data for row in rows]


def persian(message: Any) -> str:
    with translation.override("fa"):
        return str(message)


# --- a draft ------------------------------------------------------------------------------------


def test_a_draft_edits_its_title_description_and_items(
    client: Client,
    verified_login: Login,
    requester: User,
    cmdb: dict[str, ConfigurationItem],
    make_change: MakeChange,
) -> None:
    change = make_change(items=[cmdb["db"]])
    verified_login(client, requester)
    detail = client.get(detail_url(change)).content.decode()
    assert f'href="{edit_url(change)}"' in detail
    assert 'data-testid="edit-change"' in detail
    page = client.get(edit_url(change))
    assert page.status_code == 200
    assert set(page.context["form"].fields) == DRAFT_FORM
    data = typed(page)
    assert data["title"] == "Upgrade the database server"
    assert data["items"] == [str(cmdb["db"].pk)]
    data.update(
        title="  Upgrade the database cluster ",
        description="Both nodes.",
        items=[str(cmdb["db"].pk), str(cmdb["app"].pk)],
    )
    response = client.post(edit_url(change), data)
    assert response.status_code == 302
    assert response["Location"] == detail_url(change)
    change.refresh_from_db()
    assert change.title == "Upgrade the database cluster"
    assert change.description == "Both nodes."
    assert set(change.items.all()) == {cmdb["db"], cmdb["app"]}
    assert change.implementation_plan == "Upgrade."
    assert (change.planned_start, change.planned_end) == (START, END)  # the window round-trips
    row = Activity.objects.for_target(change).filter(verb="change.updated").get()
    assert row.actor == requester
    assert row.data == {"fields": ["description", "items", "title"]}


def test_posting_the_form_unchanged_writes_nothing(
    client: Client, verified_login: Login, requester: User, make_change: MakeChange
) -> None:
    change = make_change()
    verified_login(client, requester)
    response = client.post(edit_url(change), typed(client.get(edit_url(change))))
    assert response.status_code == 302
    assert updates(change) == []


def test_a_standard_draft_keeps_its_template_plans(
    client: Client,
    verified_login: Login,
    requester: User,
    template: Any,
    make_change: MakeChange,
) -> None:
    change = make_change(kind=ChangeKind.STANDARD)
    verified_login(client, requester)
    page = client.get(edit_url(change))
    assert set(page.context["form"].fields) == DRAFT_FORM - {
        "implementation_plan",
        "backout_plan",
        "test_plan",
    }
    data = {**typed(page), "title": "Renew the portal certificate", "backout_plan": "Other."}
    assert client.post(edit_url(change), data).status_code == 302
    change.refresh_from_db()
    assert change.title == "Renew the portal certificate"
    assert change.backout_plan == template.backout_plan
    assert updates(change) == [{"fields": ["title"]}]


# --- during assessment --------------------------------------------------------------------------


def test_in_assessment_only_the_plans_and_the_window_change(
    client: Client, verified_login: Login, requester: User, make_change: MakeChange
) -> None:
    change = make_change(ChangeStatus.ASSESSMENT)
    verified_login(client, requester)
    page = client.get(edit_url(change))
    assert page.status_code == 200
    assert set(page.context["form"].fields) == ASSESSMENT_FORM
    html = page.content.decode()
    assert 'name="title"' not in html
    assert 'name="items"' not in html
    data = typed(page)
    assert data["end_time"] == "01:30"  # 22:00 UTC is 01:30 in Tehran
    data.update(title="Something else", implementation_plan="Upgrade node by node.")
    data["end_time"] = "02:00"
    response = client.post(edit_url(change), data)
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.title == "Upgrade the database server"  # the posted title is ignored
    assert change.implementation_plan == "Upgrade node by node."
    assert change.planned_start == START
    assert change.planned_end == END + dt.timedelta(minutes=30)
    assert change.status == ChangeStatus.ASSESSMENT
    assert updates(change) == [{"fields": ["implementation_plan", "planned_end"]}]


def test_a_window_in_a_freeze_is_refused_and_what_was_typed_is_kept(
    client: Client, verified_login: Login, requester: User, make_change: MakeChange
) -> None:
    change = make_change(ChangeStatus.ASSESSMENT)
    freeze = FreezeWindow.objects.create(
        name_fa="یخ‌بندان آزمایشی",
        name_en="Test freeze",
        starts_at=END,
        ends_at=END + dt.timedelta(days=2),
    )
    verified_login(client, requester)
    data = {**typed(client.get(edit_url(change))), "implementation_plan": "A plan typed here."}
    data["end_time"] = "05:00"  # 01:30 UTC the next day: inside the freeze
    response = client.post(edit_url(change), data, HTTP_ACCEPT_LANGUAGE="fa")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="form-error"' in html
    assert freeze.name_fa in html  # the refusal, in the page's language
    assert "A plan typed here." in html
    assert 'value="05:00"' in html
    change.refresh_from_db()
    assert change.implementation_plan == "Upgrade."
    assert change.planned_end == END
    assert updates(change) == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end_time": "23:00", "end_date": "START"}, "end_date"),  # ends before it starts
        ({"start_time": ""}, "start_time"),
        ({"backout_plan": "  "}, "backout_plan"),
    ],
)
def test_a_refused_draft_edit_keeps_what_was_typed(
    client: Client,
    verified_login: Login,
    requester: User,
    make_change: MakeChange,
    overrides: dict[str, str],
    field: str,
) -> None:
    change = make_change()
    verified_login(client, requester)
    data = {**typed(client.get(edit_url(change))), "title": "A title typed here", **overrides}
    if data["end_date"] == "START":
        data["end_date"] = data["start_date"]
    response = client.post(edit_url(change), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert 'value="A title typed here"' in response.content.decode()
    change.refresh_from_db()
    assert change.title == "Upgrade the database server"
    assert updates(change) == []


# --- refusals and permissions -------------------------------------------------------------------


@pytest.mark.parametrize("status", [ChangeStatus.AUTHORISED, ChangeStatus.CLOSED])
def test_a_change_past_assessment_is_refused(
    client: Client,
    verified_login: Login,
    requester: User,
    make_change: MakeChange,
    status: str,
) -> None:
    change = make_change(status)
    verified_login(client, requester)
    assert 'data-testid="edit-change"' not in client.get(detail_url(change)).content.decode()
    refusal = persian(NotEditableError.default_message)
    page = client.get(edit_url(change), HTTP_ACCEPT_LANGUAGE="fa")
    assert page.status_code == 409
    assert refusal in page.content.decode()
    assert not page.context["form"].fields
    response = client.post(
        edit_url(change),
        {"title": "Another title", "implementation_plan": "Other."},
        HTTP_ACCEPT_LANGUAGE="fa",
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert refusal in html
    assert 'name="title"' not in html
    change.refresh_from_db()
    assert change.status == status
    assert change.title == "Upgrade the database server"
    assert change.implementation_plan == "Upgrade."
    assert updates(change) == []


def test_the_page_needs_the_change_permissions(
    client: Client,
    verified_login: Login,
    requester: User,
    make_user: Callable[..., User],
    org_units: dict[str, Any],
    make_change: MakeChange,
) -> None:
    change = make_change()
    outsider = make_user("clerk", roles=[], org_unit=org_units["office"])
    reader = make_user("reader", roles=[], org_unit=org_units["office"])
    reader.user_permissions.add(
        Permission.objects.get(content_type__app_label="changes", codename="view_change")
    )
    for user in (outsider, reader):
        client.logout()
        verified_login(client, user)
        assert client.get(edit_url(change)).status_code == 403
        assert client.post(edit_url(change), {"title": "Taken over"}).status_code == 403
    change.refresh_from_db()
    assert change.title == "Upgrade the database server"
    assert updates(change) == []
    client.logout()
    verified_login(client, requester)
    unknown = reverse("changes:change_edit", args=["CH-NOPE"])
    assert client.get(unknown).status_code == 404
    assert client.post(unknown, {"title": "x"}).status_code == 404


# --- queries ------------------------------------------------------------------------------------


def test_the_page_query_count_does_not_grow_with_the_items(
    client: Client,
    verified_login: Login,
    requester: User,
    cmdb: dict[str, ConfigurationItem],
    make_change: MakeChange,
    django_assert_max_num_queries: Any,
) -> None:
    small = make_change(items=[cmdb["db"]], title="Small")
    large = make_change(items=list(cmdb.values()), title="Large")
    verified_login(client, requester)
    client.get(edit_url(small))  # warm the session and the caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(edit_url(small)).status_code == 200
    count = len(one.captured_queries)
    assert count <= 12
    with django_assert_max_num_queries(count):
        response = client.get(edit_url(large))
    assert response.status_code == 200
    assert len(response.context["form"]["items"].value()) == 4
