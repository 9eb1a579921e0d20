"""What the demobilization services share: the ledger append, the vault write, retention."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from laydown.access.permissions import Principal, actor_of
from laydown.ledger import services as ledger
from laydown.ledger.models import Record
from laydown.people import permissions as perms
from laydown.vault import services as vault

LEGAL_BASIS = "public_interest"
PURPOSE = "demobilization registration and reinsertion support"
RETENTION_YEARS = {"identity": 10, "contact": 5, "photo": 10, "profile": 5, "health": 3}
PERSONAL = ("identity", "contact", "photo", "profile")


def append_record(kind: str, data: Mapping[str, Any], principal: Principal) -> Record:
    return ledger.record_append(kind=kind, data=data, actor=actor_of(principal))


def today_or(today: dt.date | None) -> dt.date:
    return today or timezone.now().date()


def retention_end(category: str, today: dt.date) -> dt.date:
    return today.replace(year=today.year + RETENTION_YEARS[category], month=1, day=1)


def vault_put(
    actor: Principal,
    pseudonym: str,
    category: str,
    data: Mapping[str, object],
    day: dt.date,
    keys: Mapping[str, str],
) -> None:
    indexes = {
        "identity": {k: v for k, v in keys.items() if k != "photo"},
        "photo": {k: v for k, v in keys.items() if k == "photo"},
    }.get(category)
    vault.vault_write(
        principal=actor,
        action=perms.HEALTH.name if category == "health" else perms.PERSONAL_DATA.name,
        subject=pseudonym,
        category=category,
        data=data,
        legal_basis=LEGAL_BASIS,
        purpose=PURPOSE,
        retain_until=retention_end(category, day),
        blind_indexes=indexes,
    )
