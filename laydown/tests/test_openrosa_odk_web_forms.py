"""A real OpenRosa client that nobody here wrote: ODK Web Forms (@getodk/web-forms from npm, ODK's
own form engine) in Debian's Chromium reads Laydown's formList with a device's Digest credential,
downloads the weapon form and its media (the sites list, through the manifest), is filled in
through its own page with a 200 KB camera JPEG, and sends the engine's own submission (HEAD,
then a multipart POST of xml_submission_file and the photo) to /openrosa/submission. The weapon
is in the registry with its photo and in the ledger; the same submission sent again writes
nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from defusedxml import ElementTree

from laydown.arms.models import Item, Site
from laydown.field.models import Submission, SubmissionStatus
from laydown.ledger.models import Record
from laydown.openrosa import auth
from laydown.testing import log_size
from laydown.testing.browser import CHROMIUM, FLAGS
from laydown.testing.field import enrolled_clerk
from laydown.testing.odk_client import (
    camera_jpeg,
    harness_installed,
    open_form,
    serve_harness,
    submitted,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.browser]
RESPONSE_NS = "{http://openrosa.org/http/response}"


@pytest.fixture
def odk_context(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A Chromium context factory: credentials given, the harness page served on the origin."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run .ci/install-browser (Debian package chromium)")
    if problem := harness_installed():
        pytest.fail(problem)
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        contexts = []

        def make(base: str, username: str, password: str) -> Any:
            context = chromium.new_context(
                http_credentials={"username": username, "password": password},
                viewport={"width": 360, "height": 800},
            )
            serve_harness(context, base)
            contexts.append(context)
            return context

        yield make
        for context in contexts:
            context.close()
        chromium.close()


def test_odk_web_forms_fills_and_submits_a_weapon_with_a_photo(
    odk_context: Any, live_server: Any, sites: dict[str, Site]
) -> None:
    base = live_server.url
    enrolled = enrolled_clerk()
    context = odk_context(base, enrolled.device.public_id, auth.device_password(enrolled.device))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_form(page, base, "arms.weapon")
    forms = {f["formID"]: f for f in page.evaluate("window.laydownOdk.formList")}
    assert set(forms) == {"arms.lot", "arms.materiel", "arms.weapon"}
    assert forms["arms.weapon"]["hash"].startswith("md5:")

    # through the engine's own page, as a clerk on a phone would
    page.check("input[type=radio][value='cp-north']")
    page.check("input[type=radio][value='sa_assault_rifle']")
    page.get_by_label("Make", exact=True).fill("Kalashnikov")
    page.get_by_label("Model", exact=True).fill("AKM")
    page.get_by_label("Serial number (as printed)").fill("ODK-WF-1")
    page.check("input[type=radio][value='serviceable']")
    photo = camera_jpeg(page)
    assert 150_000 < len(photo) < 300_000
    page.set_input_files(
        "input[type=file]", files=[{"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )
    page.wait_for_selector("img[src^='blob:']")  # the engine has taken (and scaled) the photo
    size = log_size()
    page.get_by_role("button", name="Send").click()

    [sent] = submitted(page)
    assert sent["head"] == {"status": 204, "acceptLength": sent["head"]["acceptLength"]}
    assert int(sent["head"]["acceptLength"]) >= 10_000_000
    assert sent["post"] == 201, sent["body"]
    answer = ElementTree.fromstring(sent["body"])
    assert answer.tag == f"{RESPONSE_NS}OpenRosaResponse"
    assert answer.find(f"{RESPONSE_NS}message").get("nature") == "submit_success"
    names = [f["name"] for f in sent["files"]]
    assert names[0] == "xml_submission_file" and len(names) == 2
    assert [f["size"] for f in sent["files"]][1] > 100_000

    item = Item.objects.get(serial="ODK-WF-1")
    assert (item.make, item.model, item.site.code) == ("Kalashnikov", "AKM", "cp-north")
    assert len(item.photos) == 1
    instance = ElementTree.fromstring(sent["instance"])
    sid = instance.find("meta/instanceID").text.removeprefix("uuid:")
    assert Submission.objects.get(id=sid).status == SubmissionStatus.ACCEPTED
    received = Record.objects.get(kind="field.submission_received")
    assert received.data["submission"] == sid
    assert received.data["device"] == enrolled.device.public_id
    assert log_size() > size

    # Collect resends what it did not see answered: 201 again, nothing new
    size = log_size()
    again = page.evaluate("window.laydownOdkResend()")
    assert again["post"] == 201, again["body"]
    assert Item.objects.filter(serial="ODK-WF-1").count() == 1
    assert log_size() == size
    assert not errors, errors
