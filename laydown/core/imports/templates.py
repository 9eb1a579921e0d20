"""Empty import files to fill in: the header only (CSV), or (XLSX) the header in bold on a
first sheet, a `columns` sheet saying what each column means and optional vocabulary sheets;
every text written as text, never as a formula (laydown.core.spreadsheet)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from laydown.core import spreadsheet
from laydown.core.imports.tables import Layout


def template_write(
    path: Path,
    layout: Layout,
    *,
    title: str,
    help: Mapping[str, str],
    sheets: Mapping[str, Sequence[Sequence[str]]] | None = None,
) -> None:
    """Write the template to `path`: XLSX if it ends in .xlsx, else CSV. `sheets` are further
    sheets (first row their header), such as a vocabulary."""
    if path.suffix.lower() != ".xlsx":
        path.write_text("".join(spreadsheet.csv_lines([layout.columns])), encoding="utf-8")
        return
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.worksheets[0]
    sheet.title = title
    sheet.append(spreadsheet.xlsx_row(sheet, layout.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("columns")
    rows: list[list[str]] = [["column", "required", "meaning"]]
    rows += [[c, "yes" if c in layout.required else "", help[c]] for c in layout.columns]
    for row in rows:
        notes.append(spreadsheet.xlsx_row(notes, row))
    for name, sheet_rows in (sheets or {}).items():
        extra = book.create_sheet(name)
        for values in sheet_rows:
            extra.append(spreadsheet.xlsx_row(extra, values))
    book.save(path)
