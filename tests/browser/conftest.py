"""Headless Debian Chromium driven by Playwright against pytest-django's live server."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("KHEDMAT_CHROMIUM", "/usr/bin/chromium")
OUTPUT_DIR = Path(os.environ.get("KHEDMAT_TEST_OUTPUT", "test-output")) / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


class OutsideRequests(list):
    """URLs a page asked for that are not on this machine."""


@pytest.fixture
def outside_requests() -> OutsideRequests:
    return OutsideRequests()


def make_page(
    browser, outside: OutsideRequests, *, language: str, width: int = 1280, height: int = 900
):  # type: ignore[no-untyped-def]
    """A new page whose browser prefers `language`; every non-local request is recorded and refused."""
    context = browser.new_context(
        locale=language,
        viewport={"width": width, "height": height},
        extra_http_headers={"Accept-Language": language},
    )
    page = context.new_page()

    def guard(route) -> None:  # type: ignore[no-untyped-def]
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:", "about:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    return page


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUTPUT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
