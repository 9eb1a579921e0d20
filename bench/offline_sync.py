"""Sync of an offline outbox over a slow network: time to empty it and bytes per record.

    python bench/offline_sync.py [--records 500] [--kbits 400] [--latency-ms 400]
                                 [--write docs/benchmarks.md]

A fresh data directory (SQLite), a collection point, a clerk and a device enrolled for them by a
programme manager; `laydown serve` in its own process. Debian's Chromium (Playwright, a profile of
its own) opens the enrolment link and chooses the device's PIN (a passphrase; the app's idle lock
set beyond the run, since nobody touches the tablet meanwhile), then --records weapons, each with a
photo, are put in the device's outbox the way the offline form keeps them: a camera's picture (here
2000 x 1500 drawn on a canvas: a gradient, shapes, the serial and grain like a camera's, as a JPEG
at quality 0.9) made smaller by the app's own `shrink` (outbox.js: a long side of 1600 px, WebP at
quality 0.7) and kept apart from its record, sealed with AES-GCM in IndexedDB. Then Chromium's
network emulation (CDP Network.emulateNetworkConditions) throttles the page to --kbits each way with
--latency-ms, and the app's own sync empties the outbox: the records first (each naming its photo by
SHA-256, six at a time), then the photos (two at a time). Measured: the time from the start of the
sync to no record waiting, and to no photo left on the device; the bytes on the wire per record,
records' and photos' apart (request and response, headers and bodies, as Chromium counts them);
whether every record arrived exactly once (weapons, submissions and serials counted in the database
afterwards) and every photo is stored under its hash. The run stops, and says what is left, when
nothing moved for --stall seconds (a photo refused or a record held for review stays on the device)
or after --limit seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _server import device_enrolled, machine, served, setup_programme, write_section

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "bench-offline-2026!"  # noqa: S105 - a throwaway database
PIN = "bench passphrase 2026"  # noqa: S105 - the device's PIN, a passphrase
FILL = """async ([count]) => {
  const O = self.LaydownOutbox;
  let bytes = 0, camera = 0;
  const W = 2000, H = 1500;
  for (let n = 0; n < count; n++) {
    const canvas = document.createElement("canvas");
    canvas.width = W; canvas.height = H;
    const g = canvas.getContext("2d");
    const grad = g.createLinearGradient(0, 0, W, H);
    grad.addColorStop(0, "#556b2f"); grad.addColorStop(1, "#d2b48c");
    g.fillStyle = grad; g.fillRect(0, 0, W, H);
    g.fillStyle = "#222"; g.fillRect(180 + n % 50, 620, 1640, 120); g.fillRect(370, 740, 180, 370);
    g.font = "96px sans-serif"; g.fillStyle = "#fff"; g.fillText("BENCH-" + n, 120, 180);
    // a camera's grain: what makes a photo's JPEG larger than a drawing's
    const image = g.getImageData(0, 0, W, H);
    let seed = n + 1;
    for (let i = 0; i < image.data.length; i += 4) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const d = (seed % 25) - 12;
      image.data[i] += d; image.data[i + 1] += d; image.data[i + 2] += d;
    }
    g.putImageData(image, 0, 0);
    const taken = await new Promise(r => canvas.toBlob(r, "image/jpeg", 0.9));
    camera += taken.size;
    const photo = await O.shrink(taken);
    const payload = {site: "cp-1", category: "sa_assault_rifle", make: "Kalashnikov", model: "AKM",
                     calibre: "7.62x39mm", serial: "BENCH-" + String(n).padStart(5, "0"),
                     condition: "serviceable"};
    await O.save("arms.weapon", {payload, photos: [photo], summary: payload.serial});
    bytes += photo.bytes.byteLength;
  }
  return [(await O.all("outbox")).length, bytes, camera];
}"""
# counted without reading a photo's bytes (a getAll of 500 photos reads about 50 MB)
WAITING = """async () => [(await self.LaydownOutbox.all("outbox"))
  .filter(r => r.status === "waiting").length, await self.LaydownOutbox.count("photos")]"""


def setup_child() -> None:
    """Migrate, keys, collection point cp-1, a clerk and a device enrolled for them."""
    setup_programme()
    _device, secret = device_enrolled(PASSWORD, "bench tablet")
    print(json.dumps({"secret": secret}))


def check_child() -> None:
    """Count what arrived: weapons, accepted submissions, distinct serials."""
    import django

    django.setup()
    import hashlib

    from laydown.arms.models import Item
    from laydown.arms.photos import photo_path
    from laydown.field.models import Submission

    items = Item.objects.filter(serial__startswith="BENCH-")
    named = [sha for photos in items.values_list("photos", flat=True) for sha in photos]
    stored = [sha for sha in named if photo_path(sha).exists()]
    print(
        json.dumps(
            {
                "items": items.count(),
                "serials": items.values("serial").distinct().count(),
                "submissions": Submission.objects.filter(status="accepted").count(),
                "photos_named": len(named),
                "photos_stored": len(stored),
                "photos_hash_ok": sum(
                    hashlib.sha256(photo_path(sha).read_bytes()).hexdigest() == sha
                    for sha in stored
                ),
            }
        )
    )


class Wire:
    """Bytes on the wire per kind of request, from Chromium's own events (CDP Network.*): the
    request line, headers and body as sent, and `encodedDataLength` (the answer's headers and
    body) when it finished. Playwright's `request.sizes()` is not used: it waits, without a
    timeout, for events Chromium does not always send (a Blob-bodied upload's end, the "extra
    info" of some requests), and hung the run after the photos. Chromium does not send
    `loadingFinished` for the photos' Blob-bodied uploads either: a request answered but never
    finished counts its answer's headers and Content-Length (`close`)."""

    def __init__(self, cdp: Any, photo_sizes: dict[str, int]) -> None:
        self.photo_sizes = photo_sizes
        self.sent: dict[str, dict[str, Any]] = {}
        self.bytes = {"records": 0, "photos": 0}
        self.count = {"records": 0, "photos": 0}
        cdp.on("Network.requestWillBeSent", self.started)
        cdp.on("Network.requestWillBeSentExtraInfo", self.headers)
        cdp.on("Network.responseReceived", self.answered)
        cdp.on("Network.loadingFinished", self.finished)

    @staticmethod
    def head(headers: dict[str, str]) -> int:
        return sum(len(k) + len(v) + 4 for k, v in headers.items())

    def started(self, event: dict[str, Any]) -> None:
        request = event["request"]
        if "/api/" not in request["url"]:
            return
        kind = "photos" if "/photos/" in request["url"] else "records"
        body = len(request.get("postData", "").encode())
        if kind == "photos":  # a Blob's bytes are not in the event: the photo's size, its part
            body = self.photo_sizes.get(request["url"].rsplit("/", 1)[-1], 0) + 200
        line = len(request["method"]) + len(request["url"]) + 12
        self.sent[event["requestId"]] = {
            "kind": kind,
            "body": line + body,
            "head": self.head(request.get("headers", {})),
        }
        self.count[kind] += 1

    def headers(self, event: dict[str, Any]) -> None:
        """The headers as sent (Host, Accept-Encoding... beside the page's own), when known."""
        known = self.sent.get(event["requestId"])
        if known:
            known["head"] = self.head(event.get("headers", {}))

    def answered(self, event: dict[str, Any]) -> None:
        known = self.sent.get(event["requestId"])
        if known:
            response = event["response"]
            length = {k.lower(): v for k, v in response.get("headers", {}).items()}
            body = int(length.get("content-length", "0") or 0)
            known["answer"] = int(response.get("encodedDataLength", 0)) + body

    def finished(self, event: dict[str, Any]) -> None:
        known = self.sent.pop(event["requestId"], None)
        if known:
            answer = int(event.get("encodedDataLength", 0))
            self.bytes[known["kind"]] += known["body"] + known["head"] + answer

    def close(self) -> None:
        """Count the requests answered whose end Chromium did not report."""
        for request_id, known in list(self.sent.items()):
            if "answer" in known:
                self.bytes[known["kind"]] += known["body"] + known["head"] + known["answer"]
                del self.sent[request_id]


def pin_choose(page: Any) -> None:
    """On the enrolment page: choose the device's PIN, as a clerk does, and wait until it opens."""
    page.wait_for_selector("#pin-panel[data-state=choose]", timeout=60_000)
    page.fill("#pin-input", PIN)
    page.fill("#pin-again", PIN)
    page.click("#pin-submit")
    page.wait_for_selector("#pin-panel[data-state=unlocked]", state="attached", timeout=60_000)


def sync(url: str, secret: str, args: argparse.Namespace, profile: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = context.new_page()
        page.goto(f"{url}/field/enrol/#{secret}")
        page.wait_for_function(
            "() => document.querySelector('#enrol-status').textContent"
            " === document.querySelector('#enrol-status').dataset.done",
            timeout=60_000,
        )
        pin_choose(page)
        # nobody touches the tablet during the run: the app must not lock itself meanwhile
        page.evaluate("() => self.LaydownOutbox.put('config', 24 * 3600 * 1000, 'idleMs')")
        page.goto(f"{url}/field/outbox/")
        page.wait_for_function("() => !!self.LaydownOutbox.keyHeld()", timeout=60_000)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        # offline while the outbox is filled, so that nothing leaves before the clock starts
        offline = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
        cdp.send("Network.emulateNetworkConditions", offline)
        filling = time.perf_counter()
        filled, photo_bytes, camera_bytes = page.evaluate(FILL, [args.records])
        fill_seconds = time.perf_counter() - filling
        kept_bytes = page.evaluate(
            "async () => (await self.LaydownOutbox.all('outbox'))"
            ".reduce((n, r) => n + r.sealed.ct.byteLength, 0)"
        )
        sizes_of: dict[str, int] = dict(
            page.evaluate(
                "async () => (await self.LaydownOutbox.all('photos')).map(p => [p.sha, p.size])"
            )
        )
        wire = Wire(cdp, sizes_of)
        rate = args.kbits * 1000 / 8
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": args.latency_ms,
                "downloadThroughput": rate,
                "uploadThroughput": rate,
            },
        )
        started = time.perf_counter()
        records_done: float | None = None
        stalled = False
        last_change, last_left = started, None
        page.evaluate("() => { window.LaydownApp.sync(); }")
        while True:
            records_left, photos_left = page.evaluate(WAITING)
            now = time.perf_counter()
            if not records_left and records_done is None:
                records_done = now - started
                print(f"records: {records_done:.1f} s", file=sys.stderr)
            if not records_left and not photos_left:
                break
            if (records_left, photos_left) != last_left:
                last_change, last_left = now, (records_left, photos_left)
            # nothing moved for --stall seconds (a photo refused, a record held for review: they
            # stay on the device): stop and say so, rather than wait for --limit
            if now - last_change > args.stall or now - started > args.limit:
                stalled = True
                print(
                    f"stopped after {now - started:.0f} s: {records_left} records and"
                    f" {photos_left} photos left",
                    file=sys.stderr,
                )
                break
            page.evaluate("() => { window.LaydownApp.sync(); }")
            time.sleep(1)
        elapsed = time.perf_counter() - started
        photos_left = page.evaluate(WAITING)[1]
        page.wait_for_timeout(2000)  # the last answers' "loadingFinished" events
        wire.close()
        statuses = page.evaluate(
            "async () => { const o = {}; (await self.LaydownOutbox.all('outbox'))"
            ".forEach(r => o[r.status] = (o[r.status] || 0) + 1); return o; }"
        )
        context.close()
    return {
        "filled": filled,
        "fill_seconds": fill_seconds,
        "records_seconds": records_done,
        "photos_left": photos_left,
        "stalled": stalled,
        "camera_bytes": camera_bytes,
        "seconds": elapsed,
        "requests": wire.count["records"],
        "photo_uploads": wire.count["photos"],
        "wire_bytes": wire.bytes,
        "kept_bytes": kept_bytes,
        "photo_bytes": photo_bytes,
        "statuses": statuses,
    }


