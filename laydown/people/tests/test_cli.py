"""`laydown people import FILE --as USER`: the page's validate-all-then-import service, with
every problem listed by row, column, value and reason; `laydown people template FILE`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from openpyxl import load_workbook

from laydown.ledger.selectors import log_size
from laydown.people.importer import COLUMNS
from laydown.people.models import Participant
from laydown.testing import FAST_HASHERS, user_with_role

pytestmark = pytest.mark.django_db

GOOD = (
    "name,born,age,sex,category,region,dependants,village,skills\n"
    'Hovhannes Grigoryan,1985-03-01,,m,combatant,north,2,Norashen,"driving, welding"\n'
    "Lusine Mkrtchyan,,34,f,associated,north,0,,\n"
)
BAD = (
    "name,born,sex,category,region\n"
    "Hovhannes Grigoryan,1985-13-01,m,combatant,north\n"
    ",1990-01-01,f,associated,north\n"
)


@pytest.fixture
def registrar() -> str:
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        user_with_role("reg", "registrar", "region:north")
    return "reg"


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("people", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_valid_file_is_imported_as_the_named_user(tmp_path: Path, registrar: str) -> None:
    path = tmp_path / "people.csv"
    path.write_text(GOOD, encoding="utf-8")
    out, _err = run("import", str(path), "--as", registrar)
    assert "Imported 2 participants" in out
    assert Participant.objects.count() == 2
    assert set(Participant.objects.values_list("registered_by", flat=True)) != {"system"}


def test_a_dry_run_checks_and_writes_nothing(tmp_path: Path, registrar: str) -> None:
    path = tmp_path / "people.csv"
    path.write_text(GOOD, encoding="utf-8")
    before = log_size()
    out, _err = run("import", str(path), "--as", registrar, "--dry-run")
    assert "2 rows checked" in out and "nothing written" in out
    assert log_size() == before and not Participant.objects.exists()


def test_every_problem_is_listed_by_row_column_value_and_reason(
    tmp_path: Path, registrar: str
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(BAD, encoding="utf-8")
    before = log_size()
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 problems .* nothing was imported"):
        call_command("people", "import", str(path), "--as", registrar, stderr=err)
    lines = err.getvalue().splitlines()
    assert "row 2, born '1985-13-01': not a date" in lines
    assert "row 3, name '': required" in lines
    assert log_size() == before and not Participant.objects.exists()


def test_an_import_needs_a_known_user_and_a_readable_file(tmp_path: Path, registrar: str) -> None:
    path = tmp_path / "people.csv"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(CommandError, match="--as USERNAME"):
        run("import", str(path))
    with pytest.raises(CommandError, match="No user 'nobody'"):
        run("import", str(path), "--as", "nobody")
    with pytest.raises(CommandError, match="Cannot read"):
        run("import", str(tmp_path / "missing.csv"), "--as", registrar)
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        user_with_role("clerk", "collection_clerk")
    with pytest.raises(CommandError, match="problems"):  # every row: not their region
        run("import", str(path), "--as", "clerk")
    assert not Participant.objects.exists()


def test_the_templates_have_the_columns(tmp_path: Path) -> None:
    run("template", str(tmp_path / "p.csv"))
    assert (tmp_path / "p.csv").read_text().strip() == ",".join(COLUMNS)
    run("template", str(tmp_path / "p.xlsx"))
    book = load_workbook(tmp_path / "p.xlsx")
    assert [c.value for c in book["participants"][1]] == list(COLUMNS)
    assert book["columns"].max_row == len(COLUMNS) + 1
