from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from laydown.accounts import services as accounts
from laydown.arms import services as arms
from laydown.arms.models import Site
from laydown.arms.services.shipments import Crate
from laydown.reports.periods import period_from
from laydown.reports.selectors import collected, public_figures
from laydown.testing import principal, signed_in, user_with_role

CLERK = principal("u-clerk", ("collection_clerk", "programme"))

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


@pytest.fixture
def stock(collect, sites) -> None:
    for _ in range(7):
        collect()
    for _ in range(3):
        collect(site=sites["cp-north"], category="lw_mortar", make="Tula", model="2B14")
    arms.lot_collect(
        actor=CLERK,
        site=sites["cp-north"],
        type="cartridge",
        calibre="7.62x39mm",
        quantity=1200,
        unit="rounds",
        hazard_division="1.4",
        compatibility_group="S",
        condition="serviceable",
    )


@pytest.fixture
def manager_client() -> Client:
    return signed_in(user_with_role("mgr", "programme_manager"))


def test_the_dashboard_counts_what_was_collected_and_compares_periods(manager_client, stock):
    page = manager_client.get("/reports/dashboard/?days=5")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="fig-units">11<' in html  # 10 weapons and 1 lot
    assert re.search(r'id="fig-weapons" href="[^"]*">10<', html)
    assert "previous period: 0" in html
    assert 'data-chart="chart-collected"' in html and "chart.umd.min.js" in html


@pytest.mark.parametrize("language", ["az", "hy", "ru"])
def test_the_dashboard_names_the_ammunition_units_in_the_pages_language(
    manager_client, stock, language
):
    manager_client.cookies["django_language"] = language
    html = manager_client.get("/reports/dashboard/", HTTP_ACCEPT_LANGUAGE=language)
    html = html.content.decode()
    with translation.override(language):
        rounds = translation.gettext("rounds")
    assert rounds != "rounds"
    assert re.search(rf"<td>1\W200 {rounds}</td>", html)
    assert " rounds</td>" not in html


def test_a_bad_period_is_refused_with_its_reason(manager_client):
    page = manager_client.get("/reports/dashboard/?from=2026-13-40")
    assert page.status_code == 400
    assert "YYYY-MM-DD" in page.content.decode()


def test_the_dashboard_is_not_for_clerks_nor_anonymous_visitors(stock):
    clerk = signed_in(user_with_role("c", "collection_clerk"))
    assert clerk.get("/reports/dashboard/").status_code == 403
    assert Client().get("/reports/dashboard/").status_code == 302


def test_the_sitrep_answers_the_five_day_claim_and_links_its_records(manager_client, stock):
    figures = collected(period_from({"days": "5"}))
    assert (figures.units, figures.weapons, figures.rounds) == (11, 10, 1200)
    page = manager_client.get("/reports/sitrep/?days=5").content.decode()
    assert (
        "11 units were collected in the period: 10 weapons, 1 lots of ammunition (1,200 rounds)"
        in page
    )
    assert "/arms/items/?collected_from=" in page
    assert "Computed at the log checkpoint of size" in page


@pytest.mark.parametrize("language", ["az", "hy", "ru"])
def test_the_sitrep_names_disposal_methods_and_days_in_the_pages_language(
    manager_client, collect, sites, language
):
    arms.dispose(
        actor=principal("u-manager", ("programme_manager", "programme")),
        site=sites["depot-a"],
        method="cutting",
        items=[collect().tag],
        witnesses=["u-observer", "u-unmas"],
    )
    manager_client.cookies["django_language"] = language
    html = manager_client.get("/reports/sitrep/?days=5", HTTP_ACCEPT_LANGUAGE=language)
    html = html.content.decode()
    with translation.override(language):
        cutting = translation.gettext("Cutting")
        days = translation.ngettext("%(days)s day", "%(days)s days", 5) % {"days": 5}
    assert cutting != "Cutting" and f'<th scope="row">{cutting}</th>' in html
    assert ">cutting<" not in html
    assert f"({days})" in html and "days)" not in html


def test_the_sitrep_says_one_shipment_in_the_singular(manager_client, collect, containers):
    item = collect(site=Site.objects.get(code="depot-a"))
    arms.shipment_dispatch(
        actor=accounts.SYSTEM,
        from_site=item.site,
        to_site=Site.objects.get(code="depot-b"),
        crates=[Crate(code="CR-1", seal="S-1", items=(item.tag,))],
    )
    html = manager_client.get("/reports/sitrep/?days=5").content.decode()
    assert "1 shipment dispatched (" in html and "1 shipments" not in html