def markdown(r: dict[str, Any], args: argparse.Namespace, load: str) -> str:
    n = max(r["filled"], 1)
    per_record = r["wire_bytes"]["records"] / n
    per_photo = r["wire_bytes"]["photos"] / max(r["photo_uploads"], 1)
    got = r["arrived"]
    once = got["items"] == got["serials"] == got["submissions"] == r["filled"]
    records_s = r["records_seconds"]
    met = "met" if once and records_s is not None and records_s < 120 else "not met"
    arrived = f"{got['items']} weapons, {got['serials']} serials, {got['submissions']} submissions"
    photos_done = (
        f"{r['seconds']:.0f} s"
        if not r["photos_left"]
        else f"not done: {r['photos_left']} left after {r['seconds']:.0f} s"
    )
    command = (
        f"python bench/offline_sync.py --records {args.records} --kbits {args.kbits}"
        f" --latency-ms {args.latency_ms}"
    )
    head = (
        "| records | records sent (no record waiting)"
        " | photos sent (none left on the device)"
        " | requests | bytes on the wire per record | per photo | photo kept (after shrink)"
        " | arrived | photos stored, hash checked | target (records each once, < 2 min) |"
    )
    records_time = "—" if records_s is None else f"{records_s:.1f} s"
    row = (
        f"| {r['filled']} | {records_time} | {photos_done}"
        f" | {r['requests']} + {r['photo_uploads']} photos"
        f" | {per_record / 1024:.1f} KiB | {per_photo / 1024:.0f} KiB"
        f" | {r['photo_bytes'] / n / 1024:.0f} KiB | {arrived}"
        f" | {got['photos_hash_ok']} of {got['photos_named']} | {met} |"
    )
    today = dt.datetime.now(dt.UTC).date().isoformat()
    rate = args.kbits * 125
    return f"""<!-- offline-sync:begin -->
## Field capture: emptying an offline outbox over a slow network (issue 11)

`{command}`, {today}, {machine()}; load before the run: `{load}`; `laydown serve` on SQLite;
Debian's Chromium through Playwright with Chromium's network emulation ({args.kbits} kbit/s each
way, {args.latency_ms} ms latency). Each record is a weapon with one photo: a camera's picture
(2000 x 1500, drawn on a canvas with a gradient, shapes, the serial and a camera's grain; a JPEG
of {r["camera_bytes"] / n / 1024:.0f} KiB) made smaller by the app as the form does (outbox.js
`shrink`: a long side of 1600 px, WebP at quality 0.7, no EXIF) and kept apart from its record.
Filling the outbox took {r["fill_seconds"]:.0f} s (offline, not timed).

{head}
|---|---|---|---|---|---|---|---|---|---|
{row}

The records go first, six at a time, each naming its photo by SHA-256 (the server accepts a
record whose photos are announced but not yet there, and the item page says which are still on
the device); the photos follow, two at a time, each stored once under its hash. The link carries
{rate / 1000:.0f} KB/s: the records' {per_record * n / 1024 / 1024:.2f} MiB take about
{per_record * n / rate:.0f} s of it, the rest of their time is the {args.latency_ms} ms of each
round trip; the photos' {r["wire_bytes"]["photos"] / 1024 / 1024:.1f} MiB need about
{r["wire_bytes"]["photos"] / rate:.0f} s at this rate whatever the order, so on such a link the
photos arrive over the next minutes (the registry has every weapon long before; a record saved
meanwhile goes before the remaining photos).
<!-- offline-sync:end -->
"""


def main() -> None:
    if "--setup" in sys.argv:
        setup_child()
        return
    if "--check" in sys.argv:
        check_child()
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=500)
    parser.add_argument("--kbits", type=int, default=400)
    parser.add_argument("--latency-ms", type=int, default=400)
    parser.add_argument("--write", type=Path)
    parser.add_argument(
        "--limit", type=int, default=3600, help="stop after this many seconds (photos left)"
    )
    parser.add_argument(
        "--stall", type=int, default=300, help="stop when nothing was sent for this many seconds"
    )
    args = parser.parse_args()
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()  # noqa: S607
    with served(__file__, "offline") as (server, setup, env):
        result = sync(
            server.url.replace("127.0.0.1", "localhost"),
            setup["secret"],
            args,
            str(Path(env["LAYDOWN_DATA_DIR"]) / "chromium-profile"),
        )
        done = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--check"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        result["arrived"] = json.loads(done.stdout.strip().splitlines()[-1])
    print(json.dumps(result, indent=1), file=sys.stderr)
    if args.write:
        write_section(args.write, markdown(result, args, load), "offline-sync")


if __name__ == "__main__":
    main()
