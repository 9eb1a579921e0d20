"""The actions of field capture: syncing a device's outbox, enrolling devices, the review queue.

Enrolling devices and the review queue are scoped: a field supervisor granted at a site (or a
region) enrols devices only for users whose field grants lie there (`scope_of_grant`), and sees
and decides only the submissions held there (a submission's site and region, from its form
kind's `scope`). Programme grants (administrators, programme managers) cover everything."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from laydown.access.permissions import SIGNED_IN, define
from laydown.access.roles import Role

define(
    "field.sync",
    gettext_lazy(
        "Use the offline app and send its submissions (each is then authorised as its form's "
        "action)"
    ),
    audience=SIGNED_IN,
)
define(
    "field.device_manage",
    gettext_lazy(
        "Enrol a device by QR code for a user working at one's sites, list those devices, revoke "
        "them"
    ),
    [Role.ADMIN, Role.PROGRAMME_MANAGER, Role.SUPERVISOR],
    scoped=True,
)
define(
    "field.review",
    gettext_lazy(
        "Work the review queue: accept with a reason, send back with a note, or reject submissions "
        "refused at sync, of one's sites and regions"
    ),
    [Role.ADMIN, Role.PROGRAMME_MANAGER, Role.SUPERVISOR],
    scoped=True,
)
