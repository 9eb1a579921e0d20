"""The ID card printed as people expect it, by Chromium to PDF and read back page by page (like
the receipt and the situation report in laydown/reports/tests/test_print.py): an expiry date,
no date wrapped over two lines, and the labels in the reader's language with English beside
them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import formats, translation

from laydown.access.web import principal_for_user
from laydown.accounts.models import User
from laydown.people import services
from laydown.people.models import Participant
from laydown.people.tests.base import YES, png, register
from laydown.testing import PASSWORD, user_with_role
from laydown.testing.browser import SCREENSHOTS, sign_in
from laydown.testing.pdf import pdf_pages

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.usefixtures("fast_password_hashing"),
]

LABELS = ("Name", "Born", "Participant", "Card", "Issued", "Valid until")


@pytest.fixture
def carded() -> tuple[User, Participant]:
    registrar = user_with_role("nare", "registrar", "region:north")
    User.objects.filter(pk=registrar.pk).update(language="hy")
    actor = principal_for_user(registrar)
    p = register(actor, photo=png(2))
    p = services.participant_screen(actor=actor, participant=p, answers=YES, decision="eligible")
    services.id_cards_issue(actor=actor, participants=[p])
    p.refresh_from_db()
    return registrar, p


def test_the_id_card_prints_with_its_expiry_unwrapped_dates_and_both_languages(
    page: Any, live_server: Any, carded: tuple[User, Participant]
) -> None:
    registrar, p = carded
    sign_in(page, live_server.url, registrar.username, PASSWORD)
    page.goto(f"{live_server.url}/people/{p.pk}/card/")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("load")
    assert page.locator("#card-expiry").is_visible()

    page.emulate_media(media="print")
    lines = page.evaluate(  # the line boxes of each date's text (a grid cell may be taller)
        """() => [...document.querySelectorAll('.id-card dd.date, .id-card dd.code')].map(d => {
             const range = document.createRange();
             range.selectNodeContents(d);
             const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
             return [d.textContent, tops.size];
           })"""
    )
    assert len(lines) == 5, lines  # born, participant, card, issued, valid until
    for text, count in lines:
        assert count == 1, (text, count)  # one line each
    inside = page.evaluate(
        """() => { const c = document.querySelector('.id-card'), box = c.getBoundingClientRect();
             return [...c.querySelectorAll('dd, dt, h1, .qr svg, .photo')].every(e => {
               const r = e.getBoundingClientRect();
               return r.right <= box.right + 0.5 && r.bottom <= box.bottom + 0.5; }); }"""
    )
    assert inside, "the card's text runs over its edge"

    pages = pdf_pages(page.pdf(format="A4", print_background=True), SCREENSHOTS, "print-id-card")
    assert len(pages) == 1, [x.text[:200] for x in pages]
    (only,) = pages
    assert only.ink > 0.001, only.png
    issued = p.id_card_issued_at
    expiry = (issued + dt.timedelta(days=730)).date()
    with translation.override("hy"):
        for day in (dt.date(1990, 4, 2), issued.date(), expiry):
            shown = formats.date_format(day, "SHORT_DATE_FORMAT")
            assert shown in only.text, (shown, only.text)  # the whole date on one line
        armenian = [translation.gettext(label) for label in LABELS]
    for label in armenian:
        assert label in only.text, (label, only.text)
    for label in LABELS:  # English beside each label
        assert label in only.text, (label, only.text)
    assert set(armenian).isdisjoint(LABELS)  # the labels are translated, not left in English
    assert p.pk in only.text and p.id_card_number in only.text
    assert "Print" not in only.text.replace("Print this page", "")  # no buttons on the card
