"""Shared pieces of the browser tests: Debian's Chromium driven by Playwright, sign-in with
the second factor, screenshots, and the axe-core accessibility check.

The browser's language: English, or the one named by LAYDOWN_BROWSER_LANGUAGE (`make
browser-hy` runs the browser tests once with Armenian). The tab asks for it (Accept-Language),
so anonymous pages answer in it and a user without a language signs in with it (the profile
keeps it). Tests assert words through `words(...)`, which translates into that language, or on
stable selectors; never on English text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

CHROMIUM = "/usr/bin/chromium"
LANGUAGE = os.environ.get("LAYDOWN_BROWSER_LANGUAGE", "") or "en"
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


class _SharedBrowser:
    """One Chromium for the browser tests of a run, a new context (cookies, storage, cache,
    service workers of its own) for each test: launching Playwright's driver and Chromium cost
    ~1 s of CPU a test. Closed before any test that does not ask for `page` (those that start
    a browser of their own, and in a mixed run the others), and at the end of the run.

    While Playwright runs, its event loop is marked running in this thread (between its calls
    too): Django's async-safety check is relaxed (DJANGO_ALLOW_ASYNC_UNSAFE) for as long as
    this browser is open, and only then; a test's own sync_playwright() would refuse to start."""

    def __init__(self) -> None:
        self._manager: Any = None
        self._browser: Any = None

    def browser(self) -> Any:
        if self._browser is not None and not self._browser.is_connected():
            self.close()  # a test crashed it: the next one gets a new one
        if self._browser is None:
            from playwright.sync_api import sync_playwright

            self._manager = sync_playwright()
            playwright = self._manager.start()
            os.environ[_ASYNC_UNSAFE] = "true"
            self._browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        return self._browser

    def close(self) -> None:
        if self._manager is None:
            return
        manager, self._manager, self._browser = self._manager, None, None
        try:
            manager.__exit__(None, None, None)  # closes the browser with the driver
        finally:
            os.environ.pop(_ASYNC_UNSAFE, None)


_ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
SHARED = _SharedBrowser()


@pytest.fixture
def page() -> Iterator[Any]:
    """A fresh Chromium tab, in a browser context of its own, of the run's browser (SHARED)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run .ci/install-browser (Debian package chromium)")
    context = SHARED.browser().new_context(
        **context_options(viewport={"width": 1100, "height": 900})
    )
    yield context.new_page()
    context.close()


def context_options(**options: Any) -> dict[str, Any]:
    """Options of a new browser context: the browser's language (LANGUAGE) and, only so that a
    test can inject axe-core, bypass_csp (the app obeys its own CSP)."""
    return {"locale": LANGUAGE, "bypass_csp": True, **options}


def words(text: str) -> str:
    """`text`, an English msgid of the catalogue, in the browser's language, as pages show it."""
    with translation.override(LANGUAGE):
        return translation.gettext(text)


def fixed_parts(msgid: str) -> list[str]:
    """The parts of `msgid`, in the browser's language, between its placeholders (`{index}`,
    `%(n)s`), longest first."""
    parts = [p.strip() for p in re.split(r"\{\w+\}|%\(\w+\)[sd]", words(msgid))]
    return sorted((p for p in parts if p), key=len, reverse=True)


def shows(text: str, msgid: str) -> bool:
    """Whether `text` shows the catalogue's `msgid` in the browser's language, whatever its
    placeholders were filled with: every fixed part of it is there."""
    return all(part in text for part in fixed_parts(msgid))


def js_words(text: str) -> str:
    """`text`, a msgid of the JavaScript catalogue (djangojs), in the browser's language."""
    if LANGUAGE == "en":
        return text
    import gettext

    from django.conf import settings

    catalogue = gettext.translation(
        "djangojs", str(settings.LOCALE_PATHS[0]), [LANGUAGE], fallback=True
    )
    return catalogue.gettext(text)


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    suffix = "" if LANGUAGE == "en" else f"-{LANGUAGE}"  # the English ones are the README's
    path = SCREENSHOTS / f"{name}{suffix}.png"
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
