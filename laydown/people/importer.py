"""Import of participants from CSV or XLSX: every row is checked first, and only a fully
valid file is imported, in one transaction, through the same service as the register page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, is_allowed
from laydown.access.roles import Scope
from laydown.core import imports
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
LAYOUT = imports.Layout(
    columns=COLUMNS,
    required=REQUIRED,
    max_rows=MAX_ROWS,
    max_bytes=MAX_BYTES,
    dates=("born",),
)

Problem = imports.Problem
ImportInvalid = imports.ImportRefused
Progress = imports.Progress


def rows_read(filename: str, data: bytes) -> list[dict[str, str]]:
    """The file's rows as dicts of stripped strings, keyed by the header's column names (a
    refusal if the file or its header cannot be imported)."""
    table = imports.table_read(LAYOUT, name=filename, content=data)
    rows = [values for _number, values in table.rows]
    if table.problems:
        raise ImportInvalid(table.problems)
    return rows


def participants_template(path: Path) -> None:
    """Write an empty import file with the columns: XLSX (with a sheet explaining each
    column) when `path` ends in .xlsx, else CSV."""
    imports.template_write(path, LAYOUT, title="participants", help=COLUMN_HELP)


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


def participants_check(
    *,
    actor: Principal,
    filename: str,
    data: bytes,
    today: dt.date | None = None,
    progress: Progress = imports.no_progress,
) -> list[tuple[services.Person, dict[str, str]]]:
    """Check every row (nothing is written); raise ImportInvalid listing all problems."""
    checked = participants_checked(
        actor=actor, filename=filename, data=data, today=today, progress=progress
    )
    return imports.checked_or_refused(checked)


def participants_checked(
    *,
    actor: Principal,
    filename: str,
    data: bytes,
    today: dt.date | None = None,
    progress: Progress = imports.no_progress,
) -> imports.Checked[tuple[services.Person, dict[str, str]]]:
    """Every row checked and every problem found (a refusal if the file cannot be read)."""
    day = today or timezone.now().date()
    table = imports.table_read(LAYOUT, name=filename, content=data)
    return imports.rows_check(
        table, lambda _n, row: (_check_row(actor, row, day), row), progress=progress
    )


def participants_import(
    *,
    actor: Principal,
    filename: str,
    data: bytes,
    today: dt.date | None = None,
    progress: Progress = imports.no_progress,
) -> int:
    """Check every row; raise ImportInvalid listing all problems, or import all rows in one
    transaction (through the register service, so duplicates are flagged as on the page)."""
    day = today or timezone.now().date()
    people = participants_check(
        actor=actor, filename=filename, data=data, today=day, progress=progress
    )
    return imports.write_all(
        people,
        lambda batch: participants_write(actor=actor, people=batch, today=day, progress=progress),
    )


def participants_write(
    *,
    actor: Principal,
    people: Sequence[tuple[services.Person, dict[str, str]]],
    today: dt.date,
    progress: Progress = imports.no_progress,
) -> int:
    """Register checked rows through the register service (so duplicates are flagged as on
    the page). The caller holds the transaction."""
    for done, (person, row) in enumerate(people, start=1):
        services.participant_register(
            actor=actor,
            person=person,
            contact={k: row[k] for k in ("phone", "village") if row.get(k)},
            profile={
                "education": row.get("education", ""),
                "skills": [s.strip() for s in row.get("skills", "").split(",") if s.strip()],
            },
            today=today,
        )
        progress("import", done, len(people))
    return len(people)
