"""The product as people use it, in real headless Chromium against the live server."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from laydown import tlog
from laydown.reports.tests.browser import screenshot, serious_accessibility_violations, sign_in
from laydown.testing import PASSWORD, code_for, user_with_role
from laydown.testing.browser import words
from laydown.verification import services as verification

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.usefixtures("fast_password_hashing"),
]


@pytest.fixture
def stock(collect: Any) -> None:
    for _ in range(30):
        collect()


def test_an_anonymous_visitor_sees_the_public_page(
    page: Any, live_server: Any, stock: None
) -> None:
    page.goto(f"{live_server.url}/reports/transparency/")
    assert page.locator("#public-weapons").inner_text() == "30"
    assert "laydown-verify" in page.content()
    page.wait_for_selector("#log-check[data-result]")
    assert page.locator("#log-check").get_attribute("data-result") == "ok"
    page.wait_for_selector("#log-check[data-result]")
    assert page.locator("#log-check").get_attribute("data-result") == "ok"
    screenshot(page, "public-page")
    assert serious_accessibility_violations(page) == []


def test_a_manager_opens_the_situation_report(page: Any, live_server: Any, stock: None) -> None:
    user_with_role("amira", "programme_manager")
    sign_in(page, live_server.url, "amira", PASSWORD)
    page.goto(f"{live_server.url}/reports/dashboard/?days=5")
    assert page.locator("#fig-weapons").inner_text() == "30"
    page.wait_for_function("document.querySelectorAll('canvas[data-chart]').length === 2")
    screenshot(page, "dashboard")
    assert serious_accessibility_violations(page) == []
    page.click(f"text={words('Situation report for this period')}")
    claim = page.locator("#claim").inner_text()
    assert claim.startswith(
        words(
            "%(units)s units were collected in the period: %(weapons)s weapons, %(lots)s lots of"
            " ammunition (%(rounds)s rounds) and %(materiel)s items of materiel."
        )
        % {"units": 30, "weapons": 30, "lots": 0, "rounds": 0, "materiel": 0}
    )
    screenshot(page, "sitrep")
    assert serious_accessibility_violations(page) == []


def test_an_observer_runs_an_inspection_and_signs_it(
    page: Any, live_server: Any, stock: None, make_observer: Any, cosign: Any, manager: Any
) -> None:
    observer = make_observer()
    cosign()
    inspection = verification.inspection_plan(
        actor=manager,
        sites=["depot-a"],
        planned_for=dt.date(2026, 11, 30),
        team=[observer.principal.pseudonym],
        sample_count=3,
    )
    device = TOTPDevice.objects.create(
        user_id=observer.principal.user_id, name="phone", confirmed=True
    )
    sign_in(page, live_server.url, "observer", "observer-pass-2026!", totp=code_for(device))
    page.goto(f"{live_server.url}/verification/inspections/{inspection.code}/")
    page.fill("#id_nonce", "a nonce only I know")
    page.click(f"text={words('Open and draw the sample')}")
    assert page.locator("#inspection-status").inner_text() == words("Open")
    for _ in range(3):
        page.locator("form.finding").first.locator("button").click()
    page.click(f"text={words('Close the inspection')}")
    report = page.locator("#report").inner_text()
    assert report.startswith("Laydown inspection report")
    text = report.rstrip("\n") + "\n"  # what report.txt holds
    page.fill("textarea[name=signed]", tlog.sign_note(text, [observer.signer]))
    page.click(f"text={words('Submit the signed report')}")
    assert page.locator("#inspection-status").inner_text() == words("Signed")
    screenshot(page, "inspection-signed")
    assert serious_accessibility_violations(page) == []


def test_a_clerk_registers_an_item_and_prints_the_receipt(
    page: Any, live_server: Any, sites: Any
) -> None:
    user_with_role("gulnar", "collection_clerk", scope="site:cp-north")
    sign_in(page, live_server.url, "gulnar", PASSWORD)
    page.goto(f"{live_server.url}/arms/sites/cp-north/items/new/")
    screenshot(page, "register-item")
    assert serious_accessibility_violations(page) == []
    page.select_option("#id_category", "sa_assault_rifle")
    page.fill("#id_make", "Kalashnikov")
    page.fill("#id_model", "AKM")
    page.fill("#id_serial", "ТК 481516")  # as printed, Cyrillic
    page.fill("#id_calibre", "7.62x39mm")
    page.check("input[name=condition][value=serviceable]")
    page.click(f"text={words('Register and print the receipt')}")
    assert "/receipt/" in page.url
    receipt = page.locator("main").inner_text()
    assert "LD-" in receipt and "Aranvale" not in receipt  # the fixture's site is cp-north
    assert "Collection point North" in receipt
    assert page.locator("main svg").count() >= 1  # the tag as a QR code
    screenshot(page, "receipt")
    assert serious_accessibility_violations(page) == []


def test_a_custodian_ships_and_another_receives(
    page: Any, live_server: Any, sites: Any, collect: Any
) -> None:
    tags = [collect().tag for _ in range(3)]
    sender = user_with_role("vardan", "custodian", scope="site:depot-a")
    receiver = user_with_role("olga", "custodian", scope="site:depot-b")
    sender_device = TOTPDevice.objects.create(user=sender, name="phone", confirmed=True)
    receiver_device = TOTPDevice.objects.create(user=receiver, name="phone", confirmed=True)
    sign_in(page, live_server.url, "vardan", PASSWORD, totp=code_for(sender_device))
    page.goto(f"{live_server.url}/arms/sites/depot-a/shipments/new/")
    page.select_option("#id_to_site", "depot-b")
    page.fill("#id_crates", f"CR-1 S-9001 {' '.join(tags)}")
    page.click("main button[type=submit]")
    assert "/arms/shipments/" in page.url
    shipment_url = page.url
    screenshot(page, "shipment-dispatched")
    page.context.clear_cookies()
    sign_in(page, live_server.url, "olga", PASSWORD, totp=code_for(receiver_device))
    page.goto(shipment_url)
    page.uncheck(f"input[name=item_{tags[2]}]")
    page.fill("textarea[name=declaration]", "Crate CR-1 arrived sealed; one rifle missing.")
    page.click("main form button[type=submit]")
    body = page.locator("main").inner_text()
    assert tags[2] in body
    assert words("Shipment received; %(n)d discrepancies flagged.") % {"n": 1} in body
    screenshot(page, "shipment-received")
    assert serious_accessibility_violations(page) == []
