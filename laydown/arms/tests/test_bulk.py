"""The buffered applies (rows by name inserted by `bulk.insert_many`) and the applies one by one
(`bulk.insert_one`) store exactly the values that saving model instances with Django stores."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from laydown.arms import records
from laydown.arms.bulk import Columns, insert_many
from laydown.arms.models import AmmoLot, CustodyEvent, Item, Materiel, Site, TagCounter
from laydown.ledger import kinds
from laydown.ledger import services as ledger
from laydown.ledger.models import Record

pytestmark = pytest.mark.django_db

TABLES = {
    "arms_item": "tag",
    "arms_ammolot": "tag",
    "arms_materiel": "tag",
    "arms_custodyevent": "record_index",
    "arms_tagcounter": "prefix",
}


def stored_rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every column as the database holds it (JSON and datetimes as stored, not parsed back),
    the custody events' surrogate ids left out."""
    out = {}
    with connection.cursor() as cursor:
        for table, order in TABLES.items():
            cursor.execute(f"SELECT * FROM {table} ORDER BY {order}")  # noqa: S608
            names = [c[0] for c in cursor.description]
            out[table] = [
                tuple(v for n, v in zip(names, row, strict=True) if n != "id")
                for row in cursor.fetchall()
            ]
    return out


def entries() -> list[ledger.Entry]:
    out: list[ledger.Entry] = []
    for n in range(1, 31):
        out.append(
            (
                records.ITEM_COLLECTED.name,
                {"tag": f"LD-{n:06d}", "site": "cp-north", "category": "sa_assault_rifle",
                 "make": "Kalashnikov", "model": "AKM", "calibre": "7.62x39mm",
                 "serial": f"ХК-{n:04d}", "markings": "star «1»", "country": "SU",
                 "year": None if n % 3 else 1975, "condition": "serviceable",
                 "photos": [f"{n:064x}"] if n % 2 else [],
                 "handed_in_by": None if n % 4 else f"p-{n}"},
            )
        )  # fmt: skip
        out.append(
            (
                records.LOT_COLLECTED.name,
                {"tag": f"LA-{n:06d}", "site": "cp-north", "type": "cartridge",
                 "calibre": "7.62x39mm", "lot_number": f"{n}-85", "quantity": 440 + n,
                 "unit": "rounds", "hazard_division": "1.4", "compatibility_group": "S",
                 "condition": "serviceable", "handed_in_by": None},
            )
        )  # fmt: skip
        out.append(
            (
                records.MATERIEL_COLLECTED.name,
                {"tag": f"LM-{n:06d}", "site": "cp-north", "type": "vehicle",
                 "description": "pick-up truck", "quantity": 1,
                 "identifiers": [f"VIN-{n}", "plate ✓"], "handed_in_by": f"p-{n}"},
            )
        )  # fmt: skip
        if n % 10 == 0:  # another kind in between flushes the buffer first
            out.append(
                (
                    records.DUPLICATE_CONFIRMED.name,
                    {"item": f"LD-{n:06d}", "duplicate_of": ["LD-000001"], "reason": "other"},
                )
            )
    return out


def applied_again_one_by_one(appended: list[Record]) -> None:
    """The registry's rows emptied, then each record's apply run on its own."""
    with transaction.atomic():
        for model in (CustodyEvent, Item, AmmoLot, Materiel, TagCounter):
            model.objects.all().delete()
        for record in appended:
            kind = kinds.get(record.kind)
            assert kind is not None and kind.apply is not None
            kind.apply(record)


def test_buffered_applies_store_the_same_values_as_applying_one_by_one(
    sites: dict[str, Site],
) -> None:
    with transaction.atomic(), records.applies_buffered():
        appended = ledger.record_append_batch(entries=entries(), actor="u-clerk")
    buffered = stored_rows()
    assert len(buffered["arms_item"]) == 30
    assert len(buffered["arms_custodyevent"]) == 93

    applied_again_one_by_one(appended)
    assert stored_rows() == buffered


def test_one_row_inserts_store_what_saving_model_instances_stores(
    sites: dict[str, Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction.atomic():
        appended = ledger.record_append_batch(entries=entries(), actor="u-clerk")
    inserted = stored_rows()
    assert len(inserted["arms_item"]) == 30

    def save(columns: Columns, row: dict[str, Any]) -> None:  # what `_insert` did before
        columns.instance(row).save(force_insert=True)

    monkeypatch.setattr(records, "insert_one", save)
    applied_again_one_by_one(appended)
    assert stored_rows() == inserted


def test_rows_of_a_model_must_name_every_column() -> None:
    with pytest.raises(ValueError, match=r"missing \[.*'make'.*\], unknown \[\]"):
        Columns(Item).check({"tag": "LD-000001", "category": "sa_assault_rifle"})


def test_a_row_naming_a_column_the_model_lacks_is_refused() -> None:
    columns = Columns(Materiel)
    row = {name: None for name in columns.names} | {"colour": "green"}
    with pytest.raises(ValueError, match=r"missing \[\], unknown \['colour'\]"):
        columns.check(row)
    with pytest.raises(ValueError, match="unknown"):
        columns.instance(row)


def test_a_column_holding_values_its_field_converts_is_converted_value_by_value(
    sites: dict[str, Site],
) -> None:
    """insert_many takes a text or integer column as it is only when every value in it is of a
    type the field passes through; one other value (an int serial, a year as text) makes it
    convert that column's values one by one, as saving instances does (a bool in a text column
    is stored as "True", not as SQLite's 1 or PostgreSQL's "t")."""
    at = timezone.now()
    rows = []
    for n, (serial, year) in enumerate([("A-1", 1975), (12345, "1980"), ("C-3", None)]):
        rows.append(
            {"tag": f"LD-{n:06d}", "category": "sa_assault_rifle", "make": "Kalashnikov",
             "model": "AKM", "calibre": "7.62x39mm", "serial": serial,
             "serial_normalised": str(serial), "markings": serial == 12345 or "",
             "country": "SU", "year": year,
             "condition": "serviceable", "photos": [] if n else ["ab"], "collected_at": at,
             "collected_site_id": "cp-north", "collected_by": "u", "handed_in_by": "",
             "duplicate_reason": "", "site_id": "cp-north", "container_id": None, "rack": None,
             "status": "in_storage", "disposal_id": None}
        )  # fmt: skip
    columns = Columns(Item)
    with transaction.atomic():
        insert_many(columns, [columns.check(row) for row in rows])
    many = stored_rows()["arms_item"]
    assert [(r[5], r[7], r[9]) for r in many] == [
        ("A-1", "", 1975),
        ("12345", "True", 1980),
        ("C-3", "", None),
    ]
    Item.objects.all().delete()
    with transaction.atomic():
        for row in rows:
            columns.instance(row).save(force_insert=True)
    assert stored_rows()["arms_item"] == many
