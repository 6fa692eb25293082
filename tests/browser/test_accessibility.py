"""Labelled controls, visible focus and readable contrast on the public pages, in a real browser."""

from __future__ import annotations

import pytest

from tests.fixtures.browser import make_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UNLABELLED_CONTROLS = """
() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
  .map(el => el.name || el.id || el.outerHTML.slice(0, 80))
"""

# WCAG relative luminance contrast of each visible text element against its nearest opaque background.
LOW_CONTRAST = """
() => {
  const lum = c => { const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map(v => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const alpha = c => { const p = c.match(/[\\d.]+/g); return p.length > 3 ? Number(p[3]) : 1; };
  const background = el => { for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e); if (s.backgroundImage !== 'none') return null;
      if (alpha(s.backgroundColor) === 1) return s.backgroundColor; } return 'rgb(255, 255, 255)'; };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.offsetParent || el.closest('.visually-hidden, .visually-hidden-focusable')) continue;
    const bg = background(el); if (!bg) continue;
    const a = lum(getComputedStyle(el).color), b = lum(bg);
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) bad.push(`${el.tagName} ${ratio.toFixed(2)} ${el.textContent.trim().slice(0, 30)}`);
  }
  return bad;
}
"""


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
