"""What every list page shares beside the pager (paging): the column it is sorted by, chosen
from the query string among the columns the page allows, and "export this list" as CSV or XLSX
(the current filter, every cell spreadsheet-safe)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse

from laydown.core import spreadsheet

__all__ = ["EXPORT_FORMATS", "export", "sort_order"]

EXPORT_FORMATS = ("csv", "xlsx")


def sort_order(request: HttpRequest, columns: dict[str, str], default: str) -> tuple[str, str]:
    """`(sort, order_by)`: the `sort` parameter if it names one of `columns` (a leading '-'
    sorts descending), else `default`; `order_by` is the model field to sort by."""
    wanted = request.GET.get("sort", "")
    if wanted.lstrip("-") not in columns:
        wanted = default
    field = columns[wanted.lstrip("-")]
    return wanted, ("-" if wanted.startswith("-") else "") + field


def export(
    name: str, fmt: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    """The list as a CSV or XLSX download named `name`."""
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(name)
        for row in [headers, *rows]:
            sheet.append(spreadsheet.xlsx_row(sheet, row))
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        text = "".join(spreadsheet.csv_lines([headers, *rows]))
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
