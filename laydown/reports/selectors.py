"""The figures of the dashboard, the map, situation reports and the public page.

Reads only. Every figure can name the records behind it (a registry search URL) and the
checkpoint it was computed at, so a claim made from it can be checked.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from laydown.access.permissions import Principal
from laydown.arms.models import (
    AmmoLot,
    CustodyEvent,
    Disposal,
    Item,
    Materiel,
    Shipment,
    Site,
)
from laydown.arms.vocab import ItemStatus, LotStatus
from laydown.ledger import selectors as ledger
from laydown.reports.periods import Period
from laydown.verification.models import Inspection

GROUPS = {
    "small_arms": ("sa_", _("Small arms")),
    "light_weapons": ("lw_", _("Light weapons")),
    "heavy_weapons": ("unroca_", _("Heavy weapons")),
}
SERIES = [*GROUPS, "ammunition_lots", "materiel"]
SERIES_LABELS = {
    **{k: label for k, (_p, label) in GROUPS.items()},
    "ammunition_lots": _("Ammunition lots"),
    "materiel": _("Materiel"),
}


def group_of(category: str) -> str:
    return next((k for k, (prefix, _l) in GROUPS.items() if category.startswith(prefix)), "")


@dataclass(frozen=True)
class Scope:
    """Where the figures are taken: one region, one site, or (both empty) the whole programme.
    A site's figures are those of the records at the site (collections: where collected)."""

    region: str = ""
    site: str = ""

    def q(self, site_field: str) -> Q:
        """Rows whose `site_field` (a foreign key to Site) is in the scope."""
        q = Q()
        if self.site:
            q &= Q(**{f"{site_field}_id": self.site})
        if self.region:
            q &= Q(**{f"{site_field}__region": self.region})
        return q

    def params(self, site: str = "site", region: str = "region") -> dict[str, str]:
        """The scope as a list page's filter, under the names that list gives them."""
        out = {}
        if self.site:
            out[site] = self.site
        if self.region:
            out[region] = self.region
        return out

    def query(self) -> str:
        return urlencode(self.params())

    def holds(self, site: Site) -> bool:
        return (not self.site or site.code == self.site) and (
            not self.region or site.region == self.region
        )


class ScopeError(ValueError):
    pass


def scope_from(params: Any) -> Scope:
    """The scope a request asks for (`region`, `site`); ScopeError names what is unknown."""
    region, site = params.get("region") or "", params.get("site") or ""
    if region and not Site.objects.filter(region=region).exists():
        raise ScopeError(_("there is no site in region %(region)s") % {"region": region})
    if site and not Site.objects.filter(code=site).exists():
        raise ScopeError(_("there is no site %(site)s") % {"site": site})
    return Scope(region=region, site=site)


def _link(name: str, **params: str) -> str:
    return f"{reverse(name)}?{urlencode({k: v for k, v in params.items() if v})}"


def _days(period: Period) -> dict[str, str]:
    return {"collected_from": period.start.isoformat(), "collected_to": period.end.isoformat()}


def collected_links(period: Period, scope: Scope) -> dict[str, str]:
    """The list pages behind the figures collected in `period` within `scope`: the count on
    each page is the figure (weapons and lots by where collected, materiel by its site)."""
    collected_where = scope.params("collected_site", "collected_region")
    return {
        "weapons": _link("arms:items", **_days(period), **collected_where),
        "lots": _link("arms:lots", **_days(period), **collected_where),
        "materiel": _link("arms:materiel_list", **_days(period), **scope.params()),
    }


def holdings_links(site: str) -> dict[str, str]:
    """The list pages behind a site's holdings: what is in storage there now."""
    stored = {"site": site, "status": "in_storage"}
    return {
        "items": _link("arms:items", **stored),
        "lots": _link("arms:lots", **stored),
        "materiel": _link("arms:materiel_list", site=site),
    }


def ammunition_link(calibre: str, unit: str, scope: Scope) -> str:
    """The lots behind a calibre's line ("" for lots with no calibre: no list filters them)."""
    if not calibre:
        return ""
    return _link("arms:lots", status="in_storage", calibre=calibre, unit=unit, **scope.params())


def discrepancy_links(scope: Scope) -> dict[str, str]:
    return {
        "shipments": _link("arms:shipments", discrepancies="open", **scope.params()),
        "stock_checks": _link("arms:stock_checks", discrepancies="open", **scope.params()),
        "inspection_follow_ups": _link("verification:follow_ups", status="open", **scope.params()),
        "incidents": _link("arms:incidents", open="1", **scope.params()),
    }


def _in(period: Period, field: str = "collected_at") -> Q:
    start, end = period.bounds()
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