def test_the_public_page_suppresses_small_counts_and_names_no_site(stock):
    page = Client().get("/reports/transparency/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="public-weapons">10<' in html
    assert "&lt;5" in html  # 3 mortars collected in one region, 1 lot
    assert "Collection point North" not in html and "cp-north" not in html
    assert "laydown-verify" in html and "pip install ./verifier" in html
    figures = public_figures()
    assert {r["region"] for r in figures["regions"]} == {"north"}


def test_the_map_draws_sites_without_a_tile_server(manager_client, stock):
    page = manager_client.get("/reports/map/").content.decode()
    assert "<circle" in page and "Collection point North" in page
    assert "leaflet.js" not in page


def test_the_map_uses_a_configured_tile_server_and_the_csp_allows_it(settings, stock):
    settings.LAYDOWN_MAP_TILES = "https://tiles.example.org/{z}/{x}/{y}.png"
    client = signed_in(user_with_role("m2", "programme_manager"))
    page = client.get("/reports/map/")
    assert "leaflet.js" in page.content.decode()
    assert "img-src 'self' data: https://tiles.example.org" in page["Content-Security-Policy"]


def test_exports_stream_csv_and_hxl_that_libhxl_accepts(stock):
    client = signed_in(user_with_role("aud", "auditor"))
    response = client.get("/reports/export/items.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["tag", "category", "make"] and len(rows) == 11
    import hxl

    hxl_body = b"".join(client.get("/reports/export/items.hxl").streaming_content)
    tags = [c.display_tag for c in hxl.data(io.BytesIO(hxl_body)).columns]
    assert tags[:3] == ["#item+id", "#item+type+code", "#item+make"]
    assert "#adm1+code" in tags and "#date+collected" in tags
    rows = list(hxl.data(io.BytesIO(hxl_body)))
    assert len(rows) == 10 and {r.get("#adm1+code") for r in rows} == {"north"}
    problems: list = []
    hxl.schema(callback=problems.append).validate(hxl.data(io.BytesIO(hxl_body)))
    assert [p.message for p in problems if p.rule.severity == "error"] == []


def test_exports_as_xlsx_and_geojson(stock):
    from openpyxl import load_workbook

    client = signed_in(user_with_role("aud", "auditor"))
    xlsx = client.get("/reports/export/lots.xlsx")
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert book.active.max_row == 2
    geo = json.loads(b"".join(client.get("/reports/export/sites.geojson").streaming_content))
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 3
    assert client.get("/reports/export/items.geojson").status_code == 404
    assert client.get("/reports/export/people.csv").status_code == 404


def test_exports_are_for_auditors_and_managers_only(stock):
    observer = signed_in(user_with_role("obs", "observer"))
    assert observer.get("/reports/export/items.csv").status_code == 403


def test_the_export_command_writes_a_file(stock, tmp_path: Path):
    out = tmp_path / "items.csv"
    call_command("export", "items", str(out))
    assert len(out.read_text().splitlines()) == 11
    call_command("export", "collected-by-day", str(tmp_path / "days.csv"), "--format", "hxl")
    assert (tmp_path / "days.csv").read_text().splitlines()[1].startswith("#date")


def test_each_export_of_the_command_is_a_ledger_record_by_the_operator(
    stock: None, tmp_path: Path
) -> None:
    from laydown.ledger.models import Record

    def exported() -> list[tuple[str, dict[str, object]]]:
        found = Record.objects.filter(kind="ledger.list_exported").order_by("index")
        return [(r.actor, r.data) for r in found]

    call_command("export", "items", str(tmp_path / "items.csv"))
    call_command("export", "sites", str(tmp_path / "sites.xlsx"), "--format", "xlsx")
    assert exported() == [
        ("system", {"list": "laydown-items", "format": "csv", "filter": "", "rows": 10}),
        ("system", {"list": "laydown-sites", "format": "xlsx", "filter": "", "rows": 3}),
    ]
    with pytest.raises(FileNotFoundError):  # no file written: nothing recorded
        call_command("export", "items", str(tmp_path / "absent" / "items.csv"))
    assert len(exported()) == 2


def test_the_public_page_shows_demobilization_and_assistance_suppressed(stock):
    page = Client().get("/reports/transparency/").content.decode()
    assert "Demobilization" in page and "Humanitarian assistance" in page
    assert "Support paid" in page


def test_figures_of_every_site_need_a_programme_wide_grant(stock):
    regional = signed_in(user_with_role("reg", "programme_manager", scope="region:north"))
    page = regional.get("/reports/dashboard/")
    assert page.status_code == 403
    assert regional.get("/reports/export/items.csv").status_code == 403
    assert regional.get("/arms/items/").status_code == 200  # the registry, within the region
