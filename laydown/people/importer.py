"""Import of participants from CSV or XLSX: every row is checked first, and only a fully
valid file is imported, in one transaction, through the same service as the register page.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, is_allowed
from laydown.access.roles import Scope
from laydown.core import spreadsheet
from laydown.core.errors import ValidationError
from laydown.people import permissions as perms
from laydown.people import services

COLUMNS = (
    "name", "born", "age", "sex", "category", "region", "dependants", "dependant_of",
    "phone", "village", "education", "skills",
)  # fmt: skip
REQUIRED = ("name", "sex", "category", "region")
COLUMN_HELP = {  # docs/import.md says the same, at more length
    "name": "full name, in any script (at most 200 characters)",
    "born": "date of birth, like 1990-04-02; or leave empty and give the age",
    "age": "age in years, when the date of birth is not known",
    "sex": "f, m or x",
    "category": "combatant, associated, dependant or child (anyone under 18: child or dependant)",
    "region": "region code, covered by your people.import and people.register grants",
    "dependants": "number of dependants, 0 to 30",
    "dependant_of": "for a dependant: the pseudonym of the participant they depend on",
    "phone": "phone number (goes to the vault)",
    "village": "village or town (goes to the vault)",
    "education": "highest education (goes to the vault)",
    "skills": "skills, separated by commas (go to the vault)",
}
MAX_ROWS = 10_000
MAX_BYTES = 20 * 1024 * 1024
XLSX_COLUMNS = len(COLUMNS) + 8  # columns read from a workbook: the known ones, and a margin


@dataclass(frozen=True)
class Problem:
    row: int  # as numbered in the file, the header being row 1
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        return _("row %(row)d, %(column)s %(value)r: %(reason)s") % {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
        }


class ImportInvalid(ValidationError):
    """The file has problems; nothing was imported. `problems` lists each one."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            _("%(n)d problem(s) in the file; nothing was imported. Fix them and import again.")
            % {"n": len(problems)},
            fields={"file": _("invalid rows")},
        )
        self.problems = problems


def rows_read(filename: str, data: bytes) -> list[dict[str, str]]:
    """The file's rows as dicts of stripped strings, keyed by the header's column names.

    Rows are streamed: empty rows are skipped and reading stops once more than MAX_ROWS
    non-empty rows are seen, so a small hostile file cannot make us hold millions of rows."""
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 20 MB."), fields={"file": _("too large")})
    if filename.lower().endswith(".xlsx"):
        with _xlsx(data) as table:
            return _rows(table)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            _("The CSV file is not UTF-8 text."), fields={"file": _("not UTF-8")}
        ) from None
    return _rows(csv.reader(io.StringIO(text)))


def _rows(table: Iterable[Sequence[Any]]) -> list[dict[str, str]]:
    rows = iter(table)
    first = next(rows, None)
    if first is None:
        raise ValidationError(_("The file is empty."), fields={"file": _("empty")})
    header = _header(first)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValidationError(
            _("Missing columns: %(c)s. The columns are: %(all)s.")
            % {"c": ", ".join(missing), "all": ", ".join(COLUMNS)},
            fields={"file": _("missing columns")},
        )
    found: list[dict[str, str]] = []
    for row in rows:
        cells = [_cell(v) for v in row]
        if not any(cells):
            continue  # an empty row, or padding up to a far-away cell
        if len(found) == MAX_ROWS:
            raise ValidationError(
                _("At most %(n)d rows per file.") % {"n": MAX_ROWS},
                fields={"file": _("too many rows")},
            )
        found.append({h: v for h, v in zip(header, cells, strict=False) if h in COLUMNS})
    return found


def _header(row: Sequence[Any]) -> list[str]:
    """The header's column names, lower-cased; an empty cell between named ones is a problem
    (empty cells after the last name are ignored)."""
    header = [_cell(v).lower() for v in row]
    while header and not header[-1]:
        header.pop()
    empty = [
        Problem(1, _("column %(n)d") % {"n": n}, "", _("the header cell is empty: name the column"))
        for n, name in enumerate(header, start=1)
        if not name
    ]
    if empty:
        raise ImportInvalid(empty)
    return header


