"""The dashboard's figures lead to the records behind them, filter by region and site, and
compare with the period of equal length before the chosen one."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.utils import timezone

from laydown.accounts.models import User
from laydown.arms import services as arms
from laydown.ledger import clock
from laydown.testing import principal, signed_in, user_with_role
from laydown.testing.demo_walk import demo_loaded_once

CLERK = principal("u-clerk", ("collection_clerk", "programme"))
FIGURE = re.compile(r'<a [^>]*href="(/[^"]*)"[^>]*>(?:previous period: )?([\d,]+)</a>')
COUNT = re.compile(r'id="result-count">(\d+) results?<')

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


def figures(page: str) -> list[tuple[str, int]]:
    """Every figure of a dashboard that is a link: (the list page, the figure)."""
    return [(html.unescape(url), int(n.replace(",", ""))) for url, n in FIGURE.findall(page)]


def counted(client: Client, url: str) -> int:
    page = client.get(url)
    assert page.status_code == 200, url
    found = COUNT.search(page.content.decode())
    assert found, f"{url} shows no result count"
    return int(found.group(1))


def _lot(site) -> None:
    arms.lot_collect(
        actor=CLERK,
        site=site,
        type="cartridge",
        calibre="7.62x39mm",
        quantity=600,
        unit="rounds",
        hazard_division="1.4",
        compatibility_group="S",
        condition="serviceable",
    )


@pytest.fixture
def two_periods(collect, sites) -> None:
    """In the last 5 days: 3 weapons at cp-north, 1 at depot-b (south), a lot at cp-north.
    In the 5 days before: 2 weapons and 2 lots at cp-north."""
    for _ in range(3):
        collect(site=sites["cp-north"])
    collect(site=sites["depot-b"])
    _lot(sites["cp-north"])
    with clock.simulated(timezone.now() - dt.timedelta(days=7)):
        collect(site=sites["cp-north"])
        collect(site=sites["cp-north"])
        _lot(sites["cp-north"])
        _lot(sites["cp-north"])


def test_the_previous_period_shows_the_figures_of_the_five_days_before(two_periods):
    manager = signed_in(user_with_role("mgr", "programme_manager"))
    page = manager.get("/reports/dashboard/?days=5").content.decode()
    assert 'id="fig-weapons" href="' in page
    assert re.search(r'id="fig-weapons"[^>]*>4<', page)
    assert re.search(r'id="prev-weapons"[^>]*>previous period: 2<', page)
    assert re.search(r'id="fig-lots"[^>]*>1<', page)
    assert re.search(r'id="prev-lots"[^>]*>previous period: 2<', page)
    assert "previous period: 4" in page  # units: 2 weapons and 2 lots
    for url, figure in figures(page):
        assert counted(manager, url) == figure, url


def test_the_dashboard_filters_by_region_and_site_in_the_url(two_periods):
    manager = signed_in(user_with_role("mgr", "programme_manager"))
    south = manager.get("/reports/dashboard/?days=5&region=south").content.decode()
    assert re.search(r'id="fig-weapons"[^>]*>1<', south)
    assert re.search(r'id="prev-weapons"[^>]*>previous period: 0<', south)
    assert '<option value="south" selected>' in south
    assert 'name="region" value="south"' in south  # the period form keeps the place
    assert "Collection point North" not in south.split("Holdings by site")[1].split("</table>")[0]
    north = manager.get("/reports/dashboard/?days=5&site=cp-north").content.decode()
    assert re.search(r'id="fig-weapons"[^>]*>3<', north)
    assert re.search(r'id="prev-weapons"[^>]*>previous period: 2<', north)
    for url, figure in figures(north) + figures(south):
        assert counted(manager, url) == figure, url
    mapped = manager.get("/reports/map/?region=south").content.decode()
    listed = mapped.split('<table class="figures">')[-1]
    assert "Depot B" in listed and "Collection point North" not in listed
    refused = manager.get("/reports/dashboard/?site=nowhere")
    assert refused.status_code == 400 and "nowhere" in refused.content.decode()


def test_an_export_of_a_list_is_a_ledger_record_with_its_filter_and_rows(two_periods):
    from laydown.ledger.models import Record

    manager = signed_in(user_with_role("mgr", "programme_manager"))
    page = manager.get("/reports/dashboard/?days=5&site=cp-north").content.decode()
    url = next(url for url, _n in figures(page) if url.startswith("/arms/items/"))
    response = manager.get(f"{url}&format=xlsx")
    assert response.status_code == 200 and response.content.startswith(b"PK")
    record = Record.objects.filter(kind="ledger.list_exported").get()
    assert record.data["list"] == "items" and record.data["format"] == "xlsx"
    assert record.data["rows"] == 3 and "collected_site=cp-north" in record.data["filter"]
    assert record.actor not in ("", "anonymous")  # the manager's pseudonym


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[None]:
    """The demo loaded once for this module, rolled back after its last test."""
    with demo_loaded_once(django_db_blocker, tmp_path_factory.mktemp("witnesses")):
        yield


@pytest.mark.slow
def test_every_figure_of_the_demo_dashboard_is_the_count_of_its_list(demo) -> None:
    manager = Client()
    manager.force_login(User.objects.get(username="manager"))
    checked = 0
    for query in ("days=30", "days=5", "days=30&region=north", "days=30&site=depot-central"):
        page = manager.get(f"/reports/dashboard/?{query}")
        assert page.status_code == 200, query
        found = figures(page.content.decode())
        assert len(found) >= 12, query
        for url, figure in found:
            assert counted(manager, url) == figure, (query, url)
            checked += 1
    assert checked > 50
