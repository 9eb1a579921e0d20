"""Every list page of the demo, as the first demo user allowed to see it: a result count,
"Page n of m", sortable column heads that change the order, and "export this list" (CSV and
XLSX) with the rows of the page's filter (laydown.testing.lists).

A list page is found, not listed: every page without parameters that shows a table is one,
unless NOT_LISTS says why it is not (a page of figures, a form). So a new list page is walked
the day it is added. Pages with parameters show one record: their tables are parts of it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse

from laydown.access.permissions import ACTIONS
from laydown.accounts import demo as accounts_demo
from laydown.accounts.models import User
from laydown.testing.demo_walk import NOT_PAGES, demo_loaded_once, walked
from laydown.testing.lists import problems_of_list
from laydown.testing.walk import collect, expected_allowed, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

NOT_LISTS = {
    "reports:dashboard": "figures, each a link to its list page",
    "reports:sitrep": "a report of figures for a period, each a link to its list page",
    "reports:map": "a map and the figures drawn on it",
    "reports:transparency": "public aggregate figures",
    "ledger:index": "the public log: its checkpoint and the witnesses that cosigned it",
    "accounts:profile": "one's own account: its roles are part of it, not a list of records",
    "people:aggregates": "aggregate figures of demobilization",
    "assistance:index": "the assistance summary: figures, each list has its own page",
    "people:rules": "the eligibility rules and their questions: a fixed text, not records",
    "field:outbox": "the device's own outbox, kept in the browser: no rows on the server",
    "verification:accreditations": "a few delegations, each with its observers' accreditations",
}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[None]:
    """The demo loaded once for this module, rolled back after its last test."""
    with demo_loaded_once(django_db_blocker, tmp_path_factory.mktemp("witnesses")):
        yield


def test_every_list_page_has_a_count_a_pager_sorting_and_its_exports(demo) -> None:
    endpoints, _problems = collect()
    assert set(NOT_LISTS) <= {e.name for e in endpoints}  # no reason kept for a gone page
    pages = [
        e
        for e in walked(endpoints)
        if not e.is_api
        and not e.parameters
        and e.action in ACTIONS
        and e.name not in NOT_PAGES
        and e.method == "GET"
    ]
    client, problems, lists = Client(), [], []
    for endpoint in pages:
        walker = next(
            (
                (username, role)
                for username, _org, role, _scope in accounts_demo.USERS
                if expected_allowed(endpoint.action or "", role)
            ),
            None,
        )
        if walker is None:
            continue
        signed_in(client, User.objects.get(username=walker[0]))
        url = reverse(endpoint.name)
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        if "<table" not in response.content.decode() or endpoint.name in NOT_LISTS:
            continue
        lists.append(endpoint.name)
        try:
            found = problems_of_list(client, url)
        except Exception as exc:  # noqa: BLE001  (report every list, not just the first)
            found = [f"{url} raised {exc!r}"]
        problems += [f"{endpoint.name} as {walker[0]}: {p}" for p in found]
    print(f"{len(lists)} list pages: {', '.join(sorted(lists))}")
    assert len(lists) >= 20
    assert problems == [], "\n".join(problems)
