"""Search by partial serial goes through the trigram index and finds what a scan finds; the
index follows every write of the projection, replay included."""

from __future__ import annotations

import pytest
from django.db import connection

from laydown.arms import importer, search_index, selectors
from laydown.arms.models import Item, Site
from laydown.arms.tests.base import CLERK, csv_bytes, good_rows
from laydown.ledger import replay

pytestmark = pytest.mark.django_db


def tags_found(serial: str) -> list[str]:
    return [i.tag for i in selectors.item_search(serial=serial, per_page=200).rows]


def tags_scanned(serial: str) -> list[str]:
    from laydown.arms.normalise import normalise_serial

    wanted = normalise_serial(serial)
    rows = Item.objects.order_by("-tag").values_list("tag", "serial_normalised")
    return [tag for tag, s in rows if wanted in s][:200]


def test_the_trigram_index_exists_after_all_migrations() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            triggers = {row[0] for row in cursor.fetchall()}
            assert {"arms_item_fts_insert", "arms_item_fts_delete"} <= triggers
        else:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'arms_item'")
            assert "arms_item_serial_trgm" in {row[0] for row in cursor.fetchall()}


@pytest.mark.parametrize("query", ["0001", "00000", "M-01", "im 000", "0", "12", "no-such"])
def test_partial_serial_search_finds_what_a_scan_finds(sites: dict[str, Site], query: str) -> None:
    importer.items_import(actor=CLERK, name="i.csv", content=csv_bytes(good_rows(300)))
    assert tags_found(query) == tags_scanned(query)


def test_the_index_follows_replay_and_serial_changes(sites: dict[str, Site]) -> None:
    importer.items_import(actor=CLERK, name="i.csv", content=csv_bytes(good_rows(50)))
    before = tags_found("000")
    assert before
    replay.ledger_replay()
    assert tags_found("000") == before == tags_scanned("000")
    item = Item.objects.get(tag=before[0])
    Item.objects.filter(tag=item.tag).update(serial_normalised="ZZZQQQ")
    assert tags_found("ZQQ") == [item.tag]
    assert item.tag not in tags_found(item.serial_normalised)
    Item.objects.filter(tag=item.tag).delete()
    assert tags_found("ZQQ") == []


def test_a_phrase_quotes_what_fts5_would_read_as_syntax() -> None:
    assert search_index.phrase('A"B OR C') == '"A""B OR C"'


def sqlite_triggers() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        return dict(cursor.fetchall())


@pytest.mark.skipif(
    "connection.vendor != 'sqlite'",
    reason="SQLite's FTS5 serial index and its triggers; PostgreSQL's has none",
)
def test_replay_rebuilds_the_index_once_and_restores_the_triggers_as_they_were(
    sites: dict[str, Site],
) -> None:
    importer.items_import(actor=CLERK, name="i.csv", content=csv_bytes(good_rows(60)))
    before = sqlite_triggers()
    assert set(search_index.TRIGGERS) <= before.keys()
    replay.ledger_replay()
    assert sqlite_triggers() == before
    with connection.cursor() as cursor:  # raises unless the index holds the table's rows
        cursor.execute(
            "INSERT INTO arms_item_serial_fts(arms_item_serial_fts) VALUES ('integrity-check')"
        )
    for query in ("000", "0005", "M-0"):
        assert tags_found(query) == tags_scanned(query)


@pytest.mark.skipif(
    "connection.vendor != 'sqlite'",
    reason="SQLite's FTS5 serial index and its triggers; PostgreSQL's has none",
)
def test_a_replay_that_fails_leaves_the_triggers_and_the_index(
    sites: dict[str, Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    importer.items_import(actor=CLERK, name="i.csv", content=csv_bytes(good_rows(20)))
    before, found = sqlite_triggers(), tags_found("000")

    def broken(chunk: object) -> int:
        raise RuntimeError("apply failed")

    monkeypatch.setattr(replay, "_apply", broken)
    with pytest.raises(RuntimeError):
        replay.ledger_replay()
    assert sqlite_triggers() == before
    assert tags_found("000") == found == tags_scanned("000")
