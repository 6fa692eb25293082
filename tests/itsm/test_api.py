"""ITSM API under /api/v1/itsm/: incidents, problems and known errors, who may do what, paging."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from khedmat.accounts.models import Team, User
from khedmat.core.models import Activity
from khedmat.itsm import services
from khedmat.itsm.choices import IncidentStatus, ProblemStatus
from khedmat.itsm.models import Incident, KnownError, Problem, PublicNotice
from tests.itsm.helpers import ReportIncident

pytestmark = pytest.mark.django_db

URL = "/api/v1/itsm/"
Login = Callable[[Client, User], Any]
AsUser = Callable[[User], Client]

S = IncidentStatus


@pytest.fixture
def as_user(client: Client, verified_login: Login) -> AsUser:
    def run(user: User) -> Client:
        client.logout()
        if user.is_staff:
            verified_login(client, user)
        else:
            client.force_login(user)
        return client

    return run


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"{URL}{path}", json.dumps(body or {}), content_type="application/json")


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json()


def codes(response: Any) -> list[str]:
    return [item["tracking_code"] for item in ok(response)["items"]]


def verbs(record: Any) -> list[str]:
    rows = Activity.objects.for_target(record).order_by("id").values_list("verb", flat=True)
    return [verb for verb in rows if verb.split(".")[0] in {"incident", "problem", "known_error"}]


def fresh(incident: Incident) -> Incident:
    return Incident.objects.get(pk=incident.pk)


# --- OpenAPI -------------------------------------------------------------------------------------


def test_every_endpoint_is_in_the_openapi_document(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    paths, schemas = document["paths"], document["components"]["schemas"]
    one = f"{URL}incidents/{{code}}/"
    actions = [
        "start",
        "hold",
        "resume",
        "resolve",
        "close",
        "reopen",
        "assign",
        "note",
        "reply",
        "declare-major",
        "updates",
        "link-child",
        "merge",
    ]
    problem = f"{URL}problems/{{code}}/"
    known = f"{URL}known-errors/{{code}}/"
    expected = {
        f"{URL}incidents/",
        one,
        *(f"{one}{action}/" for action in actions),
        f"{URL}problems/",
        problem,
        *(f"{problem}{action}/" for action in ("root-cause", "known-error", "resolve", "close")),
        f"{URL}known-errors/",
        known,
        f"{known}retire/",
    }
    assert expected <= set(paths)
    for path in expected:
        for operation in paths[path].values():
            assert operation["summary"], path
            assert operation["security"] == [{"SessionAuth": []}], path
            assert {"403"} <= set(operation["responses"]), path
    listing = paths[f"{URL}incidents/"]["get"]
    assert listing["summary"] == "Incidents" and listing["tags"] == ["incidents"]
    assert [p["name"] for p in listing["parameters"]] == [
        "queue",
        "status",
        "priority",
        "after",
        "limit",
    ]
    assert listing["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PagedIncidentOut"
    }
    assert set(listing["responses"]) == {"200", "400", "403", "422"}
    for action in actions:
        assert set(paths[f"{one}{action}/"]["post"]["responses"]) == {
            "200",
            "403",
            "404",
            "409",
            "422",
        }, action
    assert paths[f"{URL}problems/"]["get"]["tags"] == ["problems"]
    assert paths[f"{URL}known-errors/"]["get"]["tags"] == ["known-errors"]
    assert schemas["HoldIn"]["properties"]["reason"]["enum"] == [
        "awaiting_caller",
        "awaiting_supplier",
        "awaiting_change",
    ]
    assert {"children", "attachments", "timeline"} <= set(
        schemas["IncidentDetailOut"]["properties"]
    )


# --- access --------------------------------------------------------------------------------------


def test_anonymous_callers_get_401(client: Client, report: ReportIncident) -> None:
    incident = report()
    responses = [
        client.get(f"{URL}incidents/"),
        client.get(f"{URL}incidents/{incident.tracking_code}/"),
        post(client, f"incidents/{incident.tracking_code}/start/"),
    ]
    assert [r.status_code for r in responses] == [401, 401, 401]
    assert fresh(incident).status == S.NEW


def test_an_applicant_gets_403_and_nothing_changes(
    as_user: AsUser, report: ReportIncident, applicant: User
) -> None:
    incident = report(reporter=applicant)  # even their own incident: the portal is theirs
    client = as_user(applicant)
    code = incident.tracking_code
    responses = [
        client.get(f"{URL}incidents/"),
        client.get(f"{URL}incidents/{code}/"),
        post(client, "incidents/", {"title": "x"}),
        post(client, f"incidents/{code}/start/"),
        post(client, f"incidents/{code}/reopen/", {"reason": "x"}),
        client.get(f"{URL}problems/"),
        client.get(f"{URL}known-errors/"),
    ]
    assert [r.status_code for r in responses] == [403] * 7
    assert responses[0].json() == {"detail": "You are not allowed to do this."}
    assert Incident.objects.count() == 1 and fresh(incident).status == S.NEW
    assert verbs(incident) == ["incident.reported"]


def test_staff_of_another_agency_get_404_and_nothing_changes(
    as_user: AsUser, report: ReportIncident, outsider: User, it_agent: User
) -> None:
    incident = report()
    problem = services.open_problem(title="Disk full", incidents=[incident], actor=it_agent)
    client = as_user(outsider)
    code = incident.tracking_code
    assert codes(client.get(f"{URL}incidents/")) == []
    responses = [
        client.get(f"{URL}incidents/{code}/"),
        post(client, f"incidents/{code}/start/"),
        post(client, f"incidents/{code}/note/", {"text": "x"}),
        client.get(f"{URL}problems/{problem.tracking_code}/"),
        post(client, f"problems/{problem.tracking_code}/close/"),
    ]
    assert [r.status_code for r in responses] == [404] * 5
    assert responses[0].json() == {"detail": "There is no such incident for you."}
    assert fresh(incident).status == S.NEW and verbs(incident) == [
        "incident.reported",
        "incident.problem_linked",
    ]
    assert Problem.objects.get().status == ProblemStatus.LOGGED


def test_a_reporter_without_the_change_permission_may_log_but_not_work(
    as_user: AsUser, report: ReportIncident, employee: User
) -> None:
    client = as_user(employee)  # an operator: add and view incidents
    created = ok(post(client, "incidents/", {"title": "Printer jammed"}), 201)
    assert Incident.objects.get().reporter == employee and created["reporter_name"] == ""
    response = post(client, f"incidents/{created['tracking_code']}/start/")
    assert response.status_code == 403
    assert Incident.objects.get().status == S.NEW


# --- the list ------------------------------------------------------------------------------------


def test_the_queues_and_filters(
    as_user: AsUser, report: ReportIncident, it_agent: User, it_agent_two: User
) -> None:
    mine = services.claim_incident(report("Mine"), actor=it_agent)
    theirs = services.claim_incident(report("Theirs", impact="high"), actor=it_agent_two)
    free = report("Free", impact="low", urgency="low")
    done = services.resolve_incident(report("Done"), code="permanent", note="ok", actor=it_agent)
    client = as_user(it_agent)

    def listed(**params: Any) -> list[str]:
        return codes(client.get(f"{URL}incidents/", params))

    assert listed() == [i.tracking_code for i in (done, free, theirs, mine)]
    assert listed(queue="mine") == [mine.tracking_code]
    assert listed(queue="unassigned") == [free.tracking_code]
    assert listed(queue="open") == [i.tracking_code for i in (free, theirs, mine)]
    assert listed(status="resolved") == [done.tracking_code]
    assert listed(priority="low") == [free.tracking_code]
    assert listed(priority="urgent", queue="team") == [theirs.tracking_code]
    assert client.get(f"{URL}incidents/", {"queue": "nobodys"}).status_code == 422


def test_keyset_pages_list_every_incident_once(
    as_user: AsUser, report: ReportIncident, it_agent: User
) -> None:
    made = {report(f"Incident {number}").tracking_code for number in range(7)}
    client = as_user(it_agent)
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3, **({"after": after} if after else {})}
        page = ok(client.get(f"{URL}incidents/", params))
        seen += [item["tracking_code"] for item in page["items"]]
        pages += 1
        after = page["next"]
        if after is None:
            break
    assert pages == 3 and len(seen) == 7 and set(seen) == made


def test_a_bad_cursor_is_a_400(as_user: AsUser, report: ReportIncident, it_agent: User) -> None:
    report()
    response = as_user(it_agent).get(f"{URL}incidents/", {"after": "not-a-cursor"})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("This page link is not valid")


def test_the_list_costs_the_same_queries_for_3_or_20_incidents(
    as_user: AsUser,
    report: ReportIncident,
    it_agent: User,
    django_assert_num_queries: Callable[..., Any],
) -> None:
    client = as_user(it_agent)
    for number in range(3):
        incident = report(f"First {number}")
    services.link_child_incident(report("A child"), parent=incident, actor=it_agent)
    client.get(f"{URL}incidents/")  # warm the content-type cache
    with CaptureQueriesContext(connection) as three:
        assert len(codes(client.get(f"{URL}incidents/"))) == 4
    for number in range(16):
        services.claim_incident(report(f"More {number}"), actor=it_agent)

    with django_assert_num_queries(len(three.captured_queries)):
        assert len(codes(client.get(f"{URL}incidents/"))) == 20


# --- one incident and logging one ----------------------------------------------------------------


def test_one_incident_with_its_timeline_children_and_relations(
    as_user: AsUser, report: ReportIncident, it_agent: User, desk_team: Team
) -> None:
    parent = report("Mail down", impact="high", urgency="high")
    child = report("No mail here either")
    services.link_child_incident(child, parent=parent, actor=it_agent)
    services.add_incident_note(parent, text="Checked the logs.", actor=it_agent)
    client = as_user(it_agent)

    body = ok(client.get(f"{URL}incidents/{parent.tracking_code}/"))

    assert body["tracking_code"] == parent.tracking_code
    assert (body["status"], body["status_label"], body["priority"]) == ("new", "New", "urgent")
    assert body["team"] == {"code": desk_team.code, "name": desk_team.name}
    assert body["org_unit"] == {"code": "it", "name": "IT department"}
    assert body["children"] == [child.tracking_code] and body["attachments"] == []
    labels = [(entry["label"], entry["is_public"], entry["text"]) for entry in body["timeline"]]
    assert ("Internal note", False, "Checked the logs.") in labels
    assert labels[0] == ("Incident reported", True, "")
    assert ok(client.get(f"{URL}incidents/{child.tracking_code}/"))["parent"] == (
        parent.tracking_code
    )
    assert client.get(f"{URL}incidents/0000000000/").status_code == 404


def test_logging_an_incident(
    as_user: AsUser, it_agent: User, desk_team: Team, service: Any
) -> None:
    client = as_user(it_agent)
    body = ok(
        post(
            client,
            "incidents/",
            {
                "title": "VPN drops",
                "description": "Every ten minutes.",
                "service_code": service.code,
                "category": "network",
                "impact": "medium",
                "urgency": "high",
                "reporter_name": "Caller on the phone",
                "reporter_mobile": "09127654321",
                "team": desk_team.code,
            },
        ),
        201,
    )
    incident = Incident.objects.get()
    assert body["tracking_code"] == incident.tracking_code
    assert (body["priority"], body["channel"], body["category"]) == ("high", "api", "network")
    assert body["service"]["code"] == service.code and body["service"]["title"]
    assert (incident.reporter, incident.reporter_mobile) == (None, "+989127654321")
    assert (incident.reported_by, incident.team) == (it_agent, desk_team)

    mine = ok(post(client, "incidents/", {"title": "My screen flickers"}), 201)
    assert Incident.objects.get(tracking_code=mine["tracking_code"]).reporter == it_agent


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("service_code", "no-such-service"),
        ("team", "no-such-team"),
        ("category", "no-such-category"),
        ("reporter", "nobody"),
        ("reporter_mobile", "12345"),
    ],
)
def test_logging_with_something_unknown_is_422(
    as_user: AsUser, it_agent: User, field: str, value: str
) -> None:
    response = post(as_user(it_agent), "incidents/", {"title": "x", field: value})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    assert Incident.objects.count() == 0


# --- actions -------------------------------------------------------------------------------------


def test_the_lifecycle_through_the_api(
    as_user: AsUser, report: ReportIncident, it_agent: User
) -> None:
    incident = report()
    code = incident.tracking_code
    client = as_user(it_agent)

    assert ok(post(client, f"incidents/{code}/start/"))["status"] == "in_progress"
    held = ok(post(client, f"incidents/{code}/hold/", {"reason": "awaiting_supplier"}))
    assert (held["status"], held["hold_reason"]) == ("on_hold", "awaiting_supplier")
    assert ok(post(client, f"incidents/{code}/resume/"))["status"] == "in_progress"
    resolved = ok(
        post(client, f"incidents/{code}/resolve/", {"code": "permanent", "note": "Replaced."})
    )
    assert (resolved["status"], resolved["resolution_note"]) == ("resolved", "Replaced.")
    reopened = ok(post(client, f"incidents/{code}/reopen/", {"reason": "Broken again."}))
    assert (reopened["status"], reopened["reopen_count"]) == ("in_progress", 1)
    post(client, f"incidents/{code}/resolve/", {"code": "workaround", "note": "Restarted."})
    assert ok(post(client, f"incidents/{code}/close/"))["status"] == "closed"
    assert verbs(incident) == [
        "incident.reported",
        "incident.started",
        "incident.held",
        "incident.resumed",
        "incident.resolved",
        "incident.reopened",
        "incident.resolved",
        "incident.closed",
    ]


def test_refusals_come_back_with_their_status_and_change_nothing(
    as_user: AsUser, report: ReportIncident, it_agent: User
) -> None:
    incident = report()
    code = incident.tracking_code
    client = as_user(it_agent)

    response = post(client, f"incidents/{code}/resume/")  # not on hold
    assert (response.status_code, response.json()) == (
        409,
        {"detail": "The record cannot move to that status from where it is."},
    )
    response = post(client, f"incidents/{code}/resolve/", {"code": "permanent", "note": " "})
    assert response.status_code == 422
    assert response.json()["detail"] == "Give a resolution code and a note saying what was done."
    assert post(client, f"incidents/{code}/hold/", {"reason": "lunch"}).status_code == 422
    assert post(client, f"incidents/{code}/note/", {"text": ""}).status_code == 422
    assert fresh(incident).status == S.NEW and verbs(incident) == ["incident.reported"]


def test_assigning_and_replying(
    as_user: AsUser,
    report: ReportIncident,
    it_agent: User,
    it_agent_two: User,
    outsider: User,
    desk_team: Team,
) -> None:
    incident = report()
    code = incident.tracking_code
    client = as_user(it_agent)

    body = ok(
        post(
            client,
            f"incidents/{code}/assign/",
            {"team": desk_team.code, "assignee": it_agent_two.username},
        )
    )
    assert body["assignee"] == {
        "id": it_agent_two.pk,
        "username": "it_agent_two",
        "full_name": it_agent_two.get_full_name(),
    }
    response = post(
        client, f"incidents/{code}/assign/", {"team": desk_team.code, "assignee": outsider.pk}
    )
    assert response.status_code == 422  # not a member of the team
    response = post(client, f"incidents/{code}/assign/", {"team": "nowhere"})
    assert (response.status_code, list(response.json()["errors"])) == (422, ["team"])
    assert fresh(incident).assignee == it_agent_two

    ok(post(client, f"incidents/{code}/reply/", {"text": "We are on it."}))
    ok(post(client, f"incidents/{code}/note/", {"text": "Checked the cable."}))
    rows = Activity.objects.for_target(incident).filter(
        verb__in=["incident.reply", "incident.note"]
    )
    assert dict(rows.values_list("verb", "is_public")) == {
        "incident.reply": True,
        "incident.note": False,
    }


def test_only_an_incident_manager_declares_a_major_incident_and_updates_reach_the_portal(
    as_user: AsUser, report: ReportIncident, it_agent: User, incident_manager: User
) -> None:
    incident = report()
    code = incident.tracking_code
    response = post(as_user(it_agent), f"incidents/{code}/declare-major/")
    assert response.status_code == 403 and not fresh(incident).is_major

    client = as_user(incident_manager)
    body = ok(post(client, f"incidents/{code}/declare-major/"))
    assert body["is_major"] is True and body["next_update_due"] is not None
    assert post(client, f"incidents/{code}/declare-major/").status_code == 409
    ok(post(client, f"incidents/{code}/updates/", {"text": "Investigating.", "audience": "staff"}))
    assert not PublicNotice.objects.exists()
    ok(post(client, f"incidents/{code}/updates/", {"text": "Mail is down.", "audience": "public"}))
    assert PublicNotice.objects.active().get().text == "Mail is down."

    other = report("Not major")
    response = post(client, f"incidents/{other.tracking_code}/updates/", {"text": "x"})
    assert (response.status_code, response.json()["detail"]) == (
        409,
        "Updates and notices are for major incidents only.",
    )
    assert post(client, f"incidents/{code}/updates/", {"text": "  "}).status_code == 422


def test_linking_a_child_and_merging_a_duplicate(
    as_user: AsUser, report: ReportIncident, it_agent: User
) -> None:
    parent, child, duplicate = report("Parent"), report("Child"), report("Duplicate")
    client = as_user(it_agent)

    ok(
        post(
            client, f"incidents/{parent.tracking_code}/link-child/", {"child": child.tracking_code}
        )
    )
    assert fresh(child).parent == parent
    response = post(
        client, f"incidents/{child.tracking_code}/link-child/", {"child": duplicate.tracking_code}
    )
    assert response.status_code == 409  # a child is no parent
    response = post(
        client, f"incidents/{parent.tracking_code}/link-child/", {"child": "0000000000"}
    )
    assert (response.status_code, list(response.json()["errors"])) == (422, ["child"])

    merged = ok(
        post(client, f"incidents/{duplicate.tracking_code}/merge/", {"into": parent.tracking_code})
    )
    assert (merged["status"], merged["duplicate_of"], merged["resolution_code"]) == (
        "closed",
        parent.tracking_code,
        "duplicate",
    )
    response = post(
        client, f"incidents/{duplicate.tracking_code}/merge/", {"into": parent.tracking_code}
    )
    assert response.status_code == 409


# --- problems ------------------------------------------------------------------------------------


def test_the_problem_lifecycle(
    as_user: AsUser, report: ReportIncident, it_agent: User, desk_team: Team
) -> None:
    first, second = report("Slow mail"), report("Mail bounces", impact="high", urgency="high")
    client = as_user(it_agent)

    created = ok(
        post(
            client,
            "problems/",
            {
                "title": "Mail server disk full",
                "incidents": [first.tracking_code, second.tracking_code],
                "team": desk_team.code,
            },
        ),
        201,
    )
    code = created["tracking_code"]
    assert (created["status"], created["priority"], created["incident_count"]) == (
        "logged",
        "urgent",
        2,
    )
    assert post(client, f"problems/{code}/resolve/", {"fix": "x"}).status_code == 409
    assert post(client, f"problems/{code}/root-cause/", {"root_cause": ""}).status_code == 422
    body = ok(post(client, f"problems/{code}/root-cause/", {"root_cause": "Logs never rotate."}))
    assert (body["status"], body["root_cause"]) == ("root_cause_known", "Logs never rotate.")
    known = ok(
        post(client, f"problems/{code}/known-error/", {"workaround": "Delete old logs."}), 201
    )
    assert (known["problem"], known["workaround"], known["title"]) == (
        code,
        "Delete old logs.",
        "Mail server disk full",
    )
    ok(post(client, f"problems/{code}/resolve/", {"fix": "Log rotation set up."}))
    assert ok(post(client, f"problems/{code}/close/"))["status"] == "closed"

    detail = ok(client.get(f"{URL}problems/{code}/"))
    assert set(detail["incidents"]) == {first.tracking_code, second.tracking_code}
    assert detail["known_errors"] == [known["code"]]
    assert [entry["label"] for entry in detail["timeline"]][-1] == "Problem closed"
    listed = ok(client.get(f"{URL}problems/", {"status": "closed"}))
    assert [item["tracking_code"] for item in listed["items"]] == [code]
    assert ok(client.get(f"{URL}problems/", {"status": "logged"}))["items"] == []


def test_problem_refusals(
    as_user: AsUser, report: ReportIncident, it_agent: User, employee: User, outsider: User
) -> None:
    response = post(as_user(employee), "problems/", {"title": "x"})  # no problem permissions
    assert response.status_code == 403
    incident = report()
    response = post(
        as_user(outsider), "problems/", {"title": "x", "incidents": [incident.tracking_code]}
    )
    assert (response.status_code, list(response.json()["errors"])) == (422, ["incidents"])
    assert post(as_user(it_agent), "problems/", {"title": " "}).status_code == 422
    assert Problem.objects.count() == 0


# --- known errors --------------------------------------------------------------------------------


def test_known_errors_are_listed_searched_recorded_and_retired(
    as_user: AsUser,
    it_agent: User,
    incident_manager: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = as_user(it_agent)
    with django_capture_on_commit_callbacks(execute=True):
        vpn = ok(
            post(
                client,
                "known-errors/",
                {
                    "title": "VPN drops after the update",
                    "symptom": "The connection drops every ten minutes",
                    "workaround": "Install the new profile",
                },
            ),
            201,
        )
        printer = ok(
            post(
                client,
                "known-errors/",
                {
                    "title": "Printer driver fails",
                    "symptom": "Jobs stay in the queue",
                    "workaround": "Install driver 5.2",
                },
            ),
            201,
        )
    listed = ok(client.get(f"{URL}known-errors/"))
    assert [item["code"] for item in listed["items"]] == [printer["code"], vpn["code"]]
    found = ok(client.get(f"{URL}known-errors/", {"q": "printer queue"}))
    assert [item["code"] for item in found["items"]] == [printer["code"]]
    assert ok(client.get(f"{URL}known-errors/{vpn['code']}/"))["title"] == vpn["title"]
    assert client.get(f"{URL}known-errors/000000000000/").status_code == 404
    response = post(
        client,
        "known-errors/",
        {"title": "x", "symptom": "y", "workaround": "z", "problem": "nope"},
    )
    assert (response.status_code, list(response.json()["errors"])) == (422, ["problem"])

    code = printer["code"]
    assert post(client, f"known-errors/{code}/retire/").status_code == 403  # an agent
    assert KnownError.objects.get(code=code).is_active
    with django_capture_on_commit_callbacks(execute=True):
        retired = ok(post(as_user(incident_manager), f"known-errors/{code}/retire/"))
    assert retired["is_active"] is False
    client = as_user(it_agent)
    assert [item["code"] for item in ok(client.get(f"{URL}known-errors/"))["items"]] == [
        vpn["code"]
    ]
    everything = ok(client.get(f"{URL}known-errors/", {"active": "false"}))
    assert len(everything["items"]) == 2
    assert ok(client.get(f"{URL}known-errors/", {"q": "printer"}))["items"] == []
