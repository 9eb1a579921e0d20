"""Exports of aggregate 5W data: CSV, XLSX and HXL-tagged CSV; no personal data.

Rows are the sums of `selectors.five_w_rows` (per day, place, partner, sector, activity and
item), never households or people. CSV is streamed row by row; XLSX is written in openpyxl's
write-only mode to a temporary file and streamed from it.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _

from laydown.core import spreadsheet

# (key in the 5W row, column header, HXL hashtag)
COLUMNS: tuple[tuple[str, Any, str], ...] = (
    ("date", _("Date"), "#date"),
    ("adm1_code", _("Region P-code"), "#adm1+code"),
    ("adm1_name", _("Region"), "#adm1+name"),
    ("adm2_code", _("District P-code"), "#adm2+code"),
    ("adm2_name", _("District"), "#adm2+name"),
    ("loc_code", _("Settlement P-code"), "#loc+code"),
    ("loc_name", _("Settlement"), "#loc+name"),
    ("org_code", _("Partner code"), "#org+code"),
    ("org_name", _("Partner"), "#org+name"),
    ("org_type", _("Partner type"), "#org+type"),
    ("sector", _("Sector"), "#sector"),
    ("activity", _("Activity"), "#activity"),
    ("commodity", _("Commodity or service"), "#item+type"),
    ("item", _("Item"), "#item+name"),
    ("unit", _("Unit"), "#item+unit"),
    ("distributions", _("Distributions"), "#output+num+distributions"),
    ("quantity_planned", _("Quantity planned"), "#output+num+planned"),
    ("quantity_delivered", _("Quantity delivered"), "#output+num+delivered"),
    ("reached_total", _("People reached"), "#reached+total"),
    ("reached_f", _("Female reached"), "#reached+f"),
    ("reached_m", _("Male reached"), "#reached+m"),
    ("girls", _("Girls (0-17)"), "#reached+f+children"),
    ("boys", _("Boys (0-17)"), "#reached+m+children"),
    ("women", _("Women (18-59)"), "#reached+f+adults"),
    ("men", _("Men (18-59)"), "#reached+m+adults"),
    ("older_women", _("Older women (60+)"), "#reached+f+elderly"),
    ("older_men", _("Older men (60+)"), "#reached+m+elderly"),
    ("reached_disabled", _("People with disabilities reached"), "#reached+disabled"),
)


CHUNK = 64 * 1024


def header() -> list[str]:
    return [str(label) for _key, label, _tag in COLUMNS]


def hxl_tags() -> list[str]:
    return [tag for _key, _label, tag in COLUMNS]


def values(row: dict[str, Any]) -> list[Any]:
    return [row[key] for key, _label, _tag in COLUMNS]


def csv_lines(rows: Iterable[dict[str, Any]], *, hxl: bool = False) -> Iterator[str]:
    """The CSV text, one line at a time; with `hxl`, the hashtag row follows the header."""
    head = [header(), hxl_tags()] if hxl else [header()]
    return spreadsheet.csv_lines(itertools.chain(head, (values(row) for row in rows)))


def xlsx_chunks(rows: Iterable[dict[str, Any]], *, hxl: bool = True) -> Iterator[bytes]:
    """The XLSX file (header, HXL row, rows) in chunks, for a StreamingHttpResponse.

    openpyxl's write-only mode keeps little in memory and needs a seekable file to zip into,
    so the workbook goes to a temporary file, opened only once the response is iterated and
    closed when it is done.
    """
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(_("5W")))
    sheet.append(spreadsheet.xlsx_row(sheet, header()))
    if hxl:
        sheet.append(spreadsheet.xlsx_row(sheet, hxl_tags()))
    for row in rows:
        sheet.append(spreadsheet.xlsx_row(sheet, values(row)))
    with tempfile.TemporaryFile() as out:
        book.save(out)
        out.seek(0)
        while chunk := out.read(CHUNK):
            yield chunk
