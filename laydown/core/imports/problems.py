"""Problems of an import file, each by row, column, value and reason, and the refusal that
lists them. Values are echoed only as a short excerpt: a cell may hold 32,767 characters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from laydown.core.errors import ValidationError

EXCERPT = 60  # characters of a value shown back
REASON_MAX = 500  # characters of a reason (ours, but a service may quote a long value)


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """`text`, or its first `limit` characters and how many more there were."""
    if len(text) <= limit:
        return text
    return _("%(start)s… (%(n)d characters)") % {"start": text[:limit], "n": len(text)}


@dataclass(frozen=True)
class Problem:
    """One problem: `row` as the spreadsheet numbers it (the header is row 1; 0 is the file
    as a whole), the column's name, the value as given (an excerpt if long), and why."""

    row: int
    column: str
    value: str
    reason: str
    sheet: str = ""  # a workbook's sheet, when the file has several (laydown.core.imports.workbook)

    def __post_init__(self) -> None:
        # A NUL shown as U+FFFD: PostgreSQL's text and JSON cannot hold it (a job keeps the
        # problems of a refused file), and a binary file read as CSV has them in its header.
        column, value = self.column.replace("\x00", "\ufffd"), self.value.replace("\x00", "\ufffd")
        object.__setattr__(self, "column", excerpt(column))  # a header cell names it
        object.__setattr__(self, "value", excerpt(value))
        object.__setattr__(
            self, "reason", excerpt(self.reason.replace("\x00", "\ufffd"), REASON_MAX)
        )

    def __str__(self) -> str:
        if self.sheet:
            return _("sheet %(sheet)s, row %(row)d, %(column)s %(value)r: %(reason)s") % {
                "sheet": self.sheet,
                "row": self.row,
                "column": self.column or "-",
                "value": self.value,
                "reason": self.reason,
            }
        return _("row %(row)d, %(column)s %(value)r: %(reason)s") % {
            "row": self.row,
            "column": self.column or "-",
            "value": self.value,
            "reason": self.reason,
        }

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
        }
        if self.sheet:
            found["sheet"] = self.sheet
        return found


class ImportRefused(ValidationError):
    """The file has problems and nothing was written; `problems` lists every one."""

    code = "invalid"

    def __init__(
        self,
        problems: list[Problem],
        message: str | None = None,
        *,
        fields: dict[str, str] | None = None,
    ) -> None:
        n = len(problems)
        if message is None:
            message = _("The file has %(n)d problems; nothing was imported. First: %(first)s") % {
                "n": n,
                "first": problems[0],
            }
        super().__init__(message, fields=fields or {"file": _("%(n)d problems") % {"n": n}})
        self.problems = problems

    @classmethod
    def whole_file(cls, reason: str, short: str, *, row: int = 0) -> ImportRefused:
        """A refusal of the file as a whole (its format, size or length): one problem."""
        return cls([Problem(row, "", "", reason)], reason, fields={"file": short})


class HeaderRefused(ImportRefused):
    """The header row has problems (missing, unknown, empty or repeated column names)."""


def problems_of(
    exc: ValidationError, row: int, values: Mapping[str, str], *, reasons: str = "fields"
) -> list[Problem]:
    """The problems a service's ValidationError names for one row, one per field it names
    (a field `members.2` is the column `members`). `reasons="fields"` takes each field's own
    reason (services that say why per field), `"message"` the error's message (services whose
    fields carry only a short tag), or the field's own when it has one (`refusal_of`)."""
    if not exc.fields:
        return [Problem(row, "", "", exc.message)]
    found = []
    for name, reason in exc.fields.items():
        column = name.split(".")[0]
        found.append(
            Problem(
                row,
                column,
                values.get(column, ""),
                reason if reasons == "fields" else exc.messages.get(name, exc.message),
            )
        )
    return found
