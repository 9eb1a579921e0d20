"""The registry's forms in the offline app (laydown.field): a weapon, an ammunition lot and an
item of materiel handed in at a collection point. Each is read by the API's input schema and
written by the same service as the page and the API."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from laydown.access.permissions import Principal, is_allowed
from laydown.access.roles import Scope
from laydown.arms import permissions, photos, selectors, services  # noqa: F401  (before the API)
from laydown.arms.api import ItemIn, LotIn, MaterielIn
from laydown.arms.models import Item, Site
from laydown.arms.vocab import (
    COMPATIBILITY_GROUPS,
    AmmoType,
    Category,
    Condition,
    HazardDivision,
    MaterielType,
    SiteStatus,
    Unit,
)
from laydown.core import validators
from laydown.field import kinds

REGISTER = "arms.item_register"
RECENT = 20
SUGGESTED = 300


def _site(code: str) -> Site:
    site = selectors.site_get(code)
    if site is None:
        raise validators.refuse("site", _("unknown"), _("No site %(code)s.") % {"code": code})
    return site


def _weapon(principal: Principal, payload: kinds.Payload, reason: str | None) -> kinds.Result:
    parsed = kinds.schema_parse(ItemIn, payload)
    fields = parsed.dict(exclude={"site"})
    fields["photos_announced"] = True  # the photos follow the record (docs/offline.md)
    if reason:
        fields["confirm_duplicate_reason"] = reason
    item = services.item_collect(actor=principal, site=_site(parsed.site), **fields)
    return {"tag": item.tag}


def _lot(principal: Principal, payload: kinds.Payload, reason: str | None) -> kinds.Result:
    parsed = kinds.schema_parse(LotIn, payload)
    fields = parsed.dict(exclude={"site"})
    fields["photos_announced"] = True
    lot = services.lot_collect(actor=principal, site=_site(parsed.site), **fields)
    return {"tag": lot.tag}


def _materiel(principal: Principal, payload: kinds.Payload, reason: str | None) -> kinds.Result:
    parsed = kinds.schema_parse(MaterielIn, payload)
    fields = parsed.dict(exclude={"site"})
    fields["photos_announced"] = True
    row = services.materiel_collect(actor=principal, site=_site(parsed.site), **fields)
    return {"tag": row.tag}


def _choices(choices: Any) -> list[list[str]]:
    return [[str(value), str(label)] for value, label in choices]


def vocab(principal: Principal) -> dict[str, Any]:
    """What the registry's offline forms need: the open sites where `principal` registers, the
    lists of values, and makes, models and calibres seen (most frequent first, and each site's
    most recent entries)."""
    sites = [
        s
        for s in selectors.sites_list(principal=principal)
        if s.status == SiteStatus.OPEN
        and is_allowed(principal, REGISTER, scope=Scope(site=s.code, region=s.region))
    ]
    rows = Item.objects.values_list("make", "model", "calibre")
    seen = Counter(rows.order_by("-collected_at")[:5000])
    recent = {
        s.code: list(
            Item.objects.filter(collected_site=s)
            .order_by("-collected_at")
            .values("category", "make", "model", "calibre")[:RECENT]
        )
        for s in sites
    }
    return {
        "sites": [[s.code, s.name] for s in sites],
        "categories": _choices(Category.choices),
        "conditions": _choices(Condition.choices),
        "weapons": [list(k) for k, _n in seen.most_common(SUGGESTED)],
        "recent": recent,
        "ammo_types": _choices(AmmoType.choices),
        "units": _choices(Unit.choices),
        "hazard_divisions": _choices(HazardDivision.choices),
        "compatibility_groups": [[g, g] for g in COMPATIBILITY_GROUPS],
        "materiel_types": _choices(MaterielType.choices),
    }


def scope(payload: kinds.Payload) -> Scope:
    """The site a submission names, in its region: whose review queue it waits in."""
    code = payload.get("site")
    if not isinstance(code, str) or not code.strip():
        return Scope()
    site = selectors.site_get(code.strip())
    if site is None:
        return Scope(site=code.strip()[:40])
    return Scope(site=site.code, region=site.region)


def _photo(data: bytes) -> list[str]:
    return [photos.photo_store(data=data)]


kinds.register(
    kinds.FormKind(
        "arms.weapon",
        gettext_lazy("Weapon"),
        REGISTER,
        _weapon,
        vocab,
        files={"photos": _photo},
        scope=scope,
    )
)
kinds.register(
    kinds.FormKind(
        "arms.lot",
        gettext_lazy("Ammunition lot"),
        REGISTER,
        _lot,
        files={"photos": _photo},
        scope=scope,
    )
)
kinds.register(
    kinds.FormKind(
        "arms.materiel",
        gettext_lazy("Materiel"),
        REGISTER,
        _materiel,
        files={"photos": _photo},
        scope=scope,
    )
)
