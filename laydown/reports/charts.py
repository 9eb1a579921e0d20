"""Chart data for the vendored Chart.js (static/reports/charts.js draws it), and a plain SVG
map of site positions over the administrative boundaries (reports.boundaries) that needs no
tiles, no network and no JavaScript."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from laydown.reports.boundaries import Boundary, Label, labels_placed
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


def plain_map(
    sites: Sequence[SiteHoldings],
    boundaries: Sequence[Boundary] = (),
    width: int = 640,
    height: int = 400,
) -> dict[str, Any]:
    """Sites projected into a box (equirectangular), circles sized by holdings, drawn over the
    administrative areas (`boundaries`) with the figures of each area; labels do not overlap."""
    placed = [(s, s.lat, s.lon) for s in sites if s.lat is not None and s.lon is not None]
    if not placed and not boundaries:
        return {"width": width, "height": height, "points": [], "areas": [], "labels": []}
    lons = [lon for _s, _lat, lon in placed]
    lats = [lat for _s, lat, _lon in placed]
    for b in boundaries:
        west, south, east, north = b.box()
        lons += [west, east]
        lats += [south, north]
    pad = 0.02 if boundaries else 0.1
    lat0, lat1 = min(lats) - pad, max(lats) + pad
    lon0, lon1 = min(lons) - pad, max(lons) + pad

    def xy(lon: float, lat: float) -> tuple[float, float]:
        x = 20 + (lon - lon0) / max(lon1 - lon0, 1e-9) * (width - 40)
        y = 20 + (lat1 - lat) / max(lat1 - lat0, 1e-9) * (height - 40)
        return round(x, 1), round(y, 1)

    biggest = max([1, *(s.items + s.lots + s.materiel for s, _lat, _lon in placed)])
    points = []
    for s, lat, lon in placed:
        x, y = xy(lon, lat)
        total = s.items + s.lots + s.materiel
        r = round(6 + 18 * (total / biggest) ** 0.5, 1)
        points.append({"x": x, "y": y, "r": r, "site": s, "total": total})
    areas = [_area(b, placed, xy) for b in boundaries]
    circles = [(p["x"] - p["r"], p["y"] - p["r"], p["x"] + p["r"], p["y"] + p["r"]) for p in points]
    site_labels = labels_placed(
        ((p["x"], p["y"], p["r"], f"{p['site'].name} ({p['total']})") for p in points),
        taken=circles,
    )
    taken = circles + [_box(label) for label in site_labels]
    area_labels = labels_placed(
        ((a["x"], a["y"], 0, f"{a['name']}: {a['items']}") for a in areas), size=11, taken=taken
    )
    return {
        "width": width,
        "height": height,
        "points": points,
        "areas": areas,
        "labels": site_labels,
        "area_labels": area_labels,
    }


def _box(label: Label, size: float = 12) -> tuple[float, float, float, float]:
    width = 0.58 * size * len(label.text)
    left = {"start": label.x, "middle": label.x - width / 2, "end": label.x - width}[label.anchor]
    return left, label.y - size, left + width, label.y + 0.25 * size


def _area(
    boundary: Boundary,
    placed: Sequence[tuple[SiteHoldings, float, float]],
    xy: Any,
) -> dict[str, Any]:
    inside = [s for s, lat, lon in placed if boundary.contains(lon, lat)]
    path = " ".join(
        "M" + " L".join(f"{x},{y}" for x, y in (xy(lon, lat) for lon, lat in ring)) + " Z"
        for rings in boundary.polygons
        for ring in rings
    )
    outer = max((rings[0] for rings in boundary.polygons), key=len)
    x, y = xy(sum(p[0] for p in outer) / len(outer), sum(p[1] for p in outer) / len(outer))
    return {
        "pcode": boundary.pcode,
        "name": boundary.name,
        "path": path,
        "x": x,
        "y": y,
        "sites": len(inside),
        "items": sum(s.items for s in inside),
        "lots": sum(s.lots for s in inside),
        "materiel": sum(s.materiel for s in inside),
    }
