"""What every list page shares beside the pager (paging): the column it is sorted by, chosen
from the query string among the columns the page allows, and "export this list" as CSV or XLSX
(the current filter, every cell spreadsheet-safe)."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, cast

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from laydown.core import paging, spreadsheet

__all__ = [
    "EXPORT_FORMATS",
    "Exported",
    "defer_export",
    "export",
    "export_progress",
    "export_record",
    "on_export",
    "on_large_export",
    "query_without",
    "sort_order",
    "table",
]

EXPORT_FORMATS = ("csv", "xlsx")


def sort_order(request: HttpRequest, columns: dict[str, str], default: str) -> tuple[str, str]:
    """`(sort, order_by)`: the `sort` parameter if it names one of `columns` (a leading '-'
    sorts descending), else `default`; `order_by` is the model field to sort by."""
    wanted = request.GET.get("sort", "")
    if wanted.lstrip("-") not in columns:
        wanted = default
    field = columns[wanted.lstrip("-")]
    return wanted, ("-" if wanted.startswith("-") else "") + field


def export(
    name: str, fmt: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    """The list as a CSV or XLSX download named `name`; `rows` are read as it is written."""
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(name)
        for row in itertools.chain([headers], rows):
            sheet.append(spreadsheet.xlsx_row(sheet, row))
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        text = "".join(spreadsheet.csv_lines(itertools.chain([headers], rows)))
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _csv_streamed(
    name: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, then: Callable[[], None]
) -> StreamingHttpResponse:
    """The CSV of `export`, byte for byte, made a line at a time as it is read (a worker's
    export job writes each line to its file: memory bounded whatever the rows), `then`
    called after the last line is made, before it is given (the export's ledger record, with
    the rows counted; its exception stops the file)."""

    def lines() -> Iterator[bytes]:
        last = None
        for line in spreadsheet.csv_lines(itertools.chain([headers], rows)):
            if last is not None:
                yield last
            last = line.encode()
        then()
        if last is not None:
            yield last

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@dataclass(frozen=True)
class Exported:
    """One "export this list": which list, as what, with which filter, how many rows."""

    name: str
    fmt: str
    filters: str
    rows: int


_RECORDERS: list[Callable[[HttpRequest, Exported], None]] = []


def on_export(recorder: Callable[[HttpRequest, Exported], None]) -> None:
    """Call `recorder` with each export before it is answered (the ledger registers one: core
    knows no app); its exception refuses the export."""
    if recorder not in _RECORDERS:
        _RECORDERS.append(recorder)


Deferrer = Callable[[HttpRequest, Exported], HttpResponse | None]
_DEFERRERS: list[Deferrer] = []
PROGRESS_EVERY = 1000


def on_large_export(deferrer: Deferrer) -> None:
    """Call `deferrer` before each export is made (the jobs app registers one: core knows no
    app); an answer it gives (a redirect to the export's job) replaces the download."""
    if deferrer not in _DEFERRERS:
        _DEFERRERS.append(deferrer)


def export_progress(request: HttpRequest) -> Callable[[int, int], None] | None:
    """How a worker's export job is told how far its file is, `progress(done, total)` (each
    call also its heartbeat); None for an export made in a web request."""
    progress: Callable[[int, int], None] | None = getattr(request, "export_progress", None)
    return progress


def export_record(request: HttpRequest, exported: Exported) -> None:
    """Record an export before it is answered: an export is a sensitive action, so each
    recorder registered with `on_export` (the ledger's) is called, and its exception refuses
    the export. Once: a worker's export job run again after a run cut short that recorded it
    (the job noted it) does not record it again."""
    if getattr(request, "export_recorded", False):
        return
    for recorder in _RECORDERS:
        recorder(request, exported)
    noted = getattr(request, "export_noted", None)
    if noted is not None:  # the worker's export job: not to be recorded again
        noted()


def defer_export(request: HttpRequest, exported: Exported) -> HttpResponse | None:
    """The answer of the first deferrer that takes this export to the worker, else None (make
    it here). A request the worker makes to run an export job is never deferred again."""
    if export_progress(request) is not None:
        return None
    for deferrer in _DEFERRERS:
        answer = deferrer(request, exported)
        if answer is not None:
            return answer
    return None


def _rows_counted(request: HttpRequest, rows: Iterable[Any], total: int) -> Iterable[Any]:
    """`rows`, telling the worker's export job how far it is every PROGRESS_EVERY rows."""
    progress = export_progress(request)
    if progress is None:
        yield from rows
        return
    n = 0
    for n, r in enumerate(rows, 1):  # noqa: B007 - n is the count after the loop
        yield r
        if n % PROGRESS_EVERY == 0:
            progress(n, total)
    progress(n, total)


class _Counted:
    """An iterator that counts what it gave."""

    def __init__(self, rows: Iterable[Sequence[Any]]) -> None:
        self._rows = iter(rows)
        self.count = 0

    def __iter__(self) -> Iterator[Sequence[Any]]:
        for r in self._rows:
            self.count += 1
            yield r


def query_without(request: HttpRequest, *names: str) -> str:
    """The request's query string less `names` (the filter, for links that set them anew)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _sort_key(value: Any) -> tuple[bool, Any]:
    """Sorts values of one column, missing ones (None) first, as PostgreSQL does descending."""
    return (value is not None, value if value is not None else 0)


def table(
    request: HttpRequest,
    template: str,
    rows: Any,
    *,
    name: str,
    sorts: dict[str, str],
    default: str,
    columns: Sequence[str],
    row: Callable[[Any], Sequence[Any]],
    context: dict[str, Any] | None = None,
    per_page: int = 50,
    status: int = 200,
) -> HttpResponse:
    """A list page the one way: `rows` (a queryset, already filtered and scoped) sorted by the
    column the request asks for among `sorts` (then by primary key, for a stable order),
    exported whole as CSV or XLSX when `format` asks for it (`columns` and `row` give the
    sheet), else counted and paged ("Page 3 of 12", `per_page` rows, or as many as the
    request's `per_page` asks, up to paging.MAX_PER_PAGE) under the shared list tools."""
    sort, order = sort_order(request, sorts, default)
    if hasattr(rows, "order_by"):
        rows = rows.order_by(order, "pk")
        every: Iterable[Any] = rows.iterator(chunk_size=2000)
    else:  # rows already read (a list): sorted here, by the attribute `sorts` names
        value = attrgetter(order.lstrip("-").replace("__", "."))
        rows = sorted(rows, key=lambda r: _sort_key(value(r)))
        if order.startswith("-"):
            rows.reverse()
        every = rows
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        filters = query_without(request, "page", "per_page", "sort", "format")
        if _DEFERRERS:
            total = rows.count() if hasattr(rows, "order_by") else len(rows)
            deferred = defer_export(request, Exported(name, fmt, filters, total))
            if deferred is not None:
                return deferred
            every = _rows_counted(request, every, total)
        made = _Counted(row(r) for r in every)  # read as written: a job beats as it builds
        if fmt == "csv" and export_progress(request) is not None:
            streamed = _csv_streamed(
                name,
                columns,
                made,
                then=lambda: export_record(request, Exported(name, fmt, filters, made.count)),
            )
            # Only the worker's job reads it (by `streaming`); the list views say HttpResponse.
            return cast(HttpResponse, streamed)
        answer = export(name, fmt, columns, made)
        export_record(request, Exported(name, fmt, filters, made.count))
        return answer
    asked = request.GET.get("per_page", "")
    if asked.isascii() and asked.isdigit():
        per_page = min(max(int(asked[:4]), 1), paging.MAX_PER_PAGE)
    page = paging.page_of(request, rows, per_page)
    context = dict(context or {}) | {
        "page": page,
        "count": page.paginator.count,
        "sort": sort,
        "query": paging.query_without_page(request),
        "filter_query": query_without(request, "page", "sort", "format"),
    }
    return render(request, template, context, status=status)
