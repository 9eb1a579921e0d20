"""What the vault's tests share: a test-only action, principals, and one way to write."""

from __future__ import annotations

import datetime as dt

from laydown.access.permissions import Principal
from laydown.vault import services

ACTION = "test.vault_personal_data"


REGISTRAR = Principal(
    user_id=1, pseudonym="u-registrar", organisation_id=1, grants=(("registrar", "programme"),)
)
CLERK = Principal(
    user_id=2, pseudonym="u-clerk", organisation_id=1, grants=(("collection_clerk", "programme"),)
)
TODAY = dt.datetime.now(dt.UTC).date()
LATER = TODAY + dt.timedelta(days=365)
IDENTITY = {"name": "Арам Петросян", "name_latin": "Aram Petrosyan", "born": "1990-04-02"}


def write(subject: str = "p-0001", **overrides) -> None:
    args = {
        "principal": REGISTRAR,
        "action": ACTION,
        "subject": subject,
        "category": "identity",
        "data": IDENTITY,
        "legal_basis": "consent",
        "purpose": "demobilization registration",
        "retain_until": LATER,
        "blind_indexes": {"name": "aram petrosyan", "born": "1990-04-02"},
    }
    services.vault_write(**{**args, **overrides})
