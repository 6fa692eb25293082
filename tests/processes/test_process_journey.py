"""A request runs the demo licence process end to end in a real browser (the processes issue's done-when).

An administrator uploads the drawn demo document in the designer, publishes it with the admin action,
and the licence service runs it; an applicant applies on the portal; the clerk approves the review;
the civil registry inquiry first times out (the request waits for another agency) and is retried by
the worker once the fake agency answers; a supervisor and a licence expert approve at the same time;
the clerk's final review returns the request for a missing document and the applicant fixes it on
/track/; the final review approves; the letter is registered in the fake office automation and the
request is completed. The applicant got an SMS at every stage and /track/ lists every stage.
Outside services are the fake SMS, agency and office automation servers on 127.0.0.1."""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts.models import Team, User
from khedmat.accounts.services import create_user
from khedmat.catalog import services as catalog_services
from khedmat.catalog.demo import load_demo_catalog
from khedmat.catalog.models import Service
from khedmat.core.digits import fold_digits
from khedmat.integrations.fake_agency import FakeAgencyServer, FakeOfficeServer
from khedmat.notifications.fake_sms import FakeSmsServer
from khedmat.processes.choices import InstanceStatus, ServiceCallStatus, WorkItemStatus
from khedmat.processes.demo import DEMO_PROCESSES_BY_CODE
from khedmat.processes.models import ProcessDefinition, ServiceCall, WorkItem
from khedmat.site.demo_data import DEMO_LOGINS, load_demo_data
from khedmat.tickets.choices import Status
from khedmat.tickets.documents import document_key, upload_documents
from khedmat.tickets.models import Ticket
from tests.fixtures.browser import make_page, screenshot
from tests.fixtures.notifications import install_default_templates, run_worker
from tests.fixtures.tickets import PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERVICE_CODE = "10012656000sh13"
LICENCE = DEMO_PROCESSES_BY_CODE[SERVICE_CODE]
MOBILE, E164 = "۰۹۳۵۱۲۳۴۵۶۷", "+989351234567"
NATIONAL_CODE = "0013542419"  # the fake agency finds this one
PASSWORDS = {login.username: login.password for login in DEMO_LOGINS}
EXPERT_PASSWORD = "Khedmat-Expert-1405"
# The stages of the demo document (khedmat/processes/demo/new-business-licence.bpmn).
REVIEW = "بررسی کارشناس"
INQUIRY = "استعلام هویت از ثبت احوال"
SUPERVISOR = "تأیید رئیس اداره"
EXPERT = "تأیید کارشناس مجوز"
LETTER = "ثبت نامه پروانه در اتوماسیون اداری"
FINAL_REVIEW = "بررسی نهایی کارشناس"
RETURN_NOTE = "تصویر اجاره‌نامه خوانا نیست؛ لطفاً نسخه‌ای واضح بارگذاری کنید."
#: Data migrations whose rows a transactional test's flush drops: role groups and permissions.
ROLE_MIGRATIONS = (
    ("khedmat.accounts.migrations.0003_role_groups", "create_role_groups"),
    ("khedmat.calendars.migrations.0003_role_permissions", "grant"),
    ("khedmat.catalog.migrations.0002_role_permissions", "grant_permissions"),
    ("khedmat.notifications.migrations.0002_role_permissions", "grant_permissions"),
    ("khedmat.processes.migrations.0002_role_permissions", "grant_permissions"),
    ("khedmat.processes.migrations.0003_definition_permissions", "grant"),
    ("khedmat.sla.migrations.0002_role_permissions", "grant_permissions"),
    ("khedmat.tickets.migrations.0002_role_permissions", "grant_permissions"),
)


# --- the outside world ---------------------------------------------------------------------------


