"""An import file's rows: a CSV (UTF-8) or the first worksheet of an XLSX file, its first row
naming the columns. The header is checked before any other row is read; rows are then read one
at a time as they are asked for, empty ones skipped, and reading stops one row past the limit,
so neither a huge sheet nor a small file claiming one costs more than the rows it may hold.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from laydown.core.imports import exports, xlsx
from laydown.core.imports.problems import HeaderRefused, ImportRefused, Problem

MAX_CELL_CHARS = xlsx.MAX_CELL_CHARS


@dataclass(frozen=True)
class Layout:
    """What a kind of import file holds and how much of it may be read."""

    columns: tuple[str, ...]
    required: tuple[str, ...]
    max_rows: int
    max_bytes: int
    # Columns read from a file: the known ones and a margin for notes (a sheet claiming 16,384
    # columns, with a stray cell at XFD, must not make every row 16,384 cells wide).
    max_columns: int = 0
    unknown_refused: bool = False  # a column not in `columns` is a problem (else ignored)
    # Columns of an export (laydown.core.imports.exports) whose date-times are read as dates.
    dates: tuple[str, ...] = ()
    # The columns an export must have, when not all of `required` (the form's optional
    # questions: an export of a form without them is still the import's file).
    export_required: tuple[str, ...] | None = None
    # Columns an export holds as the names of attached files (photos), which it does not
    # carry: ignored in an export.
    attachments: tuple[str, ...] = ()
    # Columns taken and not read: those of the list's own export that say where a thing is now
    # (its container, its status), so that the export can be imported as it is.
    ignored: tuple[str, ...] = ()

    @property
    def width(self) -> int:
        # An export has metadata columns and a column per choice beside the questions.
        return self.max_columns or len(self.columns) + 100

    @property
    def max_unpacked(self) -> int:
        """Bytes an XLSX file may unpack to (XML compresses about tenfold)."""
        return 16 * self.max_bytes

    @property
    def max_strings(self) -> int:
        """Different texts an XLSX file may hold: at most one per cell it may have."""
        return (self.max_rows + 1) * len(self.columns) + 1000


Row = tuple[int, dict[str, str]]  # (row number as the spreadsheet shows it, values by column)


@dataclass
class Table:
    """The header's columns and, as they are read, the non-empty rows: values by column name
    (every column of the layout, "" if the file has not got it), stripped strings. A cell too
    long to be real is not passed on: its row is left out and a problem noted in `problems`."""

    columns: list[str]
    rows: Iterator[Row]
    problems: list[Problem] = field(default_factory=list)
    # An export of ODK Central or KoBoToolbox (exports.CENTRAL, exports.KOBO), else "": the
    # file's own name of each column read, each row's submission (by row number) and the rows
    # left out as received before (known once the rows are read).
    export: str = ""
    sources: dict[str, str] = field(default_factory=dict)
    submissions: dict[int, exports.Received] = field(default_factory=dict)
    skipped: list[int] = field(default_factory=list)


def table_read(layout: Layout, *, name: str, content: bytes) -> Table:
    """Open an import file: check its size, format and header (HeaderRefused, ImportRefused)."""
    if len(content) > layout.max_bytes:
        raise ImportRefused.whole_file(
            _("The file is larger than %(mb)d MB: split it.") % {"mb": layout.max_bytes // 2**20},
            _("too large"),
        )  # the same refusal as uploads.too_large
    lower = name.lower()
    cells: Iterator[Sequence[object]]
    if lower.endswith(".xlsx"):
        xlsx.archive_check(
            content, max_unpacked=layout.max_unpacked, max_strings=layout.max_strings
        )
        cells = xlsx.xlsx_rows(content, max_columns=layout.width)
    elif lower.endswith((".csv", ".txt")) or "." not in lower:
        cells = _csv_rows(content, layout.width)
    else:
        raise ImportRefused.whole_file(_("Give a .csv or .xlsx file."), _("unknown format"))
    first = next(cells, None)
    if first is None:
        raise ImportRefused.whole_file(_("The file is empty."), _("empty"), row=1)
    original = [cell_text(v) for v in first[: layout.width]]
    export = exports.export_of(original, layout.columns)
    if export is not None:
        return _export_table(layout, export, cells)
    header = [name.lower() for name in original]
    problems = header_problems(layout, header)
    if problems:
        missing = [p.column for p in problems if p.value == "" and p.column in layout.required]
        message = None
        if missing:
            message = _("Missing columns: %(c)s. The columns are: %(all)s.") % {
                "c": ", ".join(missing),
                "all": ", ".join(layout.columns),
            }
        raise HeaderRefused(
            problems, message, fields={"file": _("missing columns") if missing else _("header")}
        )
    table = Table(columns=header, rows=iter(()))
    table.rows = _rows(layout, header, cells, table.problems)
    return table


def _export_table(
    layout: Layout, export: exports.Export, cells: Iterator[Sequence[object]]
) -> Table:
    """An export's table: its questions' columns by their XLSForm names (HeaderRefused if one
    the import needs is missing or two groups hold a question of the same name)."""
    header = ["" if c in layout.attachments else c for c in export.columns]
    problems: list[Problem] = []
    first_of: dict[str, int] = {}
    for n, name in enumerate(header):
        if name and name in first_of:
            problems.append(
                Problem(
                    1, export.names[n], export.names[n],
                    _("two questions are named %(name)s (in two groups): rename one in the form")
                    % {"name": name},
                )
            )  # fmt: skip
        first_of.setdefault(name, n)
    problems += [
        Problem(1, c, "", _("the form has no question named %(name)s") % {"name": c})
        for c in (layout.required if layout.export_required is None else layout.export_required)
        if c not in first_of
    ]
    if problems:
        missing = [p.column for p in problems if p.value == ""]
        message = None
        if missing:
            message = _("The export has no question named %(c)s; its questions must be named as "
                        "the import's columns: %(all)s.") % {
                "c": ", ".join(missing), "all": ", ".join(layout.columns),
            }  # fmt: skip
        raise HeaderRefused(
            problems, message, fields={"file": _("missing columns") if missing else _("header")}
        )
    header[export.id_column] = exports.SUBMISSION
    if export.end_column >= 0 and export.end_column != export.id_column:
        header[export.end_column] = exports.DEVICE_AT
    read = dataclasses.replace(layout, columns=exports.columns_read(layout.columns))
    table = Table(columns=list(layout.columns), rows=iter(()), export=export.dialect)
    table.sources = dict(export.sources)
    table.rows = exports.rows_of_export(
        _rows(read, header, cells, table.problems),
        export,
        dates=layout.dates,
        submissions=table.submissions,
        problems=table.problems,
        skipped=table.skipped,
    )
    return table


def table_of(layout: Layout, records: Iterable[Mapping[str, object]], *, first: int = 1) -> Table:
    """A table of records that come without a file (OpenRosa submissions, API batches): each a
    mapping of column names to values, numbered from `first`, read as lazily and under the same
    caps as a file's rows (row limit, cell length; unknown names ignored)."""
    header = list(layout.columns)
    cells = ([record.get(c) for c in header] for record in records)
    table = Table(columns=header, rows=iter(()))
    table.rows = _rows(layout, header, cells, table.problems, first=first)
    return table


