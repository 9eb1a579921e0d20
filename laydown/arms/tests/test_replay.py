"""`laydown ledger replay` rebuilds every registry table exactly, on >= 5,000 items."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps

from laydown.arms import importer, records, services
from laydown.arms.models import Container, Item, Site
from laydown.arms.services import Crate
from laydown.arms.tests.base import CLERK, CUSTODIAN, LOT_FIELDS, MANAGER, csv_bytes, good_rows
from laydown.ledger import replay
from laydown.ledger import services as ledger
from laydown.testing import log_size

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SURROGATE = {"id"}  # auto ids of child rows are not in the records; everything else must match


def snapshot() -> dict[str, list[dict[str, Any]]]:
    tables = {}
    for model in apps.get_app_config("arms").get_models():
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in SURROGATE]
        rows = model.objects.values(*fields)
        tables[model.__name__] = sorted(rows, key=lambda r: repr(sorted(r.items())))
    return tables


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
