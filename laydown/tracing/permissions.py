"""Tracing's actions in the permission matrix (docs/permissions.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from laydown.access.permissions import define
from laydown.access.roles import Role

R = Role

READ = define(
    "tracing.read",
    gettext_lazy("See the markings, headstamps, packaging and recovery points of items and lots"),
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
RECORD = define(
    "tracing.record",
    gettext_lazy(
        "Record markings, headstamps, packaging, the recovery point and the formation an item "
        "came from"
    ),
    [R.PROGRAMME_MANAGER, R.COLLECTION_CLERK],
    scoped=True,
)
PROVENANCE_READ = define(
    "tracing.provenance_read",
    gettext_lazy("See the armed formation an item came from"),
    [R.PROGRAMME_MANAGER, R.OBSERVER, R.AUDITOR],
    scoped=True,
)
VOCABULARY_READ = define(
    "tracing.vocabulary_read",
    gettext_lazy("See the vocabulary of makes, models and calibres"),
    [
        R.ADMIN,
        R.PROGRAMME_MANAGER,
        R.COLLECTION_CLERK,
        R.SUPERVISOR,
        R.CUSTODIAN,
        R.OBSERVER,
        R.AUDITOR,
    ],
)
VOCABULARY_PROPOSE = define(
    "tracing.vocabulary_propose",
    gettext_lazy("Propose a new make, model or calibre"),
    [R.PROGRAMME_MANAGER, R.COLLECTION_CLERK, R.CUSTODIAN],
)
VOCABULARY_DECIDE = define(
    "tracing.vocabulary_decide",
    gettext_lazy(
        "Approve, merge or reject proposed makes, models and calibres; load the reference list"
    ),
    [R.PROGRAMME_MANAGER],
)
REQUEST_EXPORT = define(
    "tracing.request_export",
    gettext_lazy(
        "Export a tracing request (identifying fields, photos' references and ledger proofs)"
    ),
    [R.PROGRAMME_MANAGER, R.OBSERVER, R.AUDITOR],
    scoped=True,
)
