"""Printed documents in tests: a PDF printed by Chromium (Playwright's `page.pdf()`) read back
with PDFium (pypdfium2): each page's text, and each page rendered to a PNG for a person to look
at (written beside the screenshots) and for a check that it is not blank."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

from laydown.core.png import png


@dataclass(frozen=True)
class PrintedPage:
    number: int
    text: str
    png: Path
    ink: float  # the share of pixels that are not white


def pdf_pages(data: bytes, out: Path, name: str, scale: float = 1.0) -> list[PrintedPage]:
    """The pages of the PDF `data`: text and a PNG each (`out`/`name`-N.png)."""
    out.mkdir(parents=True, exist_ok=True)
    document = pdfium.PdfDocument(data)
    pages = []
    try:
        for i in range(len(document)):
            page = document[i]
            text = page.get_textpage().get_text_range()
            bitmap = page.render(scale=scale, grayscale=True)
            width, height, stride = bitmap.width, bitmap.height, bitmap.stride
            raw = bytes(bitmap.buffer)
            gray = b"".join(raw[y * stride : y * stride + width] for y in range(height))
            path = out / f"{name}-{i + 1}.png"
            path.write_bytes(png(width, height, gray, grey=True))
            ink = sum(1 for v in gray[::7] if v < 200) / max(1, len(gray[::7]))
            pages.append(PrintedPage(i + 1, text, path, ink))
    finally:
        document.close()
    return pages
