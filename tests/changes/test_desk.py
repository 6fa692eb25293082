"""The change desk pages: permissions, the list's tabs and filters, the new-change form with its
refusals, one change and its actions through change_act."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from persiantools.jdatetime import JalaliDate

from khedmat.accounts.models import User
from khedmat.changes.choices import ChangeKind, ChangeStatus, RiskLevel
from khedmat.changes.models import Change, ChangeBoard, ChangeVote, FreezeWindow
from khedmat.cmdb.models import ConfigurationItem
from khedmat.core.models import Activity
from tests.changes.conftest import LOW_RISK, MakeChange

pytestmark = pytest.mark.django_db

Login = Callable[[Client, User], Client]

LIST = reverse("changes:change_list")
NEW = reverse("changes:change_new")


def future(days: int, hour: int = 20) -> dt.datetime:
    """A moment `days` from today at `hour` local time (the view's services use the real now)."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def jalali(moment: dt.datetime) -> str:
    return JalaliDate(timezone.localtime(moment).date()).strftime("%Y/%m/%d")


def act(client: Client, change: Change, action: str, **fields: str) -> Any:
    data = {"action": action, **{f"{action}-{name}": value for name, value in fields.items()}}
    return client.post(reverse("changes:change_act", args=[change.tracking_code]), data)


def codes(response: Any) -> set[str]:
    return {change.tracking_code for change in response.context["page"].items}


# --- permissions --------------------------------------------------------------------------------


def test_pages_need_the_change_permissions(
    client: Client,
    verified_login: Login,
    make_user: Callable[..., User],
    org_units: dict[str, Any],
    make_change: MakeChange,
) -> None:
    change = make_change()
    outsider = make_user("clerk", roles=[], org_unit=org_units["office"])
    verified_login(client, outsider)
    detail = reverse("changes:change_detail", args=[change.tracking_code])
    for url in (LIST, NEW, detail, reverse("changes:calendar")):
        assert client.get(url).status_code == 403
    response = act(client, change, "submit")
    assert response.status_code == 403
    change.refresh_from_db()
    assert change.status == ChangeStatus.DRAFT


def test_an_unknown_change_reads_as_not_found(
    client: Client, verified_login: Login, requester: User
) -> None:
    verified_login(client, requester)
    assert client.get(reverse("changes:change_detail", args=["CH-NOPE"])).status_code == 404


# --- the list -----------------------------------------------------------------------------------


def test_list_tabs_and_filters(
    client: Client,
    verified_login: Login,
    requester: User,
    members: list[User],
    make_change: MakeChange,
) -> None:
    draft = make_change(title="Patch the mail relay")
    assessed = make_change(ChangeStatus.ASSESSMENT, title="Move the database")
    emergency = make_change(kind=ChangeKind.EMERGENCY, title="Hotfix logins")
    Change.objects.filter(pk=emergency.pk).update(
        status=ChangeStatus.CLOSED, risk_level=RiskLevel.HIGH
    )
    verified_login(client, members[0])
    assert codes(client.get(LIST)) == {draft.tracking_code, assessed.tracking_code}
    assert codes(client.get(LIST, {"tab": "all"})) == {
        draft.tracking_code,
        assessed.tracking_code,
        emergency.tracking_code,
    }
    assert codes(client.get(LIST, {"tab": "vote"})) == {assessed.tracking_code}
    assert codes(client.get(LIST, {"tab": "mine"})) == set()
    assert codes(client.get(LIST, {"tab": "all", "kind": "emergency"})) == {emergency.tracking_code}
    assert codes(client.get(LIST, {"tab": "all", "risk": "high"})) == {emergency.tracking_code}
    assert codes(client.get(LIST, {"tab": "all", "status": "assessment"})) == {
        assessed.tracking_code
    }
    assert codes(client.get(LIST, {"tab": "all", "q": "mail"})) == {draft.tracking_code}
    assert codes(client.get(LIST, {"tab": "all", "q": assessed.tracking_code})) == {
        assessed.tracking_code
    }
    ChangeVote.objects.create(change=assessed, voter=members[0], vote="approve")
    assert codes(client.get(LIST, {"tab": "vote"})) == set()
    client.logout()
    verified_login(client, requester)
    assert len(codes(client.get(LIST, {"tab": "mine"}))) == 3


def test_list_query_count_is_constant(
    client: Client,
    verified_login: Login,
    requester: User,
    make_change: MakeChange,
    django_assert_max_num_queries: Any,
) -> None:
    verified_login(client, requester)
    make_change()
    client.get(LIST)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(LIST, {"tab": "all"}).status_code == 200
    for index in range(5):
        make_change(title=f"Change {index}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(LIST, {"tab": "all"})
    assert len(response.context["page"].items) == 6


# --- a new change -------------------------------------------------------------------------------


def _new_data(cmdb: dict[str, ConfigurationItem], **overrides: str) -> dict[str, Any]:
    start, end = future(10), future(10, 22)
    data: dict[str, Any] = {
        "kind": "normal",
        "title": "Upgrade the portal",
        "description": "New version.",
        "reason": "Security fixes.",
        "items": [str(cmdb["app"].pk)],
        "implementation_plan": "Deploy.",
        "backout_plan": "Roll back.",
        "test_plan": "",
        "start_date": jalali(start),
        "start_time": "20:00",
        "end_date": jalali(end),
        "end_time": "22:00",
        **{f"risk_{code}": value for code, value in LOW_RISK.items()},
    }
    data.update(overrides)
    return data


def test_new_change_is_recorded_with_its_risk(
    client: Client, verified_login: Login, requester: User, cmdb: dict[str, ConfigurationItem]
) -> None:
    verified_login(client, requester)
    page = client.get(NEW)
    assert page.status_code == 200
    assert "risk_downtime" in page.context["form"].fields
    response = client.post(NEW, _new_data(cmdb))
    change = Change.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("changes:change_detail", args=[change.tracking_code])
    assert change.status == ChangeStatus.DRAFT
    assert change.requested_by == requester
    assert list(change.items.all()) == [cmdb["app"]]
    assert change.planned_start == future(10)
    assert change.planned_end == future(10, 22)
    assert change.risk_answers == LOW_RISK
    verbs = list(Activity.objects.for_target(change).order_by("id").values_list("verb", flat=True))
    assert verbs == ["change.requested", "change.risk_assessed"]


def test_new_standard_change_takes_its_template(
    client: Client,
    verified_login: Login,
    requester: User,
    template: Any,
    cmdb: dict[str, ConfigurationItem],
) -> None:
    verified_login(client, requester)
    data = _new_data(cmdb, kind="standard", template=str(template.pk))
    data.update(implementation_plan="", backout_plan="")
    response = client.post(NEW, data)
    assert response.status_code == 302
    change = Change.objects.get()
    assert change.template == template
    assert change.implementation_plan == template.implementation_plan


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end_date": "", "end_time": ""}, None),  # accepted: a draft may lack its window
        ({"end_time": "19:00", "end_date": "SAME"}, "end_date"),
        ({"implementation_plan": "  "}, "implementation_plan"),
        ({"backout_plan": ""}, "backout_plan"),
        ({"kind": "standard"}, "template"),
        ({"start_time": ""}, "start_time"),
    ],
)
def test_new_change_refusals_keep_what_was_typed(
    client: Client,
    verified_login: Login,
    requester: User,
    cmdb: dict[str, ConfigurationItem],
    overrides: dict[str, str],
    field: str | None,
) -> None:
    verified_login(client, requester)
    data = _new_data(cmdb, **overrides)
    if data["end_date"] == "SAME":
        data["end_date"] = data["start_date"]
    response = client.post(NEW, data)
    if field is None:
        assert response.status_code == 302
        return
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Change.objects.exists()
    html = response.content.decode()
    assert 'value="Upgrade the portal"' in html
    assert "Security fixes." in html


