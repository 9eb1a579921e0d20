"""Reading the first worksheet of an XLSX file, guarded against hostile archives.

`archive_check` runs first and refuses, with a clear reason, a file that is not a zip archive,
is damaged, unpacks to more than the caller allows, holds a run of text longer than any cell
may be, more shared strings than the import can use, or a DOCTYPE (entity expansion); it
reads the archive in small chunks and keeps none of it. After it, nothing the readers below
hold can be larger than those caps.

`xlsx_rows` yields exactly what openpyxl's `worksheets[0].iter_rows(values_only=True)` of a
read-only, data-only workbook yields, at most `max_columns` wide. openpyxl's read-only reader
builds a dict (and often a rich-text object) per cell, and scans the whole sheet once more
when it has no <dimension>: ~8,000 rows/s for the nine columns of an import. `_fast_rows`
parses the sheet XML itself (iterparse, as openpyxl does), reusing openpyxl's package reader,
shared strings, styles and number parsing. Whatever it does not cover (a date-styled number,
rich text, an unusual element) it hands back to openpyxl, which then reads the file from where
it left off. tests/test_xlsx.py compares the two on random workbooks.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator

from django.utils.translation import gettext as _

from laydown.core.imports.problems import ImportRefused

MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
# Bytes of XML between two '<': a cell's text, or an element's attributes. Above any cell of
# MAX_CELL_CHARS characters however escaped, far below what would strain memory.
MAX_TEXT_RUN = 16 * MAX_CELL_CHARS
CHUNK = 16 * 1024


def _refused(reason: str, short: str) -> ImportRefused:
    return ImportRefused.whole_file(reason, short)


def archive_check(content: bytes, *, max_unpacked: int, max_strings: int) -> None:
    """Refuse (ImportRefused) an XLSX file that is not a sound, bounded zip archive."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _refused(
            _("The file is not an XLSX workbook (not a zip archive): save it as .xlsx or .csv."),
            _("unreadable"),
        ) from None
    with archive:
        members = archive.infolist()
        if sum(m.file_size for m in members) > max_unpacked:
            raise _too_big(max_unpacked)
        unpacked = 0
        for member in members:
            unpacked += _member_check(archive, member, max_strings)
            if unpacked > max_unpacked:  # zipfile stops at each declared size; this is a backstop
                raise _too_big(max_unpacked)


def _too_big(limit: int) -> ImportRefused:
    return _refused(
        _("The workbook unpacks to more than %(mb)d MB: split it into smaller files.")
        % {"mb": limit // 2**20},
        _("too large unpacked"),
    )


def _member_check(archive: zipfile.ZipFile, member: zipfile.ZipInfo, max_strings: int) -> int:
    """Read one member in chunks (checking its CRC); for XML, the longest run of text and, in
    the shared strings, how many there are. Returns the bytes read."""
    name = member.filename.lower()
    xml = name.endswith((".xml", ".rels", ".vml"))
    strings = name.endswith("sharedstrings.xml")
    run = count = size = 0
    tail = b""
    try:
        with archive.open(member) as source:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if not xml:
                    continue
                if b"<!DOCTYPE" in tail + chunk[:16] or b"<!DOCTYPE" in chunk:
                    raise _refused(  # OOXML parts have none; entities could expand a billion times
                        _("The XLSX file holds a document type declaration; no workbook has one."),
                        _("unreadable"),
                    )
                tail = chunk[-16:]
                first = chunk.find(b"<")
                if first < 0:
                    run += len(chunk)
                else:
                    run += first
                    if run > MAX_TEXT_RUN:
                        break
                    run = len(chunk) - chunk.rfind(b"<") - 1
                if run > MAX_TEXT_RUN:
                    break
                if strings:
                    count += chunk.count(b"<si>") + chunk.count(b"<si ")
                    if count > max_strings:
                        raise _refused(
                            _("The workbook holds more than %(n)d different texts.")
                            % {"n": max_strings},
                            _("too many texts"),
                        )
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError):
        raise _refused(
            _("The XLSX file is damaged (%(part)s cannot be unpacked): save it again.")
            % {"part": member.filename[:100]},
            _("damaged"),
        ) from None
    if run > MAX_TEXT_RUN:
        raise _refused(
            _(
                "The workbook holds a value longer than a cell may be (%(n)d characters): "
                "shorten it."
            )
            % {"n": MAX_CELL_CHARS},
            _("value too long"),
        )
    return size


# ---- rows ----------------------------------------------------------------------------------

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _C, _V, _IS, _T, _DIMENSION = (_NS + t for t in ("row", "c", "v", "is", "t", "dimension"))


class _Unsupported(Exception):
    """The fast reader met something only openpyxl reads exactly."""


def xlsx_rows(content: bytes, *, max_columns: int) -> Iterator[tuple[object, ...]]:
    """The first worksheet's rows as openpyxl's `iter_rows(values_only=True)` gives them (call
    `archive_check` first); ImportRefused if the workbook cannot be read."""
    done = 0
    try:
        try:
            for row in _fast_rows(content, max_columns):
                yield row
                done += 1
            return
        except _Unsupported:
            pass
        yield from _openpyxl_rows(content, max_columns, skip=done)
    except ImportRefused:
        raise
    except Exception as exc:  # noqa: BLE001  (openpyxl and XML parsers raise many kinds)
        raise _refused(
            _("The file is not a readable XLSX workbook: save it again as .xlsx or as CSV."),
            _("unreadable"),
        ) from exc


def _openpyxl_rows(content: bytes, max_columns: int, skip: int) -> Iterator[tuple[object, ...]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        wide = (sheet.max_column or 0) > max_columns
        rows = sheet.iter_rows(values_only=True, max_col=max_columns if wide else None)
        for n, row in enumerate(rows):
            if n >= skip:
                yield row
    finally:
        book.close()


def _fast_rows(content: bytes, max_columns: int) -> Iterator[tuple[object, ...]]:  # noqa: C901
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
                max_col = min(max_col, max_columns) if max_col else max_col
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
                width = max_col or min(cells[-1][0], max_columns)
                row: list[object] = [None] * width
                for column, value in cells:
                    if 1 <= column <= width:
                        row[column - 1] = value
                yield tuple(row)
    if max_row is not None and max_row < idx:
        for _ in range(counter, max_row + 1):
            yield empty_row
