"""Demobilization's actions in the permission matrix (docs/permissions.md).

Scoped actions: a region grant covers the participants registered in that region; services
pass `Scope(region=participant.region)`. Personal data (the vault) has its own actions, health
data a stricter one, and children (anyone under 18) are visible only to child-protection
officers. Partner staff, observers, clerks and custodians hold none of the personal-data ones.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from laydown.access.permissions import ALL_ROLES, SIGNED_IN, define
from laydown.access.roles import Role

R = Role

READ = define(
    "people.read",
    gettext_lazy(
        "See participants by pseudonym: category, region, status, screening, support (no names)"
    ),
    [R.PROGRAMME_MANAGER, R.REGISTRAR, R.CHILD_PROTECTION, R.AUDITOR, R.SUPERVISOR],
    scoped=True,
)
PERSONAL_DATA = define(
    "people.personal_data",
    gettext_lazy(
        "Read and write a participant's personal data in the vault (identity, contact, photo, "
        "profile); every read is recorded with its purpose"
    ),
    [R.PROGRAMME_MANAGER, R.REGISTRAR, R.CHILD_PROTECTION, R.SUPERVISOR],
    scoped=True,
)
HEALTH = define(
    "people.health",
    gettext_lazy("Read and write a participant's health data (kept apart in the vault)"),
    [R.REGISTRAR, R.CHILD_PROTECTION, R.SUPERVISOR],
    scoped=True,
)
CHILD = define(
    "people.child_protection",
    gettext_lazy(
        "See and handle participants under 18 (a separate workflow: no screening, no cash)"
    ),
    [R.CHILD_PROTECTION],
    scoped=True,
)
REGISTER = define(
    "people.register",
    gettext_lazy("Register participants, correct their data, issue ID cards, lodge appeals"),
    [R.REGISTRAR, R.CHILD_PROTECTION, R.SUPERVISOR],
    scoped=True,
)
SCREEN = define(
    "people.screen",
    gettext_lazy("Screen a participant's eligibility and decide"),
    [R.REGISTRAR, R.SUPERVISOR],
    scoped=True,
)
IMPORT = define(
    "people.import",
    gettext_lazy("Bulk-import participants from CSV or XLSX"),
    [R.PROGRAMME_MANAGER, R.REGISTRAR],
    scoped=True,
)
DECIDE = define(
    "people.decide",
    gettext_lazy(
        "Decide suspected duplicates and appeals; revoke eligibility; set the cut-off date"
    ),
    [R.PROGRAMME_MANAGER],
    scoped=True,
)
REFERRAL = define(
    "people.referral",
    gettext_lazy(
        "Refer participants to services (education, jobs, health, psychosocial) and follow up"
    ),
    [R.REGISTRAR, R.CHILD_PROTECTION],
    scoped=True,
)
PAYMENT = define(
    "people.payment",
    gettext_lazy(
        "See and record the payments of participants in one's scope; draft a payment cycle's "
        "list (it covers every region: programme-wide grants only)"
    ),
    [R.PROGRAMME_MANAGER, R.REGISTRAR],
    scoped=True,
)
PAYMENT_APPROVE = define(
    "people.payment_approve",
    gettext_lazy("Approve (freeze) a payment cycle's list (programme-wide grants only)"),
    [R.PROGRAMME_MANAGER],
    scoped=True,
)
SUBJECT_ACCESS = define(
    "people.subject_access",
    gettext_lazy("Produce a participant's data-subject access report"),
    [R.REGISTRAR, R.CHILD_PROTECTION],
    scoped=True,
)
ERASE = define(
    "people.erase",
    gettext_lazy(
        "Erase a participant's personal data (destroys the key; pseudonymous records stay)"
    ),
    [R.PROGRAMME_MANAGER],
    scoped=True,
)
AGGREGATES = define(
    "people.aggregates",
    gettext_lazy("Aggregate figures and exports without personal data (counts under 5 suppressed)"),
    ALL_ROLES,
)
RULES = define(
    "people.rules",
    gettext_lazy("See the entitlement rules of reinsertion support"),
    audience=SIGNED_IN,
)
REFUSALS = define(
    "people.refusals",
    gettext_lazy("See refused requests for the data of participants in one's scope"),
    [R.ADMIN, R.PROGRAMME_MANAGER, R.AUDITOR],
    scoped=True,
)