def header_problems(layout: Layout, header: list[str]) -> list[Problem]:
    """Empty names between named columns, names given twice, unknown names (if refused) and
    required columns missing, each a problem of row 1."""
    while header and not header[-1]:
        header.pop()  # empty cells after the last name are nothing
    problems = [
        Problem(1, _("column %(n)d") % {"n": n}, "", _("the header cell is empty: name the column"))
        for n, name in enumerate(header, start=1)
        if not name
    ]
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            problems.append(Problem(1, name, name, _("this column is named twice")))
        seen.add(name)
    if layout.unknown_refused:
        problems += [
            Problem(
                1, name, name,
                _("unknown column; the columns are: %(c)s") % {"c": ", ".join(layout.columns)},
            )
            for name in header
            if name and name not in layout.columns and name not in layout.ignored
        ]  # fmt: skip
    problems += [
        Problem(1, c, "", _("required column missing")) for c in layout.required if c not in seen
    ]
    return problems


def _rows(
    layout: Layout,
    header: list[str],
    cells: Iterable[Sequence[object]],
    problems: list[Problem],
    *,
    first: int = 2,
) -> Iterator[Row]:
    present = [(c, header.index(c)) for c in layout.columns if c in header]
    absent = {c: "" for c in layout.columns if c not in header}
    read = 0
    for number, raw in enumerate(cells, start=first):
        texts = [v.strip() if type(v) is str else cell_text(v) for v in raw]
        if not any(texts):
            continue  # an empty row, or padding up to a far-away cell
        read += 1
        if read > layout.max_rows:
            raise ImportRefused.whole_file(
                _("At most %(n)d rows per file: split it.") % {"n": layout.max_rows},
                _("too many rows"),
            )
        width = len(texts)
        values = {c: texts[i] if i < width else "" for c, i in present}
        if absent:
            values.update(absent)
        if sum(map(len, texts)) > MAX_CELL_CHARS:
            long = [(c, v) for c, v in values.items() if len(v) > MAX_CELL_CHARS]
            if long:
                problems += [Problem(number, c, v, _too_long()) for c, v in long]
                continue
        yield number, values


def _too_long() -> str:
    return _("longer than %(n)d characters, more than a cell may hold") % {"n": MAX_CELL_CHARS}


def cell_text(value: object) -> str:
    """A cell as text: numbers such as 1975.0 as whole numbers, a date (a date-time at
    midnight) as 1990-04-02, other date-times in ISO 8601, text stripped."""
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _csv_rows(content: bytes, width: int) -> Iterator[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused.whole_file(
            _("The CSV file is not UTF-8 text (byte %(at)d): save it as 'CSV UTF-8'.")
            % {"at": exc.start},
            _("not UTF-8"),
        ) from exc
    first = text[: text.find("\n")] if "\n" in text else text
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            yield cells[:width]
    except csv.Error as exc:  # a field over csv.field_size_limit(), a NUL byte...
        too_long = "field larger than field limit" in str(exc)
        raise ImportRefused.whole_file(
            _too_long() if too_long else _("not readable as CSV: %(e)s") % {"e": exc},
            _("value too long") if too_long else _("not CSV"),
            row=reader.line_num,
        ) from None
