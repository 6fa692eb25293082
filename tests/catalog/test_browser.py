"""The catalog pages in a real browser: RTL, the collapsible tree by keyboard, readable and labelled."""

from __future__ import annotations

import pytest

from khedmat.catalog.demo import load_demo_catalog
from tests.fixtures.browser import LOW_CONTRAST, UNLABELLED_CONTROLS, make_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = {
    "catalog": "/services/",
    "search": "/services/?q=%D9%BE%D8%B1%D9%88%D8%A7%D9%86%D9%87",
    "card": "/services/10012656000sh13/",
    "apply": "/services/10012656000sh13/apply/",
    "home": "/",
}


@pytest.fixture
def demo_catalog(db):  # type: ignore[no-untyped-def]
    load_demo_catalog()


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("language", ["fa", "ar"])
def test_catalog_pages_are_rtl_readable_and_labelled(
    browser, live_server, outside_requests, demo_catalog, language, width
):
    page = make_page(browser, outside_requests, language=language, width=width)
    for name, path in PAGES.items():
        page.goto(live_server.url + path)
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.locator("html").get_attribute("lang") == language
        assert page.evaluate(UNLABELLED_CONTROLS) == [], name
        assert page.evaluate(LOW_CONTRAST) == [], name
        screenshot(page, f"catalog-{name}-{language}-{width}")
    assert outside_requests == []


def test_the_service_tree_opens_with_the_keyboard(
    browser, live_server, outside_requests, demo_catalog
):
    page = make_page(browser, outside_requests, language="fa", width=390)
    page.goto(live_server.url + "/services/")
    branch = page.locator("details.service-branch").first
    child_link = branch.locator(".sub-services a").first
    assert branch.get_attribute("open") is None
    assert not child_link.is_visible()
    branch.locator("summary").focus()
    page.keyboard.press("Enter")
    assert branch.get_attribute("open") == ""
    assert child_link.is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "/services/17041325104/"
    page.keyboard.press("Tab")
    assert (
        page.evaluate("document.activeElement.getAttribute('href')") == "/services/10012656000sh13/"
    )
    page.keyboard.press("Enter")
    page.wait_for_url("**/services/10012656000sh13/")
    groups = page.locator("[data-card-group]")
    numbers = {
        int(groups.nth(index).get_attribute("data-card-group")) for index in range(groups.count())
    }
    assert numbers == set(range(1, 24))
    assert outside_requests == []
