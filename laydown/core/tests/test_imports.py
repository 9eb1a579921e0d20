"""The importer framework reads what a file holds, refuses what it must not hold with a clear
problem, and never holds or echoes more than its caps, however hostile the file."""

from __future__ import annotations

import io
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook

from laydown.core import imports
from laydown.testing import hostile_files as hostile

LAYOUT = imports.Layout(
    columns=("name", "sex", "note"), required=("name", "sex"), max_rows=100, max_bytes=20 * 2**20
)


def measured(call: Callable[[], object]) -> tuple[object, float, int]:
    """What `call` answers (or raises), in how many seconds, at what peak of memory."""
    tracemalloc.start()
    start = time.monotonic()
    try:
        answer = call()
    except imports.ImportRefused as exc:
        answer = exc
    seconds = time.monotonic() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return answer, seconds, peak


def read(name: str, content: bytes, layout: imports.Layout = LAYOUT) -> list[imports.Row]:
    table = imports.table_read(layout, name=name, content=content)
    rows = list(table.rows)
    if table.problems:
        raise imports.ImportRefused(table.problems)
    return rows


def test_csv_and_xlsx_rows_come_as_stripped_text_by_column_numbered_as_a_spreadsheet() -> None:
    csv = b"\xef\xbb\xbfName,SEX,other\n\n Aram ,m,x\nLena,f,\n"
    assert read("p.csv", csv) == [
        (3, {"name": "Aram", "sex": "m", "note": ""}),
        (4, {"name": "Lena", "sex": "f", "note": ""}),
    ]
    book = hostile.workbook([["name", "sex", "note"], [None], ["Aram", 1975.0, None]])
    assert read("p.xlsx", book) == [(3, {"name": "Aram", "sex": "1975", "note": ""})]
    assert read("p.csv", b"name;sex\nAram;m\n") == [(2, {"name": "Aram", "sex": "m", "note": ""})]


def test_header_problems_name_row_1_and_the_column() -> None:
    layout = imports.Layout(
        columns=("name", "sex"), required=("name", "sex"), max_rows=9, max_bytes=2**20,
        unknown_refused=True,
    )  # fmt: skip
    with pytest.raises(imports.HeaderRefused) as caught:
        read("p.csv", b"name,,Name,colour,,\n", layout)
    found = {(p.row, p.column, p.reason.split(";")[0]) for p in caught.value.problems}
    assert found == {
        (1, "column 2", "the header cell is empty: name the column"),
        (1, "name", "this column is named twice"),
        (1, "colour", "unknown column"),
        (1, "sex", "required column missing"),
    }
    assert "Missing columns: sex" in caught.value.message


