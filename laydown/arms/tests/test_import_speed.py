"""The importer's shortcuts read and check exactly as the slow, obvious paths do: the XLSX
reader yields what openpyxl yields, the row shortcut accepts only what the full check accepts
and gives the same data."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from laydown.arms import importer, services
from laydown.arms.vocab import Category, Condition


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
    assert list(importer._xlsx_rows(content)) == openpyxl_rows(content)


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
    assert list(importer._xlsx_rows(content)) == openpyxl_rows(content)
    assert list(importer.rows_read("a.xlsx", content))[1] == ["cp-1", "2020-05-17T10:30:00"]


# ---- the row shortcut ------------------------------------------------------------------------

TEXT = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["", " x", "x ", "AK\x01", "a" * 101, "a" * 51, "ХК-1974", "AКM", "Օ1"]),
)
ROW = st.fixed_dictionaries(
    {
        "site": st.just("cp-1"),
        "category": st.one_of(st.sampled_from(Category.values), TEXT),
        "make": st.one_of(st.sampled_from(["Kalashnikov", "FN Herstal"]), TEXT),
        "model": st.one_of(st.sampled_from(["AKM", "FAL"]), TEXT),
        "calibre": TEXT,
        "serial": TEXT,
        "markings": TEXT,
        "country": st.one_of(st.sampled_from(["", "RU", "ru", "R", "RUS", "Ру", "1A"]), TEXT),
        "year": st.one_of(
            st.sampled_from(["", "1975", "1799", "2101", "0975", "+1975", "1_975", "١٩٧٥", "19.5"]),
            TEXT,
        ),
        "condition": st.one_of(st.sampled_from(Condition.values), TEXT),
        "handed_in_by": st.one_of(st.sampled_from(["", "p-1a2b", "Jane Doe", "p\n"]), TEXT),
        "photos": st.one_of(st.just(""), st.just("0" * 64), TEXT),
        "confirm_duplicate_reason": st.just(""),
    }
)


@settings(max_examples=1500, deadline=None)
@given(ROW)
def test_the_row_shortcut_accepts_only_valid_rows_and_gives_the_full_checks_data(
    values: dict[str, Any],
) -> None:
    fast = importer._fields_fast(values)
    clean, errors = services.item_fields_check(
        category=values["category"],
        make=values["make"],
        model=values["model"],
        calibre=values["calibre"],
        serial=values["serial"],
        markings=values["markings"],
        country=values["country"],
        year=values["year"] or None,
        condition=values["condition"],
        handed_in_by=values["handed_in_by"] or None,
        photos=values["photos"].split(),
    )
    if fast is not None:
        assert not errors
        assert fast == {"site": values["site"], **clean}
        assert list(fast) == ["site", *clean]


def test_every_letter_of_the_cyrillic_block_is_named_cyrillic() -> None:
    import unicodedata

    letters = [chr(c) for c in range(0x400, 0x500) if chr(c).isalpha()]
    assert letters
    assert all(unicodedata.name(c).startswith("CYRILLIC") for c in letters)


def test_the_row_shortcut_takes_an_ordinary_row() -> None:
    row = {c: "" for c in importer.COLUMNS} | {
        "site": "cp-1",
        "category": "sa_assault_rifle",
        "make": "Kalashnikov",
        "model": "AKM",
        "serial": "AK 1974-0001",
        "year": "1974",
        "condition": "serviceable",
        "country": "ru",
        "handed_in_by": "p-1a2b3c4d",
    }
    assert importer._fields_fast(row) is not None
