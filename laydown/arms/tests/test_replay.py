"""`laydown ledger replay` rebuilds every registry table exactly, on >= 5,000 items; on
PostgreSQL in place, large tables are emptied by TRUNCATE (with what references them)."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from django.apps import apps
from django.db import IntegrityError, connection

from laydown.arms import importer, records, services
from laydown.arms.models import Container, Item, Site
from laydown.arms.services import Crate
from laydown.arms.tests.base import CLERK, CUSTODIAN, LOT_FIELDS, MANAGER, csv_bytes, good_rows
from laydown.ledger import kinds, replay
from laydown.ledger import services as ledger
from laydown.ledger.models import Record
from laydown.testing import log_size

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="PostgreSQL's TRUNCATE, foreign keys and statistics in replay; this run uses SQLite",
)

SURROGATE = {"id"}  # auto ids of child rows are not in the records; everything else must match


def snapshot() -> dict[str, list[dict[str, Any]]]:
    tables = {}
    for model in apps.get_app_config("arms").get_models():
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in SURROGATE]
        rows = model.objects.values(*fields)
        tables[model.__name__] = sorted(rows, key=lambda r: repr(sorted(r.items())))
    return tables


@pytest.mark.slow
def test_replay_rebuilds_every_registry_table_from_5000_items_with_custody(
    sites: dict[str, Site], containers: dict[str, Container]
) -> None:
    importer.items_import(
        actor=CLERK, name="items.csv", content=csv_bytes(good_rows(5000, "depot-a"))
    )
    tags = list(Item.objects.order_by("tag").values_list("tag", flat=True))
    assert len(tags) == 5000
    # book them all, in ledger batches (the fast path; the services do the same one by one)
    entries: list[ledger.Entry] = [
        (
            records.ITEM_BOOKED.name,
            {"item": t, "container": "a-c1" if n % 2 else "a-c2", "rack": n % 4 + 1},
        )
        for n, t in enumerate(tags)
    ]
    ledger.record_append_batch(entries=entries, actor=CUSTODIAN.pseudonym or "")
    # and a taste of every other kind, through the services
    lot = services.lot_collect(actor=CLERK, site=sites["depot-a"], **LOT_FIELDS)
    unsafe = services.lot_collect(
        actor=CLERK, site=sites["depot-a"], **{**LOT_FIELDS, "condition": "unsafe"}
    )
    services.materiel_collect(
        actor=CLERK,
        site=sites["depot-a"],
        type="vehicle",
        description="UAZ-469",
        quantity=1,
        identifiers=["chassis 123"],
    )
    item = Item.objects.get(tag=tags[0])
    services.item_collect(
        actor=CLERK,
        site=sites["depot-a"],
        category="sa_assault_rifle",
        make="Kalashnikov",
        model="AKM",
        serial="IM-000000",
        condition="unsafe",
        confirm_duplicate_reason="other receiver",
    )
    services.item_remove(
        actor=CUSTODIAN, item=item, by="u-x", organisation="police", purpose="evidence"
    )
    services.item_return(
        actor=CUSTODIAN, item=item, container=containers["a-c2"], rack=3, condition="unserviceable"
    )
    seal = services.seal_apply(actor=CUSTODIAN, container=containers["a-c1"], number="S-1")
    services.seal_break(actor=CUSTODIAN, seal=seal, reason="stock check")
    shipment = services.shipment_dispatch(
        actor=CUSTODIAN,
        from_site=sites["depot-a"],
        to_site=sites["depot-b"],
        crates=[Crate(code="C1", seal="X1", items=tuple(tags[10:20]), lots=(lot.tag,))],
    )
    services.shipment_receive(
        actor=CUSTODIAN,
        shipment=shipment,
        received_items=tags[10:19],
        received_lots={lot.tag: 1000},
        declaration="received as noted",
    )
    services.item_report_lost(
        actor=CUSTODIAN, item=Item.objects.get(tag=tags[30]), description="not found"
    )
    services.dispose(
        actor=MANAGER,
        site=sites["depot-a"],
        method="cutting",
        items=tags[40:60],
        witnesses=["u-observer"],
    )
    services.lot_destroy_in_place(actor=MANAGER, lot=unsafe, witnesses=["u-eod"], reason="leak")
    check = services.stock_check_plan(actor=CUSTODIAN, site=sites["depot-a"])
    services.stock_check_record(actor=CUSTODIAN, check=check, found=tags[100:200])
    services.stock_check_plan(actor=CUSTODIAN, site=sites["depot-a"], full=True)

    before = snapshot()
    assert len(before["CustodyEvent"]) > 10_000
    result = replay.ledger_replay()
    assert result.size == log_size()
    after = snapshot()
    for table in before:
        assert after[table] == before[table], f"{table} differs after replay"


def _files(*tables: str) -> dict[str, int]:
    """The file each table's rows are in now: TRUNCATE gives a table a new one."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, pg_relation_filenode(oid) FROM pg_class WHERE relkind = 'r' "
            "AND pg_table_is_visible(oid) AND relname = ANY(%s)",
            [list(tables)],
        )
        return dict(cursor.fetchall())


def _items(count: int) -> None:
    importer.items_import(actor=CLERK, name="i.csv", content=csv_bytes(good_rows(count)))


