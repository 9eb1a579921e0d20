"""The registry's actions in the permission matrix (docs/permissions.md).

Scoped actions: a site grant covers that site, a region grant its sites; services pass
`Scope(site=site.code, region=site.region)` of the site where the thing happens.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from laydown.access.permissions import define
from laydown.access.roles import Role

R = Role

READ = define(
    "arms.read",
    gettext_lazy("See sites, containers, items, lots, materiel, custody histories and receipts"),
    [
        R.ADMIN,
        R.PROGRAMME_MANAGER,
        R.COLLECTION_CLERK,
        R.SUPERVISOR,
        R.CUSTODIAN,
        R.OBSERVER,
        R.AUDITOR,
    ],
    scoped=True,
)
SITE_MANAGE = define(
    "arms.site_manage",
    gettext_lazy(
        "Create, edit, open, close and (when never used) delete sites in one's region, and "
        "containers and their racks at one's sites"
    ),
    [R.ADMIN, R.PROGRAMME_MANAGER],
    scoped=True,
)
ITEM_REGISTER = define(
    "arms.item_register",
    gettext_lazy(
        "Register weapons, ammunition lots and materiel handed in; confirm suspected duplicates"
    ),
    [R.PROGRAMME_MANAGER, R.COLLECTION_CLERK, R.SUPERVISOR],
    scoped=True,
)
CORRECT = define(
    "arms.correct",
    gettext_lazy(
        "Correct a registered weapon, lot or materiel (a typo in a serial, a wrong calibre), with "
        "a reason; the correction is a record of its own and the history keeps both"
    ),
    [R.PROGRAMME_MANAGER, R.COLLECTION_CLERK, R.SUPERVISOR],
    scoped=True,
)
IMPORT = define(
    "arms.import",
    gettext_lazy(
        "Bulk-import weapons, ammunition lots and materiel from CSV or XLSX (lots and materiel "
        "only where one may also register them)"
    ),
    [R.PROGRAMME_MANAGER, R.COLLECTION_CLERK],
    scoped=True,
)
CUSTODY = define(
    "arms.custody",
    gettext_lazy("Book items into containers, remove and return them, apply and break seals"),
    [R.CUSTODIAN],
    scoped=True,
)
SHIPMENT = define(
    "arms.shipment",
    gettext_lazy("Dispatch and receive shipments between sites"),
    [R.CUSTODIAN],
    scoped=True,
)
STOCK_CHECK = define(
    "arms.stock_check",
    gettext_lazy("Plan stock checks and record their counts"),
    [R.PROGRAMME_MANAGER, R.CUSTODIAN],
    scoped=True,
)
REPORT_LOST = define(
    "arms.report_lost",
    gettext_lazy("Report an item or lot lost or stolen (opens an incident)"),
    [R.PROGRAMME_MANAGER, R.CUSTODIAN, R.COLLECTION_CLERK],
    scoped=True,
)
DISPOSE = define(
    "arms.dispose",
    gettext_lazy(
        "Record disposal (destruction, transfer to the State, deactivation) and in-place "
        "destruction of unsafe ammunition"
    ),
    [R.PROGRAMME_MANAGER],
    scoped=True,
)
