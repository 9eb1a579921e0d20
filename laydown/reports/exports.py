"""Exports of registry and aggregate data: CSV, XLSX, GeoJSON and HXL-tagged CSV.

Rows come from database iterators in chunks and go out as they come (CSV, HXL, GeoJSON stream;
XLSX is written in openpyxl's write-only mode to a temporary file), so 10^6 rows cost no more
memory than 10. No personal data: people appear nowhere, not even by pseudonym.
"""

from __future__ import annotations

import itertools
import json
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse

from laydown.arms.models import AmmoLot, Item, Site
from laydown.core import spreadsheet
from laydown.reports.selectors import group_of

CHUNK = 2000


@dataclass(frozen=True)
class Dataset:
    name: str
    headers: tuple[str, ...]
    hxl: tuple[str, ...]
    rows: Callable[[], Iterator[Sequence[Any]]]
    count: Callable[[], int]
    geo: bool = False  # rows carry lat, lon as their last two values


def _items() -> Iterator[Sequence[Any]]:
    rows = Item.objects.order_by("tag").values_list(
        "tag",
        "category",
        "make",
        "model",
        "calibre",
        "condition",
        "status",
        "site_id",
        "site__region",
        "collected_at",
    )
    for row in rows.iterator(chunk_size=CHUNK):
        *head, collected_at = row
        yield (*head, group_of(row[1]), collected_at.date().isoformat())


def _lots() -> Iterator[Sequence[Any]]:
    rows = AmmoLot.objects.order_by("tag").values_list(
        "tag",
        "type",
        "calibre",
        "quantity",
        "unit",
        "hazard_division",
        "condition",
        "status",
        "site_id",
        "site__region",
        "collected_at",
    )
    for row in rows.iterator(chunk_size=CHUNK):
        *head, collected_at = row
        yield (*head, collected_at.date().isoformat())


def _sites() -> Iterator[Sequence[Any]]:
    items = dict(
        Item.objects.filter(status="in_storage")
        .values_list("site_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    lots = dict(
        AmmoLot.objects.filter(status="in_storage")
        .values_list("site_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for s in Site.objects.order_by("code").iterator(chunk_size=CHUNK):
        lat = s.lat_micro / 1e6 if s.lat_micro is not None else None
        lon = s.lon_micro / 1e6 if s.lon_micro is not None else None
        yield (
            s.code,
            s.name,
            s.kind,
            s.region,
            items.get(s.code, 0),
            lots.get(s.code, 0),
            lat,
            lon,
        )


def _by_day() -> QuerySet[Item, tuple[Any, ...]]:
    return (
        Item.objects.values_list("collected_at__date", "collected_site__region", "category")
        .annotate(n=Count("pk"))
        .order_by("collected_at__date", "collected_site__region", "category")
    )


def _collected_by_day() -> Iterator[Sequence[Any]]:
    for day, region, category, n in _by_day().iterator(chunk_size=CHUNK):
        yield (day.isoformat(), region, group_of(category), category, n)


DATASETS = {
    d.name: d
    for d in (
        Dataset(
            "items",
            (
                "tag",
                "category",
                "make",
                "model",
                "calibre",
                "condition",
                "status",
                "site",
                "region",
                "group",
                "collected",
            ),
            (
                "#item+id",
                "#item+type+code",
                "#item+make",
                "#item+model",
                "#item+calibre",
                "#status+condition",
                "#status",
                "#loc+site+code",
                "#adm1+code",
                "#item+type+group",
                "#date+collected",
            ),
            _items,
            Item.objects.count,
        ),
        Dataset(
            "lots",
            (
                "tag",
                "type",
                "calibre",
                "quantity",
                "unit",
                "hazard_division",
                "condition",
                "status",
                "site",
                "region",
                "collected",
            ),
            (
                "#item+id",
                "#item+type",
                "#item+calibre",
                "#value+quantity",
                "#indicator+unit",
                "#item+hazard",
                "#status+condition",
                "#status",
                "#loc+site+code",
                "#adm1+code",
                "#date+collected",
            ),
            _lots,
            AmmoLot.objects.count,
        ),
        Dataset(
            "sites",
            ("site", "name", "kind", "region", "weapons_held", "lots_held", "lat", "lon"),
            (
                "#loc+site+code",
                "#loc+site+name",
                "#loc+type",
                "#adm1+code",
                "#inkind+weapons",
                "#inkind+lots",
                "#geo+lat",
                "#geo+lon",
            ),
            _sites,
            Site.objects.count,
            geo=True,
        ),
        Dataset(
            "collected-by-day",
            ("date", "region", "group", "category", "weapons"),
            ("#date", "#adm1+code", "#item+type+group", "#item+type+code", "#inkind+weapons"),
            _collected_by_day,
            lambda: _by_day().count(),  # its rows: one a day, region and category
        ),
    )
}
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "hxl": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}


def csv_lines(dataset: Dataset, *, hxl: bool) -> Iterator[str]:
    """The CSV (or HXL) text, one line at a time, no cell readable as a formula."""
    head = [dataset.headers, dataset.hxl] if hxl else [dataset.headers]
    return spreadsheet.csv_lines(itertools.chain(head, dataset.rows()))


def geojson_chunks(dataset: Dataset) -> Iterator[str]:
    if not dataset.geo:
        raise ValueError(f"{dataset.name} has no coordinates")
    yield '{"type":"FeatureCollection","features":['
    first = True
    for row in dataset.rows():
        *props, lat, lon = row
        geometry = None if lat is None else {"type": "Point", "coordinates": [lon, lat]}
        feature = {
            "type": "Feature",
            "geometry": geometry,
            "properties": dict(zip(dataset.headers, props, strict=False)),
        }
        yield ("" if first else ",") + json.dumps(feature, ensure_ascii=False)
        first = False
    yield "]}"


def write_xlsx(dataset: Dataset, out: Any, progress: Callable[[int], None] | None = None) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(dataset.name[:31])
    sheet.append(spreadsheet.xlsx_row(sheet, dataset.headers))
    for n, row in enumerate(dataset.rows(), 1):
        sheet.append(spreadsheet.xlsx_row(sheet, row))
        if progress and n % CHUNK == 0:
            progress(n)
    book.save(out)


def dataset_or_404(name: str, fmt: str) -> Dataset:
    dataset = DATASETS.get(name)
    if dataset is None or fmt not in FORMATS or (fmt == "geojson" and not dataset.geo):
        raise Http404("No such export.")
    return dataset


def export_response(
    name: str, fmt: str, progress: Callable[[int], None] | None = None
) -> HttpResponse | StreamingHttpResponse | FileResponse:
    """The dataset as a download; an XLSX is built here (told to `progress` every CHUNK
    rows: a worker's export job beats as it builds), the others stream."""
    dataset = dataset_or_404(name, fmt)
    filename = f"laydown-{name}.{'csv' if fmt == 'hxl' else fmt}"
    if fmt == "xlsx":
        tmp = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
        write_xlsx(dataset, tmp, progress)
        tmp.seek(0)
        return FileResponse(tmp, as_attachment=True, filename=filename, content_type=FORMATS[fmt])
    chunks = geojson_chunks(dataset) if fmt == "geojson" else csv_lines(dataset, hxl=fmt == "hxl")
    response = StreamingHttpResponse(chunks, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
