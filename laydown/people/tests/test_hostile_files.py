"""Uploads from a hostile or careless sender: the import reads rows as a stream (a tiny
workbook claiming a huge sheet costs nothing), and oversized uploads are refused by their
declared size before a byte is read."""

from __future__ import annotations

import io
import time
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from openpyxl import Workbook

from laydown.core.errors import ValidationError
from laydown.people import checks, forms, importer
from laydown.people.models import Participant
from laydown.testing import FAST_HASHERS, signed_in, user_with_role

pytestmark = pytest.mark.django_db


def workbook(*cells: tuple[str, str]) -> bytes:
    book = Workbook()
    sheet = book.active
    for ref, value in cells:
        sheet[ref] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADER = [(f"{chr(ord('A') + i)}1", c) for i, c in enumerate(importer.COLUMNS)]


def read_measured(data: bytes) -> tuple[object, float, int]:
    """What rows_read answers (rows, or the refusal), in how many seconds, at what peak."""
    tracemalloc.start()
    start = time.monotonic()
    try:
        answer: object = importer.rows_read("hostile.xlsx", data)
    except ValidationError as exc:
        answer = exc
    seconds = time.monotonic() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return answer, seconds, peak


def test_a_tiny_workbook_with_a_cell_in_the_last_column_far_down_is_refused_cheaply() -> None:
    data = workbook(("A1", "name"), ("XFD12000", "x"))
    assert len(data) < 10_000
    answer, seconds, peak = read_measured(data)
    assert isinstance(answer, ValidationError) and "Missing columns" in answer.message
    assert seconds < 10 and peak < 50 * 1024 * 1024


def test_a_far_away_cell_neither_pads_the_rows_nor_counts_as_one() -> None:
    row = [("A5", "Aram"), ("C5", "40"), ("D5", "m"), ("E5", "combatant"), ("F5", "north")]
    data = workbook(*HEADER, *row, ("XFD12000", "x"))
    answer, seconds, peak = read_measured(data)
    assert isinstance(answer, list) and len(answer) == 1
    given = {k: v for k, v in answer[0].items() if v}
    assert given == {"name": "Aram", "age": "40", "sex": "m", "category": "combatant",
                     "region": "north"}  # fmt: skip
    assert seconds < 10 and peak < 50 * 1024 * 1024


def test_reading_stops_with_a_clear_problem_after_one_row_too_many() -> None:
    rows = "".join(f"N{i},,40,m,combatant,north\n" for i in range(importer.MAX_ROWS + 1))
    data = ("name,born,age,sex,category,region\n" + "\n\n" + rows).encode()
    with pytest.raises(ValidationError, match="At most 10000 rows") as caught:
        importer.rows_read("many.csv", data)
    assert caught.value.fields == {"file": "too many rows"}
    fewer = rows.split("\n", 1)[1]  # exactly MAX_ROWS, empty lines not counted
    assert len(
        importer.rows_read("ok.csv", ("name,age,sex,category,region\n" + fewer).encode())
    ) == (importer.MAX_ROWS)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_empty_header_cell_is_a_problem_naming_row_1_and_its_column(kind: str) -> None:
    if kind == "xlsx":
        data = workbook(("A1", "name"), ("C1", "sex"), ("D1", "category"), ("E1", "region"))
    else:
        data = b"name,,sex,category,region\n"
    with pytest.raises(importer.ImportInvalid) as caught:
        importer.rows_read(f"people.{kind}", data)
    [problem] = caught.value.problems
    assert (problem.row, problem.column) == (1, "column 2") and "empty" in problem.reason


def test_trailing_empty_header_cells_are_ignored() -> None:
    assert importer.rows_read("p.csv", b"name,age,sex,category,region,,\nA,30,f,associated,n\n")


class Huge(SimpleUploadedFile):
    """An upload that declares a huge size and must not be read."""

    def __init__(self, name: str) -> None:
        super().__init__(name, b"x", content_type="application/octet-stream")
        self.size = 10**9

    def read(self, *args: object, **kwargs: object) -> bytes:
        raise AssertionError("read before its size was checked")


def test_an_oversized_photo_or_import_file_is_refused_by_its_size_before_it_is_read() -> None:
    photo = forms.RegisterForm({}, {"photo": Huge("me.png")})
    assert not photo.is_valid()
    assert photo.errors["photo"] == ["Photo: the photo must be at most 150 KB."]
    upload = forms.ImportForm({}, {"file": Huge("people.csv")})
    assert not upload.is_valid()
    assert upload.errors["file"] == ["File: the file is larger than 20 MB."]


def test_an_upload_is_read_to_at_most_one_byte_over_its_limit() -> None:
    upload = SimpleUploadedFile("me.png", b"y" * 500)
    assert len(forms.upload_read(upload, 100)) == 101


def test_the_register_page_refuses_a_photo_over_150_kb_beside_the_field() -> None:
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        client = signed_in(user_with_role("reg", "registrar", "region:north"))
    photo = SimpleUploadedFile("me.png", b"\x89PNG" + b"0" * checks.MAX_PHOTO_BYTES)
    response = client.post(
        reverse("people:register"),
        {"name": "Aram", "age": "40", "sex": "m", "category": "combatant", "region": "north",
         "dependants": "0", "photo": photo},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Photo: the photo must be at most 150 KB." in response.content.decode()
    assert not Participant.objects.exists()
