"""Exports of ODK Central and KoBoToolbox read as import files: their dialect known by the
header, their questions mapped by XLSForm name, their values converted, each row's submission
kept, and every problem named by the row and the file's own column."""

from __future__ import annotations

import pytest

from laydown.core import imports
from laydown.core.errors import ValidationError
from laydown.core.imports import exports

LAYOUT = imports.Layout(
    columns=("name", "born", "sex", "skills", "phone", "region"),
    required=("name", "sex"),
    max_rows=100,
    max_bytes=2**20,
    dates=("born",),
)


def _table(content: str, name: str = "export.csv") -> imports.Table:
    return imports.table_read(LAYOUT, name=name, content=content.encode())


def _no_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "received_lookup", lambda ids: set())


def test_a_plain_file_is_no_export() -> None:
    assert exports.dialect_of(["name", "sex"]) is None
    table = _table("name,sex\nAni,f\n")
    assert table.export == "" and list(table.rows) == [(2, _row(name="Ani", sex="f"))]


def _row(**values: str) -> dict[str, str]:
    return {c: values.get(c, "") for c in LAYOUT.columns}


def test_a_central_export_is_read_by_question_names(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_lookup(monkeypatch)
    content = (
        "SubmissionDate,start,end,person-name,person-born,person-sex,person-skills,contact__phone,"
        "person-skills/driving,person-skills/welding,gps-Latitude,gps-Longitude,gps-Altitude,"
        "gps-Accuracy,meta-instanceID,KEY,SubmitterID,SubmitterName,AttachmentsPresent,"
        "AttachmentsExpected,Status,ReviewState,DeviceID,Edits,FormVersion\n"
        "2026-11-02T09:14:31.512Z,2026-11-02T12:58:03.114+04:00,2026-11-02T13:04:47.029+04:00,"
        "Ani,1990-04-02T00:00:00.000+04:00,f,driving welding,+374 91,1,1,40.1,46.6,1000,5,"
        "uuid:6b1c2f3e-2f4d-4a7e-9c1b-0d9e4f6a7b11,uuid:6b1c2f3e-2f4d-4a7e-9c1b-0d9e4f6a7b11,"
        "5,Alice,0,0,,,,0,1\n"
    )
    table = _table(content)
    assert table.export == exports.CENTRAL
    rows = list(table.rows)
    assert rows == [
        (2, _row(name="Ani", born="1990-04-02", sex="f", skills="driving welding", phone="+374 91"))
    ]
    received = table.submissions[2]
    assert received.submission == "6b1c2f3e-2f4d-4a7e-9c1b-0d9e4f6a7b11"
    assert received.device_at == "2026-11-02T13:04:47.029000+04:00"
    assert table.sources["born"] == "person-born" and table.sources["phone"] == "contact__phone"
    assert not table.problems


def test_a_kobo_csv_with_semicolons_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_lookup(monkeypatch)
    content = (
        '"start";"end";"grp/name";"grp/sex";"grp/region";"meta/instanceID";"_id";"_uuid";'
        '"_submission_time";"_validation_status";"_notes";"_status";"_submitted_by";'
        '"__version__";"_tags";"_index"\n'
        '"2026-11-03T09:01:11.203+04:00";"2026-11-03T09:06:48.771+04:00";"Ani";"f";"north";'
        '"uuid:8d2f4a61-3c9e-4b7a-9e15-2a6c0b4d7e01";"310420001";'
        '"8d2f4a61-3c9e-4b7a-9e15-2a6c0b4d7e01";"2026-11-03T05:15:22";"";"";'
        '"submitted_via_web";"reg";"vHb2nF8TqK3s";"";"1"\n'
    )
    table = _table(content)
    assert table.export == exports.KOBO
    assert list(table.rows) == [(2, _row(name="Ani", sex="f", region="north"))]
    assert table.submissions[2].submission == "8d2f4a61-3c9e-4b7a-9e15-2a6c0b4d7e01"


def test_bad_ids_are_problems_of_their_row_and_the_files_own_column(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _no_lookup(monkeypatch)
    header = "SubmissionDate,p-name,p-sex,meta-instanceID,KEY\n"
    sid = "uuid:6b1c2f3e-2f4d-4a7e-9c1b-0d9e4f6a7b11"
    content = header + f"x,Ani,f,{sid},{sid}\nx,Aram,m,{sid},{sid}\nx,Gor,m,nope,nope\n"
    content += "x,Lilit,f,,\n"
    table = _table(content)
    rows = list(table.rows)
    assert [n for n, _v in rows] == [2, 3, 4, 5]  # every row is checked all the same
    found = [(p.row, p.column, p.value, p.reason) for p in table.problems]
    assert found == [
        (3, "KEY", sid, "the same submission as row 2"),
        (4, "KEY", "nope", "not a submission id (uuid:...)"),
        (5, "KEY", "", "the submission's id is missing"),
    ]
    checked = imports.rows_check(table, lambda n, v: v)  # the table is read: nothing more
    assert checked.problems[0].row == 3


def test_a_check_names_the_files_own_column(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_lookup(monkeypatch)
    sid = "6b1c2f3e-2f4d-4a7e-9c1b-0d9e4f6a7b11"
    content = f"SubmissionDate,p-name,p-sex,KEY\nx,Ani,female,uuid:{sid}\n"
    table = _table(content)

    def check(number: int, values: dict[str, str]) -> dict[str, str]:
        if values["sex"] not in ("f", "m", "x"):
            raise ValidationError("bad", fields={"sex": "f, m or x"})
        return values

    checked = imports.rows_check(table, check)
    assert [(p.row, p.column, p.value) for p in checked.problems] == [(2, "p-sex", "female")]


def test_an_export_without_a_required_question_is_refused_by_its_header() -> None:
    content = "SubmissionDate,p-name,p-gender,KEY\nx,Ani,f,uuid:1\n"
    with pytest.raises(imports.HeaderRefused) as refused:
        _table(content)
    assert [(p.row, p.column) for p in refused.value.problems] == [(1, "sex")]
    assert "no question named sex" in refused.value.message


def test_an_export_needs_only_the_questions_its_form_requires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import dataclasses

    _no_lookup(monkeypatch)
    layout = dataclasses.replace(
        LAYOUT, required=("name", "sex", "region"), export_required=("name",)
    )
    content = "SubmissionDate,p-name,KEY\nx,Ani,uuid:6b1c2f3e-2f4d-4a7e-9c1b-0d9e4f6a7b11\n"
    table = imports.table_read(layout, name="e.csv", content=content.encode())
    assert [v["sex"] for _n, v in table.rows] == [""]


def test_two_questions_of_one_name_are_refused() -> None:
    content = "SubmissionDate,a-name,b-name,p-sex,KEY\nx,Ani,Ani,f,uuid:1\n"
    with pytest.raises(imports.HeaderRefused) as refused:
        _table(content)
    assert [(p.row, p.column) for p in refused.value.problems] == [(1, "b-name")]


def test_rows_received_before_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    one, two = "6b1c2f3e-2f4d-4a7e-9c1b-0d9e4f6a7b11", "6b1c2f3e-2f4d-4a7e-9c1b-0d9e4f6a7b12"
    monkeypatch.setattr(exports, "received_lookup", lambda ids: {one} & set(ids))
    content = f"SubmissionDate,p-name,p-sex,KEY\nx,Ani,f,uuid:{one}\nx,Aram,m,uuid:{two}\n"
    table = _table(content)
    checked = imports.rows_check(table, lambda n, v: v)
    assert [n for n, _v in checked.entries] == [3] and checked.skipped == 1
    assert set(checked.submissions) == {3}


def test_all_rows_received_before_is_no_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    one = "6b1c2f3e-2f4d-4a7e-9c1b-0d9e4f6a7b11"
    monkeypatch.setattr(exports, "received_lookup", lambda ids: set(ids))
    table = _table(f"SubmissionDate,p-name,p-sex,KEY\nx,Ani,f,uuid:{one}\n")
    checked = imports.rows_check(table, lambda n, v: v)
    assert checked.entries == [] and checked.problems == [] and checked.skipped == 1


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("uuid:6B1C2F3E-2F4D-4A7E-9C1B-0D9E4F6A7B11", "6b1c2f3e-2f4d-4a7e-9c1b-0d9e4f6a7b11"),
        ("6b1c2f3e2f4d4a7e9c1b0d9e4f6a7b11", "6b1c2f3e-2f4d-4a7e-9c1b-0d9e4f6a7b11"),
        ("uuid:", None),
        ("42", None),
    ],
)
def test_instance_ids(given: str, expected: str | None) -> None:
    assert exports.submission_id(given) == expected


def test_values_are_converted_only_where_the_import_says() -> None:
    kw = {"dates": ("born",)}
    assert exports.value_of("born", "2026-11-02T23:30:00.000-05:00", **kw) == "2026-11-02"
    assert exports.value_of("born", "2026-11-02", **kw) == "2026-11-02"
    assert exports.value_of("name", "2026-11-02T23:30:00Z", **kw) == "2026-11-02T23:30:00Z"
    assert exports.device_time("2026-11-02T13:04:47Z") == "2026-11-02T13:04:47+00:00"
    assert exports.device_time("2026-11-02T13:04:47") is None
