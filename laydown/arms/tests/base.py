"""Principals per role and helpers shared by the registry's tests."""

from __future__ import annotations

from typing import Any

from laydown.access.permissions import Principal
from laydown.ledger import selectors as ledger_selectors


def principal(pseudonym: str, *grants: tuple[str, str]) -> Principal:
    return Principal(user_id=1, pseudonym=pseudonym, organisation_id=1, grants=grants)


MANAGER = principal("u-manager", ("programme_manager", "programme"))
CLERK = principal("u-clerk", ("collection_clerk", "programme"))
CLERK_NORTH = principal("u-clerk-north", ("collection_clerk", "site:cp-north"))
CUSTODIAN = principal("u-custodian", ("custodian", "programme"))
CUSTODIAN_2 = principal("u-custodian-2", ("custodian", "programme"))
OBSERVER = principal("u-observer", ("observer", "programme"))

ITEM_FIELDS: dict[str, Any] = {
    "category": "sa_assault_rifle",
    "make": "Kalashnikov",
    "model": "AKM",
    "calibre": "7.62x39mm",
    "markings": "star, arrow in triangle",
    "country": "SU",
    "year": 1975,
    "condition": "serviceable",
}


def log_size() -> int:
    return ledger_selectors.log_size()


def png_bytes(extra: int = 0) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\0" * (64 + extra)
