"""Principals per role, a tiny PNG maker and registration helpers for demobilization tests."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from laydown.access.permissions import Principal
from laydown.core.png import png as png_of
from laydown.people import services
from laydown.people.models import Participant
from laydown.testing import YES, principal  # noqa: F401  (YES: re-exported for the people tests)

REGISTRAR = principal("u-registrar", ("registrar", "region:north"))
REGISTRAR_SOUTH = principal("u-registrar-south", ("registrar", "region:south"))
MANAGER = principal("u-manager", ("programme_manager", "programme"))
CHILD_OFFICER = principal("u-child", ("child_protection", "programme"))
PARTNER = principal("u-partner", ("partner_staff", "programme"))
AUDITOR = principal("u-auditor", ("auditor", "programme"))
TODAY = dt.date(2026, 6, 1)


def png(seed: int = 0) -> bytes:
    """A valid 2x2 PNG whose colour depends on `seed` (so its SHA-256 does too)."""
    return png_of(2, 2, bytes([seed % 256, (seed // 256) % 256, 7]) * 4)


def register(
    actor: Principal = REGISTRAR, *, photo: bytes | None = None, **fields: Any
) -> Participant:
    defaults: dict[str, Any] = {
        "name": "Aram Petrosyan",
        "born": "1990-04-02",
        "sex": "m",
        "category": "combatant",
        "region": "north",
        "dependants": 2,
    }
    person = services.person_check(**{**defaults, **fields}, today=TODAY)
    return services.participant_register(
        actor=actor,
        person=person,
        photo=photo,
        contact={"phone": "+374 10 000000", "village": "Norashen"},
        profile={"education": "secondary", "skills": ["driving"], "group": "Northern Brigade"},
        health={"conditions": ["hearing loss"]},
        today=TODAY,
    )


def unmasked(response: Any) -> str:
    """A page's text without its CSRF token (masked afresh on every render)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
