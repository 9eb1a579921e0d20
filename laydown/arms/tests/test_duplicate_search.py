"""The duplicate search of a list of serials (an import's, a group commit's batch): every earlier
item found, and on PostgreSQL through the B-tree on the serial, never the trigram index there for
partial search (arms_item_serial_trgm), whatever the length of the list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from laydown.arms import selectors
from laydown.arms.models import Item, Site
from laydown.arms.normalise import normalise_serial
from laydown.core.compiled import Compiled

pytestmark = pytest.mark.django_db

WEAPONS = [("Kalashnikov", "AKM"), ("kalashnikov ", "A K M"), ("Izhmash", "SKS")]


def items(site: Site, weapons: list[tuple[str, str, str]]) -> list[Item]:
    """One item per (serial, make, model), straight into the projection (the search reads
    nothing else); tags in their order."""
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    rows = [
        Item(
            tag=f"BF-{n:07d}",
            category="sa_rifle_carbine",
            make=make,
            model=model,
            serial=serial,
            serial_normalised=normalise_serial(serial),
            condition="serviceable",
            collected_at=at,
            collected_site=site,
            collected_by="test",
            site=site,
            status="in_storage",
        )
        for n, (serial, make, model) in enumerate(weapons)
    ]
    return Item.objects.bulk_create(rows, batch_size=500)


@pytest.mark.parametrize("size", [1, 2, 600, 1200])
def test_the_duplicate_search_finds_every_earlier_item_of_a_list_by_weapon_in_tag_order(
    sites: dict[str, Site], size: int
) -> None:
    # Three items a serial (two of them the same weapon as compared), half the serials unknown.
    known = [f"AK{n:07d}" for n in range(size // 2 or 1)]
    made = items(sites["cp-north"], [(s, *weapon) for weapon in WEAPONS for s in known])
    wanted = known + [f"NB{n:07d}" for n in range(size - len(known))]
    expected: dict[tuple[str, str, str], list[str]] = {}
    for item in made:  # in tag order
        key = selectors.weapon_key(item.serial, item.make, item.model)
        expected.setdefault(key, []).append(item.tag)
    assert selectors.registered_keys(wanted) == expected
    assert len(expected) == 2 * len(known)
    assert selectors.registered_keys([f"NB{size:07d}", f"NB{size + 1:07d}"]) == {}


def test_each_parameter_tuple_gets_its_own_rows_in_order(sites: dict[str, Site]) -> None:
    items(sites["cp-north"], [(s, "Izhmash", "SKS") for s in ("X1", "X2", "X2")])
    same = Compiled(
        lambda s: Item.objects.filter(serial_normalised=s).order_by("tag").values_list("tag"),
        "X",
    )
    got = same.rows_each([("X2",), ("none",), ("X1",), ("X2",)])
    assert got == [[("BF-0000001",), ("BF-0000002",)], [], [("BF-0000000",)], same.rows("X2")]
    assert same.rows_each([]) == []


def index_scans() -> dict[str, int]:
    """The scans of the serial's two indexes in this transaction, so far."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, pg_stat_get_xact_numscans(oid) FROM pg_class "
            "WHERE relname IN ('arms_item_serial', 'arms_item_serial_trgm')"
        )
        return dict(cursor.fetchall())


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="a query plan of PostgreSQL's; SQLite has no trigram index",
)
def test_an_import_chunks_duplicate_search_reads_the_b_tree_never_the_trigram_index(
    sites: dict[str, Site],
) -> None:
    # 10^5 items whose serials share their trigrams, as real ones do (bench/registry.py's),
    # analysed: for one IN (...) of 500 of them the planner took the trigram index, which reads
    # every item sharing a trigram (seconds), and would again for `= ANY(array)`.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO arms_item (tag, category, make, model, calibre, serial, "
            "serial_normalised, markings, country, condition, photos, collected_at, "
            "collected_site_id, collected_by, handed_in_by, duplicate_reason, site_id, status) "
            "SELECT 'BF-' || lpad(g::text, 7, '0'), 'sa_rifle_carbine', 'Kalashnikov', 'AKM', "
            "'', s, s, '', '', 'serviceable', '[]', '2026-01-01T00:00:00Z', 'cp-north', 'test', "
            "'', '', 'cp-north', 'in_storage' FROM generate_series(1, 100000) AS g, "
            "LATERAL (SELECT (ARRAY['', 'AK', 'NB', 'XK', '1974'])[g % 5 + 1] "
            "|| lpad(g::text, 7, '0') AS s) AS serial"
        )
        cursor.execute("ANALYZE arms_item")
        cursor.execute(
            "SELECT serial_normalised FROM arms_item WHERE tag <= 'BF-0000300' ORDER BY tag"
        )
        known = [s for (s,) in cursor.fetchall()]
    wanted = known + [f"NEW{n:09d}" for n in range(200)]
    before = index_scans()
    found = selectors.registered_keys(wanted)
    after = index_scans()
    assert sorted(serial for serial, _make, _model in found) == sorted(known)
    assert after["arms_item_serial_trgm"] == before["arms_item_serial_trgm"]
    assert after["arms_item_serial"] > before["arms_item_serial"]
