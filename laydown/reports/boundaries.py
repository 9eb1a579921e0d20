"""Administrative boundaries for the map: a GeoJSON file as OCHA publishes them (COD-AB), drawn
under the sites without a tile server, with figures per area.

`laydown boundaries import FILE` checks the file (a FeatureCollection of Polygon or
MultiPolygon features in WGS 84, each with a P-code and a name in `ADM<n>_PCODE` and
`ADM<n>_EN`, or `ADM<n>_NAME`, of its deepest level) and keeps it in the data directory as
boundaries.geojson; a bad file is refused naming the feature and what is wrong, and the kept one
stays. Boundaries are reference data, not records: they change no figure, they only place them.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

MAX_BYTES = 20 * 1024 * 1024
DEMO_FILE = Path(__file__).parent / "geodata" / "demo-adm1.geojson"  # the demo country
MAX_FEATURES = 5000
_LEVEL = re.compile(r"^ADM(\d)_PCODE$", re.IGNORECASE)
Ring = list[tuple[float, float]]  # (lon, lat)


class BoundaryError(ValueError):
    """The file is not usable boundaries; the message says which feature and why."""


@dataclass(frozen=True)
class Boundary:
    pcode: str
    name: str
    polygons: list[list[Ring]]  # each polygon: outer ring, then holes

    def contains(self, lon: float, lat: float) -> bool:
        return any(
            _inside(lon, lat, rings[0]) and not any(_inside(lon, lat, h) for h in rings[1:])
            for rings in self.polygons
        )

    def box(self) -> tuple[float, float, float, float]:
        points = [p for rings in self.polygons for p in rings[0]]
        lons, lats = [p[0] for p in points], [p[1] for p in points]
        return min(lons), min(lats), max(lons), max(lats)


def _inside(lon: float, lat: float, ring: Ring) -> bool:
    """Ray casting: whether the point is inside the closed ring."""
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def boundaries_path() -> Path:
    return Path(settings.DATA_DIR) / "boundaries.geojson"


def _ring(value: Any, where: str) -> Ring:
    if not isinstance(value, list) or len(value) < 4:
        raise BoundaryError(f"{where}: a ring is a list of at least 4 positions")
    ring = []
    for position in value:
        if (
            not isinstance(position, list)
            or len(position) < 2
            or not all(isinstance(c, int | float) for c in position[:2])
        ):
            raise BoundaryError(f"{where}: a position is [longitude, latitude]")
        lon, lat = float(position[0]), float(position[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise BoundaryError(f"{where}: [{lon}, {lat}] is not longitude, latitude in WGS 84")
        ring.append((lon, lat))
    return ring


def _polygons(geometry: Any, where: str) -> list[list[Ring]]:
    if not isinstance(geometry, dict):
        raise BoundaryError(f"{where}: no geometry")
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        coordinates = [coordinates]
    elif kind != "MultiPolygon":
        raise BoundaryError(f"{where}: geometry {kind!r} is not a Polygon or MultiPolygon")
    if not isinstance(coordinates, list) or not coordinates:
        raise BoundaryError(f"{where}: empty coordinates")
    return [
        [_ring(ring, where) for ring in polygon]
        for polygon in coordinates
        if isinstance(polygon, list) and polygon
    ]


def _level(properties: Any) -> int | None:
    """The deepest administrative level with a P-code among the feature's properties."""
    if not isinstance(properties, dict):
        return None
    levels = [int(m.group(1)) for key in properties if (m := _LEVEL.match(key)) is not None]
    return max(levels) if levels else None


