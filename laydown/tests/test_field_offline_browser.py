"""A clerk works without a network in Debian's Chromium: 20 weapons and 3 lots saved offline
survive the browser being closed and reopened, wait locked until the device's PIN is typed (a
wrong one refused and counted), and arrive exactly once when the network returns; replaying the
same uploads writes nothing; the service worker's Background Sync waits while the app is locked
and sends while it is unlocked; five wrong PINs make the device forget its key, and the server
gives it again to the enrolled device, whose outbox is then sent, nothing lost; a serial
registered meanwhile elsewhere lands in the review queue; a revoked device's outbox is refused,
with the reason, and kept on the server, and the device wipes itself."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from laydown.access.web import principal_for_user
from laydown.arms import services as arms
from laydown.arms.models import AmmoLot, Item, Site
from laydown.field import services
from laydown.field.models import Submission
from laydown.ledger.models import Record
from laydown.testing import bearer, post_json
from laydown.testing.browser import LANGUAGE
from laydown.testing.field import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    OUTBOX_STATUSES,
    PIN,
    WEAPON,
    enrolled_clerk,
    pin_choose,
    pin_state,
    pin_type,
    save_offline,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.browser]

UPLOADS = """async () => {
  const O = self.LaydownOutbox;
  const rows = await O.all("outbox");
  return Promise.all(rows.map(async r => {
    const body = await O.unseal(r.id, r.sealed);
    return {id: r.id, form: r.form, device_at: r.device_at, payload: body.payload};
  }));
}"""
WIPED = """async () => {
  const O = self.LaydownOutbox;
  return [(await O.all("outbox")).length, (await O.all("photos")).length,
          !!(await O.get("config", "pinWrap")) || !!(await O.get("config", "pinKey")),
          !!(await O.get("config", "vocab")),
          !!(await O.get("config", "token")),
          (await caches.keys()).length, !!(await O.get("config", "wiped"))];
}"""
LOT_FORM = {
    "site": "cp-north",
    "type": "cartridge",
    "calibre": "7.62x39mm",
    "quantity": "440",
    "unit": "rounds",
    "hazard_division": "1.4",
    "compatibility_group": "S",
    "condition": "serviceable",
}


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """Launches Chromium with a profile kept on disk, so that it can be closed and reopened."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run .ci/install-browser (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # The service worker's requests obey the emulated network too (else "offline" covers pages
    # only, and a Background Sync fired by the browser would still reach the server).
    monkeypatch.setenv("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")
    with sync_playwright() as p:

        def launch(offline: bool = False) -> Any:
            return p.chromium.launch_persistent_context(
                str(tmp_path / "profile"),
                executable_path=CHROMIUM,
                args=CHROMIUM_FLAGS,
                offline=offline,
                viewport={"width": 360, "height": 800},
                locale=LANGUAGE,
            )

        yield launch


def enrol(context: Any, base: str, secret: str) -> Any:
    page = context.new_page()
    page.goto(f"{base}/field/enrol/#{secret}")
    page.wait_for_function(
        "() => document.querySelector('#enrol-status').textContent"
        " === document.querySelector('#enrol-status').dataset.done"
    )
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    pin_choose(page)
    # the forms are opened once online, as a clerk does before leaving for the tent
    page.goto(f"{base}/field/app/arms.weapon/")
    page.goto(f"{base}/field/app/arms.lot/")
    return page


def statuses(page: Any) -> dict[str, int]:
    return page.evaluate(OUTBOX_STATUSES)  # type: ignore[no-any-return]


def wait_statuses(page: Any, expected: dict[str, int], timeout: float = 90) -> None:
    """Poll the outbox (an async read: wait_for_function does not await promises)."""
    deadline = time.monotonic() + timeout
    while statuses(page) != expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"the outbox holds {statuses(page)}, not {expected}")
        page.wait_for_timeout(250)


