"""Shared pieces of the browser tests: Debian's Chromium driven by Playwright, sign-in with
the second factor, screenshots, and the axe-core accessibility check."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).parent.parent / "reports" / "tests" / "assets" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("LAYDOWN_SCREENSHOTS", "var/screenshots"))
# Chromium's own network chatter goes nowhere on this machine: switch it off.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A fresh Chromium tab. Playwright's sync API keeps an event loop in this thread while
    it runs, so Django's async-safety check is relaxed for this test only (and restored)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run .ci/install-browser (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        # bypass_csp only so that the test can inject axe-core; the app obeys its own CSP.
        context = chromium.new_context(viewport={"width": 1100, "height": 900}, bypass_csp=True)
        yield context.new_page()
        context.close()
        chromium.close()


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_accessibility_violations(page: Any) -> list[str]:
    """axe-core's violations of impact serious or critical on the current page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def sign_in(page: Any, base: str, username: str, password: str, totp: str | None = None) -> None:
    page.goto(f"{base}/accounts/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    if totp is not None:
        page.fill("input[name=code]", totp)
        page.click("main button[type=submit]")
    page.wait_for_load_state()