def _names(properties: Any, level: int, where: str) -> tuple[str, str]:
    """The P-code and the name of the feature at the file's administrative `level`."""
    if not isinstance(properties, dict):
        raise BoundaryError(f"{where}: no properties")
    key = next((k for k in properties if k.upper() == f"ADM{level}_PCODE"), None)
    if key is None:
        raise BoundaryError(f"{where}: no P-code (ADM{level}_PCODE, as the first feature)")
    pcode = str(properties.get(key) or "").strip()
    if not pcode:
        raise BoundaryError(f"{where}: {key} is empty")
    name = next(
        (
            str(properties[k]).strip()
            for k in (f"ADM{level}_EN", f"ADM{level}_NAME", f"adm{level}_en", f"adm{level}_name")
            if properties.get(k)
        ),
        pcode,
    )
    return pcode, name


def boundaries_parse(data: bytes) -> list[Boundary]:
    """The boundaries of a GeoJSON FeatureCollection, or BoundaryError naming the feature."""
    if len(data) > MAX_BYTES:
        raise BoundaryError(f"the file is over {MAX_BYTES // (1024 * 1024)} MB: simplify it")
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BoundaryError(f"not JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise BoundaryError("not a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list) or not features:
        raise BoundaryError("the collection has no features")
    if len(features) > MAX_FEATURES:
        raise BoundaryError(f"more than {MAX_FEATURES} features: import one level at a time")
    first = features[0].get("properties") if isinstance(features[0], dict) else None
    level = _level(first)
    if level is None:
        raise BoundaryError("feature 1: no P-code (a property ADM1_PCODE, ADM2_PCODE...)")
    out, seen = [], set()
    for n, feature in enumerate(features, start=1):
        where = f"feature {n}"
        if not isinstance(feature, dict):
            raise BoundaryError(f"{where}: not a Feature")
        pcode, name = _names(feature.get("properties"), level, where)
        if pcode in seen:
            raise BoundaryError(f"{where}: P-code {pcode} appears twice")
        seen.add(pcode)
        out.append(Boundary(pcode, name, _polygons(feature.get("geometry"), f"{where} ({pcode})")))
    return out


def boundaries_import(source: Path) -> list[Boundary]:
    """Check `source` and keep it as the data directory's boundaries (atomically)."""
    data = source.read_bytes()
    found = boundaries_parse(data)
    target = boundaries_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".boundaries-")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(temporary, target)
    return found


def boundaries_current() -> list[Boundary]:
    """The imported boundaries; none if no file was imported (or it is no longer readable)."""
    path = boundaries_path()
    if not path.exists():
        return []
    try:
        return boundaries_parse(path.read_bytes())
    except (OSError, BoundaryError):
        return []


def area_of(boundaries: Sequence[Boundary], lon: float, lat: float) -> Boundary | None:
    return next((b for b in boundaries if b.contains(lon, lat)), None)


# ---- labels that do not overlap ------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"


def _label_box(label: Label, size: float) -> tuple[float, float, float, float]:
    width = 0.58 * size * len(label.text)
    left = {"start": label.x, "middle": label.x - width / 2, "end": label.x - width}[label.anchor]
    return left, label.y - size, left + width, label.y + 0.25 * size


def _overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def labels_placed(
    wanted: Iterable[tuple[float, float, float, str]],
    size: float = 12,
    taken: Iterable[tuple[float, float, float, float]] = (),
) -> list[Label]:
    """Place each label (x, y, clearance, text) beside its point, trying above, below, right
    and left, then the same a line and two lines further out; a label that fits nowhere is left
    out (the table below the map has every figure). Boxes are estimated from the font size."""
    boxes = list(taken)
    placed = []
    for x, y, near, text in wanted:
        candidates = [
            label
            for gap in (near, near + size * 1.2, near + size * 2.4)
            for label in (
                Label(x, y - gap - 2, text),
                Label(x, y + gap + size, text),
                Label(x + gap + 3, y + size / 3, text, "start"),
                Label(x - gap - 3, y + size / 3, text, "end"),
            )
        ]
        for label in candidates:
            box = _label_box(label, size)
            if not any(_overlaps(box, other) for other in boxes):
                boxes.append(box)
                placed.append(label)
                break
    return placed
