"""Screenshots of the running demo for a person to look at: pages x languages x widths.

Usage: .venv/bin/python scripts/screenshots.py [http://127.0.0.1:8000] [out-dir] [--process CODE,...]
Logs in with the demo logins (the demo's second factor is optional). With --process, only the
desk's request page (its process panel) and the applicant's /track/ page of each tracking code are
taken, in fa and ar; the requests must run a process and be the demo applicant's.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

_OPTIONS = [arg for arg in sys.argv[1:] if arg.startswith("--")]
_POSITIONAL = [arg for arg in sys.argv[1:] if not arg.startswith("--") and "," not in arg]
BASE = _POSITIONAL[0] if _POSITIONAL else "http://127.0.0.1:8000"
OUT = Path(_POSITIONAL[1] if len(_POSITIONAL) > 1 else "test-output/demo")
PROCESS_CODES = (
    sys.argv[sys.argv.index("--process") + 1].split(",") if "--process" in _OPTIONS else []
)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
WIDTHS = {"desktop": 1280, "phone": 390}


def shoot(browser, language: str, width_name: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(
        locale=language, viewport={"width": WIDTHS[width_name], "height": 900}
    )
    context.add_cookies([{"name": "khedmat_language", "value": language, "url": BASE}])
    page = context.new_page()
    for name, path in [("home", "/"), ("login", "/accounts/login/")]:
        page.goto(BASE + path)
        page.screenshot(path=str(OUT / f"{name}-{language}-{width_name}.png"), full_page=True)
    page.goto(BASE + "/accounts/login/?next=/desk/")
    page.fill("input[name=username]", "agent")
    page.fill("input[name=password]", "Khedmat-Agent-1405")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("load")
    page.screenshot(path=str(OUT / f"desk-{language}-{width_name}.png"), full_page=True)
    page.goto(BASE + "/accounts/two-factor/setup/")
    page.screenshot(path=str(OUT / f"two-factor-setup-{language}-{width_name}.png"), full_page=True)
    page.goto(BASE + "/desk/work/?view=team")
    page.screenshot(path=str(OUT / f"desk-inbox-{language}-{width_name}.png"), full_page=True)
    page.goto(BASE + "/desk/requests/")
    page.screenshot(path=str(OUT / f"desk-requests-{language}-{width_name}.png"), full_page=True)
    page.locator(
        "main a[href^='/desk/requests/1'], main a[href^='/desk/requests/2'], "
        "main a[href^='/desk/requests/3'], main a[href^='/desk/requests/4'], "
        "main a[href^='/desk/requests/5'], main a[href^='/desk/requests/6'], "
        "main a[href^='/desk/requests/7'], main a[href^='/desk/requests/8'], "
        "main a[href^='/desk/requests/9']"
    ).first.click()
    page.wait_for_load_state("load")
    page.screenshot(path=str(OUT / f"desk-request-{language}-{width_name}.png"), full_page=True)
    context.close()
    applicant_pages(browser, language, width_name)


def applicant_pages(browser, language: str, width_name: str) -> None:  # type: ignore[no-untyped-def]
    """The demo applicant's requests, a receipt, an application form and the public /track/."""
    context = browser.new_context(
        locale=language, viewport={"width": WIDTHS[width_name], "height": 900}
    )
    context.add_cookies([{"name": "khedmat_language", "value": language, "url": BASE}])
    page = context.new_page()
    page.goto(BASE + "/track/")
    page.screenshot(path=str(OUT / f"track-{language}-{width_name}.png"), full_page=True)
    page.goto(BASE + "/accounts/login/?next=/requests/")
    page.fill("input[name=username]", "applicant")
    page.fill("input[name=password]", "Khedmat-Citizen-1405")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("load")
    page.screenshot(path=str(OUT / f"my-requests-{language}-{width_name}.png"), full_page=True)
    page.locator("main a[href$='/receipt/']").first.click()
    page.wait_for_load_state("load")
    page.screenshot(path=str(OUT / f"receipt-{language}-{width_name}.png"), full_page=True)
    page.goto(BASE + "/track/")
    page.locator(
        "main a[href^='/track/1'], main a[href^='/track/2'], main a[href^='/track/3'], "
        "main a[href^='/track/4'], main a[href^='/track/5'], main a[href^='/track/6'], "
        "main a[href^='/track/7'], main a[href^='/track/8'], "
        "main a[href^='/track/9']"
    ).first.click()
    page.wait_for_load_state("load")
    page.screenshot(path=str(OUT / f"track-detail-{language}-{width_name}.png"), full_page=True)
    page.goto(BASE + "/services/10012656000sh13/apply/")
    page.screenshot(path=str(OUT / f"apply-{language}-{width_name}.png"), full_page=True)
    context.close()


def _login(page, username: str, password: str, path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{BASE}/accounts/login/?next={path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("load")


def process_pages(browser, language: str, width_name: str) -> None:  # type: ignore[no-untyped-def]
    """The desk's process panel and the applicant's step list of each --process request."""
    for username, password, kind in (
        ("agent", "Khedmat-Agent-1405", "desk-process"),
        ("applicant", "Khedmat-Citizen-1405", "track-steps"),
    ):
        context = browser.new_context(
            locale=language, viewport={"width": WIDTHS[width_name], "height": 900}
        )
        context.add_cookies([{"name": "khedmat_language", "value": language, "url": BASE}])
        page = context.new_page()
        _login(page, username, password, "/")
        for code in PROCESS_CODES:
            path = f"/desk/requests/{code}/" if kind == "desk-process" else f"/track/{code}/"
            page.goto(BASE + path)
            page.wait_for_load_state("networkidle")
            if kind == "desk-process" and page.locator("[data-bpmn-diagram]").count():
                page.wait_for_timeout(800)  # let bpmn-js draw
            name = f"{kind}-{code}-{language}-{width_name}.png"
            page.screenshot(path=str(OUT / name), full_page=True)
        context.close()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        if PROCESS_CODES:
            for language in ("fa", "ar"):
                for width_name in WIDTHS:
                    process_pages(browser, language, width_name)
            browser.close()
            print(f"screenshots in {OUT}")
            return
        for language in ("fa", "ar", "en"):
            for width_name in WIDTHS:
                shoot(browser, language, width_name)
        browser.close()
    print(f"screenshots in {OUT}")


if __name__ == "__main__":
    main()
