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
from django.utils.translation import gettext_lazy as _

from laydown.access.permissions import Principal
from laydown.arms.models import (
    AmmoLot,
    CustodyEvent,
    Disposal,
    Incident,
    Item,
    Materiel,
    Shipment,
    Site,
    StockCheck,
)
from laydown.arms.vocab import ItemStatus, LotStatus
from laydown.ledger import selectors as ledger
from laydown.reports.periods import Period
from laydown.verification.models import FollowUp, Inspection

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


def collected(period: Period) -> Collected:
    dates = period.dates()
    index = {d: i for i, d in enumerate(dates)}
    per_day = {s: [0] * len(dates) for s in SERIES}
    items = (
        Item.objects.filter(_in(period))
        .values_list("collected_at__date", "category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for day, category, n in items:
        if day in index and group_of(category):
            per_day[group_of(category)][index[day]] += n
    for model, series in ((AmmoLot, "ammunition_lots"), (Materiel, "materiel")):
        rows = (
            model.objects.filter(_in(period))
            .values_list("collected_at__date")
            .annotate(n=Count("pk"))
        )
        for day, n in rows.order_by():
            if day in index:
                per_day[series][index[day]] += n
    rounds = (
        AmmoLot.objects.filter(_in(period), unit="rounds").aggregate(q=Sum("quantity"))["q"] or 0
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


def holdings_by_site() -> list[SiteHoldings]:
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
    ]


def ammunition_by_calibre() -> list[dict[str, Any]]:
    return list(
        AmmoLot.objects.filter(status=LotStatus.IN_STORAGE)
        .values("calibre", "unit")
        .annotate(lots=Count("pk"), quantity=Sum("quantity"))
        .order_by("-quantity")
    )


def custody_by_kind(period: Period) -> dict[str, int]:
    rows = (
        CustodyEvent.objects.filter(_in(period, "at")).values_list("kind").annotate(n=Count("pk"))
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


def open_discrepancies() -> dict[str, int]:
    return {
        "shipments": Shipment.objects.exclude(discrepancies=[]).count(),
        "stock_checks": StockCheck.objects.exclude(discrepancies=[]).count(),
        "inspection_follow_ups": FollowUp.objects.filter(status="open").count(),
        "incidents": Incident.objects.filter(is_open=True).count(),
    }


def inspections(period: Period) -> list[dict[str, Any]]:
    """Inspections planned in the period with their findings, weapons and ammunition lots apart:
    a sample of 12 weapons gives at most 12 found, however many lots were counted beside it."""
    rows = Inspection.objects.filter(
        planned_for__gte=period.start, planned_for__lte=period.end
    ).prefetch_related("findings")
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
