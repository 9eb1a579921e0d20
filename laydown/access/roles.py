"""Organisation kinds, roles and scopes: the vocabulary of access control."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    OPERATOR = "operator", _("Programme operator")
    OBSERVER_DELEGATION = "observer_delegation", _("Observer delegation")
    UN_OFFICE = "un_office", _("UN office")
    HUMANITARIAN_PARTNER = "humanitarian_partner", _("Humanitarian partner")
    NATIONAL_AUTHORITY = "national_authority", _("National authority")
    AUDITOR = "auditor", _("Auditor")


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    PROGRAMME_MANAGER = "programme_manager", _("Programme manager")
    COLLECTION_CLERK = "collection_clerk", _("Collection clerk")
    SUPERVISOR = "field_supervisor", _("Field supervisor")
    CUSTODIAN = "custodian", _("Custodian")
    REGISTRAR = "registrar", _("Registrar")
    CHILD_PROTECTION = "child_protection", _("Child-protection officer")
    OBSERVER = "observer", _("Inspector / observer")
    PARTNER_STAFF = "partner_staff", _("Partner staff")
    AUDITOR = "auditor", _("Auditor")


# Roles whose holders must sign in with a second factor (TOTP).
SECOND_FACTOR_ROLES = frozenset({Role.ADMIN, Role.CUSTODIAN, Role.OBSERVER})

PROGRAMME = "programme"


@dataclass(frozen=True)
class Scope:
    """Where an action happens: the whole programme, or a site within a region.

    A grant for the programme covers everything; a grant for a region covers its sites; a
    grant for a site covers that site alone.
    """

    site: str | None = None
    region: str | None = None

    def covered_by(self, grant_scope: str) -> bool:
        if grant_scope == PROGRAMME:
            return True
        kind, _sep, code = grant_scope.partition(":")
        if kind == "region":
            return self.region == code
        if kind == "site":
            return self.site == code
        return False


def check_scope_string(value: str) -> str | None:
    """None if `value` is a valid grant scope, else the reason it is not."""
    if value == PROGRAMME:
        return None
    kind, sep, code = value.partition(":")
    if not sep or kind not in ("site", "region") or not code or len(value) > 80:
        return str(_("use 'programme', 'site:<code>' or 'region:<code>'"))
    return None


# Which region each site lies in, for `scope_of_grant`: the registry (arms) registers its lookup
# at start-up, as it owns the sites; access knows no app.
SiteRegions = Callable[[Iterable[str]], dict[str, str]]
_site_regions: list[SiteRegions] = []


def register_site_regions(lookup: SiteRegions) -> None:
    """Register `lookup(codes) -> {code: region}` (the registry's sites)."""
    _site_regions[:] = [lookup]


def scope_of_grant(grant_scope: str) -> Scope:
    """Where a grant stands, as a Scope: what another grant must cover to cover it (a field
    supervisor at `region:north` covers a clerk at `site:cp-north` because that site lies in
    the north). `programme` is `Scope()`, which only a programme grant covers."""
    return scopes_of_grants([grant_scope])[grant_scope]


def scopes_of_grants(grant_scopes: Iterable[str]) -> dict[str, Scope]:
    """`scope_of_grant` of each, with one look-up of the sites' regions for all of them."""
    wanted = set(grant_scopes)
    codes = [s.partition(":")[2] for s in wanted if s.startswith("site:")]
    regions = _site_regions[0](codes) if codes and _site_regions else {}
    out: dict[str, Scope] = {}
    for grant_scope in wanted:
        kind, _sep, code = grant_scope.partition(":")
        if kind == "region":
            out[grant_scope] = Scope(region=code)
        elif kind == "site":
            out[grant_scope] = Scope(site=code, region=regions.get(code))
        else:
            out[grant_scope] = Scope()
    return out