@pytest.fixture
def civil_registry(settings: SettingsWrapper) -> Iterator[FakeAgencyServer]:
    """The civil registry (GSB-style) for the identity inquiry; a slow answer times out at 0.5 s."""
    server = FakeAgencyServer(slow_seconds=2.0)
    server.start()
    settings.KHEDMAT_INQUIRY = {
        "providers": {"identity": "gsb"},
        "config": {"gsb": server.provider_config(timeout=0.5)},
        "default_cache_seconds": 0,
        "cache_seconds": {},
        "breaker": {"failures": 5, "window_seconds": 60, "cooldown_seconds": 60},
    }
    cache.clear()  # the breaker's state
    try:
        yield server
    finally:
        server.stop()
        cache.clear()


@pytest.fixture
def office_automation(settings: SettingsWrapper) -> Iterator[FakeOfficeServer]:
    """The REST office automation the letter task registers its letter in."""
    server = FakeOfficeServer(slow_seconds=2.0)
    server.start()
    settings.KHEDMAT_OFFICE_AUTOMATION = server.office_settings(timeout=2.0)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def demo(db: None, settings: SettingsWrapper, tmp_path: Path) -> dict[str, User]:
    """The demo agency and catalog, plus a licence expert: the second approver's team."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KHEDMAT_STAFF_2FA = "optional"  # staff log in with a password here
    settings.KHEDMAT_TASK_BACKOFF_SECONDS = 1
    # Eleven SMS within minutes: more than the default 10 an hour, which would hold the last one.
    settings.KHEDMAT_MESSAGE_RATE_LIMIT = 20
    editor = SimpleNamespace(connection=SimpleNamespace(alias=connection.alias))
    for module, function in ROLE_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, editor)
    install_default_templates()
    load_demo_data()
    load_demo_catalog()
    experts = Team.objects.get(code="licence-experts")
    expert = create_user(
        "expert",
        password=EXPERT_PASSWORD,
        first_name="نرگس",
        last_name="صادقی",
        org_unit=experts.org_unit,
        roles=["agent"],
        actor=None,
    )
    experts.members.add(expert)
    return {user.username: user for user in User.objects.all()}


# --- helpers -------------------------------------------------------------------------------------


def post_and_wait(page: Any, button: Any) -> None:
    """Click a form's button and wait for the server's answer to the POST it sends (a full post
    or an HTMX one): the server has done the form's work, and committed it, before it answers."""
    with page.expect_response(
        lambda response: (
            response.request.method == "POST"
            and response.request.resource_type in {"document", "fetch", "xhr"}
        )
    ):
        button.click()


def texts_to(server: FakeSmsServer, mobile: str) -> list[str]:
    return [
        fold_digits(item["text"] or "")
        for item in server.outbox()
        if item["recipient"].endswith(mobile[-10:])
    ]


def log_in_staff(browser: Any, outside: list[str], base: str, username: str, next_url: str) -> Any:
    page = make_page(browser, outside, language="fa")
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORDS.get(username, EXPERT_PASSWORD))
    page.locator("#id_password").press("Enter")
    page.wait_for_url(f"**{next_url}**")
    return page


def open_item(ticket: Ticket, title: str) -> WorkItem:
    return WorkItem.objects.get(ticket=ticket, title=title, status=WorkItemStatus.OPEN)


def act(page: Any, base: str, ticket: Ticket, item: WorkItem, action: str, **form: Any) -> None:
    """On the desk's request page, decide the task `item` with the process panel's form."""
    page.goto(f"{base}/desk/requests/{ticket.tracking_code}/")
    panel = page.locator("section#process-panel")
    task = panel.locator(f'form[data-work-item="{item.pk}"]')
    assert task.count() == 1, f"no form for {item.title} in the process panel"
    if form.get("note"):
        task.locator("textarea[name=note]").fill(form["note"])
    if form.get("fields"):
        task.locator("[data-correction-fields] summary").click()  # the list opens on demand
    for key in form.get("fields", ()):
        task.locator(f'input[name=fields][value="{key}"]').check()
    post_and_wait(page, task.locator(f'button[name=action][value="{action}"]'))
    assert not WorkItem.objects.get(pk=item.pk).is_open
    page.wait_for_load_state()


