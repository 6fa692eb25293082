"""The Content-Security-Policy in a real browser: the main pages work under it and break none of it.

The demo agency, catalog, requests and processes are loaded as `khedmat demo` does; each page is
opened in Chromium with the policy the server sends, and every `securitypolicyviolation` event,
console error and uncaught script error is collected. None is allowed."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect
from pytest_django.fixtures import Settings as SettingsWrapper

from khedmat.accounts.models import User
from khedmat.catalog.demo import load_demo_catalog
from khedmat.catalog.models import Service
from khedmat.processes import services as process_services
from khedmat.processes.choices import DefinitionStatus
from khedmat.processes.demo import load_demo_process_requests, load_demo_processes
from khedmat.processes.models import ProcessDefinition
from khedmat.site.demo_data import load_demo_data
from khedmat.surveys.services import invite_to_survey
from khedmat.tickets.choices import Status
from khedmat.tickets.demo import APPLICANT_NATIONAL_CODE, load_demo_requests
from khedmat.tickets.models import Ticket
from tests.fixtures.browser import make_page, screenshot
from tests.fixtures.notifications import install_default_templates
from tests.fixtures.surveys import install_survey_rows, survey_tokens

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

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
#: Collects the page's CSP violations from the first byte on (Playwright adds it outside the CSP).
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline")
    + " " + (event.sourceFile || "") + ":" + event.lineNumber);
});
"""
LICENCE_SERVICE = "10012656000sh13"


class Problems(dict[str, list[str]]):
    """What went wrong per page: CSP violations, console errors, uncaught script errors."""

    def note(self, label: str, problem: str) -> None:
        self.setdefault(label, []).append(problem)


@pytest.fixture
def demo(db: None, settings: SettingsWrapper, tmp_path: Path) -> None:
    """What `khedmat demo` loads: agency, staff, catalog, requests, processes, templates."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KHEDMAT_QUIET_HOURS = "off"
    editor = SimpleNamespace(connection=SimpleNamespace(alias=connection.alias))
    for module, function in ROLE_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, editor)
    install_default_templates()
    install_survey_rows()
    load_demo_data()
    load_demo_catalog()
    load_demo_requests()
    load_demo_processes()
    load_demo_process_requests()


def session_cookie(live_server: Any, username: str) -> dict[str, Any]:
    """A signed-in session (second factor passed for staff) as a browser cookie."""
    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    if user.is_staff:
        device, _created = TOTPDevice.objects.get_or_create(
            user=user, name="authenticator", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"name": settings.SESSION_COOKIE_NAME, "value": key, "url": live_server.url}


class Visitor:
    """One browser page that records every problem, signed in as `username` or anonymous."""

    def __init__(
        self,
        browser: Any,
        live_server: Any,
        outside: list[str],
        problems: Problems,
        username: str | None = None,
    ) -> None:
        self.base = live_server.url
        self.problems = problems
        self.label = ""
        self.page = make_page(browser, outside, language="fa")
        self.page.set_default_timeout(15_000)
        self.page.context.add_init_script(LISTEN)
        if username:
            self.page.context.add_cookies([session_cookie(live_server, username)])
        self.page.on("console", self._console)
        self.page.on("response", self._response)
        self.page.on("pageerror", lambda error: problems.note(self.label, f"error: {error}"))

    def _console(self, message: Any) -> None:
        # A page answering 400 to a form with errors is logged too: _response judges statuses.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.note(self.label, f"console: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and not response.request.is_navigation_request():
            self.problems.note(self.label, f"{response.status}: {response.url}")

    def open(self, label: str, path: str, *, ready: str = "main, #content") -> Any:
        """Open the page, wait for `ready`, then note its violations; returns the page."""
        self.label = label
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, (label, path)
        assert "script-src 'self'" in (response.headers.get("content-security-policy") or "")
        self.page.wait_for_selector(ready)
        self.settle()
        return self.page

    def settle(self, name: str | None = None) -> None:
        """Let deferred scripts and HTMX loads run, then record what the page reported."""
        self.page.wait_for_load_state("networkidle")
        for violation in self.page.evaluate("window.__cspViolations || []"):
            self.problems.note(self.label, f"csp: {violation}")
        self.page.evaluate("window.__cspViolations = []")
        screenshot(self.page, f"csp-{name or self.label}")


def open_date_picker(page: Any) -> None:
    """Open the Jalali date picker of the form's first date field (it positions itself by script)."""
    dates = page.locator("input[data-jdp]")
    assert dates.count() > 0
    dates.first.click()
    page.locator("jdp-container").wait_for()


@pytest.fixture
def problems() -> Iterator[Problems]:
    found = Problems()
    yield found


