"""The XLSX reader yields exactly what openpyxl yields, however the workbook was written."""

from __future__ import annotations

import datetime as dt
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from laydown.core import imports
from laydown.core.imports.xlsx import xlsx_rows


def _rows(content: bytes) -> list[tuple[object, ...]]:
    return list(xlsx_rows(content, max_columns=64))


def openpyxl_rows(content: bytes) -> list[tuple[object, ...]]:
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        return list(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()


CELL = st.one_of(
    st.none(),
    st.text(st.characters(exclude_categories=["Cs", "Cc"]), max_size=12),
    st.sampled_from(["AK 0001", "  spaced  ", "ХК-1974", "Օ12", "1975", "=1+1", "0042"]),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(2099, 1, 1)),  # noqa: DTZ001
)
SHEET = st.lists(st.lists(CELL, max_size=7), max_size=12)


def workbook(rows: list[list[object]], *, write_only: bool, gaps: bool) -> bytes:
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("items") if write_only else book.active
    assert sheet is not None
    for n, row in enumerate(rows, start=1):
        if write_only:
            sheet.append(row)
        else:
            for column, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(
                        row=n + (n if gaps else 0), column=column + (2 if gaps else 0)
                    ).value = value
    if not write_only:
        book.create_sheet("second")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SHEET, st.booleans(), st.booleans())
def test_the_xlsx_reader_yields_what_openpyxl_yields(
    rows: list[list[object]], write_only: bool, gaps: bool
) -> None:
    content = workbook(rows, write_only=write_only, gaps=gaps and not write_only)
    assert list(_rows(content)) == openpyxl_rows(content)


def test_the_xlsx_reader_hands_dates_and_rich_text_over_to_openpyxl() -> None:
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["site", "serial"])
    sheet.append(["cp-1", dt.datetime(2020, 5, 17, 10, 30)])  # noqa: DTZ001  (cells are naive)
    sheet.append(["cp-1", CellRichText(["AK", TextBlock(InlineFont(b=True), "47")])])
    out = io.BytesIO()
    book.save(out)
    content = out.getvalue()
    assert list(_rows(content)) == openpyxl_rows(content)
    layout = imports.Layout(columns=("site", "serial"), required=(), max_rows=10, max_bytes=2**20)
    table = imports.table_read(layout, name="a.xlsx", content=content)
    assert next(table.rows) == (2, {"site": "cp-1", "serial": "2020-05-17T10:30:00"})
