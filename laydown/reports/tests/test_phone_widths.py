"""Every page of the demo fits a phone (360 px) and a tablet (768 px) without scrolling
sideways, in real headless Chromium: `document.documentElement.scrollWidth <= innerWidth`.
Tables scroll inside their own box; the header wraps, and the language switch and "Sign out"
stay on screen; at 360 px every button, field, select and navigation link is at least 44 px
high (touch targets).

One user holds every role, so that every page renders its full content (the longest
navigation too); parameterised pages are walked for the first demo object of each sample
(laydown.testing.demo_walk.demo_pages).
"""

from __future__ import annotations

from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from laydown.reports.tests.browser import screenshot, sign_in
from laydown.testing import PASSWORD, code_for
from laydown.testing.demo_walk import demo_pages, demo_with_everyone

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.browser]

WIDTHS = (360, 768)
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'button, select, input:not([type=checkbox]):not([type=radio]):not([type=hidden]), nav a')]
  .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height < 43.5; })
  .map(e => `${e.tagName.toLowerCase()} ${e.name || e.textContent.trim().slice(0, 30)}`)"""
OFF_SCREEN = """() => [...document.querySelectorAll('header select, header button, header a')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth)
  .map(e => e.textContent.trim() || e.id)"""


def test_every_page_fits_a_phone_and_a_tablet(page: Any, live_server: Any, tmp_path) -> None:
    user = demo_with_everyone(tmp_path / "witnesses")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    sign_in(page, live_server.url, "everyone", PASSWORD, totp=code_for(device))
    paths = demo_pages()
    failures, visited = [], 0
    # One tab for the walk (each page a new document in it), a fresh one after a URL that was
    # not a page: a tab opened and closed for each page cost a fifth of the walk's CPU.
    tab = page.context.new_page()
    for path in paths:
        try:
            # loaded once, at the first width, then resized to each: the page's layout is CSS
            # alone (media queries; no script reads the width), so it is the same as a page
            # loaded at that width, and the server renders each page once instead of twice
            tab.set_viewport_size({"width": WIDTHS[0], "height": 800})
            _load(tab, f"{live_server.url}{path}")
            for width in WIDTHS:
                tab.set_viewport_size({"width": width, "height": 800})
                failures += _misfits(tab, path, width)
                visited += 1
        except _NotAPage:
            tab.close()
            tab = page.context.new_page()
    tab.close()
    assert visited >= 2 * 80
    assert failures == [], "\n".join(failures)


class _NotAPage(Exception):
    pass


def _load(tab: Any, url: str) -> None:
    """The page at `url` in `tab`; _NotAPage if it answers something else than a page."""
    try:
        response = tab.goto(url)
    except Exception as exc:  # noqa: BLE001
        # a download is not a page; POST-only URLs answer GET with an empty 405
        if "Download is starting" in str(exc) or "RESPONSE_CODE_FAILURE" in str(exc):
            raise _NotAPage from exc
        raise
    if response is None or "text/html" not in response.headers.get("content-type", ""):
        raise _NotAPage


def _misfits(tab: Any, path: str, width: int) -> list[str]:
    """What on the page loaded in `tab` (`path`) does not fit `width`, its viewport's width."""
    found = []
    scroll_width = tab.evaluate("document.documentElement.scrollWidth")
    if scroll_width > width:
        found.append(f"{width} px: {path} is {scroll_width} px wide")
        screenshot(tab, f"wide-{width}-" + path.strip("/").replace("/", "-"))
    if width == 360:
        if small := tab.evaluate(SMALL_TARGETS):
            found.append(f"{width} px: {path}: under 44 px high: {small[:5]}")
        if off := tab.evaluate(OFF_SCREEN):
            found.append(f"{width} px: {path}: header controls off screen: {off}")
    return found
