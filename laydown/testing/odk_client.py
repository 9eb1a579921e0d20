"""The real OpenRosa client of the round-trip test: ODK Web Forms (@getodk/web-forms, ODK's own
form engine, from npm) in Debian's Chromium. `make interop-tools` (.ci/install-odk-client)
installs it as pinned by interop/odk-client/package-lock.json and bundles it with the harness
page (interop/odk-client/entry.js) into interop/odk-client/dist/.

The harness page is served on the live server's own origin by Playwright (a route, nothing added
to Laydown's URLs), so that its requests to /openrosa/ are same-origin; the browser answers the
Digest challenge with the device's credential (Playwright's `http_credentials`)."""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent / "interop" / "odk-client"
DIST = ROOT / "dist"
HARNESS_PATH = "/odk-client/"

# A photo as a camera makes it: a JPEG of random-looking pixels (hardly compressible), made by
# the browser's own encoder, about 200 KB at 640x480 and quality 0.9.
JPEG = """async ([width, height]) => {
  const canvas = document.createElement('canvas');
  canvas.width = width; canvas.height = height;
  const g = canvas.getContext('2d');
  const image = g.createImageData(width, height);
  let x = 2463534242;
  for (let i = 0; i < image.data.length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    image.data[i] = i % 4 === 3 ? 255 : (x >>> 0) & 255;
  }
  g.putImageData(image, 0, 0);
  const blob = await new Promise((done) => canvas.toBlob(done, 'image/jpeg', 0.9));
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}"""


def harness_installed() -> str | None:
    """None if the bundle is there, else what to run."""
    if not (DIST / "odk-client.js").exists():
        return f"{DIST}/odk-client.js is missing: run `make interop-tools` (.ci/install-odk-client)"
    return None


def serve_harness(context: Any, base: str) -> None:
    """Answer `{base}/odk-client/*` from the harness page and the bundle."""

    def handle(route: Any) -> None:
        name = route.request.url.split(HARNESS_PATH, 1)[1].split("?", 1)[0] or "harness.html"
        path = ROOT / "harness.html" if name == "harness.html" else DIST / name
        if "/" in name or not path.is_file():
            route.fulfill(status=404, body="")
            return
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        route.fulfill(status=200, body=path.read_bytes(), content_type=kind)

    context.route(f"{base}{HARNESS_PATH}**", handle)


def open_form(page: Any, base: str, form_id: str, form_list: str = "/openrosa/formList") -> None:
    """Open the harness on `form_id` (read from the server's formList) and wait for the form."""
    page.goto(f"{base}{HARNESS_PATH}harness.html?formList={form_list}&formId={form_id}")
    page.wait_for_function("window.laydownOdk && window.laydownOdk.phase !== 'loading'")
    state = page.evaluate("window.laydownOdk")
    assert state["phase"] == "ready", state["error"]
    page.wait_for_selector("form, .odk-form, button[aria-label='Send']")


def camera_jpeg(page: Any, width: int = 640, height: int = 480) -> bytes:
    return base64.b64decode(page.evaluate(JPEG, [width, height]))


def submitted(page: Any, count: int = 1, timeout: float = 30_000) -> list[dict[str, Any]]:
    """The harness's submissions once `count` of them have their POST answered."""
    page.wait_for_function(
        "(n) => window.laydownOdk.error || (window.laydownOdk.submissions.length >= n"
        " && window.laydownOdk.submissions.every((s) => s.post !== null || s.violations))",
        arg=count,
        timeout=timeout,
    )
    state = page.evaluate("window.laydownOdk")
    assert not state["error"], state["error"]
    return list(state["submissions"])
