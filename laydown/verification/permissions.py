"""Verification's actions in the permission matrix (docs/permissions.md).

Observers hold the `observer` role; which sites they may inspect is set by their
accreditation (its sites and validity period), checked by the services.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from laydown.access.permissions import define
from laydown.access.roles import Role as R

READ = define(
    "verification.read",
    gettext_lazy("See accreditations, inspections, findings, reports and destruction events"),
    [R.ADMIN, R.PROGRAMME_MANAGER, R.OBSERVER, R.AUDITOR],
)
ACCREDIT = define(
    "verification.accredit",
    gettext_lazy("Accredit observers (sites, validity, signing key) and revoke accreditations"),
    [R.ADMIN, R.PROGRAMME_MANAGER],
)
PLAN = define(
    "verification.inspection_plan",
    gettext_lazy("Plan inspections (sites, date, team, sample size)"),
    [R.PROGRAMME_MANAGER, R.OBSERVER],
)
INSPECT = define(
    "verification.inspect",
    gettext_lazy("Open an inspection with a nonce, record findings, close it and sign its report"),
    [R.OBSERVER],
)
FOLLOW_UP = define(
    "verification.follow_up",
    gettext_lazy("Resolve the follow-up tasks that inspections' discrepancies opened"),
    [R.PROGRAMME_MANAGER],
)
DESTRUCTION = define(
    "verification.destruction",
    gettext_lazy("Plan and record monitored destruction events"),
    [R.PROGRAMME_MANAGER],
)
COUNTERSIGN = define(
    "verification.countersign",
    gettext_lazy("Countersign a destruction event one witnessed"),
    [R.OBSERVER],
)
ITEM_BUNDLE = define(
    "verification.item_bundle",
    gettext_lazy(
        "Download the records of an item held in one's scope, with inclusion proofs and a "
        "cosigned checkpoint"
    ),
    [R.ADMIN, R.OBSERVER, R.AUDITOR],
    scoped=True,
)
WITNESS_MANAGE = define(
    "verification.witness_manage",
    gettext_lazy(
        "Add a witness of the log (its cosignature key and URL), push checkpoints to the "
        "witnesses now"
    ),
    [R.ADMIN],
)
