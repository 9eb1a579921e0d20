"""Printed documents as people expect them, printed by Chromium to PDF and read back page by
page: the situation report (programme header, classification marking and "Page n of m" on every
page, table headers repeated, no table beside another) and the hand-in receipt (a print button,
the programme, the clerk and the person handing in, a line for each signature)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from laydown.accounts.programme import programme_profile_set
from laydown.accounts.services import SYSTEM
from laydown.ledger import clock
from laydown.reports.tests.browser import SCREENSHOTS, sign_in
from laydown.testing import PASSWORD, user_with_role
from laydown.testing.browser import LANGUAGE, words
from laydown.testing.pdf import pdf_pages

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.usefixtures("fast_password_hashing"),
]
MARKING = "RESTRICTED — PROGRAMME USE"


@pytest.fixture
def programme(db: None) -> None:
    user_with_role("amira", "programme_manager")  # creates the operator organisation
    programme_profile_set(
        actor=SYSTEM,
        name="Aranvale DDR Programme",
        operator="operator",
        classification=MARKING,
        default_language="en",
        languages=sorted({"en", "ru", LANGUAGE}),  # and the browser's, in the Armenian pass
        time_zone="UTC",
    )


def test_the_situation_report_prints_with_header_marking_and_page_numbers(
    page: Any, live_server: Any, collect: Any, programme: None
) -> None:
    today = dt.datetime.now(dt.UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    for days_ago in range(0, 40, 3):
        with clock.simulated(today - dt.timedelta(days=days_ago)):
            collect()
    sign_in(page, live_server.url, "amira", PASSWORD)
    page.goto(f"{live_server.url}/reports/sitrep/?days=60")
    pdf = page.pdf(format="A4", print_background=True)
    pages = pdf_pages(pdf, SCREENSHOTS, "print-sitrep")
    assert len(pages) >= 2, [p.text[:200] for p in pages]
    for p in pages:
        assert MARKING in p.text, (p.number, p.text[:300])
        assert "Aranvale DDR Programme" in p.text, p.number
        numbered = f"{words('Page')} {p.number} {words('of')} {len(pages)}"  # as print.js writes
        assert numbered in p.text, (numbered, p.text[-300:])
        assert p.ink > 0.005, p.png  # not a blank page
    header = "".join(words("Small arms").split())  # a narrow column's header may wrap
    by_day = [p for p in pages if header in "".join(p.text.split())]
    assert len(by_day) >= 2  # the long table's header is printed again on the next page
    assert words("Print or save as PDF") not in "".join(p.text for p in pages)


def test_the_receipt_prints_on_one_page_with_both_people_and_signature_lines(
    page: Any, live_server: Any, sites: Any, programme: None
) -> None:
    user_with_role("gulnar", "collection_clerk", scope="site:cp-north")
    sign_in(page, live_server.url, "gulnar", PASSWORD)
    page.goto(f"{live_server.url}/arms/sites/cp-north/items/new/")
    page.select_option("#id_category", "sa_assault_rifle")
    page.fill("#id_make", "Kalashnikov")
    page.fill("#id_model", "AKM")
    page.fill("#id_serial", "TK 481516")
    page.fill("#id_handed_in_by", "P-7Q4K2M")
    page.check("input[name=condition][value=serviceable]")
    page.click(f"text={words('Register and print the receipt')}")
    assert page.locator("#print-receipt").is_visible()
    page.wait_for_load_state("load")  # print.js (deferred) has set the page-margin boxes
    (only,) = pdf_pages(page.pdf(format="A4"), SCREENSHOTS, "print-receipt")
    flat = " ".join(only.text.split())  # a label may wrap in its table cell
    for text in (
        "Aranvale DDR Programme",
        MARKING,
        "Hand-in receipt",
        "Collection clerk",
        "gulnar",
        "Person handing in",
        "P-7Q4K2M",
        "Signature",
        f"{words('Page')} 1 {words('of')} 1",
    ):
        assert text in flat, (text, only.text)
    assert words("Print the receipt") not in only.text
    page.set_viewport_size({"width": 700, "height": 990})  # about A4's printable width
    page.emulate_media(media="print")  # the log-check code is printed big enough to scan
    box = page.locator(".receipt-proof svg").bounding_box()
    assert box is not None and box["width"] >= 100, box  # 32 mm; it once shrank to a glyph
