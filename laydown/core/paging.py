"""One way to page through rows, for the API and the pages alike.

Pages are numbered from 1 and never counted in full (a count of 10^6 rows is slow). A page
number is bounded: the database's OFFSET is a 64-bit integer, and `?page=10**30` once made
every list a 500. The API refuses a number out of range (422, through `PageNumber`); a page
clamps it (`page_number`), so a hand-edited address shows an empty page, not an error.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field

__all__ = ["MAX_PAGE", "MAX_PER_PAGE", "Page", "PageNumber", "PerPage", "page_number", "paginate"]

MAX_PER_PAGE = 200
MAX_PAGE = 10_000_000  # 10^7 rows one by one, 2 x 10^9 at 200 a page: past the planned scale

PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE, description=f"1 to {MAX_PAGE:,}")]
PerPage = Annotated[int, Field(ge=1, le=MAX_PER_PAGE, description=f"1 to {MAX_PER_PAGE}")]


@dataclass(frozen=True)
class Page:
    """One page of rows and whether another follows."""

    rows: list[Any]
    number: int
    per_page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_number(value: str | int | None) -> int:
    """A page's number from a query string, clamped to 1..MAX_PAGE (1 if not a number)."""
    if isinstance(value, str):
        digits = value.strip()
        if not (digits.isascii() and digits.isdigit()):
            return 1
        value = MAX_PAGE if len(digits) > 12 else int(digits)
    return min(max(value or 1, 1), MAX_PAGE)


def paginate(rows: Iterable[Any], page: int, per_page: int = 50) -> Page:
    """Page `page` of `rows` (a queryset is sliced in the database), bounds clamped."""
    page = page_number(page)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    start = (page - 1) * per_page
    if hasattr(rows, "query"):  # a QuerySet: LIMIT/OFFSET
        chunk = list(rows[start : start + per_page + 1])  # type: ignore[index]
    else:
        chunk = list(itertools.islice(rows, start, start + per_page + 1))
    return Page(chunk[:per_page], page, per_page, len(chunk) > per_page)
