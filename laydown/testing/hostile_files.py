"""Hostile and careless import files, built in the tests (nothing read from outside): a
decompression bomb, a sheet of many rows under a wrong header, files that are not (or no
longer) XLSX, CSV fields longer than a cell may be."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence

from openpyxl import Workbook

MB = 2**20
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
_MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def workbook(rows: Sequence[Sequence[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewritten(content: bytes, parts: dict[str, Iterable[bytes]]) -> bytes:
    """`content` (an XLSX file) with the members named in `parts` written from their chunks,
    streamed, so the test never holds what the file unpacks to."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        names = source.namelist()
        for name in names:
            if name not in parts and name not in (
                "[Content_Types].xml",
                "xl/_rels/workbook.xml.rels",
            ):
                target.writestr(name, source.read(name))
        for name, chunks in parts.items():
            with target.open(name, "w", force_zip64=True) as member:
                for chunk in chunks:
                    member.write(chunk)
        if STRINGS in parts and STRINGS not in names:  # declare the shared strings
            types = source.read("[Content_Types].xml").replace(
                b"</Types>",
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
            )
            rels = source.read("xl/_rels/workbook.xml.rels").replace(
                b"</Relationships>",
                b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://schemas.'
                b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
                b"</Relationships>",
            )
            parts_out = {"[Content_Types].xml": types, "xl/_rels/workbook.xml.rels": rels}
        else:
            parts_out = {}
        for name in ("[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
            target.writestr(name, parts_out.get(name) or source.read(name))
    return out.getvalue()


def shared_string_bomb(header: list[str], size: int) -> bytes:
    """A workbook whose row 2 shows one shared string of `size` characters, once per column:
    a few hundred KB of file."""
    content = workbook([header, ["x"] * len(header)])

    def strings() -> Iterator[bytes]:
        yield b'<?xml version="1.0" encoding="UTF-8"?><sst ' + _MAIN + b">"
        yield b"<si><t>first</t></si><si><t>"
        block = b"A" * MB
        for _ in range(size // MB):
            yield block
        yield b"A" * (size % MB) + b"</t></si></sst>"

    def sheet() -> Iterator[bytes]:
        yield b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' + _MAIN + b"><sheetData>"
        yield b'<row r="1">' + b"".join(_inline(c, n) for n, c in enumerate(header)) + b"</row>"
        cells = b"".join(b'<c r="%s2" t="s"><v>1</v></c>' % _letter(n) for n in range(len(header)))
        yield b'<row r="2">' + cells + b"</row></sheetData></worksheet>"

    return rewritten(content, {STRINGS: strings(), SHEET: sheet()})


def many_rows(header: list[str], rows: int, *, numbered: bool = True) -> bytes:
    """A sheet of `rows` rows of one inline string each under `header` (without row numbers,
    a thousand times smaller zipped than unpacked)."""
    content = workbook([header])

    def sheet() -> Iterator[bytes]:
        yield b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' + _MAIN + b"><sheetData>"
        yield b'<row r="1">' + b"".join(_inline(c, n) for n, c in enumerate(header)) + b"</row>"
        for start in range(2, rows + 2, 10_000):
            end = min(start + 10_000, rows + 2)
            if not numbered:
                yield b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * (end - start)
                continue
            yield b"".join(
                b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (n, n)
                for n in range(start, end)
            )
        yield b"</sheetData></worksheet>"

    return rewritten(content, {SHEET: sheet()})


def truncated(content: bytes) -> bytes:
    return content[: len(content) // 2]


def corrupt_member(content: bytes, name: str = SHEET) -> bytes:
    """`content` with the compressed bytes of member `name` scrambled (its CRC no longer holds
    or it no longer inflates)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        info = archive.getinfo(name)
    data = bytearray(content)
    # the local header: 30 bytes, then the name and the extra field, then the data
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    start += int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    start -= len(info.extra)
    for i in range(start + 2, start + min(info.compress_size, 40)):
        data[i] ^= 0x5A
    return bytes(data)


def csv_with_long_field(header: list[str], length: int) -> bytes:
    row = ["x"] * len(header)
    row[0] = "A" * length
    return (",".join(header) + "\n" + ",".join(row) + "\n").encode()


def _letter(n: int) -> bytes:
    return bytes([ord("A") + n])


def _inline(text: str, n: int) -> bytes:
    return b'<c r="%s1" t="inlineStr"><is><t>%s</t></is></c>' % (_letter(n), text.encode())


def cases(header: list[str]) -> list[tuple[str, str, Callable[[], bytes], str]]:
    """(id, file name, how to build the content, what the refusal says) of each hostile file
    for an import whose required columns are `header`: every one must be refused clearly,
    quickly, with nothing written and no value echoed at length."""

    def good() -> bytes:
        return workbook([header, ["x"] * len(header)])

    return [
        (
            "shared-string-bomb",
            "f.xlsx",
            lambda: shared_string_bomb(header, 50 * MB),
            "longer than",
        ),
        (
            "wrong-header-many-rows",
            "f.xlsx",
            lambda: many_rows(["nom"], 300_000),
            "Missing columns",
        ),
        ("csv-named-xlsx", "f.xlsx", lambda: ",".join(header).encode() + b"\n", "not an XLSX"),
        ("truncated-xlsx", "f.xlsx", lambda: truncated(good()), "not an XLSX"),
        ("corrupt-xlsx", "f.xlsx", lambda: corrupt_member(good()), "damaged"),
        ("csv-field-200kb", "f.csv", lambda: csv_with_long_field(header, 200_000), "characters"),
    ]


def entity_bomb(header: list[str]) -> bytes:
    """A sheet whose DOCTYPE defines entities that expand a billion times ("billion laughs")."""
    content = workbook([header])
    entities = b'<!ENTITY a0 "lol">' + b"".join(
        b'<!ENTITY a%d "%s">' % (n, b"&a%d;" % (n - 1) * 10) for n in range(1, 10)
    )
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE worksheet [' + entities + b"]>"
        b"<worksheet " + _MAIN + b"><sheetData>"
        b'<row r="1">' + b"".join(_inline(c, n) for n, c in enumerate(header)) + b"</row>"
        b'<row r="2"><c r="A2" t="inlineStr"><is><t>&a9;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    return rewritten(content, {SHEET: [sheet]})
