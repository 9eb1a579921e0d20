"""Humanitarian assistance in the permission matrix (docs/permissions.md).

Own-organisation actions: partner staff act on their own organisation's records only (services
pass `organisation_id=record.organisation_id`); admins, managers and auditors on any. Lists
show non-cross-org roles their own organisation's records alone (selectors.visible_to).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from laydown.access.permissions import define
from laydown.access.roles import Role

R = Role

READ = define(
    "assistance.read",
    gettext_lazy(
        "See partners, places, distributions, households (no personal data), projects, dialogue "
        "meetings and monitoring visits"
    ),
    [R.ADMIN, R.PROGRAMME_MANAGER, R.PARTNER_STAFF, R.OBSERVER, R.AUDITOR],
    own_org=True,
)
PLACE_MANAGE = define(
    "assistance.place_manage",
    gettext_lazy(
        "Create places (region, district, settlement), correct their names and positions, and "
        "import them from CSV or XLSX"
    ),
    [R.ADMIN, R.PROGRAMME_MANAGER],
)
PARTNER_MANAGE = define(
    "assistance.partner_manage",
    gettext_lazy("Set a humanitarian partner's kind, sectors and contact"),
    [R.ADMIN, R.PROGRAMME_MANAGER, R.PARTNER_STAFF],
    own_org=True,
)
DISTRIBUTION_RECORD = define(
    "assistance.distribution_record",
    gettext_lazy(
        "Record and correct distributions, recipient lists, receipts, monitoring notes and "
        "complaints"
    ),
    [R.PROGRAMME_MANAGER, R.PARTNER_STAFF],
    own_org=True,
)
HOUSEHOLD_REGISTER = define(
    "assistance.household_register",
    gettext_lazy("Register households and their members (personal data goes to the vault)"),
    [R.PROGRAMME_MANAGER, R.PARTNER_STAFF],
    own_org=True,
)
HOUSEHOLD_PERSONAL_DATA = define(
    "assistance.household_personal_data",
    gettext_lazy("Read a household's personal data (names, phone, documents), stating the purpose"),
    [R.PROGRAMME_MANAGER, R.PARTNER_STAFF],
    own_org=True,
)
DUPLICATE_OVERRIDE = define(
    "assistance.duplicate_override",
    gettext_lazy("Register a household that matches an earlier one, with a recorded reason"),
    [R.PROGRAMME_MANAGER],
)
IMPORT = define(
    "assistance.import",
    gettext_lazy("Bulk-import distributions and households from CSV or XLSX"),
    [R.PROGRAMME_MANAGER, R.PARTNER_STAFF],
    own_org=True,
)
EXPORT = define(
    "assistance.export",
    gettext_lazy("Export aggregate 5W data (CSV, XLSX, HXL); no personal data"),
    [R.ADMIN, R.PROGRAMME_MANAGER, R.PARTNER_STAFF, R.OBSERVER, R.AUDITOR],
    own_org=True,
)
PROJECT_MANAGE = define(
    "assistance.project_manage",
    gettext_lazy("Create infrastructure projects and record their progress"),
    [R.PROGRAMME_MANAGER, R.PARTNER_STAFF],
    own_org=True,
)
DIALOGUE_MANAGE = define(
    "assistance.dialogue_manage",
    gettext_lazy("Record dialogue meetings, their commitments and the commitments' follow-up"),
    [R.PROGRAMME_MANAGER],
)
VISIT_MANAGE = define(
    "assistance.visit_manage",
    gettext_lazy("Propose monitoring visits, agree or postpone them, record findings and reports"),
    [R.PROGRAMME_MANAGER, R.OBSERVER, R.PARTNER_STAFF],
    own_org=True,
)
