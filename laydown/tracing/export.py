"""A tracing request: every identifying field of the chosen items, their markings, recovery
points and photo references, as CSV, XLSX, and a JSON bundle with each item's ledger records and
inclusion proofs against the cosigned checkpoint, so that the recipient can check with
`laydown verify BUNDLE.json --key ...` that nothing was altered after it was recorded.

The formation an item came from is never exported (it is not in the custody records either).
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from laydown.arms.models import Item
from laydown.core.spreadsheet import csv_lines, xlsx_row
from laydown.tracing.models import Marking, Recovery, TracingRequest
from laydown.verification.selectors import tag_bundle

COLUMNS = [
    "tag",
    "category",
    "make",
    "model",
    "calibre",
    "serial",
    "country",
    "year",
    "condition",
    "markings",
    "tampered_markings",
    "recovered_lat",
    "recovered_lon",
    "recovered_place",
    "circumstance",
    "collected_at",
    "collected_site",
    "status",
    "site",
    "photos",
]


def _marking_text(m: dict[str, Any]) -> str:
    text = f"{m['kind']}@{m['location']}: {m['text'] or '—'} [{m['state']}]"
    return text + (f" photo:{m['photo']}" if m["photo"] else "")


def rows(tags: list[str]) -> list[dict[str, Any]]:
    items = Item.objects.filter(tag__in=tags).order_by("tag")
    markings: dict[str, list[Marking]] = {}
    for m in Marking.objects.filter(tag__in=tags):
        markings.setdefault(m.tag, []).append(m)
    recoveries = {r.tag: r for r in Recovery.objects.filter(tag__in=tags)}
    out = []
    for item in items:
        ms = markings.get(item.tag, [])
        rec = recoveries.get(item.tag)
        photos = list(item.photos) + [m.photo for m in ms if m.photo]
        out.append(
            {
                "tag": item.tag,
                "category": item.category,
                "make": item.make,
                "model": item.model,
                "calibre": item.calibre,
                "serial": item.serial,
                "country": item.country,
                "year": item.year,
                "condition": item.condition,
                "markings": [
                    {
                        "kind": m.kind,
                        "location": m.location,
                        "text": m.text,
                        "state": m.state,
                        "photo": m.photo or None,
                    }
                    for m in ms
                ],
                "tampered_markings": sum(1 for m in ms if m.state != "legible"),
                "recovered_lat": None
                if rec is None or rec.lat_micro is None
                else rec.lat_micro / 1e6,
                "recovered_lon": None
                if rec is None or rec.lon_micro is None
                else rec.lon_micro / 1e6,
                "recovered_place": rec.place if rec else "",
                "circumstance": rec.circumstance if rec else "",
                "collected_at": item.collected_at.isoformat(),
                "collected_site": item.collected_site_id,
                "status": item.status,
                "site": item.site_id,
                "photos": photos,
            }
        )
    return out


def _flat(row: dict[str, Any]) -> list[Any]:
    flat = []
    for column in COLUMNS:
        value = row[column]
        if column == "markings":
            value = " | ".join(_marking_text(m) for m in value)
        elif column == "photos":
            value = " ".join(value)
        flat.append("" if value is None else value)
    return flat


def build(request: TracingRequest) -> bytes:
    """The request as a ZIP: <code>.csv, <code>.xlsx and <code>.json."""
    data = rows(list(request.tags))
    header = {
        "format": "laydown-tracing-request/v1",
        "code": request.code,
        "recipient": request.recipient,
        "purpose": request.purpose,
        "created_at": request.at.isoformat(),
    }
    bundle = {
        **header,
        "items": [{**row, "ledger": tag_bundle(row["tag"])} for row in data],
    }
    csv_text = "".join(csv_lines([COLUMNS, *(_flat(r) for r in data)]))
    from openpyxl import Workbook  # here: openpyxl takes ~0.2 s to import, most commands none

    book = Workbook(write_only=True)
    sheet = book.create_sheet(request.code)
    sheet.append(xlsx_row(sheet, COLUMNS))
    for row in data:
        sheet.append(xlsx_row(sheet, _flat(row)))
    xlsx = io.BytesIO()
    book.save(xlsx)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{request.code}.csv", csv_text)
        archive.writestr(f"{request.code}.xlsx", xlsx.getvalue())
        archive.writestr(f"{request.code}.json", json.dumps(bundle, ensure_ascii=False, indent=1))
    return out.getvalue()