# --- one change and its actions -----------------------------------------------------------------


def test_detail_shows_impact_votes_and_timeline(
    client: Client,
    verified_login: Login,
    requester: User,
    members: list[User],
    cmdb: dict[str, ConfigurationItem],
    make_change: MakeChange,
    django_assert_max_num_queries: Any,
) -> None:
    change = make_change(ChangeStatus.ASSESSMENT, items=[cmdb["db"]])
    ChangeVote.objects.create(change=change, voter=members[0], vote="reject", note="Not now.")
    verified_login(client, requester)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("changes:change_detail", args=[change.tracking_code]))
    assert response.status_code == 200
    assert response.context["impacted_count"] == 2  # portal-app and report-app
    html = response.content.decode()
    assert "Not now." in html
    assert 'data-verb="change.submitted"' in html
    assert 'data-testid="action-withdraw"' in html
    assert 'data-testid="action-vote"' not in html  # not a board member


def test_submit_then_votes_to_majority_approval(
    client: Client,
    verified_login: Login,
    requester: User,
    members: list[User],
    cab: ChangeBoard,
    make_change: MakeChange,
) -> None:
    change = make_change(start=future(10), end=future(10, 22))
    from khedmat.changes import services

    services.assess_risk(change, LOW_RISK, actor=requester)
    verified_login(client, requester)
    response = act(client, change, "submit")
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeStatus.ASSESSMENT
    assert change.board == cab
    # the requester is not on the board: the vote is refused and shown
    refused = act(client, change, "vote", vote="approve", note="")
    assert refused.status_code == 400
    assert 'data-testid="error-vote"' in refused.content.decode()
    assert not ChangeVote.objects.exists()
    for voter in members[:2]:
        client.logout()
        verified_login(client, voter)
        assert act(client, change, "vote", vote="approve", note="Fine.").status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeStatus.AUTHORISED
    assert ChangeVote.objects.filter(change=change).count() == 2


