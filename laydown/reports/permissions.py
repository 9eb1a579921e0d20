"""Reports' actions in the permission matrix (docs/permissions.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from laydown.access.permissions import define
from laydown.access.roles import Role as R

DASHBOARD = define(
    "reports.dashboard",
    gettext_lazy(
        "See the dashboard, the map and situation reports (figures of every site: "
        "programme-wide grants only)"
    ),
    [R.ADMIN, R.PROGRAMME_MANAGER, R.OBSERVER, R.AUDITOR],
    scoped=True,
)
EXPORT = define(
    "reports.export",
    gettext_lazy(
        "Export registry and aggregate data (CSV, XLSX, GeoJSON, HXL; programme-wide grants only)"
    ),
    [R.ADMIN, R.PROGRAMME_MANAGER, R.AUDITOR],
    scoped=True,
)
