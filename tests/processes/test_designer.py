"""The BPMN designer in the admin: vendored bpmn-js only, saves through the service, checks first."""

from __future__ import annotations

import importlib
import re
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from khedmat.accounts.models import User
from khedmat.core.models import Activity
from khedmat.processes import services
from khedmat.processes.engine import parse_definition
from khedmat.processes.models import ProcessDefinition
from tests.fixtures.browser import make_page, screenshot
from tests.fixtures.processes import Publish, bpmn

pytestmark = pytest.mark.django_db

URL_ATTRIBUTE = re.compile(r"""(?:src|href|action)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


def design_url(definition: ProcessDefinition) -> str:
    return f"/admin/processes/processdefinition/{definition.pk}/design/"


def assert_only_local_urls(html: str) -> None:
    urls = URL_ATTRIBUTE.findall(html)
    assert urls
    for url in urls:
        parts = urlsplit(url)
        assert parts.scheme in ("", "http", "https"), url
        assert not parts.netloc or parts.hostname == "127.0.0.1", url


@pytest.fixture
def admin_client(client: Client, designer: User, verified_login) -> Client:  # type: ignore[no-untyped-def]
    return verified_login(client, designer)


@pytest.fixture
def draft(designer: User) -> ProcessDefinition:
    return services.create_definition(
        "approval", bpmn("approval.bpmn"), name="Approval", actor=designer
    )


class TestDesignPage:
    def test_renders_the_vendored_modeler_and_no_outside_url(
        self, admin_client: Client, draft: ProcessDefinition
    ) -> None:
        response = admin_client.get(design_url(draft))
        assert response.status_code == 200
        html = response.content.decode()
        assert "/static/vendor/bpmn-js/bpmn-modeler.production.min.js" in html
        assert "/static/processes/designer.js" in html
        assert 'id="bpmn-designer-xml"' in html
        assert 'name="csrfmiddlewaretoken"' in html
        assert 'name="bpmn_file"' in html
        assert_only_local_urls(html)

    def test_published_opens_read_only_in_the_viewer(
        self, admin_client: Client, publish: Publish
    ) -> None:
        definition = publish("approval", "approval.bpmn")
        html = admin_client.get(design_url(definition)).content.decode()
        assert "bpmn-navigated-viewer.production.min.js" in html
        assert "bpmn-modeler" not in html
        assert 'id="bpmn-designer-form"' not in html
        assert_only_local_urls(html)

    def test_change_page_shows_the_diagram(
        self, admin_client: Client, draft: ProcessDefinition
    ) -> None:
        response = admin_client.get(f"/admin/processes/processdefinition/{draft.pk}/change/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "data-bpmn-diagram" in html
        assert "/static/processes/viewer.js" in html
        assert design_url(draft) in html
        assert_only_local_urls(html)


class TestSave:
    def test_valid_xml_updates_the_draft(
        self, admin_client: Client, draft: ProcessDefinition
    ) -> None:
        document = bpmn("parallel.bpmn")
        response = admin_client.post(design_url(draft), {"bpmn_xml": document})
        assert response.status_code == 302
        assert response["Location"] == design_url(draft)
        draft.refresh_from_db()
        assert draft.bpmn_xml == document

    def test_uploaded_file_updates_the_draft(
        self, admin_client: Client, draft: ProcessDefinition
    ) -> None:
        document = bpmn("parallel.bpmn")
        upload = SimpleUploadedFile("p.bpmn", document.encode(), content_type="application/xml")
        response = admin_client.post(design_url(draft), {"bpmn_xml": "", "bpmn_file": upload})
        assert response.status_code == 302
        draft.refresh_from_db()
        assert draft.bpmn_xml == document

    def test_script_task_shows_the_problems_and_changes_nothing(
        self, admin_client: Client, draft: ProcessDefinition
    ) -> None:
        response = admin_client.post(design_url(draft), {"bpmn_xml": bpmn("unsupported.bpmn")})
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="designer-problems"' in html
        assert "Script tasks are not supported" in html
        assert "Task_script" in html  # marked on the canvas
        draft.refresh_from_db()
        assert draft.bpmn_xml == bpmn("approval.bpmn")

    def test_empty_post_is_refused(self, admin_client: Client, draft: ProcessDefinition) -> None:
        response = admin_client.post(design_url(draft), {"bpmn_xml": "  "})
        assert response.status_code == 400
        draft.refresh_from_db()
        assert draft.bpmn_xml == bpmn("approval.bpmn")

    def test_published_definition_is_refused(self, admin_client: Client, publish: Publish) -> None:
        definition = publish("approval", "approval.bpmn")
        response = admin_client.post(design_url(definition), {"bpmn_xml": bpmn("parallel.bpmn")})
        assert response.status_code == 409
        definition.refresh_from_db()
        assert definition.bpmn_xml == bpmn("approval.bpmn")


class TestRights:
    def test_staff_without_permission_is_refused(
        self, client: Client, agent: User, verified_login, draft: ProcessDefinition
    ) -> None:  # type: ignore[no-untyped-def]
        verified_login(client, agent)
        assert client.get(design_url(draft)).status_code in (302, 403)
        response = client.post(design_url(draft), {"bpmn_xml": bpmn("parallel.bpmn")})
        assert response.status_code in (302, 403)
        draft.refresh_from_db()
        assert draft.bpmn_xml == bpmn("approval.bpmn")

    def test_anonymous_is_sent_to_login(self, client: Client, draft: ProcessDefinition) -> None:
        response = client.get(design_url(draft))
        assert response.status_code == 302
        assert "login" in response["Location"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_modeler_canvas_renders_from_local_files_only(
    browser: Any,
    live_server: Any,
    outside_requests: list[str],
    designer: User,
    verified_login: Any,
) -> None:
    # a transactional test's flush drops the role groups' permissions: grant them again
    migration = importlib.import_module("khedmat.processes.migrations.0003_definition_permissions")
    migration.grant(apps, SimpleNamespace(connection=SimpleNamespace(alias=connection.alias)))
    draft = services.create_definition(
        "approval", bpmn("approval.bpmn"), name="Approval", actor=designer
    )
    client = verified_login(Client(), designer)
    page = make_page(browser, outside_requests, language="fa")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )

    page.goto(live_server.url + design_url(draft))

    page.wait_for_selector("#bpmn-designer[data-rendered=true] .djs-container")
    assert page.locator(".djs-palette").count() == 1
    assert page.locator(".bjs-powered-by").count() == 1  # the bpmn.io watermark stays
    screenshot(page, "processes-designer-fa")
    page.locator("#bpmn-designer-form input[type=submit]").click()
    page.wait_for_selector("#bpmn-designer[data-rendered=true] .djs-container")
    assert page.locator("#designer-problems").count() == 0
    assert page.locator(".messagelist .success").count() == 1
    draft.refresh_from_db()
    assert "bpmn-js" in draft.bpmn_xml  # exported by the modeler

    page.goto(live_server.url + f"/admin/processes/processdefinition/{draft.pk}/change/")
    page.wait_for_selector("#definition-diagram[data-rendered=true] .djs-container")
    assert page.locator("#definition-diagram .djs-palette").count() == 0  # read-only viewer
    assert outside_requests == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_properties_box_sets_what_the_engine_reads(
    browser: Any,
    live_server: Any,
    outside_requests: list[str],
    designer: User,
    verified_login: Any,
) -> None:
    """A user task's form key and a service task's kind, set in the box, saved as khedmat:*."""
    migration = importlib.import_module("khedmat.processes.migrations.0003_definition_permissions")
    migration.grant(apps, SimpleNamespace(connection=SimpleNamespace(alias=connection.alias)))
    draft = services.create_definition(
        "approval", bpmn("approval.bpmn"), name="Approval", actor=designer
    )
    client = verified_login(Client(), designer)
    page = make_page(browser, outside_requests, language="fa")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page.goto(live_server.url + design_url(draft))
    page.wait_for_selector("#bpmn-designer[data-rendered=true] .djs-container")
    assert page.locator("#bpmn-properties").is_hidden()

    page.locator('[data-element-id="Task_clerk_review"]').click()
    page.wait_for_selector("#bpmn-properties:not([hidden])")
    assert page.locator("#prop-kind").is_hidden()  # a user task has no kind
    page.fill("#prop-formKey", "clerk_review")
    page.locator("#prop-formKey").dispatch_event("change")
    page.evaluate(
        """() => {
          const modeler = window.khedmatModeler;
          const shape = modeler.get('elementRegistry').get('Task_supervisor_approval');
          const task = modeler.get('bpmnReplace').replaceElement(shape, {type: 'bpmn:ServiceTask'});
          modeler.get('selection').select(task);
        }"""
    )
    page.locator('[data-element-id="EndEvent_rejected"]').click()
    page.wait_for_selector("#prop-outcome", state="visible")
    page.select_option("#prop-outcome", "rejected")
    page.evaluate(
        """() => {
          const modeler = window.khedmatModeler;
          const shape = modeler.get('elementRegistry').get('Task_supervisor_approval');
          modeler.get('selection').select(shape);
        }"""
    )
    assert page.locator("#prop-template").is_hidden()
    page.select_option("#prop-kind", "sms")
    page.wait_for_selector("#prop-template", state="visible")
    assert page.locator("#prop-inquiry").is_hidden()  # only the SMS's parameters
    screenshot(page, "processes-designer-properties-fa")
    page.locator("#bpmn-designer-form input[type=submit]").click()
    page.wait_for_selector("#bpmn-designer[data-rendered=true] .djs-container")

    assert page.locator("#designer-problems").count() == 0
    draft.refresh_from_db()
    assert 'xmlns:khedmat="https://khedmat.ir/schema/bpmn/1"' in draft.bpmn_xml
    parsed = parse_definition(draft.bpmn_xml)
    assert parsed.form_keys == {"Task_clerk_review": "clerk_review"}
    assert parsed.service_tasks["Task_supervisor_approval"].kind == "sms"
    assert parsed.rejecting_ends == frozenset({"EndEvent_rejected"})
    assert outside_requests == []


class TestAdminThroughTheServices:
    def test_adding_makes_the_next_version_with_its_author(
        self, admin_client: Client, designer: User, publish: Publish
    ) -> None:
        publish("approval", "approval.bpmn")

        response = admin_client.post(
            "/admin/processes/processdefinition/add/",
            {"key": "approval", "name": "Approval again", "bpmn_xml": bpmn("approval.bpmn")},
        )

        assert response.status_code == 302
        created = ProcessDefinition.objects.get(key="approval", version=2)
        assert created.created_by == designer and not created.is_published
        assert (
            Activity.objects.for_target(created).filter(verb="process.definition_created").exists()
        )

    def test_the_publish_action_publishes_drafts_and_names_the_problems(
        self, admin_client: Client, designer: User
    ) -> None:
        good = services.create_definition("good", bpmn("approval.bpmn"), name="G", actor=designer)
        bad = services.create_definition("bad", bpmn("unsupported.bpmn"), name="B", actor=designer)

        response = admin_client.post(
            "/admin/processes/processdefinition/",
            {"action": "publish_drafts", "_selected_action": [good.pk, bad.pk]},
            follow=True,
        )

        good.refresh_from_db()
        bad.refresh_from_db()
        assert good.is_published and not bad.is_published
        text = response.content.decode()
        assert "Task_script" in text or "Script tasks are not supported" in text
