"""A real programme from nothing, through its public interfaces only (issue 21).

An empty data directory; `laydown init`; `laydown serve`, `laydown worker` and a witness run
as the operator runs them; then, in Chromium, the administrator sets the programme's profile,
creates two collection points and a depot with containers, imports users from the set-up
workbook, adds the witness; a clerk signs in and registers a weapon, and the receipt shows the
programme's name. No shell, no demo code, and no database access from this test: it reads
only what the commands print and what the pages show.
"""

from __future__ import annotations

import base64
import io
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from django_otp.oath import TOTP
from openpyxl import Workbook

from laydown.testing.browser import LANGUAGE, shows, words

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.worker]

CHROMIUM = "/usr/bin/chromium"
ADMIN_PASSWORD = "Harbour-Kestrel-Lantern-2026"
CLERK_PASSWORD = "Orchard-Meadow-Copper-2026"
PROGRAMME = "Northern Peace Programme"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _free_ports(n: int) -> list[int]:
    """`n` distinct ports the kernel gives out as free, held open until all are chosen. Not a
    fixed range: `laydown serve` (granian) listens with SO_REUSEPORT, so two runs of this test at
    once (the English and Armenian browser suites run side by side) that chose the same port
    would both listen on it and the kernel would share each one's requests between them."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class Operator:
    """The operator's shell: `laydown` commands with one data directory and nothing else."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("LAYDOWN_")}
        self.env["LAYDOWN_DATA_DIR"] = str(root / "data")
        self.processes: list[subprocess.Popen[bytes]] = []

    def run(self, *args: str, **env: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "laydown.cli", *args],
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, f"laydown {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def start(self, name: str, *args: str, **env: str) -> Path:
        log = self.root / f"{name}.log"
        with log.open("wb") as out:
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "laydown.cli", *args],
                    env={**self.env, **env},
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
        return log

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_for(url: str, log: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture
def operator(tmp_path: Path) -> Iterator[Operator]:
    running = Operator(tmp_path)
    yield running
    running.stop()


@pytest.fixture
def browser_page() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run .ci/install-browser (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=flags)
        context = chromium.new_context(viewport={"width": 1100, "height": 900}, locale=LANGUAGE)
        yield context.new_page()
        context.close()
        chromium.close()


def _workbook() -> bytes:
    sheets = {
        "users": [
            ["username", "organisation", "email", "password"],
            ["gulnar", "ddr-commission", "gulnar@example.org", CLERK_PASSWORD],
            ["vardan", "ddr-commission", "", CLERK_PASSWORD],
        ],
        "grants": [
            ["username", "role", "scope"],
            ["gulnar", "collection_clerk", "site:cp-river"],
            ["vardan", "custodian", "site:dep-north"],
        ],
    }
    book = Workbook()
    book.remove(book.worksheets[0])
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _submit(page: Any, label: str) -> None:
    """Press the button labelled `label` (an English msgid, shown in the browser's language)."""
    page.click(f"main button:has-text('{words(label)}')")
    page.wait_for_load_state()


def _says(page: Any, msgid: str) -> bool:
    return shows(page.locator("body").inner_text(), msgid)


WIDER_THAN_360 = """() => [...document.querySelectorAll('main *')]
    .filter(e => e.getBoundingClientRect().right > 361)
    .map(e => e.tagName + (e.id ? '#' + e.id : '') + ' '
              + Math.round(e.getBoundingClientRect().right))
    .slice(0, 5)"""


def _wider_than_360(page: Any, url: str) -> list[str]:
    """What of the page's own content sticks out of a 360 px wide screen."""
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(url)
    wide: list[str] = page.evaluate(WIDER_THAN_360)
    page.set_viewport_size({"width": 1100, "height": 900})
    return wide


def test_a_programme_starts_from_nothing_through_its_public_interfaces(  # noqa: PLR0915
    operator: Operator, browser_page: Any
) -> None:
    page = browser_page
    web_port, witness_port = _free_ports(2)
    base = f"http://127.0.0.1:{web_port}"

    # The operator's shell: the first run, a witness run by someone else, the services.
    said = operator.run(
        "init",
        "--org",
        "ddr-commission",
        "--org-name",
        "National DDR Commission",
        "--admin",
        "amina",
        "--url",
        base,
        LAYDOWN_NEW_PASSWORD=ADMIN_PASSWORD,
    )
    secret = re.search(r"secret: ([A-Z2-7]+)", said)
    log_key = re.search(r"Log verifier key: (\S+)", said)
    assert secret and log_key and f"{base}/setup/" in said
    witness_dir = operator.root / "witness"
    witness_key = (
        operator.run("witness", "init", str(witness_dir), "--name", "witness.example.org/nordland")
        .strip()
        .splitlines()[-1]
    )
    operator.run("witness", "trust", str(witness_dir), log_key.group(1))
    witness_log = operator.start(
        "witness", "witness", "serve", str(witness_dir), "--listen", f"127.0.0.1:{witness_port}"
    )
    served = operator.start(
        "serve", "serve", f"127.0.0.1:{web_port}", LAYDOWN_WORKERS="1", LAYDOWN_THREADS="4"
    )
    operator.start("worker", "worker")
    _wait_for(f"{base}/healthz", served)
    _wait_for(f"http://127.0.0.1:{witness_port}/", witness_log)

    # The administrator signs in with the second factor `laydown init` printed.
    page.goto(f"{base}/accounts/sign-in/")
    page.fill("#id_username", "amina")
    page.fill("#id_password", ADMIN_PASSWORD)
    _submit(page, "Sign in")
    code = TOTP(base64.b32decode(secret.group(1))).token()
    page.fill("input[name=code]", f"{code:06d}")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{base}/setup/")
    assert _says(page, "Before your first day")
    assert page.locator("#step-profile.step-open").count() == 1

    # The programme's profile.
    page.goto(f"{base}/accounts/programme/")
    page.fill("#id_name", PROGRAMME)
    page.select_option("#id_operator", "ddr-commission")
    page.fill("#id_classification", "RESTRICTED")
    page.check("input[name=languages][value=en]")
    page.check("input[name=languages][value=az]")
    if LANGUAGE not in ("en", "az"):
        page.check(f"input[name=languages][value={LANGUAGE}]")
    page.select_option("#id_default_language", "en")
    page.fill("#id_time_zone", "Asia/Baku")
    page.fill("#id_regions", "north | Northern region | AZ01\nriver | River region | AZ02")
    page.set_input_files(
        "#id_logo", files=[{"name": "logo.png", "mimeType": "image/png", "buffer": PNG}]
    )
    _submit(page, "Save the profile")
    assert _says(page, "The programme's profile is saved."), page.content()

    # Two collection points and a depot with two containers.
    sites = [
        ("cp-north", "Collection point North", "collection_point", "north", "40.5", "47.2"),
        ("cp-river", "Collection point River", "collection_point", "river", "", ""),
        ("dep-north", "Depot North", "storage_depot", "north", "40.6", "47.3"),
    ]
    for code_, name, kind, region, lat, lon in sites:
        page.goto(f"{base}/arms/sites/new/")
        page.fill("#id_code", code_)
        page.fill("#id_name", name)
        page.select_option("#id_kind", kind)
        page.fill("#id_region", region)
        page.fill("#id_latitude", lat)
        page.fill("#id_longitude", lon)
        _submit(page, "Create the site")
        assert _says(page, "Site %(code)s created.") and code_ in page.content(), page.content()
    for box in ("dep-north-c1", "dep-north-c2"):
        page.fill("#container-form #id_code", box)
        page.fill("#container-form #id_racks", "4")
        _submit(page, "Set up the container")
        assert _says(page, "Container %(code)s set up.") and box in page.content(), page.content()

    # Users and their grants from the set-up workbook, applied by the worker.
    page.goto(f"{base}/setup/workbook/")
    page.set_input_files(
        "#id_file",
        files=[
            {
                "name": "staff.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": _workbook(),
            }
        ],
    )
    _submit(page, "Check and import")
    page.wait_for_url(f"{base}/setup/", timeout=90_000)
    assert _says(page, "The workbook is imported (%(counts)s)."), page.content()

    # A witness, by its key and URL; its status after a push.
    page.goto(f"{base}/verification/witnesses/")
    page.fill("#id_vkey", witness_key)
    page.fill("#id_url", f"http://127.0.0.1:{witness_port}")
    _submit(page, "Add the witness")
    assert "witness.example.org/nordland" in page.content(), page.content()
    _submit(page, "Push the newest checkpoint now")
    assert page.locator("#witnesses tr.witness-ok").count() == 1, page.content()

    page.goto(f"{base}/setup/")
    assert page.locator("#checklist-ready").count() == 1, page.locator("#checklist").inner_text()
    for url in ("/setup/", "/accounts/programme/", "/arms/sites/dep-north/edit/"):
        assert _wider_than_360(page, base + url) == [], url
    page.click(f"header button:has-text('{words('Sign out')}')")
    page.wait_for_load_state()

    # A clerk of the workbook signs in and registers a weapon at their collection point.
    page.goto(f"{base}/accounts/sign-in/")
    page.fill("#id_username", "gulnar")
    page.fill("#id_password", CLERK_PASSWORD)
    _submit(page, "Sign in")
    page.goto(f"{base}/arms/sites/cp-river/items/new/")
    page.select_option("#id_category", "sa_assault_rifle")
    page.fill("#id_make", "Kalashnikov")
    page.fill("#id_model", "AKM")
    page.fill("#id_serial", "ТК 481516")
    page.check("input[name=condition][value=serviceable]")
    page.click(f"text={words('Register and print the receipt')}")
    page.wait_for_load_state()
    assert "/receipt/" in page.url, page.content()
    receipt = page.locator("#receipt").inner_text()
    assert PROGRAMME in receipt and "National DDR Commission" in receipt
    assert "Collection point River" in receipt
    assert "RESTRICTED" in page.content()
