"""An import workbook of several sheets, each read like a one-sheet import file: its first row
names the columns (checked as `table_read` checks a file's header), then rows by column name.
Sheets not named in the layouts (notes, vocabularies) are ignored; a named sheet may be absent.
Every problem carries its sheet (`Problem.sheet`)."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Mapping

from django.utils.translation import gettext as _

from laydown.core.imports import xlsx
from laydown.core.imports.problems import ImportRefused, Problem
from laydown.core.imports.tables import Layout, Row, _rows, cell_text, header_problems

__all__ = ["Sheets", "workbook_read"]


@dataclasses.dataclass
class Sheets:
    """The rows of each sheet found (read whole: a set-up workbook is small), and problems."""

    rows: dict[str, list[Row]]
    problems: list[Problem]


def _in_sheet(problems: list[Problem], sheet: str) -> list[Problem]:
    return [dataclasses.replace(p, sheet=sheet) for p in problems]


def workbook_read(layouts: Mapping[str, Layout], *, name: str, content: bytes) -> Sheets:
    """Open an XLSX workbook and read each sheet named in `layouts`. A file that is not a
    readable workbook, or holds none of the sheets, is refused whole (ImportRefused)."""
    max_bytes = max(layout.max_bytes for layout in layouts.values())
    if not name.lower().endswith(".xlsx"):
        raise ImportRefused.whole_file(_("Give an .xlsx workbook."), _("unknown format"))
    if len(content) > max_bytes:
        raise ImportRefused.whole_file(
            _("The file is larger than %(mb)d MB.") % {"mb": max_bytes // 2**20}, _("too large")
        )
    xlsx.archive_check(
        content,
        max_unpacked=sum(layout.max_unpacked for layout in layouts.values()),
        max_strings=sum(layout.max_strings for layout in layouts.values()),
    )
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001  (openpyxl and XML parsers raise many kinds)
        raise ImportRefused.whole_file(
            _("The file is not a readable XLSX workbook: save it again as .xlsx."),
            _("unreadable"),
        ) from exc
    try:
        return _sheets_read(book, layouts)
    finally:
        book.close()


def _sheets_read(book: object, layouts: Mapping[str, Layout]) -> Sheets:
    names = {str(n).strip().lower(): n for n in book.sheetnames}  # type: ignore[attr-defined]
    found = [sheet for sheet in layouts if sheet in names]
    if not found:
        raise ImportRefused.whole_file(
            _("The workbook has none of the sheets %(s)s: start from the template.")
            % {"s": ", ".join(layouts)},
            _("no known sheet"),
        )
    rows: dict[str, list[Row]] = {}
    problems: list[Problem] = []
    for sheet in found:
        layout = layouts[sheet]
        cells = book[names[sheet]].iter_rows(values_only=True, max_col=layout.width)  # type: ignore[index]
        first = next(cells, None)
        header = [cell_text(v).lower() for v in (first or ())][: layout.width]
        wrong = header_problems(layout, header)
        if wrong:
            problems += _in_sheet(wrong, sheet)
            continue
        found_here: list[Problem] = []
        try:
            rows[sheet] = list(_rows(layout, header, cells, found_here))
        except ImportRefused as exc:
            problems += _in_sheet(exc.problems, sheet)
        problems += _in_sheet(found_here, sheet)
    return Sheets(rows=rows, problems=problems)
