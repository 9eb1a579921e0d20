"""The product in the region's languages, in real headless Chromium: a clerk who chooses Armenian
on the sign-in page works in Armenian and prints a bilingual receipt (Armenian and English) set in
fonts that cover Armenian letters; the public page in Azerbaijani, Armenian and Russian (the
README's screenshots, docs/screenshots/public-page-{az,hy,ru}.png, come from here)."""

from __future__ import annotations

from typing import Any

import pytest

from laydown.accounts.models import User
from laydown.reports.tests.browser import screenshot, serious_accessibility_violations
from laydown.testing import PASSWORD, user_with_role

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.usefixtures("fast_password_hashing"),
]

# A glyph of each script, and the font that must draw it (Debian's fonts-noto-core).
FONT_CHECK = """([family, text]) => document.fonts.check(`12px "${family}"`, text)"""


def test_a_clerk_who_chooses_armenian_works_and_prints_in_armenian(
    page: Any, live_server: Any, sites: Any
) -> None:
    user_with_role("anahit", "collection_clerk", scope="site:cp-north")
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.select_option("#language", "hy")  # the switch on every page
    page.click("form.lang button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "hy"
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.fill("#id_username", "anahit")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert User.objects.get(username="anahit").language == "hy"  # kept in the profile
    page.goto(f"{live_server.url}/arms/sites/cp-north/items/new/")
    assert page.locator("html").get_attribute("lang") == "hy"
    page.select_option("#id_category", "sa_assault_rifle")
    page.fill("#id_make", "Kalashnikov")
    page.fill("#id_model", "AKM")
    page.fill("#id_serial", "ТК 481516")
    page.fill("#id_calibre", "7.62x39mm")
    page.check("input[name=condition][value=serviceable]")
    page.click("form.register button[type=submit]")
    page.wait_for_load_state()
    assert "/receipt/" in page.url
    receipt = page.locator("#receipt").inner_text()
    assert "Hand-in receipt" in receipt  # the English half of the bilingual receipt
    assert any("\u0531" <= ch <= "\u058f" for ch in receipt)  # and Armenian letters
    assert page.evaluate(FONT_CHECK, ["Noto Sans Armenian", "Ա"])
    assert page.evaluate(FONT_CHECK, ["Noto Sans", "ə"])  # Azerbaijani's schwa
    screenshot(page, "receipt-hy")
    assert serious_accessibility_violations(page) == []


@pytest.mark.parametrize("language", ["az", "hy", "ru"])
def test_the_public_page_in_the_regions_languages(
    page: Any, live_server: Any, collect: Any, language: str
) -> None:
    for _ in range(12):
        collect()
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/reports/transparency/")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("#public-weapons").inner_text() == "12"
    screenshot(page, f"public-page-{language}")
    assert serious_accessibility_violations(page) == []