@dataclass
class Collected:
    """What was collected in a period: per day and series, and the totals."""

    period: Period
    per_day: dict[str, list[int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    rounds: int = 0

    @property
    def weapons(self) -> int:
        return sum(self.totals.get(k, 0) for k in GROUPS)

    @property
    def units(self) -> int:
        """Weapons, ammunition lots and items of materiel: 'units' in public claims."""
        return self.weapons + self.totals.get("ammunition_lots", 0) + self.totals.get("materiel", 0)


def collected(period: Period, scope: Scope | None = None) -> Collected:
    """What was collected in `period` within `scope`: weapons and lots by the site where they
    were collected, materiel by its site (it keeps no other)."""
    scope = scope or Scope()
    dates = period.dates()
    index = {d: i for i, d in enumerate(dates)}
    per_day = {s: [0] * len(dates) for s in SERIES}
    items = (
        Item.objects.filter(_in(period), scope.q("collected_site"))
        .values_list("collected_at__date", "category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for day, category, n in items:
        if day in index and group_of(category):
            per_day[group_of(category)][index[day]] += n
    sources: tuple[tuple[Any, str, str], ...] = (
        (AmmoLot, "ammunition_lots", "collected_site"),
        (Materiel, "materiel", "site"),
    )
    for model, series, where in sources:
        rows = (
            model.objects.filter(_in(period), scope.q(where))
            .values_list("collected_at__date")
            .annotate(n=Count("pk"))
        )
        for day, n in rows.order_by():
            if day in index:
                per_day[series][index[day]] += n
    rounds = (
        AmmoLot.objects.filter(_in(period), scope.q("collected_site"), unit="rounds").aggregate(
            q=Sum("quantity")
        )["q"]
        or 0
    )
    totals = {s: sum(v) for s, v in per_day.items()}
    return Collected(period=period, per_day=per_day, totals=totals, rounds=rounds)


@dataclass(frozen=True)
class SiteHoldings:
    code: str
    name: str
    kind: str
    region: str
    lat: float | None
    lon: float | None
    items: int
    lots: int
    materiel: int


def holdings_by_site(scope: Scope | None = None) -> list[SiteHoldings]:
    """What each site in `scope` holds now."""
    scope = scope or Scope()
    items = Counter(
        dict(
            Item.objects.filter(status=ItemStatus.IN_STORAGE)
            .values_list("site_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )
    lots = Counter(
        dict(
            AmmoLot.objects.filter(status=LotStatus.IN_STORAGE)
            .values_list("site_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )
    materiel = Counter(
        dict(Materiel.objects.values_list("site_id").annotate(n=Count("pk")).order_by())
    )
    return [
        SiteHoldings(
            code=s.code,
            name=s.name,
            kind=s.get_kind_display(),
            region=s.region,
            lat=s.lat_micro / 1e6 if s.lat_micro is not None else None,
            lon=s.lon_micro / 1e6 if s.lon_micro is not None else None,
            items=items[s.code],
            lots=lots[s.code],
            materiel=materiel[s.code],
        )
        for s in Site.objects.order_by("code")
        if scope.holds(s)
    ]


def ammunition_by_calibre(scope: Scope | None = None) -> list[dict[str, Any]]:
    scope = scope or Scope()
    return list(
        AmmoLot.objects.filter(scope.q("site"), status=LotStatus.IN_STORAGE)
        .values("calibre", "unit")
        .annotate(lots=Count("pk"), quantity=Sum("quantity"))
        .order_by("-quantity")
    )


def custody_by_kind(period: Period, scope: Scope | None = None) -> dict[str, int]:
    scope = scope or Scope()
    rows = (
        CustodyEvent.objects.filter(_in(period, "at"), scope.q("site"))
        .values_list("kind")
        .annotate(n=Count("pk"))
    )
    return dict(rows.order_by())


def moved(period: Period) -> dict[str, int]:
    shipments = Shipment.objects.filter(_in(period, "dispatched_at"))
    return {
        "shipments": shipments.count(),
        "received": shipments.exclude(received_at=None).count(),
        "lines": shipments.aggregate(n=Count("lines"))["n"] or 0,
    }


def destroyed(period: Period) -> list[dict[str, Any]]:
    return list(
        Disposal.objects.filter(_in(period, "at"))
        .values("method")
        .annotate(
            disposals=Count("pk", distinct=True),
            weapons=Count("items", distinct=True),
            ammunition_lots=Count("lots", distinct=True),
        )
        .order_by("method")
    )


def open_discrepancies(scope: Scope | None = None) -> dict[str, int]:
    """Counted as their list pages count them (`discrepancy_links`)."""
    from laydown.arms import selectors as arms
    from laydown.verification.selectors import follow_ups_query

    site, region = (scope or Scope()).site, (scope or Scope()).region
    return {
        "shipments": arms.shipments_query(site=site, region=region, discrepancies=True).count(),
        "stock_checks": arms.stock_checks_query(
            site=site, region=region, discrepancies=True
        ).count(),
        "inspection_follow_ups": follow_ups_query(site=site, region=region, status="open").count(),
        "incidents": arms.incidents_query(site=site, region=region, open_only=True).count(),
    }


def inspections(period: Period, scope: Scope | None = None) -> list[dict[str, Any]]:
    """Inspections planned in the period with their findings, weapons and ammunition lots apart:
    a sample of 12 weapons gives at most 12 found, however many lots were counted beside it."""
    from laydown.verification.selectors import inspection_codes_at

    rows = Inspection.objects.filter(
        planned_for__gte=period.start, planned_for__lte=period.end
    ).prefetch_related("findings")
    codes = inspection_codes_at(**(scope or Scope()).params())
    if codes is not None:
        rows = rows.filter(code__in=codes)
    out = []
    for i in rows.order_by("planned_for", "code"):
        sample = set(i.sample)
        weapons = [f for f in i.findings.all() if f.tag in sample]
        lots = [f for f in i.findings.all() if f.tag not in sample]
        out.append(
            {
                "code": i.code,
                "sites": i.sites,
                "date": i.planned_for,
                "status": i.get_status_display(),
                "sample": len(i.sample),
                "found": sum(1 for f in weapons if f.result == "found"),
                "not_found": sum(1 for f in weapons if f.result == "not_found"),
                "mismatch": sum(1 for f in weapons if f.result == "mismatch"),
                "lots": len(i.lots),
                "lots_counted": len(lots),
                "lots_differing": sum(1 for f in lots if f.result != "found"),
                "signed": bool(i.signed_report),
            }
        )
    return out


def witness_status() -> dict[str, Any]:
    checkpoint = ledger.checkpoint_public()
    witnesses = ledger.witnesses()
    return {
        "checkpoint": checkpoint,
        "witnesses": witnesses,
        "quorum": settings.LAYDOWN_WITNESS_QUORUM,
        "cosigned": sum(1 for w in witnesses if w.last_size >= checkpoint.size and w.active),
        "refused": [w for w in witnesses if w.last_status == "refused"],
    }


# ---- public figures: aggregates only, small counts suppressed, nothing finer than region -----


def suppress(n: int, threshold: int) -> int | str:
    return n if n == 0 or n >= threshold else f"<{threshold}"


def public_figures() -> dict[str, Any]:
    threshold = settings.LAYDOWN_PUBLIC_MIN_COUNT
    regions: dict[str, dict[str, int]] = defaultdict(lambda: Counter())
    sources: Iterable[tuple[str, Any]] = (
        ("weapons", Item.objects.values_list("collected_site__region").annotate(n=Count("pk"))),
        ("lots", AmmoLot.objects.values_list("collected_site__region").annotate(n=Count("pk"))),
        ("materiel", Materiel.objects.values_list("site__region").annotate(n=Count("pk"))),
        (
            "destroyed",
            Item.objects.filter(status=ItemStatus.DISPOSED)
            .values_list("site__region")
            .annotate(n=Count("pk")),
        ),
    )
    for figure, rows in sources:
        for region, n in rows.order_by():
            regions[region][figure] += n
    figures = ("weapons", "lots", "materiel", "destroyed")
    totals = {f: sum(r[f] for r in regions.values()) for f in figures}
    return {
        "threshold": threshold,
        "totals": {f: suppress(n, threshold) for f, n in totals.items()},
        "regions": [
            {"region": region, **{f: suppress(counts[f], threshold) for f in figures}}
            for region, counts in sorted(regions.items())
        ],
        "inspections_signed": Inspection.objects.exclude(signed_report="").count(),
    }


def period_span_of_collections() -> tuple[dt.date, dt.date] | None:
    first = Item.objects.order_by("collected_at").values_list("collected_at", flat=True).first()
    last = Item.objects.order_by("-collected_at").values_list("collected_at", flat=True).first()
    return (first.date(), last.date()) if first and last else None


# ---- demobilization and assistance sections (figures from their own apps' selectors) -------


def demobilization() -> dict[str, Any]:
    """Screened, eligible, ID cards issued, support paid: aggregated, small counts suppressed."""
    from laydown.people.selectors import aggregates

    return aggregates()


def assistance(principal: Principal) -> dict[str, Any]:
    """People reached by sector, partner and place; projects; commitments; visits."""
    from laydown.assistance.selectors import assistance_summary
    from laydown.assistance.vocab import ProjectSector, ProjectStatus, VisitStatus

    summary = assistance_summary(principal)
    for project in summary["projects"]:
        project["sector_label"] = ProjectSector(project["sector"]).label
        project["status_label"] = ProjectStatus(project["status"]).label
    for visit in summary["visits_coming"]:
        visit["status_label"] = VisitStatus(visit["status"]).label
    return summary


def public_assistance() -> dict[str, Any]:
    """Assistance for the public page: people reached by sector, counts below the threshold
    suppressed, no place finer than a region (places are not shown at all)."""
    from laydown.accounts.services import SYSTEM

    threshold = settings.LAYDOWN_PUBLIC_MIN_COUNT
    summary = assistance(SYSTEM)
    return {
        "by_sector": [
            {
                "sector": row["sector"],
                "distributions": suppress(row["distributions"], threshold),
                "reached": suppress(row["reached_total"] or 0, threshold),
            }
            for row in summary["reached_by_sector"]
        ],
        "projects": len(summary["projects"]),
        "projects_done": sum(1 for p in summary["projects"] if p["percent_complete"] == 100),
        "commitments": summary["commitments"],
        "commitments_kept": summary["commitments_kept"],
        "commitments_overdue": summary["commitments_overdue"],
        "visits_done": summary["visits_done"],
        "visits_planned": summary["visits_planned"],
    }