def test_reject_vote_needs_a_note(
    client: Client, verified_login: Login, members: list[User], make_change: MakeChange
) -> None:
    change = make_change(ChangeStatus.ASSESSMENT)
    verified_login(client, members[0])
    response = act(client, change, "vote", vote="reject", note="")
    assert response.status_code == 400
    assert response.context["failed"] == "vote"
    assert not ChangeVote.objects.exists()


def test_change_manager_decides(
    client: Client,
    verified_login: Login,
    requester: User,
    change_manager: User,
    make_change: MakeChange,
) -> None:
    change = make_change(ChangeStatus.ASSESSMENT)
    verified_login(client, requester)
    assert act(client, change, "decide", decision="approve", note="Go.").status_code == 403
    client.logout()
    verified_login(client, change_manager)
    typed = act(client, change, "decide", decision="approve", note="")
    assert typed.status_code == 400
    assert act(client, change, "decide", decision="reject", note="Too risky.").status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeStatus.REJECTED
    assert change.decision_note == "Too risky."


def test_schedule_and_refused_schedule_in_a_freeze(
    client: Client, verified_login: Login, requester: User, make_change: MakeChange
) -> None:
    change = make_change(ChangeStatus.AUTHORISED, start=future(10), end=future(10, 22))
    freeze = FreezeWindow.objects.create(
        name_fa="یخ‌بندان آزمایشی",
        name_en="Test freeze",
        starts_at=future(20, 0),
        ends_at=future(25, 0),
    )
    verified_login(client, requester)
    typed_date = jalali(future(21))
    response = act(
        client,
        change,
        "schedule",
        start_date=typed_date,
        start_time="20:00",
        end_date=typed_date,
        end_time="22:00",
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert freeze.name in html
    assert typed_date in html  # what was typed is kept
    change.refresh_from_db()
    assert change.status == ChangeStatus.AUTHORISED
    assert change.planned_start == future(10)
    assert act(client, change, "schedule").status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeStatus.SCHEDULED
    assert change.planned_start == future(10)


def test_an_action_not_in_the_table_is_refused(
    client: Client, verified_login: Login, requester: User, make_change: MakeChange
) -> None:
    change = make_change()
    verified_login(client, requester)
    assert act(client, change, "start").status_code == 400
    assert act(client, change, "explode").status_code == 404
    change.refresh_from_db()
    assert change.status == ChangeStatus.DRAFT


def test_detail_query_count_does_not_grow_with_items_and_votes(
    client: Client,
    verified_login: Login,
    members: list[User],
    cmdb: dict[str, ConfigurationItem],
    make_change: MakeChange,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small = make_change(ChangeStatus.ASSESSMENT, items=[cmdb["db"]], title="Small")
    large = make_change(ChangeStatus.ASSESSMENT, items=list(cmdb.values()), title="Large")
    ChangeVote.objects.create(change=small, voter=members[1], vote="approve", note="Yes.")
    ChangeVote.objects.create(change=large, voter=members[1], vote="approve", note="Yes.")
    ChangeVote.objects.create(change=large, voter=members[2], vote="reject", note="No.")
    verified_login(client, members[0])
    client.get(reverse("changes:change_detail", args=[small.tracking_code]))  # warm caches
    with CaptureQueriesContext(connection) as one:
        first = client.get(reverse("changes:change_detail", args=[small.tracking_code]))
    with CaptureQueriesContext(connection) as many:
        second = client.get(reverse("changes:change_detail", args=[large.tracking_code]))
    assert [q["sql"][:70] for q in many.captured_queries] == [
        q["sql"][:70] for q in one.captured_queries
    ]
    assert 'data-testid="action-vote"' in first.content.decode()  # a member who has not voted
    assert second.content.decode().count('data-testid="votes"') == 1
