"""The actions of background jobs: one's own, everyone's."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from laydown.access.permissions import SIGNED_IN, define
from laydown.access.roles import Role

define(
    "jobs.own",
    gettext_lazy("See one's own background jobs (imports): progress, outcome, errors"),
    audience=SIGNED_IN,
)
define(
    "jobs.all",
    gettext_lazy("See every user's background jobs on the jobs page"),
    [Role.ADMIN],
)