def test_23_records_saved_offline_arrive_exactly_once_after_a_restart(
    browser: Any, live_server: Any, sites: dict[str, Site]
) -> None:
    base = live_server.url
    enrolled = enrolled_clerk()
    context = browser()
    page = enrol(context, base, enrolled.secret)

    context.set_offline(True)
    page.goto(f"{base}/field/app/arms.weapon/")  # from the service worker's cache
    first = {k: v for k, v in WEAPON.items()}
    save_offline(page, {**first, "serial": "OFF-00"})
    for n in range(1, 20):
        # "register the next one": site, category, make and model stay
        assert page.input_value('select[name="site"]') == "cp-north"
        assert page.input_value('input[name="make"]') == "Kalashnikov"
        save_offline(page, {"serial": f"OFF-{n:02d}", "condition": "serviceable"})
    page.goto(f"{base}/field/app/arms.lot/")
    for n in range(3):
        save_offline(page, {**LOT_FORM, "lot_number": f"LOT-{n}"})
    assert statuses(page) == {"waiting": 23}
    assert Item.objects.count() == 0 and AmmoLot.objects.count() == 0
    # what the device will upload, read back (and decrypted) from its outbox, for the replay
    uploads: list[dict[str, Any]] = page.evaluate(UPLOADS)
    context.close()

    context = browser(offline=True)  # the browser reopened, still without a network
    page = context.new_page()
    page.goto(f"{base}/field/outbox/")
    # Nothing was lost with the browser, and nothing opens without the PIN: the key went with
    # the browser's memory; the rows show their status, not what they hold
    assert pin_state(page) == "locked"
    assert statuses(page) == {"waiting": 23}
    assert page.locator("#outbox tbody tr").count() == 23
    assert page.locator("#outbox tbody tr td:nth-child(3)").all_inner_texts() == [""] * 23
    # the network returns: the outbox waits for the PIN (the service worker's Background Sync
    # too: no page holds the key), and says so
    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.wait_for_function(
        "() => document.querySelector('#sync-text').textContent"
        " === document.querySelector('#pin-panel').dataset.waits"
    )
    page.wait_for_timeout(2000)
    assert statuses(page) == {"waiting": 23} and Item.objects.count() == 0
    # a wrong PIN is refused and counted
    assert pin_type(page, "000111") == "locked"
    assert page.evaluate("() => self.LaydownOutbox.get('config', 'pinFailures')") == 1
    assert "4" in page.inner_text("#pin-error")
    assert statuses(page) == {"waiting": 23} and Item.objects.count() == 0
    # the right one opens the outbox, and it is sent, once
    assert pin_type(page, PIN) == "unlocked"
    assert page.evaluate("() => self.LaydownOutbox.get('config', 'pinFailures')") == 0
    wait_statuses(page, {"sent": 23})
    page.wait_for_selector("#outbox tbody tr[data-status=sent]")
    assert Item.objects.filter(serial__startswith="OFF-").count() == 20
    assert AmmoLot.objects.count() == 3
    assert Submission.objects.filter(status="accepted").count() == 23
    assert Record.objects.filter(kind="field.submission_received").count() == 23
    context.close()

    # the same uploads, replayed by a script: nothing new
    assert len({u["id"] for u in uploads}) == 23
    size = Record.objects.count()
    for body in uploads:
        again = post_json(
            Client(), "/api/v1/field/submissions", body, headers=bearer(enrolled.secret)
        )
        assert again.status_code == 200 and again.json()["replayed"] is True
    assert Record.objects.count() == size and Item.objects.count() == 20


def test_five_wrong_pins_forget_the_key_and_the_server_gives_it_back_nothing_lost(
    browser: Any, live_server: Any, sites: dict[str, Site]
) -> None:
    base = live_server.url
    enrolled = enrolled_clerk()
    context = browser()
    page = enrol(context, base, enrolled.secret)
    # left alone, the app locks itself (here after 2 s instead of 10 minutes)
    page.evaluate("() => self.LaydownOutbox.put('config', 2000, 'idleMs')")
    page.goto(f"{base}/field/app/arms.weapon/")
    page.wait_for_selector("#pin-panel[data-state=locked]", state="visible", timeout=30_000)
    page.evaluate("() => self.LaydownOutbox.put('config', 600000, 'idleMs')")
    assert pin_type(page, PIN) == "unlocked"
    context.set_offline(True)
    save_offline(page, {**WEAPON, "serial": "PIN-1"})
    save_offline(page, {"serial": "PIN-2", "condition": "serviceable"})
    context.close()

    context = browser(offline=True)
    page = context.new_page()
    page.goto(f"{base}/field/outbox/")
    for left in (4, 3, 2, 1):
        assert pin_type(page, f"99999{left}") == "locked"
        assert str(left) in page.inner_text("#pin-error")
    # the fifth: the key material goes; the outbox stays, sealed
    assert pin_type(page, "999990") == "offline"
    assert page.evaluate(
        "async () => [!!(await self.LaydownOutbox.get('config', 'pinWrap')),"
        " !!(await self.LaydownOutbox.get('config', 'pinKey'))]"
    ) == [False, False]
    assert statuses(page) == {"waiting": 2}
    # connected, the device (still enrolled) gets its key again; the clerk chooses a new PIN,
    # and what waited is sent, once
    context.set_offline(False)
    page.reload()
    pin_choose(page, "passphrase of the tent")
    wait_statuses(page, {"sent": 2})
    assert sorted(Item.objects.values_list("serial", flat=True)) == ["PIN-1", "PIN-2"]
    assert Submission.objects.count() == 2
    context.close()