@postgresql_only
def test_replay_in_place_truncates_the_large_registry_tables_and_rebuilds_the_same_rows(
    sites: dict[str, Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replay, "TRUNCATE_FROM_BYTES", 0)  # every table counts as large
    _items(50)
    before, files = snapshot(), _files("arms_item", "arms_custodyevent", "arms_site")
    replay.ledger_replay()
    assert snapshot() == before
    after = _files(*files)
    assert all(after[table] != files[table] for table in files)


@postgresql_only
def test_replay_deletes_from_small_tables_rather_than_truncating_them(
    sites: dict[str, Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replay, "TRUNCATE_FROM_BYTES", 1 << 40)  # every table counts as small
    _items(20)
    before, files = snapshot(), _files("arms_item", "arms_site")
    replay.ledger_replay()
    assert snapshot() == before
    assert _files(*files) == files


@postgresql_only
def test_replay_never_truncates_a_table_that_a_table_it_does_not_rebuild_references(
    sites: dict[str, Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL would refuse to TRUNCATE arms_site without the table that references it."""
    monkeypatch.setattr(replay, "TRUNCATE_FROM_BYTES", 0)
    _items(20)
    code = Site._meta.get_field("code")
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE test_site_note (site_id {code.db_type(connection)} "  # noqa: S608
            "REFERENCES arms_site (code) DEFERRABLE INITIALLY DEFERRED)"
        )
    before, files = snapshot(), _files("arms_item", "arms_site")
    replay.ledger_replay()
    assert snapshot() == before
    after = _files(*files)
    assert after["arms_site"] == files["arms_site"]
    assert after["arms_item"] != files["arms_item"]


@postgresql_only
def test_a_replay_failing_after_the_truncation_leaves_every_row_as_it_was(
    sites: dict[str, Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replay, "TRUNCATE_FROM_BYTES", 0)
    _items(50)
    before, files = snapshot(), _files("arms_item", "arms_custodyevent")
    last = log_size() - 1  # found bad only after every table was emptied
    Record.objects.filter(index=last).update(body=b'{"forged":true}')
    with pytest.raises(replay.ReplayError, match=f"Record {last} does not hash"):
        replay.ledger_replay()
    assert snapshot() == before
    assert _files(*files) == files


BREAKING: list[bool] = []  # set while a test replays: the apply below then breaks a key


def _apply_site_lost(record: Record) -> None:
    if BREAKING:
        Item.objects.filter(tag=record.data["item"]).update(site_id="no-such-site")


kinds.register(
    "test.item_site_lost",
    description="A test record whose replay breaks a key.",
    apply=_apply_site_lost,
)


@postgresql_only
def test_a_replay_that_breaks_a_foreign_key_fails_and_leaves_every_row_and_key(
    sites: dict[str, Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replay drops the keys between the tables it rebuilds and adds them back, checked."""
    _items(5)
    tag = Item.objects.values_list("tag", flat=True).first()
    ledger.record_append_batch(entries=[("test.item_site_lost", {"item": tag})], actor="system")
    before = snapshot()
    with connection.cursor() as cursor:
        keys = connection.introspection.get_constraints(cursor, "arms_item")
    monkeypatch.setattr(sys.modules[__name__], "BREAKING", [True])
    monkeypatch.setattr(replay, "CHUNK", 1)  # the items are written before the record applies
    with pytest.raises(IntegrityError, match="arms_item_site_id"):
        replay.ledger_replay()
    assert snapshot() == before
    with connection.cursor() as cursor:
        assert connection.introspection.get_constraints(cursor, "arms_item") == keys


def _statistics(table: str) -> list[tuple[Any, ...]]:
    """What PostgreSQL's planner knows of `table`'s columns (pg_stats, written by ANALYZE)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, null_frac, n_distinct, most_common_vals::text, "
            "histogram_bounds::text FROM pg_stats WHERE schemaname = current_schema() "
            "AND tablename = %s ORDER BY attname",
            [table],
        )
        return cursor.fetchall()


def _row_estimate(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        return float(cursor.fetchone()[0])


@postgresql_only
def test_replay_leaves_the_planner_statistics_of_every_table_it_rebuilt(
    sites: dict[str, Site],
) -> None:
    """Where autovacuum is off, a replayed database would otherwise have none (or the old
    rows'): the planner would guess. ANALYZE runs in the replay's transaction."""
    _items(60)
    before = _statistics("arms_item")
    replay.ledger_replay()
    assert _statistics("arms_item") != before
    assert _row_estimate("arms_item") == Item.objects.count() == 60
    tag = next(row for row in _statistics("arms_item") if row[0] == "tag")
    assert tag[1:3] == (0.0, -1.0)  # no empty tag, every tag distinct
    for label in kinds.replay_coverage().replayed:
        model = apps.get_model(label)
        if model.objects.exists():
            assert _statistics(model._meta.db_table), label


def _sqlite_statistics(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return []
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s ORDER BY idx", [table])
        return [stat for (stat,) in cursor.fetchall()]


@pytest.mark.skipif(
    "connection.vendor != 'sqlite'",
    reason="SQLite's sqlite_stat1; the PostgreSQL run checks pg_stats",
)
def test_on_sqlite_replay_renews_the_statistics_of_a_database_that_keeps_them(
    sites: dict[str, Site],
) -> None:
    _items(20)
    replay.ledger_replay()
    assert _sqlite_statistics("arms_item") == []  # none kept, none made
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    assert _sqlite_statistics("arms_item")[0].startswith("20 ")
    more = [[*row[:4], f"MORE{n:04d}", *row[5:]] for n, row in enumerate(good_rows(30))]
    importer.items_import(actor=CLERK, name="more.csv", content=csv_bytes(more))
    replay.ledger_replay()
    assert {s.split()[0] for s in _sqlite_statistics("arms_item")} == {"50"}
