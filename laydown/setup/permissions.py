"""The actions of setting up a programme (docs/permissions.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from laydown.access.permissions import define
from laydown.access.roles import Role

CHECKLIST = define(
    "setup.checklist",
    gettext_lazy(
        "See the administrator's checklist 'before your first day': what is set up, with links"
    ),
    [Role.ADMIN],
)
WORKBOOK = define(
    "setup.workbook",
    gettext_lazy(
        "Import the set-up workbook (organisations, places, sites, containers, users and grants); "
        "each row also needs the action that creates it"
    ),
    [Role.ADMIN],
)
