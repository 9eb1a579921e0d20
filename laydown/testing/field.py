"""Shared by the field-capture tests (server and browser): a clerk with an enrolled device."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from laydown.access.web import principal_for_user
from laydown.accounts.models import User
from laydown.field import services
from laydown.field.models import Device
from laydown.testing import user_with_role

WEAPON: dict[str, Any] = {
    "site": "cp-north",
    "category": "sa_assault_rifle",
    "make": "Kalashnikov",
    "model": "AKM",
    "calibre": "7.62x39mm",
    "condition": "serviceable",
}
LOT: dict[str, Any] = {
    "site": "cp-north",
    "type": "cartridge",
    "calibre": "7.62x39mm",
    "quantity": 440,
    "unit": "rounds",
    "hazard_division": "1.4",
    "compatibility_group": "S",
    "condition": "serviceable",
}


@dataclass
class Enrolled:
    clerk: User
    supervisor: User
    device: Device
    secret: str


def enrolled_clerk(username: str = "clerk", supervisor: str = "supervisor") -> Enrolled:
    clerk = user_with_role(username, "collection_clerk")
    boss = User.objects.filter(username=supervisor).first() or user_with_role(
        supervisor, "programme_manager"
    )
    device, secret = services.device_enrol(
        actor=principal_for_user(boss), user=clerk, name=f"tablet of {username}"
    )
    return Enrolled(clerk=clerk, supervisor=boss, device=device, secret=secret)


def submission(form: str, payload: dict[str, Any], sid: str | None = None) -> dict[str, Any]:
    return {
        "id": sid or str(uuid.uuid4()),
        "form": form,
        "device_at": "2026-11-29T10:00:00+04:00",
        "payload": payload,
    }


# ---- the browser tests: Debian's Chromium driven by Playwright (never a downloaded browser) ----

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

OUTBOX_STATUSES = """async () => {
  const rows = await self.LaydownOutbox.all("outbox");
  const out = {};
  rows.forEach(r => { out[r.status] = (out[r.status] || 0) + 1; });
  return out;
}"""


def choose(page: Any, name: str, value: str) -> None:
    """Pick `value` in the form's list `name` once app.js has filled it from the device."""
    page.wait_for_selector(f'select[name="{name}"] option[value="{value}"]', state="attached")
    page.select_option(f'select[name="{name}"]', value)


def save_offline(page: Any, fields: dict[str, str]) -> None:
    """Fill an offline form (lists and text), save it to the outbox, wait for the confirmation."""
    for name, value in fields.items():
        if page.locator(f'select[name="{name}"]').count():
            choose(page, name, value)
        else:
            page.fill(f'[name="{name}"]', value)
    before = int(page.get_attribute("form.field-form", "data-saved") or 0)
    page.click("form.field-form button[type=submit]")
    # saved, and the form made ready for the next one
    page.wait_for_function(
        "(n) => Number(document.querySelector('form.field-form').dataset.saved || 0) > n",
        arg=before,
    )


PIN = "482915"  # noqa: S105 - a test device's PIN


def pin_state(page: Any) -> str:
    """The PIN panel's state: unlocked, locked, choose or offline (see outbox.js pinState)."""
    page.wait_for_selector("#pin-panel[data-state]", state="attached")
    return str(page.get_attribute("#pin-panel", "data-state"))


def pin_choose(page: Any, pin: str = PIN) -> None:
    """Choose the device's PIN in the panel (after enrolment), and wait until the outbox opens."""
    page.wait_for_selector("#pin-panel[data-state=choose]", state="visible")
    page.fill("#pin-input", pin)
    page.fill("#pin-again", pin)
    page.click("#pin-submit")
    page.wait_for_selector("#pin-panel[data-state=unlocked]", state="attached", timeout=30_000)


def pin_type(page: Any, pin: str) -> str:
    """Type a PIN in the locked panel; the panel's state after it (unlocked, locked, offline)."""
    page.wait_for_selector("#pin-panel[data-state=locked]", state="visible")
    page.fill("#pin-input", pin)
    page.click("#pin-submit")
    page.wait_for_function(
        "() => !document.querySelector('#pin-submit').disabled"
        " && document.querySelector('#pin-input').value === ''",
        timeout=30_000,
    )
    return pin_state(page)
