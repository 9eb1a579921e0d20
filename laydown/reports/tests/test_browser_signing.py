"""An observer signs the inspection report in the page with their own Ed25519 key (WebCrypto in
Debian's Chromium): the key file is read locally, kept in the browser as a non-extractable key,
the page checks the signature and the key before sending, the server checks again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from laydown import tlog
from laydown.reports.tests.browser import screenshot, sign_in
from laydown.testing import code_for
from laydown.testing.browser import shows, words
from laydown.verification import services as verification
from laydown.verification.models import Inspection, InspectionStatus

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.usefixtures("fast_password_hashing"),
]


def _closed_inspection(manager: Any, observer: Any, collect: Any, cosign: Any) -> Inspection:
    for _ in range(5):
        collect()
    cosign()
    planned = verification.inspection_plan(
        actor=manager,
        sites=["depot-a"],
        planned_for=dt.date(2026, 11, 30),
        team=[observer.principal.pseudonym],
        sample_count=2,
    )
    opened = verification.inspection_open(
        actor=observer.principal, code=planned.code, nonce="signed-in-the-browser"
    )
    verification.inspection_record_many(
        actor=observer.principal,
        code=opened.code,
        findings=[verification.FindingIn(tag=t, result="found") for t in opened.sample],
    )
    return verification.inspection_close(actor=observer.principal, code=opened.code)


def _signed_in(page: Any, live_server: Any, observer: Any) -> None:
    device = TOTPDevice.objects.create(
        user_id=observer.principal.user_id, name="phone", confirmed=True
    )
    sign_in(page, live_server.url, "observer", "observer-pass-2026!", totp=code_for(device))


def test_an_observer_signs_with_a_key_file_kept_in_the_browser(
    page: Any,
    live_server: Any,
    manager: Any,
    make_observer: Any,
    collect: Any,
    cosign: Any,
    tmp_path: Path,
) -> None:
    observer = make_observer()
    inspection = _closed_inspection(manager, observer, collect, cosign)
    key_file = tmp_path / "observer.key"
    key_file.write_text(observer.signer.signer_key() + "\n")
    _signed_in(page, live_server, observer)
    page.goto(f"{live_server.url}/verification/inspections/{inspection.code}/")
    page.wait_for_selector("#browser-sign:not([hidden])")
    page.set_input_files("#sign-key-file", str(key_file))
    page.check("#sign-remember")
    page.click("#sign-now")
    page.wait_for_selector(f"#inspection-status:text('{words('Signed')}')")
    screenshot(page, "inspection-signed-in-browser")
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.SIGNED
    note = tlog.open_note(inspection.signed_report, [observer.signer.verifier()])
    assert note.text == inspection.report
    # The key stays in the browser's store, and cannot be read back out of it.
    kept = page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("laydown-observer-keys", 1);
            open.onsuccess = () => {
                const all = open.result.transaction("keys").objectStore("keys").getAll();
                all.onsuccess = () => resolve(all.result.map((k) => ({
                    name: k.name, extractable: k.privateKey.extractable,
                    type: k.privateKey.type})));
            };
        })"""
    )
    assert kept == [{"name": observer.signer.name, "extractable": False, "type": "private"}]


def test_a_key_that_is_not_the_accredited_one_is_refused_in_the_page(
    page: Any,
    live_server: Any,
    manager: Any,
    make_observer: Any,
    collect: Any,
    cosign: Any,
    tmp_path: Path,
) -> None:
    observer = make_observer()
    inspection = _closed_inspection(manager, observer, collect, cosign)
    other_key, _vkey = tlog.generate_key("nordland.example/someone-else")
    key_file = tmp_path / "other.key"
    key_file.write_text(other_key + "\n")
    _signed_in(page, live_server, observer)
    page.goto(f"{live_server.url}/verification/inspections/{inspection.code}/")
    page.wait_for_selector("#browser-sign:not([hidden])")
    page.set_input_files("#sign-key-file", str(key_file))
    page.click("#sign-now")
    page.wait_for_selector("#sign-status.error")
    assert shows(
        page.locator("#sign-status").inner_text(),
        "This key is not the one registered with your accreditation. Its verifier key:",
    )
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.CLOSED
    # A key made in this browser shows the verifier key to register.
    page.click(f"text={words('No key yet? Make one in this browser')}")
    page.click("#sign-generate")
    page.wait_for_selector("#sign-vkey-row:not([hidden])")
    vkey = page.locator("#sign-vkey").inner_text()
    assert tlog.new_verifier(vkey).name.startswith("observers/")
