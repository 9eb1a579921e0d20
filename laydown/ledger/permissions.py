"""The actions of the ledger (reading the public log is `public.view`, defined with the matrix)."""

from __future__ import annotations

from laydown.access.permissions import define
from laydown.access.roles import Role

define(
    "ledger.record_bundle",
    "Download record bundles (records with salts) to check them against the log",
    [Role.ADMIN, Role.AUDITOR, Role.OBSERVER],
)
