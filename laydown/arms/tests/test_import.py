"""Bulk import: every problem of a bad file is reported and nothing is written; a valid file is
imported whole in one transaction, or not at all."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from laydown.arms import importer
from laydown.arms.models import CustodyEvent, Item, Site, TagCounter
from laydown.arms.tests.base import CLERK, CLERK_NORTH, HEADER, csv_bytes, good_rows
from laydown.ledger import services as ledger_services
from laydown.testing import hostile_files, log_size

pytestmark = pytest.mark.django_db


def test_a_valid_csv_is_imported_with_consecutive_tags(sites: dict[str, Site]) -> None:
    size = log_size()
    result = importer.items_import(actor=CLERK, name="items.csv", content=csv_bytes(good_rows(30)))
    assert (result.count, result.first_tag, result.last_tag) == (30, "LD-000001", "LD-000030")
    assert Item.objects.filter(site="cp-north", status="in_storage").count() == 30
    assert CustodyEvent.objects.filter(kind="arms.item_collected").count() == 30
    assert log_size() == size + 30
    assert TagCounter.objects.get(prefix="LD").last == 30


def test_a_bad_file_reports_every_problem_with_row_column_and_value_and_writes_nothing(
    collect: Any, sites: dict[str, Site]
) -> None:
    collect(serial="DUP-1", site=sites["cp-north"])
    size, items = log_size(), Item.objects.count()
    rows = [
        ["cp-north", "sa_assault_rifle", "Kalashnikov", "AKM", "OK-1", 1980, "serviceable"],
        ["cp-north", "ray_gun", "Kalashnikov", "AKM", "OK-2", 1980, "serviceable"],
        ["cp-north", "sa_assault_rifle", "Kalashnikov", "AKM", "AК-3", 1980, "serviceable"],
        ["cp-north", "sa_assault_rifle", "Kalashnikov", "AKM", "OK-4", 3000, "broken"],
        ["nowhere", "sa_assault_rifle", "Kalashnikov", "AKM", "OK-5", 1980, "serviceable"],
        ["cp-north", "sa_assault_rifle", "kalashnikov", "akm", "dup 1", 1980, "serviceable"],
        ["cp-north", "sa_assault_rifle", "Kalashnikov", "AKM", "TWIN-7", 1980, "serviceable"],
        ["cp-north", "sa_assault_rifle", "Kalashnikov", "AKM", "TWIN 7", 1980, "serviceable"],
        ["cp-north", "sa_assault_rifle", "", "AKM", "OK-9", "", "unsafe"],
    ]
    with pytest.raises(importer.ImportRefused) as caught:
        importer.items_import(actor=CLERK, name="items.csv", content=csv_bytes(rows))
    found = {(p.row, p.column, p.value) for p in caught.value.problems}
    assert found == {
        (3, "category", "ray_gun"),
        (4, "serial", "AК-3"),
        (5, "year", "3000"),
        (5, "condition", "broken"),
        (6, "site", "nowhere"),
        (7, "serial", "dup 1"),
        (9, "serial", "TWIN 7"),
        (10, "make", ""),
    }
    reasons = {(p.row, p.column): p.reason for p in caught.value.problems}
    assert "LD-000001" in reasons[(7, "serial")] and "row 8" in reasons[(9, "serial")]
    assert caught.value.code == "invalid"
    assert (log_size(), Item.objects.count()) == (size, items)


def test_unknown_and_missing_columns_are_reported(sites: dict[str, Site]) -> None:
    content = csv_bytes([["cp-north", "AKM"]], header=["site", "modell"])
    with pytest.raises(importer.ImportRefused) as caught:
        importer.items_import(actor=CLERK, name="items.csv", content=content)
    columns = {p.column for p in caught.value.problems}
    assert {"modell", "category", "make", "model", "condition"} <= columns


def test_a_clerk_cannot_import_at_a_site_outside_their_grant(sites: dict[str, Site]) -> None:
    with pytest.raises(importer.ImportRefused) as caught:
        importer.items_import(
            actor=CLERK_NORTH, name="items.csv", content=csv_bytes(good_rows(2, "depot-a"))
        )
    assert {(p.row, p.column) for p in caught.value.problems} == {(2, "site"), (3, "site")}


def test_a_confirmed_duplicate_in_the_file_is_imported_with_its_reason(
    sites: dict[str, Site],
) -> None:
    header = [*HEADER, "confirm_duplicate_reason"]
    rows = [r + [""] for r in good_rows(2)]
    rows.append([*good_rows(1)[0], "same serial, different receiver"])
    result = importer.items_import(actor=CLERK, name="i.csv", content=csv_bytes(rows, header))
    assert result.duplicates_confirmed == 1
    assert Item.objects.get(tag="LD-000003").duplicate_reason == "same serial, different receiver"


def test_a_crash_in_the_middle_of_an_import_leaves_nothing(
    sites: dict[str, Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    size = log_size()
    real = ledger_services.record_append_batch
    calls = []

    def crash_on_third_batch(**kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("power cut")
        return real(**kwargs)

    monkeypatch.setattr(importer, "BATCH", 10)
    monkeypatch.setattr(importer.ledger, "record_append_batch", crash_on_third_batch)
    with pytest.raises(RuntimeError):
        importer.items_import(actor=CLERK, name="items.csv", content=csv_bytes(good_rows(50)))
    assert len(calls) == 3
    assert log_size() == size
    assert Item.objects.count() == 0 and CustodyEvent.objects.count() == 0
    assert not TagCounter.objects.filter(prefix="LD", last__gt=0).exists()


def test_the_xlsx_template_has_the_columns_and_a_filled_copy_imports(
    sites: dict[str, Site], tmp_path: Path
) -> None:
    template = tmp_path / "items.xlsx"
    importer.items_template(template)
    book = load_workbook(template)
    assert [c.value for c in book["items"][1]] == list(importer.COLUMNS)
    assert {"columns", "vocabulary"} <= set(book.sheetnames)
    sheet = book["items"]
    sheet.append(
        [
            "cp-north",
            "sa_rifle_carbine",
            "Mauser",
            "Kar98k",
            "",
            "",
            "",
            "DE",
            1941.0,
            "unserviceable",
        ]
    )
    book.save(template)
    result = importer.items_import(actor=CLERK, name="items.xlsx", content=template.read_bytes())
    assert result.count == 1
    assert Item.objects.get().year == 1941


def test_the_cli_imports_a_file_and_reports_problems_of_a_bad_one(
    sites: dict[str, Site], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(good_rows(5)))
    call_command("import", "items", str(good))
    assert "Imported 5 items (LD-000001 to LD-000005)" in capsys.readouterr().out
    bad = tmp_path / "bad.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(["cp-north", "bazooka", "X", "Y", "Z1", 1990, "serviceable"])
    book.save(bad)
    with pytest.raises(CommandError, match="1 problems"):
        call_command("import", "items", str(bad))
    assert "row 2, category 'bazooka'" in capsys.readouterr().err
    call_command("import", "template", str(tmp_path / "t.csv"))
    assert (tmp_path / "t.csv").read_text().startswith("site,category,make,model")


HOSTILE = hostile_files.cases(["site", "category", "make", "model", "condition"])


@pytest.mark.parametrize(
    ("name", "build", "says"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE]
)
def test_a_hostile_file_is_refused_clearly_by_the_importer_and_the_cli(
    sites: dict[str, Site],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    build: Callable[[], bytes],
    says: str,
) -> None:
    content = build()
    size = log_size()
    with pytest.raises(importer.ImportRefused) as caught:
        importer.items_import(actor=CLERK, name=name, content=content)
    assert says in caught.value.message and len(str(caught.value.as_dict())) < 2000
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError):
        call_command("import", "items", str(path))
    assert "Traceback" not in capsys.readouterr().err
    assert log_size() == size and not Item.objects.exists()
