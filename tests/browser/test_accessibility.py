"""Labelled controls, visible focus and readable contrast on the public pages, in a real browser."""

from __future__ import annotations

import pytest

from tests.fixtures.browser import LOW_CONTRAST, UNLABELLED_CONTROLS, make_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("path", ["/", "/accounts/login/"])
@pytest.mark.parametrize("language", ["fa", "ar", "en"])
def test_every_control_is_labelled_and_text_is_readable(
    browser, live_server, outside_requests, path, language, width
):
    page = make_page(browser, outside_requests, language=language, width=width)
    page.goto(live_server.url + path)
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(LOW_CONTRAST) == []
    assert outside_requests == []


def test_focus_is_visible_on_form_fields(browser, live_server, outside_requests):
    page = make_page(browser, outside_requests, language="fa")
    page.goto(live_server.url + "/accounts/login/")
    page.locator("input[name=username]").focus()
    page.keyboard.press("Tab")
    style = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; })()"
    )
    assert style[0] != "none"
    assert style[1] != "0px"