def track(page: Any, base: str, ticket: Ticket) -> dict[str, str]:
    """The request's page on /track/ (code + national code): stage, status and history."""
    page.goto(f"{base}/track/?code={ticket.tracking_code}")
    if page.locator("input[name=national_code]").count():
        page.locator("input[name=national_code]").fill(NATIONAL_CODE)
        page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(f"**/track/{ticket.tracking_code}/")
    return {
        "stage": page.get_by_test_id("stage").inner_text().strip(),
        "status": page.get_by_test_id("status").inner_text().strip(),
        "history": page.get_by_test_id("history").inner_text(),
    }


def sms_says(text: str) -> str:
    """What an SMS to the applicant tells: submitted, returned, or the stage it names."""
    if "ثبت شد" in text:
        return "submitted"
    if "برای اصلاح" in text:
        return "returned"
    return text.split("): ", 1)[1].splitlines()[0]


def work() -> None:
    """Run the ready jobs as the worker process does: outside any request, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        run_worker()


def label(status: str) -> str:
    with translation.override("fa"):
        return str(Status(status).label)


def make_retries_due() -> int:
    """Fast-forward the backoff: the jobs waiting for a retry may run now."""
    return DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


# --- the journey ---------------------------------------------------------------------------------


def upload_and_publish_the_licence_process(
    browser: Any, outside: list[str], base: str, admin: User
) -> ProcessDefinition:
    """The administrator adds a definition, uploads the drawn .bpmn in the designer and saves."""
    page = log_in_staff(browser, outside, base, "admin", "/admin/")
    page.goto(f"{base}/admin/processes/processdefinition/add/")
    page.locator("#id_key").fill(LICENCE.key)
    page.locator("#id_name").fill(LICENCE.name)
    page.locator("input[name=_continue]").click()
    page.wait_for_url("**/processdefinition/*/change/**")
    definition = ProcessDefinition.objects.get(key=LICENCE.key)
    page.locator(f'a[href$="/processdefinition/{definition.pk}/design/"]').first.click()
    page.wait_for_selector("#bpmn-designer[data-rendered=true] .djs-container")

    page.locator("#id_bpmn_file").set_input_files(str(LICENCE.path))
    page.locator("#bpmn-designer-form input[type=submit]").click()
    page.wait_for_selector(".messagelist .success")
    page.wait_for_selector("#bpmn-designer[data-rendered=true] .djs-container")
    assert page.locator("#designer-problems").count() == 0
    for element in ("Review", "Inquiry", "SupervisorApproval", "ExpertApproval", "Letter"):
        assert page.locator(f'.djs-element[data-element-id="{element}"]').count() == 1
    screenshot(page, "process-journey-designer")
    definition.refresh_from_db()
    assert definition.bpmn_xml == LICENCE.bpmn_xml()
    # Publish from the list with the admin action.
    page.goto(f"{base}/admin/processes/processdefinition/")
    page.locator(f'input[name=_selected_action][value="{definition.pk}"]').check()
    page.locator("select[name=action]").select_option("publish_drafts")
    page.locator("button[name=index]").click()
    page.wait_for_selector(".messagelist .success")
    definition.refresh_from_db()
    assert definition.is_published and definition.version == 1
    service = Service.objects.get(code=SERVICE_CODE)
    catalog_services.revise_service(
        service, changes={"process_key": LICENCE.key}, actor=admin, change_summary="فرایند"
    )
    page.context.close()
    return definition


def apply_on_the_portal(
    browser: Any, outside: list[str], base: str, fake_kavenegar: FakeSmsServer, lease: Path
) -> Ticket:
    """A new applicant logs in with the SMS code and files the licence request (as in the journey)."""
    page = make_page(browser, outside, language="fa")
    page.set_default_timeout(15_000)
    page.goto(f"{base}/services/{SERVICE_CODE}/")
    page.get_by_test_id("apply-link").click()
    page.locator("#id_mobile").fill(MOBILE)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/accounts/applicant/code/**")
    work()
    (otp_text,) = texts_to(fake_kavenegar, E164)
    code = re.search(r"\b(\d{6})\b", otp_text).group(1)  # type: ignore[union-attr]
    page.locator("#id_code").fill(code)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/accounts/applicant/profile/**")
    page.locator("#id_first_name").fill("زهرا")
    page.locator("#id_last_name").fill("کریمی")
    page.locator("#id_national_code").fill(NATIONAL_CODE)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(f"**/services/{SERVICE_CODE}/apply/")

    page.locator("#id_applicant_kind_0").check()
    page.locator("#id_national_code").fill("۰۰۱۳۵۴۲۴۱۹")
    page.locator("#id_mobile").fill(MOBILE)
    page.locator("#id_guild").select_option("bakery")
    page.locator("#id_place_0").select_option("tehran")
    page.locator("#id_place_1").select_option("tehran/rey")
    page.locator("#id_address").fill("تهران، خیابان ری، پلاک ۱۲")
    page.locator("#id_postal_code").fill("۱۱۹۳۶۵۴۴۷۱")
    page.locator("#id_shop_area").fill("۴۵")
    page.locator("#id_start_date").click()
    picker = page.locator("jdp-container")
    picker.locator(".jdp-year select").select_option("1405")
    picker.locator(".jdp-month select").select_option("2")
    picker.locator(".jdp-day:not(.not-in-month)", has_text=re.compile(r"^15$")).first.click()
    page.locator("#id_lease").set_input_files(str(lease))
    page.locator("input[type=file][name^=doc-][required]").first.set_input_files(str(lease))
    page.locator("#id_agree").check()
    page.get_by_test_id("apply-submit").click()
    page.wait_for_url("**/requests/*/receipt/")
    page.context.close()
    return Ticket.objects.get()


def test_a_licence_request_runs_the_drawn_process_end_to_end(
    browser: Any,
    live_server: Any,
    outside_requests: list[str],
    demo: dict[str, User],
    fake_kavenegar: FakeSmsServer,
    civil_registry: FakeAgencyServer,
    office_automation: FakeOfficeServer,
    tmp_path: Path,
) -> None:
    base = live_server.url
    lease = tmp_path / "lease.pdf"
    lease.write_bytes(PDF)

    # a. The administrator uploads the demo licence process in the designer; the service runs it.
    definition = upload_and_publish_the_licence_process(
        browser, outside_requests, base, demo["admin"]
    )
    assert Service.objects.get(code=SERVICE_CODE).process_key == definition.key

    # b. An applicant files a request and gets the tracking code by SMS.
    ticket = apply_on_the_portal(browser, outside_requests, base, fake_kavenegar, lease)
    work()  # the after-submission job: the SMS, the process start, the search entry
    (instance,) = ticket.process_instances.all()
    assert (instance.definition, instance.status) == (definition, InstanceStatus.RUNNING)
    work()  # the SMS's delivery
    assert any(ticket.tracking_code in text for text in texts_to(fake_kavenegar, E164))
    visitor = make_page(browser, outside_requests, language="fa")
    visitor.set_default_timeout(15_000)
    assert track(visitor, base, ticket)["stage"] == REVIEW

    # c. The clerk claims the review and approves it.
    clerk = log_in_staff(browser, outside_requests, base, "agent", "/desk/")
    clerk.goto(f"{base}/desk/requests/{ticket.tracking_code}/")
    review = open_item(ticket, REVIEW)
    post_and_wait(clerk, clerk.locator("section#process-panel form[data-claim] button").first)
    assert WorkItem.objects.get(pk=review.pk).assignee_id == demo["agent"].pk
    screenshot(clerk, "process-journey-desk-review")

    # d. The registry inquiry times out: the request waits for another agency.
    civil_registry.app.outage = True
    act(clerk, base, ticket, review, "approve")
    work()
    (call,) = ServiceCall.objects.filter(ticket=ticket)
    assert (call.title, call.status, call.attempts) == (INQUIRY, ServiceCallStatus.WAITING, 1)
    page = track(visitor, base, ticket)
    # the stage reads the wait itself; the step list keeps the inquiry as the current step
    assert (page["stage"], page["status"]) == (
        label(Status.WAITING_INQUIRY),
        label(Status.WAITING_INQUIRY),
    )
    screenshot(visitor, "process-journey-track-waiting-inquiry")

    # The agency answers again; the worker's retry finds the applicant and the process moves on.
    civil_registry.app.outage = False
    assert make_retries_due() == 1
    work()
    call.refresh_from_db()
    assert (call.status, call.attempts, call.result["outcome"]) == (
        ServiceCallStatus.DONE,
        2,
        "found",
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert sorted(
        WorkItem.objects.filter(ticket=ticket, status=WorkItemStatus.OPEN).values_list(
            "title", flat=True
        )
    ) == sorted([SUPERVISOR, EXPERT])

    # e. Two approvals at once: the supervisor and a licence expert, each from their desk page.
    supervisor = log_in_staff(browser, outside_requests, base, "supervisor", "/desk/")
    act(supervisor, base, ticket, open_item(ticket, SUPERVISOR), "approve")
    expert = log_in_staff(browser, outside_requests, base, "expert", "/desk/")
    act(expert, base, ticket, open_item(ticket, EXPERT), "approve")
    ticket.refresh_from_db()
    assert ticket.stage_title == FINAL_REVIEW

    # f. The final review returns the request for a missing document; the applicant fixes it.
    final = open_item(ticket, FINAL_REVIEW)
    lease_key = document_key(upload_documents(ticket.service_version)[0].pk)
    act(clerk, base, ticket, final, "return", note=RETURN_NOTE, fields=[lease_key])
    ticket.refresh_from_db()
    assert (ticket.status, ticket.correction_fields) == (Status.WAITING_APPLICANT, [lease_key])
    work()
    assert "برای اصلاح" in texts_to(fake_kavenegar, E164)[-1]

    page = track(visitor, base, ticket)
    assert page["status"] == label(Status.WAITING_APPLICANT)
    assert RETURN_NOTE in visitor.get_by_test_id("correction-note").inner_text()
    screenshot(visitor, "process-journey-track-returned")
    visitor.locator(f'[data-field-key="{lease_key}"] input[type=file]').set_input_files(str(lease))
    post_and_wait(visitor, visitor.locator("[data-testid=correction] button[type=submit]"))
    assert Ticket.objects.get(pk=ticket.pk).status == Status.IN_PROGRESS
    final = open_item(ticket, FINAL_REVIEW)  # the process went back to the final review
    assert track(visitor, base, ticket)["stage"] == FINAL_REVIEW

    # g. The final review approves.
    act(clerk, base, ticket, final, "approve")
    ticket.refresh_from_db()
    assert ticket.stage_title == LETTER

    # The letter is registered in the office automation and the request is completed.
    work()
    letters = [
        request
        for request in office_automation.requests()
        if (request["method"], request["path"]) == ("POST", "/letters")
    ]
    assert [json.loads(letter["body"])["subject"] for letter in letters] == [
        f"پروانه کسب جدید — درخواست {ticket.tracking_code}"
    ]
    ticket.refresh_from_db()
    assert ticket.status == Status.COMPLETED
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED

    # h. An SMS at every step, and every stage in the history on /track/.
    work()
    said = [sms_says(text) for text in texts_to(fake_kavenegar, E164)[1:]]  # after the login code
    # One SMS per stage: the inquiry, the wait for the agency, then each approval and the letter.
    assert said == [
        "submitted",
        INQUIRY,
        label(Status.WAITING_INQUIRY),
        SUPERVISOR,
        EXPERT,
        FINAL_REVIEW,
        "returned",
        FINAL_REVIEW,
        LETTER,
        label(Status.COMPLETED),
    ]
    page = track(visitor, base, ticket)
    assert page["status"] == label(Status.COMPLETED)
    for stage in (INQUIRY, SUPERVISOR, EXPERT, FINAL_REVIEW, LETTER):
        assert stage in page["history"], stage
    for status in (Status.WAITING_APPLICANT, Status.WAITING_INQUIRY, Status.COMPLETED):
        assert label(status) in page["history"], status
    screenshot(visitor, "process-journey-track-completed")
    assert outside_requests == []
