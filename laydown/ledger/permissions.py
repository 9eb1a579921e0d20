"""The actions of the ledger (reading the public log is `public.view`, defined with the matrix)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from laydown.access.permissions import define
from laydown.access.roles import Role

define(
    "ledger.record_bundle",
    gettext_lazy("Download record bundles (records with salts) to check them against the log"),
    [Role.ADMIN, Role.AUDITOR, Role.OBSERVER],
)
