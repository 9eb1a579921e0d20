"""What every list page of Laydown shares, checked on a page's HTML and its exports: a result
count, "Page n of m", sortable column heads that change the order, and "export this list" as
CSV and XLSX giving the rows of the page's filter (laydown/tests/test_list_pages.py walks every
list page of the demo with it)."""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any

from django.test import Client

COUNT = re.compile(r'id="result-count">([\d,]+) results?<')
SORT = re.compile(r'<th scope="col"[^>]*><a href="\?([^"]*)">')
GET_FORM = re.compile(r'<form method="get"[^>]*>(.*?)</form>', re.S)
SELECT = re.compile(r'<select [^>]*name="([a-z_]+)"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option value="([^"]+)"')


MAX = 200  # paging.MAX_PER_PAGE
TBODY = re.compile(r"<tbody>(.*?)</tbody>", re.S)
ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def rows_shown(page: str) -> list[str]:
    """The rows of the page's list (the table after the list tools), as their HTML."""
    table = page.split('id="result-count"', 1)[-1]
    body = TBODY.search(table)
    return [CSRF.sub("", r) for r in ROW.findall(body.group(1))] if body else []


def count_of(page: str) -> int | None:
    found = COUNT.search(page)
    return int(found.group(1).replace(",", "")) if found else None


def get(client: Client, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


def joined(url: str, query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{query}" if query else url


def csv_rows(client: Client, url: str) -> list[list[str]]:
    response = get(client, joined(url, "format=csv"))
    assert response["Content-Type"].startswith("text/csv"), url
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))


def xlsx_rows(client: Client, url: str) -> list[list[str]]:
    from openpyxl import load_workbook

    response = get(client, joined(url, "format=xlsx"))
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    sheet = book.worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def same_cells(a: list[list[str]], b: list[list[str]]) -> bool:
    """CSV and XLSX rows alike (a number is a number in XLSX, text in CSV)."""

    def norm(v: str) -> str:
        v = v.lstrip("'")  # a formula-like text is quoted in both, differently
        try:
            return repr(float(v))
        except ValueError:
            return v

    return [[norm(v) for v in r] for r in a] == [[norm(v) for v in r] for r in b]


def problems_of_list(client: Client, url: str) -> list[str]:
    """What the list page at `url` lacks of the shared list tools (empty: nothing)."""
    page = get(client, url).content.decode()
    n = count_of(page)
    if n is None:
        return [f"{url}: no result count"]
    problems = []
    if "Export this list" not in page or "format=csv" not in page or "format=xlsx" not in page:
        problems.append(f"{url}: no 'export this list' as CSV and XLSX")
    rows = csv_rows(client, url)
    if len(rows) - 1 != n:
        problems.append(f"{url}: the CSV has {len(rows) - 1} rows, the page counts {n}")
    if not same_cells(rows, xlsx_rows(client, url)):
        problems.append(f"{url}: the XLSX rows differ from the CSV rows")
    if n >= 2:
        paged = get(client, joined(url, "per_page=1")).content.decode()
        if f"Page 1 of {n}" not in paged:
            problems.append(f"{url}: no 'Page 1 of {n}' at one row a page")
    sorts = [html.unescape(q) for q in SORT.findall(page)]
    if not sorts:
        problems.append(f"{url}: no sortable column")
    orders: set[tuple[str, ...]] = set()
    for query in sorts:  # each order on one page of every row, read from the page's table
        key = re.sub(r".*sort=-?", "", query).split("&")[0]
        up = rows_shown(get(client, joined(url, f"sort={key}&per_page={MAX}")).content.decode())
        down = rows_shown(get(client, joined(url, f"sort=-{key}&per_page={MAX}")).content.decode())
        if n <= MAX and (sorted(up) != sorted(down) or len(up) != max(n, 1)):
            problems.append(f"{url}: sorting by {key} changes the rows, not only their order")
        orders.update((tuple(up), tuple(down)))
    if n >= 2 and sorts and len(orders) < 2:
        problems.append(f"{url}: no sortable column changes the order")
    filters = "".join(GET_FORM.findall(page))
    for name, options in SELECT.findall(filters):  # a filter: its page and its exports agree
        values = OPTION.findall(options)
        if not values or name in ("language",):
            continue
        filtered = joined(url, f"{name}={values[0]}")
        m = count_of(get(client, filtered).content.decode())
        if m is None or len(csv_rows(client, filtered)) - 1 != m:
            problems.append(f"{filtered}: the CSV does not have the rows the page counts ({m})")
        break
    return problems
