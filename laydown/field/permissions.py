"""The actions of field capture: syncing a device's outbox, enrolling devices, the review queue."""

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
    gettext_lazy("Enrol a device for a user by QR code, list devices, revoke them"),
    [Role.ADMIN, Role.PROGRAMME_MANAGER],
)
define(
    "field.review",
    gettext_lazy(
        "Work the review queue: accept with a reason, send back with a note, or reject submissions "
        "refused at sync"
    ),
    [Role.ADMIN, Role.PROGRAMME_MANAGER],
)