def test_background_sync_in_the_service_worker_waits_locked_and_sends_unlocked(
    browser: Any, live_server: Any, sites: dict[str, Site]
) -> None:
    base = live_server.url
    enrolled = enrolled_clerk()
    context = browser()
    page = enrol(context, base, enrolled.secret)
    context.set_offline(True)
    page.goto(f"{base}/field/app/arms.weapon/")
    save_offline(page, {**WEAPON, "serial": "BG-1"})
    page.goto(f"{base}/field/outbox/")
    # the page itself never sends (it believes it has no network): only the service worker can
    page.evaluate("() => Object.defineProperty(navigator, 'onLine', {get: () => false})")
    cdp = context.new_cdp_session(page)
    registrations: list[dict[str, Any]] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 30
    while not registrations:
        assert time.monotonic() < deadline, "no service worker registration"
        page.wait_for_timeout(100)

    def background_sync() -> None:
        """What the browser does when the network returns (chrome://serviceworker-internals)."""
        cdp.send(
            "ServiceWorker.dispatchSyncEvent",
            {
                "origin": base,
                "registrationId": registrations[-1]["registrationId"],
                "tag": "laydown-outbox",
                "lastChance": False,
            },
        )

    # locked: the worker has no key, asks the page, which has none either: nothing leaves
    page.evaluate("() => window.LaydownApp.lock()")
    page.wait_for_timeout(1000)
    context.set_offline(False)
    background_sync()
    page.wait_for_timeout(3000)
    assert statuses(page) == {"waiting": 1} and not Item.objects.exists()
    # unlocked: the worker's Background Sync sends it, once
    assert pin_type(page, PIN) == "unlocked"
    page.wait_for_timeout(3000)
    assert statuses(page) == {"waiting": 1}  # the page did not send it
    background_sync()
    wait_statuses(page, {"sent": 1})
    assert Item.objects.filter(serial="BG-1").count() == 1
    assert Submission.objects.count() == 1
    context.close()


def test_a_duplicate_serial_goes_to_review_and_a_revoked_devices_outbox_is_kept(
    browser: Any, live_server: Any, sites: dict[str, Site]
) -> None:
    base = live_server.url
    enrolled = enrolled_clerk()
    context = browser()
    page = enrol(context, base, enrolled.secret)
    context.set_offline(True)
    page.goto(f"{base}/field/app/arms.weapon/")
    save_offline(page, {**WEAPON, "serial": "DUP-9"})
    # meanwhile, at another collection point, the same rifle is registered
    other = enrolled_clerk("clerk-2")
    arms.item_collect(
        actor=principal_for_user(other.clerk),
        site=sites["cp-north"],
        **{k: v for k, v in WEAPON.items() if k != "site"},
        serial="DUP-9",
    )
    context.set_offline(False)
    page.goto(f"{base}/field/outbox/")
    wait_statuses(page, {"needs_review": 1})
    page.wait_for_selector("#outbox tbody tr[data-status=needs_review]")
    held = Submission.objects.get()
    assert held.status == "needs_review" and held.problem["code"] == "duplicate"

    # the device is revoked while it holds a waiting submission
    context.set_offline(True)
    page.goto(f"{base}/field/app/arms.weapon/")
    save_offline(page, {"serial": "LATE-1", "condition": "serviceable"})
    services.device_revoke(
        actor=principal_for_user(enrolled.supervisor), device=enrolled.device, reason="lost"
    )
    context.set_offline(False)
    page.goto(f"{base}/field/outbox/")
    # what it held is handed over, then the device wipes itself: key, outbox, photos, the
    # vocabularies, its credential and the cached pages
    deadline = time.monotonic() + 90
    while page.evaluate(WIPED) != [0, 0, False, False, False, 0, True]:
        assert time.monotonic() < deadline, page.evaluate(WIPED)
        page.wait_for_timeout(250)
    kept = Submission.objects.get(problem__code="device_revoked")
    assert services.payload_open(kept)["serial"] == "LATE-1"
    assert Submission.objects.filter(status="needs_review").count() == 2
    assert not Item.objects.filter(serial="LATE-1").exists()
    page.reload()
    page.wait_for_function(
        "() => document.querySelector('#device-line').textContent"
        " === document.querySelector('#labels').dataset.wiped"
    )
    context.close()


