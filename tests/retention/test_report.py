"""The report of upcoming destructions (page and command), who may read it, the daily schedule
and the commands."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from khedmat.retention import services
from khedmat.retention.choices import DataClass, RunTrigger
from khedmat.retention.models import DestructionRecord, RetentionRun
from khedmat.retention.queries import upcoming_destructions
from khedmat.retention.tasks import destroy_expired_task
from khedmat.tickets.models import Ticket
from tests.retention.helpers import NOW, ClosedRequest, install_default_rules, new_run, rule

pytestmark = pytest.mark.django_db

PERIOD = 5 * 365
URL = "/desk/retention/"


def _requests_line(now: dt.datetime) -> Any:
    (line,) = [
        line for line in upcoming_destructions(now=now) if line.rule == rule(DataClass.REQUESTS)
    ]
    return line


def test_the_report_counts_what_falls_due_within_30_and_90_days(
    closed_request: ClosedRequest,
) -> None:
    # due now, in 20 days, in 60 days, in 200 days
    for days_left in (-1, 20, 60, 200):
        closed_request(days_ago=PERIOD - days_left)

    line = _requests_line(NOW)

    assert (line.due_now, line.within) == (1, {30: 2, 90: 3})
    assert line.next_at == NOW + dt.timedelta(days=-1)


def test_the_report_leaves_out_anonymised_requests(closed_request: ClosedRequest) -> None:
    closed_request(days_ago=PERIOD + 1)
    services.destroy_expired(new_run(), now=NOW)

    line = _requests_line(NOW)

    assert (line.due_now, line.within, line.next_at) == (0, {30: 0, 90: 0}, None)


def test_anonymous_visitors_are_sent_to_log_in(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_staff_without_the_permission_are_refused(
    client: Client, agent: Any, verified_login: Any
) -> None:
    verified_login(client, agent)
    assert client.get(URL).status_code == 403


def test_administrators_read_the_report_in_a_bounded_number_of_queries(
    client: Client,
    administrator: Any,
    verified_login: Any,
    closed_request: ClosedRequest,
    django_assert_max_num_queries: Any,
) -> None:
    closed_request(days_ago=PERIOD + 1)
    services.place_hold(record=Ticket.objects.get(), reason="Court case 77", actor=administrator)
    for _ in range(3):
        services.destroy_expired(new_run(), now=timezone.now())
    verified_login(client, administrator)
    rules = 11
    # session, user, groups and permissions, holds, overrides, one aggregate per rule, the
    # holds list, one page of records (with their runs)
    with django_assert_max_num_queries(rules + 10):
        response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Court case 77" in body
    assert body.count("<tr data-rule=") == rules
    assert DestructionRecord.objects.count() == 3 * rules


def test_the_history_pages_by_keyset(
    client: Client, administrator: Any, verified_login: Any
) -> None:
    for _ in range(5):
        services.destroy_expired(new_run(), now=NOW)
    verified_login(client, administrator)
    first = client.get(URL)
    page = first.context["page"]
    assert len(page.items) == 50 and page.next_cursor
    second = client.get(URL, {"after": page.next_cursor})
    assert len(second.context["page"].items) == 5
    assert not {r.pk for r in page.items} & {r.pk for r in second.context["page"].items}


def test_the_daily_run_is_queued_once_from_its_hour(settings: Any) -> None:
    settings.KHEDMAT_RETENTION_HOUR = 2
    day = dt.datetime(2031, 6, 1, 1, 59, tzinfo=ZoneInfo("Asia/Tehran"))
    settings.TIME_ZONE = "Asia/Tehran"

    assert services.start_scheduled_run(now=day) is None
    run = services.start_scheduled_run(now=day + dt.timedelta(minutes=1))
    assert run is not None and run.trigger == RunTrigger.SCHEDULE
    assert services.start_scheduled_run(now=day + dt.timedelta(hours=5)) is None
    assert services.start_scheduled_run(now=day + dt.timedelta(days=1, minutes=1)) is not None
    jobs = DBTaskResult.objects.filter(task_path__endswith=".destroy_expired_task")
    assert jobs.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_job_records_its_id_on_the_run_and_its_records() -> None:
    from tests.fixtures.jobs import make_worker

    install_default_rules()
    run = services.start_scheduled_run(now=timezone.localtime().replace(hour=23))
    assert run is not None
    (job,) = DBTaskResult.objects.filter(task_path__endswith=".destroy_expired_task")

    make_worker().run()

    run.refresh_from_db()
    job.refresh_from_db()
    assert job.status == "SUCCESSFUL"
    assert run.job_id == str(job.id) and run.finished_at is not None
    assert run.records.count() == 11
    assert set(run.records.values_list("job_id", flat=True)) == {str(job.id)}
    assert destroy_expired_task.name == "destroy_expired_task"


def test_the_commands_count_then_destroy(closed_request: ClosedRequest) -> None:
    Ticket.objects.filter(pk=closed_request(days_ago=1).pk).update(
        closed_at=timezone.now() - dt.timedelta(days=PERIOD + 1)
    )
    out = StringIO()
    call_command("destroy_expired", "--dry-run", stdout=out)
    assert not RetentionRun.objects.exists()
    assert "         1  " + rule(DataClass.REQUESTS).describe() in out.getvalue()

    report = StringIO()
    call_command("retention_report", stdout=report)
    assert rule(DataClass.REQUESTS).describe() in report.getvalue()

    call_command("destroy_expired", stdout=StringIO())
    (run,) = RetentionRun.objects.all()
    assert run.trigger == RunTrigger.COMMAND
    assert DestructionRecord.objects.get(run=run, data_class=DataClass.REQUESTS).count == 1
    assert Ticket.objects.get().principal_name == ""
