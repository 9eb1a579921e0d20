"""Principals and plausible inputs shared by the assistance tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from laydown.access.permissions import Principal
from laydown.accounts.models import Organisation
from laydown.ledger import selectors as ledger_selectors


def staff_of(org: Organisation, pseudonym: str) -> Principal:
    return Principal(
        user_id=hash(pseudonym) % 10_000,
        pseudonym=pseudonym,
        organisation_id=org.pk,
        grants=(("partner_staff", "programme"),),
    )


def manager_of(org: Organisation) -> Principal:
    return Principal(
        user_id=1,
        pseudonym="u-manager",
        organisation_id=org.pk,
        grants=(("programme_manager", "programme"),),
    )


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


DISTRIBUTION: dict[str, Any] = {
    "sector": "food_security",
    "activity": "General food distribution",
    "commodity": "food",
    "item": "wheat flour",
    "unit": "kg",
    "quantity_planned": 5000,
    "quantity_delivered": 4800,
    "place": "XA010101",
    "girls": 40,
    "boys": 38,
    "women": 60,
    "men": 52,
    "older_women": 12,
    "older_men": 8,
    "reached_total": 210,
    "reached_disabled": 9,
}

MEMBERS = [
    {"sex": "f", "age_group": "18-59", "specific_needs": ["single_caregiver"]},
    {"sex": "m", "age_group": "5-17"},
    {"sex": "f", "age_group": "0-4"},
]

VAULT = {
    "legal_basis": "vital_interest",
    "purpose": "humanitarian assistance: targeting and distribution",
}


def log_size() -> int:
    return ledger_selectors.log_size()
