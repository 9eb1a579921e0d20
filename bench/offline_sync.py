"""Sync of an offline outbox over a slow network: time to empty it and bytes per record.

    python bench/offline_sync.py [--records 500] [--kbits 400] [--latency-ms 400]
                                 [--write docs/benchmarks.md]

A fresh data directory (SQLite), a collection point, a clerk and a device enrolled for them by a
programme manager; `laydown serve` in its own process. Debian's Chromium (Playwright, a profile
of its own) opens the enrolment link, then --records weapons, each with a photo, are put in the
device's outbox the way the offline form keeps them (app.js: a JPEG of at most 1024 px at
quality 0.7, sealed with AES-GCM in IndexedDB; here a 1024 x 768 picture drawn on a canvas:
a gradient, shapes, the serial and grain like a camera's). Then Chromium's network emulation (CDP
Network.emulateNetworkConditions) throttles the page to --kbits each way with --latency-ms, and
the app's own sync empties the outbox (photo upload then submission, four at a time). Measured:
the time from the start of the sync to an empty outbox, the bytes on the wire per record
(request and response, headers and bodies, as Chromium counts them) and whether every record
arrived exactly once (weapons, submissions and serials counted in the database afterwards).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _server import (
    ROOT,
    Server,
    bench_env,
    clerk_create,
    machine,
    run_setup,
    setup_programme,
    write_section,
)

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "bench-offline-2026!"  # noqa: S105 - a throwaway database
FILL = """async ([count]) => {
  const O = self.LaydownOutbox;
  let bytes = 0;
  for (let n = 0; n < count; n++) {
    const canvas = document.createElement("canvas");
    canvas.width = 1024; canvas.height = 768;
    const g = canvas.getContext("2d");
    const grad = g.createLinearGradient(0, 0, 1024, 768);
    grad.addColorStop(0, "#556b2f"); grad.addColorStop(1, "#d2b48c");
    g.fillStyle = grad; g.fillRect(0, 0, 1024, 768);
    g.fillStyle = "#222"; g.fillRect(90 + n % 50, 320, 840, 60); g.fillRect(190, 380, 90, 190);
    g.font = "48px sans-serif"; g.fillStyle = "#fff"; g.fillText("BENCH-" + n, 60, 90);
    // a camera's grain: what makes a photo's JPEG larger than a drawing's
    const image = g.getImageData(0, 0, 1024, 768);
    let seed = n + 1;
    for (let i = 0; i < image.data.length; i += 4) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const d = (seed % 25) - 12;
      image.data[i] += d; image.data[i + 1] += d; image.data[i + 2] += d;
    }
    g.putImageData(image, 0, 0);
    const b64 = canvas.toDataURL("image/jpeg", 0.7).split(",")[1];
    const payload = {site: "cp-1", category: "sa_assault_rifle", make: "Kalashnikov", model: "AKM",
                     calibre: "7.62x39mm", serial: "BENCH-" + String(n).padStart(5, "0"),
                     condition: "serviceable"};
    const photos = [{type: "image/jpeg", b64}];
    await O.save("arms.weapon", {payload, photos, summary: payload.serial});
    bytes += b64.length * 3 / 4;
  }
  return [(await O.all("outbox")).length, bytes];
}"""
WAITING = """async () => (await self.LaydownOutbox.all("outbox"))
  .filter(r => r.status === "waiting").length"""


def setup_child() -> None:
    """Migrate, keys, collection point cp-1, a clerk and a device enrolled for them."""
    setup_programme()
    from laydown.access.roles import Role
    from laydown.access.web import principal_for_user
    from laydown.accounts import services as accounts
    from laydown.field import services

    clerk = clerk_create("clerk", PASSWORD)
    boss = accounts.user_create(
        actor=accounts.SYSTEM, username="boss", password=PASSWORD, organisation="op"
    )
    accounts.role_grant(
        actor=accounts.SYSTEM, user=boss, role=Role.PROGRAMME_MANAGER, scope="programme"
    )
    _device, secret = services.device_enrol(
        actor=principal_for_user(boss), user=clerk, name="bench tablet"
    )
    print(json.dumps({"secret": secret}))


def check_child() -> None:
    """Count what arrived: weapons, accepted submissions, distinct serials."""
    import django

    django.setup()
    from laydown.arms.models import Item
    from laydown.field.models import Submission

    items = Item.objects.filter(serial__startswith="BENCH-")
    print(
        json.dumps(
            {
                "items": items.count(),
                "serials": items.values("serial").distinct().count(),
                "submissions": Submission.objects.filter(status="accepted").count(),
            }
        )
    )


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
        page.goto(f"{url}/field/outbox/")
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        # offline while the outbox is filled, so that nothing leaves before the clock starts
        offline = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
        cdp.send("Network.emulateNetworkConditions", offline)
        filled, photo_bytes = page.evaluate(FILL, [args.records])
        kept_bytes = page.evaluate(
            "async () => (await self.LaydownOutbox.all('outbox'))"
            ".reduce((n, r) => n + r.sealed.ct.byteLength, 0)"
        )
        requests: list[Any] = []
        page.on("requestfinished", lambda request: requests.append(request))
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
        page.evaluate("() => window.LaydownApp.sync()")
        while page.evaluate(WAITING):
            if time.perf_counter() - started > 3600:
                raise SystemExit("the outbox did not empty within an hour")
            page.evaluate("() => window.LaydownApp.sync()")
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        page.wait_for_timeout(2000)  # the last answers' "requestfinished" events
        wire = 0
        photos = 0
        for request in requests:
            sizes = request.sizes()
            wire += sizes["requestHeadersSize"] + sizes["responseHeadersSize"]
            wire += sizes["responseBodySize"]
            body = sizes["requestBodySize"] or len(request.post_data_buffer or b"")
            if request.url.endswith("/arms/photos"):
                photos += 1
                # Playwright cannot see a Blob's multipart body: count the photo and its part
                body = body or (photo_bytes // max(args.records, 1) + 200)
            wire += body
        statuses = page.evaluate(
            "async () => { const o = {}; (await self.LaydownOutbox.all('outbox'))"
            ".forEach(r => o[r.status] = (o[r.status] || 0) + 1); return o; }"
        )
        context.close()
    return {
        "filled": filled,
        "seconds": elapsed,
        "requests": len(requests),
        "photo_uploads": photos,
        "wire_bytes": wire,
        "kept_bytes": kept_bytes,
        "photo_bytes": photo_bytes,
        "statuses": statuses,
    }


def markdown(r: dict[str, Any], args: argparse.Namespace) -> str:
    n = max(r["filled"], 1)
    per = r["wire_bytes"] / n
    got = r["arrived"]
    once = got["items"] == got["serials"] == got["submissions"] == r["filled"]
    met = "met" if once and r["seconds"] < 120 else "not met"
    arrived = f"{got['items']} weapons, {got['serials']} serials, {got['submissions']} submissions"
    command = (
        f"python bench/offline_sync.py --records {args.records} --kbits {args.kbits}"
        f" --latency-ms {args.latency_ms}"
    )
    head = (
        "| records | time to empty the outbox | requests | bytes on the wire per record"
        " | kept on the device per record (sealed) | arrived | target (each once, < 2 min) |"
    )
    row = (
        f"| {r['filled']} | {r['seconds']:.1f} s | {r['requests']} | {per / 1024:.1f} KiB"
        f" | {r['kept_bytes'] / n / 1024:.1f} KiB | {arrived} | {met} |"
    )
    today = dt.datetime.now(dt.UTC).date().isoformat()
    floor = round(per * n / (args.kbits * 125), -1)
    return f"""<!-- offline-sync:begin -->
