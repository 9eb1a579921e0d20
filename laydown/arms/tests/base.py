"""Principals per role and helpers shared by the registry's tests."""

from __future__ import annotations

import csv
import io
from typing import Any

from laydown.testing import principal

MANAGER = principal("u-manager", ("programme_manager", "programme"))
CLERK = principal("u-clerk", ("collection_clerk", "programme"))
CLERK_NORTH = principal("u-clerk-north", ("collection_clerk", "site:cp-north"))
CUSTODIAN = principal("u-custodian", ("custodian", "programme"))
CUSTODIAN_2 = principal("u-custodian-2", ("custodian", "programme"))
OBSERVER = principal("u-observer", ("observer", "programme"))


def png_bytes(extra: int = 0) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\0" * (64 + extra)


HEADER = ["site", "category", "make", "model", "serial", "year", "condition"]


def csv_bytes(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def good_rows(n: int, site: str = "cp-north") -> list[list[object]]:
    return [
        [site, "sa_assault_rifle", "Kalashnikov", "AKM", f"IM{i:06d}", 1980, "serviceable"]
        for i in range(n)
    ]


LOT_FIELDS: dict[str, Any] = {
    "type": "cartridge",
    "calibre": "7.62x39mm",
    "lot_number": "270-85",
    "quantity": 1440,
    "unit": "rounds",
    "hazard_division": "1.4",
    "compatibility_group": "S",
    "condition": "serviceable",
}
