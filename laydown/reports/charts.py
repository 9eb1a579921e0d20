"""Chart data for the vendored Chart.js (static/reports/charts.js draws it), and a plain SVG
map of site positions that needs no tiles, no network and no JavaScript."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from laydown.reports.selectors import SERIES, SERIES_LABELS, Collected, SiteHoldings

COLOURS = {
    "small_arms": "#1f3a5f",
    "light_weapons": "#4f7cac",
    "heavy_weapons": "#9bb7d4",
    "ammunition_lots": "#c0392b",
    "materiel": "#7f8c8d",
}


def collected_chart(data: Collected) -> dict[str, Any]:
    return {
        "type": "bar",
        "labels": [d.isoformat() for d in data.period.dates()],
        "datasets": [
            {"label": str(SERIES_LABELS[s]), "data": data.per_day[s], "backgroundColor": COLOURS[s]}
            for s in SERIES
        ],
        "stacked": True,
        "rows": [
            [d.isoformat(), *(data.per_day[s][i] for s in SERIES)]
            for i, d in enumerate(data.period.dates())
        ],
    }


def holdings_chart(sites: Sequence[SiteHoldings], labels: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "bar",
        "labels": [s.name for s in sites],
        "datasets": [
            {
                "label": labels["items"],
                "data": [s.items for s in sites],
                "backgroundColor": "#1f3a5f",
            },
            {
                "label": labels["lots"],
                "data": [s.lots for s in sites],
                "backgroundColor": "#c0392b",
            },
            {
                "label": labels["materiel"],
                "data": [s.materiel for s in sites],
                "backgroundColor": "#7f8c8d",
            },
        ],
        "stacked": False,
    }


def plain_map(sites: Sequence[SiteHoldings], width: int = 640, height: int = 400) -> dict[str, Any]:
    """Positions of sites projected into a box (equirectangular), with radii by holdings."""
    placed = [(s, s.lat, s.lon) for s in sites if s.lat is not None and s.lon is not None]
    if not placed:
        return {"width": width, "height": height, "points": []}
    lats = [lat for _s, lat, _lon in placed]
    lons = [lon for _s, _lat, lon in placed]
    pad = 0.1
    lat0, lat1 = min(lats) - pad, max(lats) + pad
    lon0, lon1 = min(lons) - pad, max(lons) + pad
    biggest = max(1, *(s.items + s.lots + s.materiel for s, _lat, _lon in placed))
    points = []
    for s, lat, lon in placed:
        x = 40 + (lon - lon0) / (lon1 - lon0) * (width - 80)
        y = 30 + (lat1 - lat) / (lat1 - lat0) * (height - 60)
        total = s.items + s.lots + s.materiel
        points.append(
            {
                "x": round(x, 1),
                "y": round(y, 1),
                "r": round(6 + 18 * (total / biggest) ** 0.5, 1),
                "site": s,
                "total": total,
            }
        )
    return {"width": width, "height": height, "points": points}
