"""The main navigation: one list of the site's sections, each shown only to users whom the
page lets in (its view's action and scope, from the permission matrix: `web.may_open`), so no
link in the header leads to a 403."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from laydown.access.web import may_open, principal_of

__all__ = ["SECTIONS", "NavLink", "nav_links"]

# (URL name, label): the order of the header.
SECTIONS: list[tuple[str, Promise]] = [
    ("reports:dashboard", _("Dashboard")),
    ("arms:sites", _("Registry")),
    ("people:list", _("Demobilization")),
    ("assistance:index", _("Assistance")),
    ("field:index", _("Field app")),
    ("verification:index", _("Verification")),
    ("accounts:organisations", _("Organisations")),
    ("accounts:users", _("Users")),
    ("setup:checklist", _("Set-up")),
    ("jobs:list", _("Jobs")),
]


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str
    current: bool


def nav_links(request: HttpRequest) -> list[NavLink]:
    """The sections the request's user may open, the one the page belongs to marked."""
    principal = principal_of(request)
    links = []
    for name, label in SECTIONS:
        url = reverse(name)
        if may_open(principal, url):
            section = "/" + url.split("/")[1] + "/"  # "/arms/": every registry page
            shared = section == "/accounts/"  # organisations and users: the page's own
            current = request.path.startswith(url if shared else section)
            links.append(NavLink(url, str(label), current))
    return links
