"""Small valid PNG files written with zlib and struct, no imaging library: stand-ins for photos
and portraits in the demo and the tests, and printed pages read back as pictures."""

from __future__ import annotations

import struct
import zlib

__all__ = ["png"]

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png(width: int, height: int, pixels: bytes, *, grey: bool = False, text: bytes = b"") -> bytes:
    """An 8-bit PNG of `pixels`, row after row: three bytes (red, green, blue) a pixel, or one
    with `grey`. `text`, if any, goes in a tEXt chunk (`keyword\\0words`)."""
    stride = width * (1 if grey else 3)
    rows = b"".join(b"\0" + pixels[y * stride : (y + 1) * stride] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0 if grey else 2, 0, 0, 0)
    return (
        SIGNATURE
        + _chunk(b"IHDR", header)
        + (_chunk(b"tEXt", text) if text else b"")
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
