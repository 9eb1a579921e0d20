"""One way to page through rows, for the API and the pages alike.

Pages are numbered from 1 and never counted in full (a count of 10^6 rows is slow). A page
number is bounded: the database's OFFSET is a 64-bit integer, and `?page=10**30` once made
every list a 500. The API refuses a number out of range (422, through `PageNumber`); a page
clamps it (`page_number`), so a hand-edited address shows an empty page, not an error.

Every list page shows its pager with the one include `_pagination.html`, which takes a `Page`
or, for short lists counted in full, Django's `Paginator` page (`page_of`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from django.core.paginator import Page as CountedPage
from django.core.paginator import Paginator
from django.http import HttpRequest
from pydantic import Field

__all__ = [
    "MAX_PAGE",
    "MAX_PER_PAGE",
    "Page",
    "PageNumber",
    "PerPage",
    "page_number",
    "page_bounds",
    "page_from",
    "page_of",
    "paginate",
    "query_without_page",
]

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

    def as_api(self, key: str = "items") -> dict[str, Any]:
        """The API's page object: the rows under `key`, the page number, its size, has_next."""
        return {
            key: self.rows,
            "page": self.number,
            "per_page": self.per_page,
            "has_next": self.has_next,
        }


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
    page, per_page, start = page_bounds(page, per_page)
    if hasattr(rows, "query"):  # a QuerySet: LIMIT/OFFSET
        chunk = list(rows[start : start + per_page + 1])  # type: ignore[index]
    else:
        chunk = list(itertools.islice(rows, start, start + per_page + 1))
    return page_from(chunk, page, per_page)


def page_bounds(page: int, per_page: int) -> tuple[int, int, int]:
    """(page, per_page, the first row's offset), clamped as `paginate` clamps them: read
    per_page + 1 rows from the offset and give them to `page_from`."""
    page = page_number(page)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    return page, per_page, (page - 1) * per_page


def page_from(chunk: list[Any], page: int, per_page: int) -> Page:
    """The page of the per_page + 1 rows read from its offset (the last says another follows)."""
    return Page(chunk[:per_page], page, per_page, len(chunk) > per_page)


def page_of(request: HttpRequest, rows: Any, per_page: int) -> CountedPage[Any]:
    """The page of `rows`, counted in full, that the request's `page` asks for (the last if
    beyond it): for short lists whose pager says "Page n of m"."""
    return Paginator(rows, per_page).get_page(page_number(request.GET.get("page")))


def query_without_page(request: HttpRequest) -> str:
    """The request's query string less `page`, for the pager's links to keep the filters."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
