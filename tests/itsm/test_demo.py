"""The ITSM demo: IT staff and teams, incidents in every status made through the services (with
their Activity rows, clocks and messages, back-dated), the running major incident, problems and
known errors; loading it again creates nothing."""

from __future__ import annotations

from collections import Counter

import pytest

from khedmat.accounts.models import Team, User
from khedmat.core.models import Activity
from khedmat.itsm.choices import Audience, HoldReason, IncidentStatus, ProblemStatus
from khedmat.itsm.demo import demo_itsm_summary, load_demo_itsm
from khedmat.itsm.models import Incident, KnownError, Problem, PublicNotice
from khedmat.notifications.models import Message
from khedmat.site.demo_data import load_demo_data
from khedmat.sla.choices import TargetKind
from khedmat.sla.models import SlaClock, SlaPolicy
from khedmat.sla.queries import clear_unit_calendars
from tests.fixtures.sla import tehran

pytestmark = pytest.mark.django_db

S = IncidentStatus
WEDNESDAY_NOON = tehran(2026, 5, 6, 12, 0)


@pytest.fixture
def loaded() -> list[object]:
    clear_unit_calendars()
    load_demo_data()
    return list(load_demo_itsm(now=WEDNESDAY_NOON))


def test_incidents_in_every_status(loaded: list[object]) -> None:
    incidents = Incident.objects.all()
    assert Counter(incidents.values_list("status", flat=True)) == {
        S.NEW: 9,
        S.IN_PROGRESS: 11,
        S.ON_HOLD: 6,
        S.RESOLVED: 5,
        S.CLOSED: 6,
    }
    on_hold = incidents.filter(status=S.ON_HOLD).values_list("hold_reason", flat=True)
    assert Counter(on_hold) == {reason: 2 for reason in HoldReason.values}
    assert incidents.filter(status=S.IN_PROGRESS, reopen_count=1).count() == 2
    assert incidents.filter(duplicate_of__isnull=False, status=S.CLOSED).count() == 1
    assert incidents.exclude(status=S.NEW).filter(assignee__isnull=True).count() == 0
    assert {row.title for row in loaded if isinstance(row, Incident)} == {
        incident.title for incident in incidents
    }


def test_each_incident_was_made_by_the_services_at_its_own_time(loaded: list[object]) -> None:
    for incident in Incident.objects.all():
        reported = Activity.objects.for_target(incident).get(verb="incident.reported")
        assert reported.created_at == incident.created_at < WEDNESDAY_NOON
        assert incident.status_changed_at >= incident.created_at
        kinds = SlaClock.objects.for_record(incident).values_list("kind", flat=True)
        assert set(kinds) == {TargetKind.FIRST_RESPONSE, TargetKind.RESOLUTION}
    latest = Activity.objects.filter(target_type__model="incident").latest("created_at")
    assert latest.created_at < WEDNESDAY_NOON
    reachable = Incident.objects.exclude(reporter_mobile="", reporter_email="").count()
    assert Message.objects.filter(event="incident_reported").count() == reachable == 18


def test_the_it_department_and_the_incident_policy(loaded: list[object]) -> None:
    desk, infrastructure = (
        Team.objects.get(code="service-desk"),
        Team.objects.get(code="infrastructure"),
    )
    assert desk.org_unit.code == infrastructure.org_unit.code == "it"
    supervisor = User.objects.get(username="supervisor")
    assert set(desk.members.values_list("username", flat=True)) == {"itdesk", "supervisor"}
    assert set(infrastructure.members.values_list("username", flat=True)) == {
        "itinfra",
        "supervisor",
    }
    assert supervisor.has_perm("itsm.declare_major_incident")
    assert not User.objects.get(username="itdesk").has_perm("itsm.declare_major_incident")
    policy = SlaPolicy.objects.get(record_kind="incident")
    targets = {(t.kind, t.amount, t.unit) for t in policy.targets.all()}
    assert targets == {
        (TargetKind.FIRST_RESPONSE, 2, "working_hours"),
        (TargetKind.RESOLUTION, 2, "working_days"),
    }


def test_the_running_major_incident_has_children_a_notice_and_updates(
    loaded: list[object],
) -> None:
    major = Incident.objects.get(is_major=True)
    assert major.is_open and major.priority == "urgent"
    assert major.children.count() == 3
    assert set(major.children.values_list("status", flat=True)) == {S.NEW, S.IN_PROGRESS}
    notice = PublicNotice.objects.active().get()
    assert notice.incident == major
    audiences = Counter(major.updates.values_list("audience", flat=True))
    assert audiences == {Audience.PUBLIC: 1, Audience.STAFF: 2}
    assert major.subscriptions.count() == 4  # the manager, the handler and two stakeholders
    assert major.problem is not None and major.problem.status == ProblemStatus.ROOT_CAUSE_KNOWN


def test_problems_and_known_errors(loaded: list[object]) -> None:
    assert Counter(Problem.objects.values_list("status", flat=True)) == {
        ProblemStatus.ROOT_CAUSE_KNOWN: 1,
        ProblemStatus.KNOWN_ERROR: 1,
    }
    assert KnownError.objects.active().count() == 5
    vpn = Problem.objects.get(status=ProblemStatus.KNOWN_ERROR)
    assert vpn.incidents.count() == 2 and vpn.known_errors.count() == 1
    applied = Incident.objects.filter(known_error__isnull=False).count()
    assert applied == 4
    titles = " ".join(KnownError.objects.values_list("title", flat=True))
    for word in ("VPN", "Mailbox", "Printer", "OTP", "certificate"):
        assert word in titles


def test_loading_again_creates_nothing(loaded: list[object]) -> None:
    counts = (Incident.objects.count(), Problem.objects.count(), KnownError.objects.count())
    assert len(loaded) == sum(counts) == 37 + 2 + 5

    assert load_demo_itsm(now=WEDNESDAY_NOON) == []

    assert (Incident.objects.count(), Problem.objects.count(), KnownError.objects.count()) == counts
    assert User.objects.filter(username__in=["itdesk", "itinfra"]).count() == 2
    assert SlaPolicy.objects.filter(record_kind="incident").count() == 1
    summary = demo_itsm_summary()
    assert (summary.incidents, summary.problems, summary.known_errors) == (37, 2, 5)
    assert summary.major_code == Incident.objects.get(is_major=True).tracking_code


def test_nothing_is_loaded_without_the_demo_users(db: None) -> None:
    assert load_demo_itsm(now=WEDNESDAY_NOON) == []
    assert not Incident.objects.exists()
