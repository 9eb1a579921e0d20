"""Validate every row, then write: the steps every importer shares.

An importer gives `check`, which turns one row into what its write needs (or raises the
service's ValidationError, or PermissionDenied), and `write`, which writes checked rows. The
file is read and every row checked before anything is written; a file with any problem is
refused whole (ImportRefused lists every problem); otherwise `write` runs once, in one
transaction. `write` takes a sequence of checked rows, so a caller that writes in batches
(a background job) can call it once per batch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from laydown.core.errors import ValidationError
from laydown.core.imports.exports import Received
from laydown.core.imports.problems import ImportRefused, Problem, problems_of
from laydown.core.imports.tables import Table

T = TypeVar("T")
R = TypeVar("R")

Progress = Callable[[str, int, int], None]  # (phase "check" or "import", done, total)
PROGRESS_EVERY = 1000  # rows between two progress reports


def no_progress(phase: str, done: int, total: int) -> None:
    return None


@dataclass
class Checked(Generic[T]):
    """The rows checked, numbered, and every problem found (sorted by row)."""

    entries: list[tuple[int, T]]
    problems: list[Problem]
    # An export's rows: each row's submission (by row number), and how many rows were left
    # out as received before (laydown.core.imports.exports).
    submissions: dict[int, Received] = field(default_factory=dict)
    skipped: int = 0
    # Rows left out as registered before with the same values (a register's own export
    # imported again: laydown.arms.register_import).
    registered: int = 0

    @property
    def rows(self) -> int:
        """Rows read: those checked and those with a problem."""
        return len(self.entries) + len({p.row for p in self.problems if p.row > 1})


def rows_check(
    table: Table,
    check: Callable[[int, dict[str, str]], T],
    *,
    reasons: str = "fields",
    refusal_column: str = "",
    progress: Progress = no_progress,
) -> Checked[T]:
    """Run `check(row number, values)` on every row. A ValidationError becomes one problem per
    field it names (`problems_of`); a PermissionDenied a problem of `refusal_column`."""
    rows = list(table.rows)  # read whole first: the row limit applies before any check
    entries: list[tuple[int, T]] = []
    problems: list[Problem] = []
    for done, (number, values) in enumerate(rows, start=1):
        try:
            entries.append((number, check(number, values)))
        except ValidationError as exc:
            problems += problems_of(exc, number, values, reasons=reasons)
        except PermissionDenied as exc:
            problems.append(
                Problem(number, refusal_column, values.get(refusal_column, ""), str(exc))
            )
        if done % PROGRESS_EVERY == 0 or done == len(rows):
            progress("check", done, len(rows))
    return checked_with(table, entries, problems)


def checked_with(
    table: Table, entries: list[tuple[int, T]], problems: list[Problem], *, registered: int = 0
) -> Checked[T]:
    """`entries` and `problems` with the reading's own problems, and one if there was no row
    (and none was left out as received or `registered` before). An export's problems name its
    own columns."""
    problems = sorted([*table.problems, *problems], key=lambda p: p.row)
    if table.sources:
        problems = [
            dataclasses.replace(p, column=table.sources.get(p.column, p.column)) for p in problems
        ]
    if not entries and not problems and not table.skipped and not registered:
        problems.append(Problem(2, "", "", _("The file has a header but no rows.")))
    return Checked(entries, problems, dict(table.submissions), len(table.skipped), registered)


def checked_or_refused(checked: Checked[T]) -> list[T]:
    """The checked rows, or ImportRefused listing every problem."""
    if checked.problems:
        raise ImportRefused(checked.problems)
    return [entry for _number, entry in checked.entries]


def write_all(entries: Sequence[T], write: Callable[[Sequence[T]], R]) -> R:
    """Write every checked row in one transaction: all of them, or (on any error) none."""
    with transaction.atomic():
        return write(entries)