def test_portal_pages_run_under_the_policy_without_a_violation(
    browser: Any,
    live_server: Any,
    outside_requests: list[str],
    demo: None,
    problems: Problems,
    settings: SettingsWrapper,
) -> None:
    settings.KHEDMAT_PUBLIC_URL = live_server.url
    anonymous = Visitor(browser, live_server, outside_requests, problems)
    anonymous.open("home", "/")
    with anonymous.page.expect_navigation():
        anonymous.page.locator("#language-select").select_option("en")  # site.js sends the form
    assert anonymous.page.locator("html").get_attribute("lang") == "en"
    anonymous.settle("home-after-language")
    anonymous.open("service-card", f"/services/{LICENCE_SERVICE}/")
    anonymous.open("catalog-search", "/services/?q=licence")
    anonymous.page.locator("#catalog-q").fill("پروانه")  # HTMX suggestions
    anonymous.settle("catalog-suggest")

    ticket = Ticket.objects.filter(principal_national_code=APPLICANT_NATIONAL_CODE).first()
    assert ticket is not None
    page = anonymous.open("track", "/track/")
    page.locator("#id_code").fill(ticket.tracking_code)
    page.locator("#id_national_code").fill(APPLICANT_NATIONAL_CODE)
    page.get_by_test_id("track-form").locator("button[type=submit]").click()
    page.wait_for_url(f"**/track/{ticket.tracking_code}/")
    anonymous.settle("track-result")

    page = anonymous.open("applicant-login", "/accounts/applicant/login/")
    page.locator("input[name=mobile]").fill("09357654321")  # a newcomer: the demo mobiles had SMS
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/accounts/applicant/code/")
    page.wait_for_selector("#resend-button:disabled")  # resend-wait.js holds the button
    anonymous.settle("applicant-code")

    completed = Ticket.objects.filter(status=Status.COMPLETED).first()
    assert completed is not None and invite_to_survey(completed) is not None
    (token,) = survey_tokens()
    page = anonymous.open("survey", f"/survey/{token}/")
    page.get_by_test_id("survey-submit").click()
    page.get_by_test_id("survey-errors").wait_for()
    # site.js moves the focus to the error summary once the page has loaded (a locator assertion:
    # a string predicate would be evaluated by eval, which the page's policy refuses when polled)
    expect(page.locator("#form-errors")).to_be_focused()
    anonymous.settle("survey-errors")

    applicant = Visitor(browser, live_server, outside_requests, problems, username="applicant")
    applicant.open("my-requests", "/requests/")
    own = Ticket.objects.filter(requester__username="applicant").first()
    assert own is not None
    applicant.open("receipt", f"/requests/{own.tracking_code}/receipt/")
    open_date_picker(applicant.open("apply", f"/services/{LICENCE_SERVICE}/apply/"))
    applicant.settle("apply-date")
    applicant.open("complaint", "/complaints/new/")
    assert outside_requests == []
    assert dict(problems) == {}


def test_staff_and_admin_pages_run_under_the_policy_without_a_violation(
    browser: Any,
    live_server: Any,
    outside_requests: list[str],
    demo: None,
    problems: Problems,
) -> None:
    staff = Visitor(browser, live_server, outside_requests, problems, username="admin")
    staff.open("desk-home", "/desk/")
    staff.open("desk-requests", "/desk/requests/")
    with_process = Ticket.objects.filter(process_instances__isnull=False).first()
    assert with_process is not None
    staff.open(
        "desk-request-diagram",
        f"/desk/requests/{with_process.tracking_code}/",
        ready="[data-bpmn-diagram][data-rendered=true] .djs-container",
    )
    staff.open("desk-messages", "/desk/messages/")
    staff.open("desk-complaint-new", "/desk/complaints/new/")
    staff.open("admin-index", "/admin/")
    staff.open("admin-users", "/admin/accounts/user/")
    admin_user = User.objects.get(username="admin")
    staff.open("admin-user-change", f"/admin/accounts/user/{admin_user.pk}/change/")

    published = ProcessDefinition.objects.filter(status=DefinitionStatus.PUBLISHED).first()
    assert published is not None
    staff.open(
        "designer-read-only",
        f"/admin/processes/processdefinition/{published.pk}/design/",
        ready="#bpmn-designer[data-rendered=true] .djs-container",
    )
    draft = process_services.create_definition(
        "csp-draft", published.bpmn_xml, name="Draft", actor=admin_user
    )
    page = staff.open(
        "designer",
        f"/admin/processes/processdefinition/{draft.pk}/design/",
        ready="#bpmn-designer[data-rendered=true] .djs-container",
    )
    # Two tasks selected: the context pad offers to align them; its menu draws the icons whose
    # style attributes the policy allows by hash (settings.CSP_BPMN_ICON_STYLE_HASHES).
    page.locator(".djs-element[data-element-id=Review]").click()
    page.locator(".djs-element[data-element-id=SupervisorApproval]").click(modifiers=["Shift"])
    page.locator(".djs-context-pad .entry[data-action*=align]").first.click()
    page.locator(".bjs-align-elements-menu-entry svg").first.wait_for()
    staff.settle("designer-align-menu")

    version = Service.objects.get(code=LICENCE_SERVICE).current_version
    assert version is not None
    page = staff.open("form-preview", f"/admin/catalog/serviceversion/{version.pk}/form-preview/")
    open_date_picker(page)
    staff.settle("form-preview-date")
    staff.open("api-docs", "/api/v1/docs", ready="#swagger-ui .info")
    assert outside_requests == []
    assert dict(problems) == {}
