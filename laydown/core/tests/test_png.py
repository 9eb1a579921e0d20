"""The PNG writer: files a reader takes (chunks with their checksums, the header, the rows),
and byte for byte the pictures the demo and the tests made with their own writers before."""

from __future__ import annotations

import hashlib
import struct
import zlib

import pytest

from laydown.core.png import png


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The chunks of a PNG, each checked against its CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    found, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body)
        found.append((kind, body))
        at += 12 + length
    return found


@pytest.mark.parametrize(
    ("width", "height", "pixels", "grey", "colour_type"),
    [
        (2, 2, bytes(range(12)), False, 2),
        (1, 1, b"\x10\x07\x09", False, 2),
        (3, 2, bytes([0, 128, 255, 255, 128, 0]), True, 0),
    ],
)
def test_a_reader_finds_the_header_and_the_rows(
    width: int, height: int, pixels: bytes, grey: bool, colour_type: int
) -> None:
    found = chunks(png(width, height, pixels, grey=grey))
    assert [kind for kind, _body in found] == [b"IHDR", b"IDAT", b"IEND"]
    assert struct.unpack(">IIBBBBB", found[0][1]) == (width, height, 8, colour_type, 0, 0, 0)
    stride = len(pixels) // height
    rows = zlib.decompress(found[1][1])
    assert rows == b"".join(b"\0" + pixels[y * stride : (y + 1) * stride] for y in range(height))


def test_text_goes_in_a_text_chunk_before_the_pixels() -> None:
    found = chunks(png(1, 1, b"bbb", text=b"demo\x00before"))
    assert found[1] == (b"tEXt", b"demo\x00before")
    assert [kind for kind, _body in found] == [b"IHDR", b"tEXt", b"IDAT", b"IEND"]


def test_the_demos_pictures_are_what_they_were() -> None:
    """SHA-256 of what people's and verification's demo steps and the printed pages' reader
    wrote with their own copies of this code (a demo's photos are named by their hash)."""
    seed = 20261127
    portrait = png(2, 2, bytes([seed % 256, (seed // 256) % 256, (seed * 7) % 256]) * 4)
    photo = png(1, 1, b"bbb", text=b"demo\x00before")
    page = png(3, 2, bytes([0, 128, 255, 255, 128, 0]), grey=True)
    assert [hashlib.sha256(x).hexdigest() for x in (portrait, photo, page)] == [
        "39a6472601bd04497c4aa5e6c6db414b8512fcba9eea91fb5d8326d698793a9a",
        "513366d9691f08ab6dcc5595aa2125e50b80a1eef09646675a683e2ab392216b",
        "b2156ca71dbb1b57c9fbdbb5c36fb46ed7fc6e93f89cbafd888dbde28ecc0114",
    ]