def participants_template(path: Path) -> None:
    """Write an empty import file with the columns: XLSX (with a sheet explaining each
    column) when `path` ends in .xlsx, else CSV."""
    if path.suffix.lower() != ".xlsx":
        path.write_text("".join(spreadsheet.csv_lines([COLUMNS])), encoding="utf-8")
        return
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.worksheets[0]
    sheet.title = "participants"
    sheet.append(spreadsheet.xlsx_row(sheet, COLUMNS))
    notes = book.create_sheet("columns")
    rows = [["column", "required", "meaning"]]
    rows += [[c, "yes" if c in REQUIRED else "", COLUMN_HELP[c]] for c in COLUMNS]
    for row in rows:
        notes.append(spreadsheet.xlsx_row(notes, row))
    book.save(path)


def _cell(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value).strip()


@contextmanager
def _xlsx(data: bytes) -> Iterator[Iterator[Sequence[Any]]]:
    """The first sheet's rows, read as they are needed and at most XLSX_COLUMNS wide (a
    workbook may claim, or hold, a cell in its last column: the rows are not padded to it)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationError(
            _("The file is not a readable XLSX workbook."), fields={"file": _("unreadable")}
        ) from None
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # read the rows there are, whatever <dimension> claims
        yield sheet.iter_rows(min_row=1, max_col=XLSX_COLUMNS, values_only=True)
    finally:
        book.close()


def _check_row(actor: Principal, row: dict[str, str], today: dt.date) -> services.Person:
    person = services.person_check(
        name=row.get("name"),
        born=row.get("born") or None,
        age=row.get("age") or None,
        sex=row.get("sex", "").lower(),
        category=row.get("category", "").lower(),
        region=row.get("region"),
        dependants=row.get("dependants") or 0,
        dependant_of=row.get("dependant_of", ""),
        today=today,
    )
    scope = Scope(region=person.region)
    allowed = is_allowed(actor, perms.IMPORT.name, scope=scope) and is_allowed(
        actor, perms.REGISTER.name, scope=scope
    )
    if allowed and person.is_child:
        allowed = is_allowed(actor, perms.CHILD.name, scope=scope)
    if not allowed:
        reason = _("your grants do not cover this region (or children)")
        raise ValidationError(reason, fields={"region": reason})
    return person


Progress = Callable[[str, int, int], None]  # (phase "check" or "import", done, total)


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


def participants_check(
    *,
    actor: Principal,
    filename: str,
    data: bytes,
    today: dt.date | None = None,
    progress: Progress = _no_progress,
) -> list[tuple[services.Person, dict[str, str]]]:
    """Check every row (nothing is written); raise ImportInvalid listing all problems."""
    day = today or timezone.now().date()
    rows = rows_read(filename, data)
    people, problems = [], []
    for number, row in enumerate(rows, start=2):
        try:
            people.append((_check_row(actor, row, day), row))
        except ValidationError as exc:
            for column, reason in (exc.fields or {"row": exc.message}).items():
                problems.append(Problem(number, column, row.get(column, ""), reason))
        progress("check", number - 1, len(rows))
    if problems:
        raise ImportInvalid(problems)
    return people


def participants_import(
    *,
    actor: Principal,
    filename: str,
    data: bytes,
    today: dt.date | None = None,
    progress: Progress = _no_progress,
) -> int:
    """Check every row; raise ImportInvalid listing all problems, or import all rows in one
    transaction (through the register service, so duplicates are flagged as on the page)."""
    day = today or timezone.now().date()
    people = participants_check(
        actor=actor, filename=filename, data=data, today=day, progress=progress
    )
    with transaction.atomic():
        for done, (person, row) in enumerate(people, start=1):
            services.participant_register(
                actor=actor,
                person=person,
                contact={k: row[k] for k in ("phone", "village") if row.get(k)},
                profile={
                    "education": row.get("education", ""),
                    "skills": [s.strip() for s in row.get("skills", "").split(",") if s.strip()],
                },
                today=day,
            )
            progress("import", done, len(people))
    return len(people)
