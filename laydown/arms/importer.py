"""Bulk import of items from CSV or XLSX (format: docs/import.md; `laydown import template`).

Two phases. First every row is checked with the same checks as `services.item_collect`
(`item_fields_check`, the duplicate rule, the site and the importer's permission there), and
every problem is reported as (row, column, value, reason) without writing anything. Only a
file without problems is imported: in ONE transaction, its records appended in batches with
`record_append_batch` and applied with bulk inserts (`records.applies_buffered`), so a crash
at any point leaves nothing of the file behind.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, authorize
from laydown.access.roles import Scope
from laydown.accounts.services import SYSTEM
from laydown.arms import checks, records, selectors, services
from laydown.arms.models import Item, Site
from laydown.arms.normalise import mixed_scripts, normalise_serial
from laydown.arms.services.common import ITEM_PREFIX
from laydown.arms.vocab import Category, Condition, SiteStatus
from laydown.core import spreadsheet
from laydown.core.errors import ValidationError
from laydown.ledger import services as ledger

COLUMNS = (
    "site",
    "category",
    "make",
    "model",
    "calibre",
    "serial",
    "markings",
    "country",
    "year",
    "condition",
    "handed_in_by",
    "photos",
    "confirm_duplicate_reason",
)
REQUIRED = ("site", "category", "make", "model", "condition")
COLUMN_HELP = {
    "site": "code of the site where the item was handed in (e.g. cp-north)",
    "category": "one of the category codes on the vocabulary sheet",
    "make": "manufacturer as marked (e.g. Kalashnikov, FN Herstal)",
    "model": "model as marked (e.g. AKM, FAL)",
    "calibre": "optional (e.g. 7.62x39mm)",
    "serial": "serial number as printed, any script; empty if there is none",
    "markings": "optional: all other markings",
    "country": "optional: country of manufacture, ISO 3166 two letters",
    "year": "optional: year of manufacture (e.g. 1975)",
    "condition": "serviceable, unserviceable or unsafe",
    "handed_in_by": "optional: pseudonymous id of the person who handed it in (never a name)",
    "photos": "optional: SHA-256 of photos already uploaded, separated by spaces",
    "confirm_duplicate_reason": "only if the serial, make and model match an earlier item: why "
    "this is another weapon",
}
MAX_ROWS = 500_000
# Columns read from a sheet: the format has 12; a sheet claiming 16,384 (a stray cell at XFD)
# must not make every row 16,384 cells wide.
MAX_COLUMNS = 64
BATCH = 5000  # records per ledger batch (one signed checkpoint each)

Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass(frozen=True)
class Problem:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column or '-'} {self.value!r}: {self.reason}"


class ImportRefused(ValidationError):
    """The file has problems; `problems` lists every one. Nothing was written."""

    code = "import_invalid"

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        super().__init__(
            _("The file has %(n)d problems; nothing was imported. First: %(first)s")
            % {"n": len(problems), "first": first},
            fields={"file": _("%(n)d problems") % {"n": len(problems)}},
        )
        self.problems = problems


@dataclass(frozen=True)
class ImportResult:
    count: int
    first_tag: str
    last_tag: str
    duplicates_confirmed: int


# ---- reading -------------------------------------------------------------------------------


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def rows_read(name: str, content: bytes) -> Iterator[list[str]]:
    """The rows of a CSV (UTF-8) or XLSX file as lists of strings, header first."""
    if name.lower().endswith(".xlsx"):
        for values in _xlsx_rows(content):
            yield [v.strip() if type(v) is str else _cell(v) for v in values[:MAX_COLUMNS]]
    elif name.lower().endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError(
                _("The CSV file is not UTF-8 text (byte %(at)d).") % {"at": exc.start},
                fields={"file": _("not UTF-8")},
            ) from exc
        for row in csv.reader(io.StringIO(text, newline="")):
            yield [v.strip() for v in row]
    else:
        raise ValidationError(_("Give a .csv or .xlsx file."), fields={"file": _("unknown format")})


# ---- fast XLSX reading -------------------------------------------------------------------
#
# openpyxl's read-only reader builds a dict (and often a rich-text object) per cell, and scans
# the whole sheet once more when it has no <dimension>: ~8,000 rows/s for the nine columns of an
# import. `_xlsx_fast` parses the sheet XML itself (iterparse, as openpyxl does) and yields
# exactly what `worksheets[0].iter_rows(values_only=True)` of a read-only, data-only workbook
# would, reusing openpyxl's package reader, shared strings, styles and number parsing. Whatever
# it does not cover (a date-styled number, rich text, an unusual element) it hands back to
# openpyxl, which then reads the file from where it left off. tests/test_import_speed.py
# compares the two on random workbooks.

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _C, _V, _IS, _T, _DIMENSION = (_NS + t for t in ("row", "c", "v", "is", "t", "dimension"))


class _Unsupported(Exception):
    """The fast reader met something only openpyxl reads exactly."""


def _xlsx_rows(content: bytes) -> Iterator[tuple[object, ...]]:
    """The first worksheet's rows as openpyxl's `iter_rows(values_only=True)` gives them."""
    from openpyxl import load_workbook

    done = 0
    try:
        for row in _xlsx_fast(content):
            yield row
            done += 1
        return
    except _Unsupported:
        pass
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        wide = (sheet.max_column or 0) > MAX_COLUMNS
        rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS if wide else None)
        for n, row in enumerate(rows):
            if n >= done:
                yield row
    finally:
        book.close()


def _xlsx_fast(content: bytes) -> Iterator[tuple[object, ...]]:
    try:
        from openpyxl.reader.excel import ExcelReader
        from openpyxl.styles.stylesheet import apply_stylesheet
        from openpyxl.utils.cell import column_index_from_string
        from openpyxl.utils.datetime import from_ISO8601
        from openpyxl.worksheet._reader import _cast_number
        from openpyxl.worksheet.dimensions import SheetDimension
        from openpyxl.xml.functions import iterparse

        reader = ExcelReader(io.BytesIO(content), read_only=True, data_only=True)
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        reader.read_properties()
        reader.read_custom()
        reader.read_theme()
        apply_stylesheet(reader.archive, reader.wb)
        target = next(
            rel.target
            for _sheet, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type
        )
    except Exception as exc:  # noqa: BLE001  (openpyxl then fails the same way, or reads it)
        raise _Unsupported from exc
    strings = reader.shared_strings
    date_formats = reader.wb._date_formats
    columns: dict[str, int] = {}
    max_col: int | None = None
    max_row: int | None = None
    empty_row: tuple[object, ...] = ()
    counter = idx = 1
    row_counter = 0
    started = False
    with reader.archive, reader.archive.open(target) as source:
        for _event, element in iterparse(source):
            tag = element.tag
            if tag == _DIMENSION:
                if started:
                    raise _Unsupported
                _min_col, _min_row, max_col, max_row = SheetDimension.from_tree(element).boundaries
                max_col = min(max_col, MAX_COLUMNS) if max_col else max_col
                continue
            if tag != _ROW:
                continue
            if not started:
                started = True
                if max_col is not None:
                    empty_row = (None,) * max_col
            r = element.get("r")
            if r is None:
                row_counter += 1
            elif r.isdigit():
                row_counter = int(r)
            else:
                raise _Unsupported
            idx = row_counter
            col_counter = 0
            cells: list[tuple[int, object]] = []
            for cell in element:
                if cell.tag != _C:
                    raise _Unsupported
                kind = cell.get("t", "n")
                coordinate = cell.get("r")
                if coordinate:
                    letters = coordinate.rstrip("0123456789")
                    column = columns.get(letters)
                    if column is None:
                        if not letters.isalpha() or not letters.isupper():
                            raise _Unsupported
                        column = columns[letters] = column_index_from_string(letters)
                    col_counter = column
                else:
                    col_counter += 1
                    column = col_counter
                value: object
                if kind == "inlineStr":
                    value = None
                    inline = cell.find(_IS)
                    if inline is not None:
                        if len(inline) != 1 or inline[0].tag != _T:
                            raise _Unsupported  # rich text, phonetics: openpyxl's Text
                        value = inline[0].text or ""
                else:
                    value = text = cell.findtext(_V, None) or None
                    if text is not None:
                        if kind == "n":
                            style = cell.get("s")
                            if style and int(style) in date_formats:
                                raise _Unsupported  # dates: openpyxl's epochs and warnings
                            value = _cast_number(text)
                        elif kind == "s":
                            value = strings[int(text)]
                        elif kind == "b":
                            value = bool(int(text))
                        elif kind == "d":
                            value = from_ISO8601(text)
                cells.append((column, value))
            element.clear()
            if max_row is not None and idx > max_row:
                break
            for _ in range(counter, idx):
                counter += 1
                yield empty_row
            if counter <= idx:
                counter += 1
                if not cells and not max_col:
                    yield ()
                    continue
                width = max_col or min(cells[-1][0], MAX_COLUMNS)
                row: list[object] = [None] * width
                for column, value in cells:
                    if 1 <= column <= width:
                        row[column - 1] = value
                yield tuple(row)
    if max_row is not None and max_row < idx:
        for _ in range(counter, max_row + 1):
            yield empty_row


# ---- checking ------------------------------------------------------------------------------


@dataclass
class _Checked:
    entries: list[tuple[int, dict[str, Any], list[str], str]]  # row, data, duplicate_of, reason
    problems: list[Problem]


def _header(header: Sequence[str]) -> tuple[dict[str, int], list[Problem]]:
    names = [h.strip().lower() for h in header]
    problems = [
        Problem(1, h, h, _("unknown column; the columns are: %(c)s") % {"c": ", ".join(COLUMNS)})
        for h in names
        if h and h not in COLUMNS
    ]
    problems += [
        Problem(1, c, "", _("required column missing")) for c in REQUIRED if c not in names
    ]
    return {n: i for i, n in enumerate(names) if n in COLUMNS}, problems


def _sites(actor: Principal, codes: Iterable[str]) -> dict[str, str]:
    """For each site code, '' if the actor may import there, else the reason not."""
    wanted = set(codes)
    found = {s.code: s for s in Site.objects.filter(code__in=wanted)}
    verdicts = {}
    for code in wanted:
        site = found.get(code)
        if site is None:
            verdicts[code] = _("no such site")
        elif site.status != SiteStatus.OPEN:
            verdicts[code] = _("site is not open")
        else:
            try:
                if actor is not SYSTEM:
                    authorize(actor, "arms.import", scope=Scope(site=code, region=site.region))
                verdicts[code] = ""
            except PermissionDenied:
                verdicts[code] = _("you may not import items at this site")
    return verdicts


def items_check(
    actor: Principal, rows: Iterator[list[str]], progress: Progress | None = None
) -> _Checked:
    """Check every row; return the record data of each and every problem found."""
    header = next(rows, None)
    if header is None:
        return _Checked([], [Problem(1, "", "", _("the file is empty"))])
    index, problems = _header(header)
    if problems:
        return _Checked([], problems)
    nonempty = ((n, row) for n, row in enumerate(rows, start=2) if any(row))
    table = list(itertools.islice(nonempty, MAX_ROWS + 1))  # stop reading past the limit
    if len(table) > MAX_ROWS:
        return _Checked([], [Problem(1, "", "", _("more than %(n)d rows") % {"n": MAX_ROWS})])

    def get(row: list[str], column: str) -> str:
        i = index.get(column)
        return row[i] if i is not None and i < len(row) else ""

    sites = _sites(actor, (get(row, "site") for _n, row in table))
    seen: dict[tuple[str, str, str], list[int]] = {}  # normalised key -> rows of this file
    serials = [get(row, "serial") for _n, row in table]
    normalised = [normalise_serial(s) for s in serials]
    earlier = _registered_keys(set(normalised) - {""})
    weapon_keys: dict[tuple[str, str], tuple[str, str]] = {}  # (make, model) -> same_weapon_key
    positions = [(c, index.get(c)) for c in COLUMNS]
    checked: list[tuple[int, dict[str, Any], list[str], str]] = []
    for done, (n, row) in enumerate(table, start=1):
        width = len(row)
        values = {c: row[i] if i is not None and i < width else "" for c, i in positions}
        fast = _fields_fast(values)
        if fast is None:
            clean, errors = services.item_fields_check(
                category=values["category"],
                make=values["make"],
                model=values["model"],
                calibre=values["calibre"],
                serial=values["serial"],
                markings=values["markings"],
                country=values["country"],
                year=values["year"] or None,
                condition=values["condition"],
                handed_in_by=values["handed_in_by"] or None,
                photos=values["photos"].split(),
            )
            problems += [Problem(n, f, values[f], e.message) for f, e in errors.items()]
            data = {"site": values["site"], **clean}
        else:
            clean = data = fast
            errors = {}
        if sites[values["site"]]:
            problems.append(Problem(n, "site", values["site"], sites[values["site"]]))
        reason = values["confirm_duplicate_reason"]
        duplicate_of: list[str] = []
        if not errors and clean["serial"]:
            serial = clean["serial"]
            pair = (clean["make"], clean["model"])
            weapon = weapon_keys.get(pair)
            if weapon is None:
                weapon = weapon_keys[pair] = selectors.same_weapon_key(*pair)
            key = (
                normalised[done - 1] if serial == serials[done - 1] else normalise_serial(serial),
                *weapon,
            )
            registered = earlier.get(key)
            rows_before = seen.get(key)
            if registered or rows_before:
                duplicate_of = (registered or []) + [f"row {r}" for r in rows_before or ()]
            if rows_before is None:
                seen[key] = [n]
            else:
                rows_before.append(n)
            if duplicate_of and not reason:
                problems.append(
                    Problem(
                        n,
                        "serial",
                        values["serial"],
                        _(
                            "possible duplicate of %(of)s; confirm with a reason in "
                            "confirm_duplicate_reason"
                        )
                        % {"of": ", ".join(duplicate_of)},
                    )
                )
        checked.append((n, data, duplicate_of, reason))
        if progress is not None and (done % 1000 == 0 or done == len(table)):
            progress("check", done, len(table))
    if not table:
        problems.append(Problem(2, "", "", _("the file has no rows")))
    return _Checked(checked, problems)


_CATEGORIES = frozenset(Category.values)
_CONDITIONS = frozenset(Condition.values)
_CONTROL = re.compile(r"[\x00-\x1f]")
# Letters of the Cyrillic block only (every letter there is named CYRILLIC ...): one script.
_CYRILLIC = re.compile(r"[\u0400-\u04ff\x00-\x40\x5b-\x60\x7b-\x7f]*")
_TEXTS = (("make", 100), ("model", 100), ("calibre", 50), ("serial", 100), ("markings", 500))


def _fields_fast(values: dict[str, str]) -> dict[str, Any] | None:
    """The site and the clean data `services.item_fields_check` gives for a row, when the row
    is plainly valid; None when it may not be (then that check runs, and words any problem).

    Only ever a shortcut: it accepts a subset of what the full check accepts and returns the
    same data (tests/test_import_speed.py compares the two on random rows)."""
    category = values["category"]
    condition = values["condition"]
    if category not in _CATEGORIES or condition not in _CONDITIONS:
        return None
    if not values["make"] or not values["model"]:
        return None
    for column, limit in _TEXTS:
        text = values[column]
        if len(text) > limit or text != text.strip() or _CONTROL.search(text):
            return None
    serial = values["serial"]
    if not serial.isascii() and not _CYRILLIC.fullmatch(serial) and mixed_scripts(serial):
        return None
    country = values["country"]
    if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
        return None
    year_text = values["year"]
    year = None
    if year_text:
        if not (year_text.isascii() and year_text.isdigit() and len(year_text) <= 4):
            return None
        year = int(year_text)
        if not services.MIN_YEAR <= year <= 2100:
            return None
    if values["photos"].split():
        return None  # photos are looked up in the file store by the full check
    handed_in_by = values["handed_in_by"] or None
    if handed_in_by is not None and not checks.PSEUDONYM.match(handed_in_by):
        return None
    return {
        "site": values["site"],
        "category": category,
        "make": values["make"],
        "model": values["model"],
        "calibre": values["calibre"],
        "serial": serial,
        "markings": values["markings"],
        "country": country.upper(),
        "year": year,
        "condition": condition,
        "photos": [],
        "handed_in_by": handed_in_by,
    }


def _registered_keys(serials: set[str]) -> dict[tuple[str, str, str], list[str]]:
    found: dict[tuple[str, str, str], list[str]] = {}
    wanted = sorted(serials)
    for start in range(0, len(wanted), 500):
        rows = Item.objects.filter(serial_normalised__in=wanted[start : start + 500])
        for tag, serial, make, model in rows.values_list(
            "tag", "serial_normalised", "make", "model"
        ):
            found.setdefault((serial, *selectors.same_weapon_key(make, model)), []).append(tag)
    return found


# ---- importing -----------------------------------------------------------------------------


def items_import(
    *, actor: Principal, name: str, content: bytes, progress: Progress | None = None
) -> ImportResult:
    """Import a fully valid file in one transaction, or raise ImportRefused listing every
    problem (and write nothing)."""
    checked = items_check(actor, rows_read(name, content), progress)
    if checked.problems:
        raise ImportRefused(checked.problems)
    total = len(checked.entries)
    duplicates = 0
    with transaction.atomic():
        tags = services.allocate_tags(ITEM_PREFIX, total)
        entries: list[ledger.Entry] = []
        for tag, (_row, data, duplicate_of, reason) in zip(tags, checked.entries, strict=True):
            entries.append((records.ITEM_COLLECTED.name, {"tag": tag, **data}))
            if duplicate_of:
                duplicates += 1
                entries.append(
                    (
                        records.DUPLICATE_CONFIRMED.name,
                        {"item": tag, "duplicate_of": duplicate_of, "reason": reason},
                    )
                )
        with records.applies_buffered():
            for start in range(0, len(entries), BATCH):
                ledger.record_append_batch(
                    entries=entries[start : start + BATCH], actor=actor.pseudonym or "anonymous"
                )
                if progress is not None:
                    progress("import", min(start + BATCH, len(entries)), len(entries))
    return ImportResult(
        count=total, first_tag=tags[0], last_tag=tags[-1], duplicates_confirmed=duplicates
    )


def items_template(path: Path) -> None:
    """Write an empty import file with its header (XLSX: with a sheet explaining the columns
    and a sheet of the vocabularies; CSV: the header only)."""
    if path.suffix.lower() == ".csv":
        path.write_text("".join(spreadsheet.csv_lines([COLUMNS])), encoding="utf-8")
        return
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101  (a new workbook has one sheet)
    sheet.title = "items"
    sheet.append(spreadsheet.xlsx_row(sheet, COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    columns = book.create_sheet("columns")
    rows: list[list[str]] = [["column", "required", "meaning"]]
    rows += [[c, "yes" if c in REQUIRED else "", COLUMN_HELP[c]] for c in COLUMNS]
    for row in rows:
        columns.append(spreadsheet.xlsx_row(columns, row))
    vocabulary = book.create_sheet("vocabulary")
    rows = [["list", "code", "meaning"]]
    rows += [["category", code, str(label)] for code, label in Category.choices]
    rows += [["condition", code, str(label)] for code, label in Condition.choices]
    for row in rows:
        vocabulary.append(spreadsheet.xlsx_row(vocabulary, row))
    book.save(path)