## Field capture: emptying an offline outbox over a slow network (issue 11)

`{command}`, {today}, {machine()}; `laydown serve` on SQLite; Debian's Chromium through
Playwright with Chromium's network emulation ({args.kbits} kbit/s each way, {args.latency_ms} ms
latency). Each record is a weapon with one photo as the offline form keeps it (a 1024 x 768
JPEG at quality 0.7, drawn on a canvas: a gradient, shapes, the serial and a camera's grain,
{r["photo_bytes"] / n / 1024:.0f} KiB on average; the time grows with the photos).

{head}
|---|---|---|---|---|---|---|
{row}

The link carries {args.kbits / 8:.0f} KB/s: the time is the bytes over the link
({per * n / 1024 / 1024:.1f} MiB in all), not the server; each record is two requests (the
photo, then the submission naming it), four records in flight at a time. These bytes at the
link's rate take about {floor:.0f} s (uploads and answers share it); two minutes at this
rate hold {args.kbits * 125 * 120 / n / 1024:.0f} KiB a record, so the target needs photos of
that size (a 320 px thumbnail) or photos sent apart from the records once a better network is there.
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="laydown-offline-") as data_dir:
        env = bench_env(data_dir, "")
        setup = run_setup(__file__, env, "sqlite")
        log_path = ROOT / "var" / "bench-offline-server.log"
        log_path.parent.mkdir(exist_ok=True)
        with log_path.open("wb") as log:
            server = Server(env, group_commit=True, log=log)
            try:
                result = sync(
                    server.url.replace("127.0.0.1", "localhost"),
                    setup["secret"],
                    args,
                    str(Path(data_dir) / "chromium-profile"),
                )
            finally:
                server.stop()
        import subprocess

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
        write_section(args.write, markdown(result, args), "offline-sync")


if __name__ == "__main__":
    main()