def test_a_tiny_workbook_claiming_a_huge_sheet_is_read_narrow_and_fast() -> None:
    """A stray cell at XFD12000 must not make 12,000 rows of 16,384 cells."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"], sheet["B1"], sheet["C1"], sheet["C5"] = "name", "sex", "note", "a note"
    sheet["XFD12000"] = "x"
    buffer = io.BytesIO()
    book.save(buffer)
    answer, seconds, peak = measured(lambda: read("p.xlsx", buffer.getvalue()))
    assert answer == [(5, {"name": "", "sex": "", "note": "a note"})]
    assert seconds < 10 and peak < 50 * 2**20


def test_reading_stops_one_row_past_the_limit() -> None:
    rows = b"".join(b"N%d,m\n" % i for i in range(101))
    with pytest.raises(imports.ImportRefused, match="At most 100 rows") as caught:
        read("p.csv", b"name,sex\n\n" + rows)
    assert caught.value.fields == {"file": "too many rows"}
    assert len(read("p.csv", b"name,sex\n\n" + rows.split(b"\n", 1)[1])) == 100


# ---- hostile files (issue 17, items 5 and 10) ----------------------------------------------


def test_a_shared_string_bomb_is_refused_at_once_without_holding_or_echoing_it() -> None:
    bomb = hostile.shared_string_bomb(["name", "sex"], 200 * hostile.MB)
    assert len(bomb) < 400_000  # about 200 KB that unpacks to 200 MB
    answer, seconds, peak = measured(lambda: read("p.xlsx", bomb))
    assert isinstance(answer, imports.ImportRefused)
    assert "longer than a cell may be" in answer.message
    assert len(str(answer.as_dict())) < 1000
    assert seconds < 5 and peak < 20 * hostile.MB


def test_a_cell_longer_than_excel_allows_is_a_problem_of_its_row_shown_as_an_excerpt() -> None:
    content = hostile.shared_string_bomb(["name", "sex"], 40_000)
    with pytest.raises(imports.ImportRefused) as caught:
        read("p.xlsx", content)
    [*problems] = caught.value.problems
    assert {(p.row, p.column) for p in problems} == {(2, "name"), (2, "sex")}
    assert all(len(p.value) < 100 and "40000 characters" in p.value for p in problems)
    assert len(caught.value.message) < 400


def test_the_header_is_checked_before_a_million_rows_are_read() -> None:
    content = hostile.many_rows(["nom", "sexe"], 1_000_000)
    answer, seconds, _peak = measured(lambda: read("p.xlsx", content))
    assert isinstance(answer, imports.HeaderRefused) and "Missing columns" in answer.message
    assert seconds < 10


def test_a_workbook_unpacking_past_its_cap_is_refused_before_it_is_read() -> None:
    small = imports.Layout(columns=("name", "sex"), required=(), max_rows=10**6, max_bytes=2**20)
    content = hostile.many_rows(["name", "sex"], 400_000, numbered=False)  # 20 MB, over 16 x 1 MB
    answer, seconds, _peak = measured(lambda: read("p.xlsx", content, small))
    assert isinstance(answer, imports.ImportRefused) and "unpacks to more than" in answer.message
    assert seconds < 5


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"name,sex\nAram,m\n", "not an XLSX workbook"),
        (hostile.truncated(hostile.workbook([["name", "sex"], ["Aram", "m"]])), "not an XLSX"),
        (hostile.corrupt_member(hostile.workbook([["name", "sex"], ["Aram", "m"]])), "damaged"),
        (b"PK\x03\x04" + b"\0" * 100, "not an XLSX"),
    ],
    ids=["csv-named-xlsx", "truncated", "corrupt-member", "zip-magic-only"],
)
def test_a_file_that_is_not_or_no_longer_xlsx_is_refused_clearly(content: bytes, says: str) -> None:
    with pytest.raises(imports.ImportRefused) as caught:
        read("p.xlsx", content)
    assert says in caught.value.message
    assert [p.row for p in caught.value.problems] == [0]


def test_an_entity_expansion_bomb_is_refused_quickly() -> None:
    content = hostile.entity_bomb(["name", "sex"])
    answer, seconds, peak = measured(lambda: read("p.xlsx", content))
    assert isinstance(answer, imports.ImportRefused) and "document type" in answer.message
    assert seconds < 1 and peak < 5 * hostile.MB


def test_a_csv_field_over_128_kb_is_refused_naming_its_row() -> None:
    with pytest.raises(imports.ImportRefused) as caught:
        read("p.csv", hostile.csv_with_long_field(["name", "sex"], 200_000))
    [problem] = caught.value.problems
    assert problem.row == 2 and "characters" in problem.reason
    assert len(str(caught.value.as_dict())) < 1000


def test_a_csv_field_over_a_cells_length_is_a_problem_of_its_row() -> None:
    with pytest.raises(imports.ImportRefused) as caught:
        read("p.csv", hostile.csv_with_long_field(["name", "sex"], 40_000))
    [problem] = caught.value.problems
    assert (problem.row, problem.column) == (2, "name") and len(problem.value) < 100


def test_a_problem_shows_a_long_value_only_as_an_excerpt() -> None:
    problem = imports.Problem(7, "make", "é" * 10_000, "too long")
    assert problem.value.startswith("é" * 60) and "10000 characters" in problem.value
    assert len(str(problem)) < 150


def test_the_commands_refuse_a_file_over_the_limit_before_reading_it(tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    from laydown.core.imports.cli import file_read

    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 2000)
    assert file_read(path, 2000) == b"x" * 2000
    with pytest.raises(CommandError, match="larger than"):
        file_read(path, 1999)
    with pytest.raises(CommandError, match="Cannot read"):
        file_read(tmp_path / "missing.csv", 1999)


def test_records_without_a_file_become_a_table_under_the_same_caps() -> None:
    records = [{"name": "Aram", "sex": "m", "extra": "x"}, {}, {"name": "A" * 40_000, "sex": 1}]
    table = imports.table_of(LAYOUT, iter(records))
    checked = imports.rows_check(table, lambda _n, values: values["name"])
    assert checked.entries == [(1, "Aram")]
    assert [(p.row, p.column) for p in checked.problems] == [(3, "name")]
    many = imports.table_of(LAYOUT, ({"name": "N"} for _ in range(10**9)))
    with pytest.raises(imports.ImportRefused, match="At most 100 rows"):
        list(many.rows)
