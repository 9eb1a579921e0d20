"""Where an import may register: for each site code of a file, whether it is there, open, and
a site where the importer holds every action registering there takes (the items, lots and
materiel imports share this)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, authorize
from laydown.access.roles import Scope
from laydown.accounts.services import SYSTEM
from laydown.arms.models import Site
from laydown.arms.vocab import SiteStatus


def site_verdicts(
    actor: Principal, codes: Iterable[str], *, actions: tuple[str, ...], refusal: str
) -> dict[str, str]:
    """For each site code, "" if `actor` may do every one of `actions` there, else the reason
    not (`refusal` when a permission is missing)."""
    wanted = set(codes)
    found = {s.code: s for s in Site.objects.filter(code__in=wanted)}
    verdicts = {}
    for code in wanted:
        site = found.get(code)
        if site is None:
            verdicts[code] = _("no such site")
        elif site.status != SiteStatus.OPEN:
            verdicts[code] = _("site is not open")
        else:
            try:
                if actor is not SYSTEM:
                    for action in actions:
                        authorize(actor, action, scope=Scope(site=code, region=site.region))
                verdicts[code] = ""
            except PermissionDenied:
                verdicts[code] = refusal
    return verdicts
