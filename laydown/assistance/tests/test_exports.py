"""Exports of aggregate 5W data: CSV, XLSX and HXL (validated with libhxl); no personal data."""

from __future__ import annotations

import datetime as dt
import io

import hxl
import pytest
from openpyxl import load_workbook

from laydown.assistance import exports, selectors
from laydown.assistance.tests.base import today

pytestmark = pytest.mark.django_db

SCHEMA = (
    "#valid_tag,#valid_required,#valid_datatype,#valid_severity\n"
    "#date,true,date,error\n"
    "#adm1+code,true,,error\n"
    "#org+name,true,,error\n"
    "#sector,true,,error\n"
    "#reached+total,true,number,error\n"
    "#reached+f,true,number,error\n"
    "#reached+m,true,number,error\n"
)


@pytest.fixture
def five_w(distribute, register, manager, orgs, relief_staff) -> list[dict]:
    yesterday = today() - dt.timedelta(days=1)
    distribute(date=yesterday)
    distribute(date=yesterday)  # same day, place and item: summed into one row
    distribute(date=yesterday - dt.timedelta(days=1), sector="wash", commodity="water")
    distribute(actor=relief_staff, organisation=orgs["relief"], date=yesterday, place="XA010102")
    register(head_name="Zorana Secretname", document="SECRET-DOC-1")
    return list(selectors.five_w_rows(manager))


def test_the_5w_rows_are_sums_per_day_place_partner_and_item(five_w) -> None:
    assert len(five_w) == 3
    first = [r for r in five_w if r["org_code"] == "icrc" and r["sector"] == "food_security"]
    assert first[0]["distributions"] == 2 and first[0]["reached_total"] == 420
    assert first[0]["reached_f"] + first[0]["reached_m"] == 420
    assert first[0]["adm1_code"] == "XA01" and first[0]["adm2_code"] == "XA0101"


def test_the_hxl_export_is_valid_hxl_with_the_5w_hashtags(five_w) -> None:
    text = "".join(exports.csv_lines(five_w, hxl=True))
    dataset = hxl.data(io.BytesIO(text.encode()))
    tags = [c.display_tag for c in dataset.columns]
    for tag in (
        "#date",
        "#adm1+code",
        "#adm2+name",
        "#org+name",
        "#sector",
        "#activity",
        "#item+type",
        "#reached+total",
        "#reached+f",
        "#reached+m",
    ):
        assert tag in tags
    problems: list = []
    for schema in (
        hxl.schema(callback=problems.append),
        hxl.schema(hxl.data(io.BytesIO(SCHEMA.encode())), callback=problems.append),
    ):
        schema.validate(hxl.data(io.BytesIO(text.encode())))
    errors = [(p.rule.severity, p.message, p.value) for p in problems if p.rule.severity == "error"]
    assert errors == []
    rows = list(hxl.data(io.BytesIO(text.encode())))
    assert sum(int(r.get("#reached+total")) for r in rows) == sum(
        r["reached_total"] for r in five_w
    )
    assert sum(int(r.get("#reached+f")) + int(r.get("#reached+m")) for r in rows) == sum(
        int(r.get("#reached+total")) for r in rows
    )


def test_the_exports_hold_no_personal_data_or_household_ids(five_w) -> None:
    text = "".join(exports.csv_lines(five_w, hxl=True))
    assert "Secretname" not in text and "SECRET-DOC" not in text and "h-" not in text


def test_the_plain_csv_has_no_hashtag_row(five_w) -> None:
    lines = list(exports.csv_lines(five_w))
    assert not lines[1].startswith("#") and len(lines) == 1 + len(five_w)


def test_the_xlsx_export_has_the_header_the_hxl_row_and_the_rows(five_w) -> None:
    book = load_workbook(io.BytesIO(b"".join(exports.xlsx_chunks(five_w))), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert rows[1][0] == "#date" and len(rows) == 2 + len(five_w)
    assert sum(r[exports.hxl_tags().index("#reached+total")] for r in rows[2:]) == 4 * 210


def test_partner_staff_export_only_their_own_organisations_figures(
    five_w, distribute, icrc_staff
) -> None:
    own = list(selectors.five_w_rows(icrc_staff))
    assert own and {r["org_code"] for r in own} == {"icrc"}
