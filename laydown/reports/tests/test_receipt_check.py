"""The receipt page and the public page check the log in Chromium by themselves: a good
receipt passes; a tampered proof, a wrong witness key, a rolled-back log and a record that is
not in the log are each refused with the reason shown."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

from laydown import tlog
from laydown.arms.models import CustodyEvent
from laydown.ledger import selectors as ledger
from laydown.reports.tests.browser import screenshot
from laydown.testing.browser import shows

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def receipt(collect: Any, cosign: Any, live_server: Any) -> tuple[int, str]:
    items = [collect() for _ in range(3)]
    cosign()
    index = CustodyEvent.objects.get(item=items[1], kind="arms.item_collected").record_index
    text = ledger.receipt_text(index, f"{live_server.url}/log")
    assert text is not None
    return index, text


def result(page: Any) -> tuple[str, str]:
    page.wait_for_selector("#log-check[data-result]", timeout=20000)
    box = page.locator("#log-check")
    return box.get_attribute("data-result"), box.inner_text()


def test_a_receipt_is_proven_in_the_browser(page: Any, receipt: tuple[int, str]) -> None:
    index, text = receipt
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(text)
    verdict, words = result(page)
    assert verdict == "ok", words
    assert (
        shows(
            words,
            "Record {index} is in the log of {size} records: it cannot be removed or"
            " changed without the signatures showing it.",
        )
        and str(index) in words
    )
    assert shows(words, "Cosigned by the witnesses {names} (the policy asks for: {quorum}).")
    assert shows(
        words,
        "The log of {old} records this receipt was printed with is the beginning"
        " of today’s log: nothing was rewritten since.",
    )
    assert shows(
        words,
        "Not proven here: what the record says. It stays private; the receipt"
        " carries only its hash.",
    )
    # the check itself fits a phone (the site header's own width is not this page's business)
    assert page.evaluate("document.querySelector('main').scrollWidth") <= 390
    screenshot(page, "receipt-check-phone")
    if os.environ.get("LAYDOWN_DOC_SCREENSHOTS"):
        page.screenshot(path="docs/screenshots/receipt-check-phone.png", full_page=True)


def test_a_tampered_proof_is_refused(page: Any, receipt: tuple[int, str]) -> None:
    def tamper(route: Any) -> None:
        body = route.fetch().text()
        lines = body.split("\n")
        lines[2] = "A" * 43 + "="  # the first hash of the path
        route.fulfill(body="\n".join(lines), content_type="text/plain")

    page.route(re.compile(r".*/log/proof/\d+$"), tamper)
    page.goto(receipt[1])
    verdict, words = result(page)
    assert verdict == "not-in-log"
    assert shows(
        words,
        "This record is not in the log: the proof does not lead to the signed root ({detail}).",
    )
    assert shows(words, "Warning: a check failed. Keep your receipt and tell the observers.")


def test_a_wrong_witness_key_is_refused(page: Any, receipt: tuple[int, str]) -> None:
    _, other = tlog.generate_cosignature_key("witness.example/inproc")

    def swap(route: Any) -> None:
        body = route.fetch().text()
        route.fulfill(
            body=re.sub(r"witness\.example/inproc\+[0-9a-f]{8}\+\S+", other, body),
            content_type="text/html",
        )

    page.route(re.compile(r".*/log/receipt$"), swap)
    page.goto(receipt[1])
    verdict, words = result(page)
    assert verdict == "quorum"
    assert shows(words, "Not enough witnesses cosigned this checkpoint ({detail}).")


def test_a_rolled_back_log_is_refused(
    page: Any, receipt: tuple[int, str], collect: Any, live_server: Any
) -> None:
    index, _ = receipt
    collect()  # the log grows; the receipt is printed at the newer tree; the witnesses
    newer = ledger.checkpoint_latest()  # have not cosigned it, so the log serves an older one
    text = tlog.audit.format_receipt(
        tlog.audit.Receipt(
            f"{live_server.url}/log",
            tlog.parse_checkpoint(newer.note.split("\n\n")[0] + "\n").origin,
            index,
            bytes.fromhex(tlog.audit.parse_receipt(receipt[1]).leaf.hex()),
            newer.size,
            newer.root,
        )
    )
    page.goto(text)
    verdict, words = result(page)
    assert verdict == "rollback"
    assert shows(words, "The log was rolled back: it is smaller than before ({detail}).")


def test_a_receipt_of_a_record_not_in_the_log_is_refused(
    page: Any, receipt: tuple[int, str]
) -> None:
    forged = re.sub(r"h=[^&]+", "h=" + "B" * 43, receipt[1])
    page.goto(forged)
    verdict, words = result(page)
    assert verdict == "not-in-log"
    assert shows(
        words,
        "This record is not in the log: the proof does not lead to the signed root ({detail}).",
    )


def test_the_public_page_warns_when_the_log_it_saw_was_rolled_back(
    page: Any, receipt: tuple[int, str], live_server: Any
) -> None:
    page.goto(f"{live_server.url}/")
    assert result(page)[0] == "ok"
    origin = ledger.checkpoint_public().note.split("\n")[0]
    page.evaluate(
        "([k, v]) => localStorage.setItem(k, v)",
        [f"laydown-checkpoint:{origin}", '{"size": 99, "root": "' + "A" * 43 + '="}'],
    )
    page.reload()
    verdict, words = result(page)
    assert verdict == "rollback" and "99" in words
    page.evaluate(
        "([k, v]) => localStorage.setItem(k, v)",
        [f"laydown-checkpoint:{origin}", '{"size": 2, "root": "' + "A" * 43 + '="}'],
    )
    page.goto(f"{live_server.url}/reports/transparency/")
    verdict, words = result(page)
    assert verdict == "fork" and shows(
        words, "The log’s history was rewritten: it does not extend the earlier log ({detail})."
    )