JPEG_WITH_EXIF = """async () => {
  const canvas = document.createElement("canvas");
  canvas.width = 2400; canvas.height = 1800;
  const g = canvas.getContext("2d");
  g.fillStyle = "#556b2f"; g.fillRect(0, 0, 2400, 1800);
  g.fillStyle = "#222"; g.fillRect(200, 700, 2000, 200);
  const blob = await new Promise(r => canvas.toBlob(r, "image/jpeg", 0.9));
  return Array.from(new Uint8Array(await blob.arrayBuffer()));
}"""


def _with_exif(jpeg: bytes) -> bytes:
    """The JPEG with an APP1 Exif segment after its start, holding a place a camera would write."""
    tiff = b"MM\x00*\x00\x00\x00\x08\x00\x00GPS 40.1792N 44.4991E"
    segment = b"Exif\x00\x00" + tiff
    return jpeg[:2] + b"\xff\xe1" + (len(segment) + 2).to_bytes(2, "big") + segment + jpeg[2:]


def test_records_go_first_and_their_photos_follow_smaller_without_exif(
    browser: Any,
    live_server: Any,
    sites: dict[str, Site],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from laydown.arms import photos
    from laydown.arms.services import collection

    base = live_server.url
    enrolled = enrolled_clerk()
    context = browser()
    page = enrol(context, base, enrolled.secret)
    camera = tmp_path / "camera.jpg"
    camera.write_bytes(_with_exif(bytes(page.evaluate(JPEG_WITH_EXIF))))

    context.set_offline(True)
    page.goto(f"{base}/field/app/arms.weapon/")
    page.set_input_files('input[name="photo"]', str(camera))
    save_offline(page, {**WEAPON, "serial": "PHOTO-1"})
    kept = page.evaluate(
        "async () => (await self.LaydownOutbox.all('photos')).map(p => [p.sha, p.type, p.size])"
    )
    assert len(kept) == 1 and kept[0][1] == "image/webp"
    assert kept[0][2] < camera.stat().st_size
    photos.photo_path(kept[0][0]).unlink(missing_ok=True)  # the file store outlives a test

    # the network returns, but the photos' uploads fail (the connection drops as each photo
    # arrives; the page's and the service worker's uploads alike): the record arrives all the same
    arrive = collection.photo_arrive
    network = {"drops": True}

    def dropped(**kw: Any) -> bool:
        if network["drops"]:
            raise ConnectionResetError("the connection dropped")
        return arrive(**kw)

    monkeypatch.setattr(collection, "photo_arrive", dropped)
    context.set_offline(False)
    page.goto(f"{base}/field/outbox/")
    wait_statuses(page, {"sent": 1})
    item = Item.objects.get(serial="PHOTO-1")
    sha = kept[0][0]
    assert item.photos == [sha] and photos.photos_waiting(item.photos) == [sha]
    row = page.locator("#outbox tbody tr[data-status=sent][data-photos='1']")
    row.wait_for()
    assert "1" in row.inner_text()

    # then they go through: stored once, by their hash, smaller and without the camera's EXIF
    network["drops"] = False
    page.evaluate("() => window.LaydownApp.sync()")
    deadline = time.monotonic() + 60
    while page.evaluate("async () => (await self.LaydownOutbox.all('photos')).length"):
        assert time.monotonic() < deadline, "the photo stayed on the device"
        page.wait_for_timeout(250)
    stored = photos.photo_path(sha).read_bytes()
    assert stored[:4] == b"RIFF" and stored[8:12] == b"WEBP"
    assert b"GPS" not in stored and b"Exif" not in stored
    assert photos.photos_waiting(item.photos) == []
    page.wait_for_selector("#outbox tbody tr[data-status=sent]:not([data-photos])")
    context.close()
