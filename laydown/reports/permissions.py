"""Reports' actions in the permission matrix (docs/permissions.md)."""

from __future__ import annotations

from laydown.accounts.permissions import define
from laydown.accounts.roles import Role as R

DASHBOARD = define(
    "reports.dashboard",
    "See the dashboard, the map and situation reports",
    [R.ADMIN, R.PROGRAMME_MANAGER, R.OBSERVER, R.AUDITOR],
)
EXPORT = define(
    "reports.export",
    "Export registry and aggregate data (CSV, XLSX, GeoJSON, HXL)",
    [R.ADMIN, R.PROGRAMME_MANAGER, R.AUDITOR],
)
