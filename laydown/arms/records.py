"""Record kinds of the disarmament registry, and how each is applied to the projection.

The `_apply_*` functions are the only code that writes the tables in models.py. Records name
sites, containers, seals, items and lots by their codes and tags, and people by pseudonyms.
The record's `at` and `actor` give when and by whom; `data` holds the rest (schemas below).

Bulk writers (the importer, tests generating data) wrap `record_append_batch` in
`applies_buffered()`: collection records are then applied with a few bulk inserts at the end
instead of one insert per record. Any other kind flushes the buffer before it applies, so the
result is the same as applying one by one, which is what replay does.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection

from laydown.accounts import token_cache
from laydown.arms.bulk import Columns, Row, insert_many, insert_one
from laydown.arms.models import (
    AmmoLot,
    Container,
    CustodyEvent,
    Disposal,
    Incident,
    Item,
    Materiel,
    Seal,
    Shipment,
    ShipmentLine,
    Site,
    StockCheck,
    StockCheckLine,
    TagCounter,
)
from laydown.arms.normalise import normalise_serial
from laydown.arms.sampling import sample_draw
from laydown.arms.search_index import rebuilt_after_replay
from laydown.arms.vocab import (
    ItemStatus,
    LotStatus,
    SealStatus,
    ShipmentStatus,
    StockCheckKind,
    StockCheckStatus,
)
from laydown.ledger import kinds
from laydown.ledger.models import Record

Data = dict[str, Any]


# ---- the buffer of bulk applies ------------------------------------------------------------


# The buffered rows are dicts of column values by name (`bulk.Row`), not model instances
# (building 10^5 instances costs seconds); unbuffered, the same dict becomes an instance saved
# the ordinary way. Either way a row must name every column of its model (`Columns.check`).
_ITEM_COLUMNS = Columns(Item)
_ITEM_ATTNAMES = [f.attname for f in Item._meta.concrete_fields]
_LOT_COLUMNS = Columns(AmmoLot)
_MATERIEL_COLUMNS = Columns(Materiel)
_EVENT_COLUMNS = Columns(CustodyEvent)
_EVENT_REFS = ("item_id", "lot_id", "materiel_id", "site_id", "container_id")
_EVENT_REF_NAMES = frozenset(_EVENT_REFS)


@dataclass
class _Buffer:
    items: list[Row] = field(default_factory=list)
    lots: list[Row] = field(default_factory=list)
    materiel: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)


_BUFFER: contextvars.ContextVar[_Buffer | None] = contextvars.ContextVar(
    "arms_buffer", default=None
)


@contextmanager
def applies_buffered() -> Iterator[None]:
    """Buffer the rows of collection records; flush them when the block ends.

    Use inside the caller's transaction, around `record_append_batch`.
    """
    token = _BUFFER.set(_Buffer())
    try:
        yield
        _flush()
    finally:
        _BUFFER.reset(token)


def _flush() -> None:
    buffer = _BUFFER.get()
    if buffer is None:
        return
    pending = [
        (_ITEM_COLUMNS, buffer.items),
        (_LOT_COLUMNS, buffer.lots),
        (_MATERIEL_COLUMNS, buffer.materiel),
        (_EVENT_COLUMNS, buffer.events),  # after the rows they refer to
    ]
    for columns, rows in pending:
        if rows:
            insert_many(columns, rows)
            rows.clear()
    for prefix, last in buffer.counters.items():
        _counter_set(prefix, last)
    buffer.counters.clear()


def _counter_set(prefix: str, last: int) -> None:
    """Raise the counter of `prefix` to `last` (created if absent; never lowered: an import
    may bring tags of before, below the counter): the upsert that
    `bulk_create(update_conflicts=True)` writes, without building it for each record."""
    qn = connection.ops.quote_name
    table = qn(TagCounter._meta.db_table)
    last_column = qn("last")
    sql = (
        f"INSERT INTO {table} ({qn('prefix')}, {last_column}) VALUES (%s, %s) "  # noqa: S608
        f"ON CONFLICT ({qn('prefix')}) DO UPDATE SET {last_column} = CASE WHEN "
        f"EXCLUDED.{last_column} > {table}.{last_column} THEN EXCLUDED.{last_column} "
        f"ELSE {table}.{last_column} END"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [prefix, last])


def _bump(tag: str) -> None:
    """Note that `tag` (e.g. LD-000123) is allocated: its counter is at least its number."""
    prefix, _sep, number = tag.partition("-")
    buffer = _BUFFER.get()
    if buffer is not None:
        buffer.counters[prefix] = max(buffer.counters.get(prefix, 0), int(number))
    else:
        _counter_set(prefix, int(number))


def _insert(columns: Columns, rows: list[Row] | None, row: Row) -> None:
    """Add `row` to the buffer's `rows`, or (no buffer) insert it now."""
    if rows is not None:
        rows.append(columns.check(row))
    else:
        insert_one(columns, row)


def _event(record: Record, *, details: Data | None = None, **refs: Any) -> None:
    if not refs.keys() <= _EVENT_REF_NAMES:
        raise TypeError(f"unknown custody event references: {sorted(refs)}")
    get = refs.get
    row = {
        "record_index": record.index,
        "kind": record.kind,
        "at": record.at,
        "actor": record.actor,
        **{ref: get(ref) for ref in _EVENT_REFS},
        "details": details or {},
    }
    buffer = _BUFFER.get()
    _insert(_EVENT_COLUMNS, buffer.events if buffer is not None else None, row)


def custody_event(record: Record, *, details: Data | None = None, **refs: Any) -> None:
    """Add `record` to the history of the item, lot or materiel it names (`item_id=tag`...):
    for the apply of another app's record about a registry thing (tracing's markings)."""
    _event(record, details=details, **refs)


# ---- sites, containers, seals --------------------------------------------------------------


def _apply_site_created(record: Record) -> None:
    _flush()
    d = record.data
    Site.objects.create(
        code=d["code"],
        name=d["name"],
        kind=d["kind"],
        region=d["region"],
        place=d.get("place", ""),
        lat_micro=d["lat_micro"],
        lon_micro=d["lon_micro"],
        status=d["status"],
        created_at=record.at,
    )
    token_cache.access_changed()  # the sites kept for registrations (selectors.site_kept)


def _apply_site_updated(record: Record) -> None:
    _flush()
    d = record.data
    fields = ("name", "kind", "region", "place", "lat_micro", "lon_micro")
    Site.objects.filter(code=d["code"]).update(**{f: d[f] for f in fields})
    token_cache.access_changed()  # a site's region says who may register there


def _apply_site_status_set(record: Record) -> None:
    _flush()
    Site.objects.filter(code=record.data["code"]).update(status=record.data["status"])
    token_cache.access_changed()


def _apply_site_deleted(record: Record) -> None:
    _flush()
    Site.objects.filter(code=record.data["code"]).delete()
    token_cache.access_changed()


def _apply_container_created(record: Record) -> None:
    _flush()
    d = record.data
    Container.objects.create(
        code=d["code"], site_id=d["site"], racks=d["racks"], created_at=record.at
    )


def _apply_container_updated(record: Record) -> None:
    _flush()
    Container.objects.filter(code=record.data["code"]).update(racks=record.data["racks"])


def _apply_container_status_set(record: Record) -> None:
    _flush()
    Container.objects.filter(code=record.data["code"]).update(status=record.data["status"])


def _apply_container_deleted(record: Record) -> None:
    _flush()
    Container.objects.filter(code=record.data["code"]).delete()


def _apply_seal_applied(record: Record) -> None:
    _flush()
    d = record.data
    Seal.objects.create(
        number=d["seal"],
        container_id=d["container"],
        status=SealStatus.APPLIED,
        applied_at=record.at,
        applied_by=record.actor,
    )


def _apply_seal_broken(record: Record) -> None:
    _flush()
    d = record.data
    Seal.objects.filter(number=d["seal"]).update(
        status=SealStatus.BROKEN,
        broken_at=record.at,
        broken_by=record.actor,
        broken_reason=d["reason"],
    )


# ---- collection ----------------------------------------------------------------------------


def _apply_item_collected(record: Record) -> None:
    d = record.data
    row = _item_collected_row(record, d)
    buffer = _BUFFER.get()
    _insert(_ITEM_COLUMNS, buffer.items if buffer is not None else None, row)
    _bump(d["tag"])
    _event(record, item_id=d["tag"], site_id=d["site"], details={"condition": d["condition"]})


def item_collected(record: Record, data: Data | None = None) -> Item:
    """The item an `arms.item_collected` record's apply wrote, as reading its row back gives
    it (the registration's answer, without a query; tested equal to the row read back).
    `data`: the record's data as appended, if at hand (else its body is parsed again)."""
    row = _item_collected_row(record, record.data if data is None else data)
    row["collected_at"] = row["collected_at"].astimezone(dt.UTC)  # as the database gives it
    return Item.from_db(DEFAULT_DB_ALIAS, _ITEM_ATTNAMES, [row[a] for a in _ITEM_ATTNAMES])


def _item_collected_row(record: Record, d: Data) -> Row:
    return {
        "tag": d["tag"],
        "category": d["category"],
        "make": d["make"],
        "model": d["model"],
        "calibre": d["calibre"],
        "serial": d["serial"],
        "serial_normalised": normalise_serial(d["serial"]),
        "markings": d["markings"],
        "country": d["country"],
        "year": d["year"],
        "condition": d["condition"],
        "photos": d["photos"],
        "collected_at": record.at,
        "collected_site_id": d["site"],
        "collected_by": record.actor,
        "handed_in_by": d["handed_in_by"] or "",
        "duplicate_reason": "",
        "site_id": d["site"],
        "container_id": None,
        "rack": None,
        "status": ItemStatus.IN_STORAGE.value,
        "disposal_id": None,
    }


def _apply_lot_collected(record: Record) -> None:
    d = record.data
    row = {
        "tag": d["tag"],
        "type": d["type"],
        "calibre": d["calibre"],
        "lot_number": d["lot_number"],
        "quantity": d["quantity"],
        "unit": d["unit"],
        "hazard_division": d["hazard_division"],
        "compatibility_group": d["compatibility_group"],
        "condition": d["condition"],
        "collected_at": record.at,
        "collected_site_id": d["site"],
        "collected_by": record.actor,
        "handed_in_by": d["handed_in_by"] or "",
        "photos": d.get("photos", []),
        "site_id": d["site"],
        "container_id": None,
        "status": LotStatus.IN_STORAGE.value,
        "disposal_id": None,
    }
    buffer = _BUFFER.get()
    _insert(_LOT_COLUMNS, buffer.lots if buffer is not None else None, row)
    _bump(d["tag"])
    _event(
        record,
        lot_id=d["tag"],
        site_id=d["site"],
        details={"quantity": d["quantity"], "unit": d["unit"]},
    )


def _apply_materiel_collected(record: Record) -> None:
    d = record.data
    row = {
        "tag": d["tag"],
        "type": d["type"],
        "description": d["description"],
        "quantity": d["quantity"],
        "identifiers": d["identifiers"],
        "collected_at": record.at,
        "collected_by": record.actor,
        "handed_in_by": d["handed_in_by"] or "",
        "photos": d.get("photos", []),
        "site_id": d["site"],
    }
    buffer = _BUFFER.get()
    _insert(_MATERIEL_COLUMNS, buffer.materiel if buffer is not None else None, row)
    _bump(d["tag"])
    _event(record, materiel_id=d["tag"], site_id=d["site"])


def _apply_duplicate_confirmed(record: Record) -> None:
    _flush()
    d = record.data
    Item.objects.filter(tag=d["item"]).update(duplicate_reason=d["reason"])
    _event(
        record,
        item_id=d["item"],
        details={"duplicate_of": d["duplicate_of"], "reason": d["reason"]},
    )


def _correction_details(d: Data) -> Data:
    return {"changes": d["changes"], "previous": d["previous"], "reason": d["reason"]}


def _apply_item_corrected(record: Record) -> None:
    _flush()
    d = record.data
    columns = dict(d["changes"])
    if "serial" in columns:
        columns["serial_normalised"] = normalise_serial(columns["serial"])
    if d["duplicate_of"]:
        columns["duplicate_reason"] = d["duplicate_reason"]
    Item.objects.filter(tag=d["item"]).update(**columns)
    details = _correction_details(d)
    if d["duplicate_of"]:
        details["duplicate_of"] = d["duplicate_of"]
    _event(record, item_id=d["item"], details=details)


def _apply_lot_corrected(record: Record) -> None:
    _flush()
    d = record.data
    AmmoLot.objects.filter(tag=d["lot"]).update(**d["changes"])
    _event(record, lot_id=d["lot"], details=_correction_details(d))


def _apply_materiel_corrected(record: Record) -> None:
    _flush()
    d = record.data
    Materiel.objects.filter(tag=d["materiel"]).update(**d["changes"])
    _event(record, materiel_id=d["materiel"], details=_correction_details(d))


# ---- custody -------------------------------------------------------------------------------


def _apply_item_booked(record: Record) -> None:
    _flush()
    d = record.data
    site = Container.objects.values_list("site_id", flat=True).get(code=d["container"])
    Item.objects.filter(tag=d["item"]).update(container_id=d["container"], rack=d["rack"])
    _event(
        record,
        item_id=d["item"],
        site_id=site,
        container_id=d["container"],
        details={"rack": d["rack"]},
    )


def _apply_item_removed(record: Record) -> None:
    _flush()
    d = record.data
    item = Item.objects.get(tag=d["item"])
    Item.objects.filter(tag=d["item"]).update(status=ItemStatus.REMOVED, container=None, rack=None)
    _event(
        record,
        item_id=d["item"],
        site_id=item.site_id,
        container_id=d["container"],
        details={"by": d["by"], "organisation": d["organisation"], "purpose": d["purpose"]},
    )


def _apply_item_returned(record: Record) -> None:
    _flush()
    d = record.data
    item = Item.objects.get(tag=d["item"])
    Item.objects.filter(tag=d["item"]).update(
        status=ItemStatus.IN_STORAGE, container_id=d["container"], rack=d["rack"]
    )
    _event(
        record,
        item_id=d["item"],
        site_id=item.site_id,
        container_id=d["container"],
        details={"rack": d["rack"], "condition": d["condition"]},
    )
    if d["condition"]:
        Item.objects.filter(tag=d["item"]).update(condition=d["condition"])


# ---- shipments -----------------------------------------------------------------------------


def _apply_shipment_dispatched(record: Record) -> None:
    _flush()
    d = record.data
    Shipment.objects.create(
        code=d["shipment"],
        from_site_id=d["from_site"],
        to_site_id=d["to_site"],
        status=ShipmentStatus.DISPATCHED,
        dispatched_at=record.at,
        dispatched_by=record.actor,
    )
    _bump(d["shipment"])
    lines, events = [], []
    for crate in d["crates"]:
        for tag in crate["items"]:
            lines.append(
                ShipmentLine(
                    shipment_id=d["shipment"],
                    crate=crate["crate"],
                    crate_seal=crate["seal"],
                    item_id=tag,
                )
            )
        for tag in crate["lots"]:
            lines.append(
                ShipmentLine(
                    shipment_id=d["shipment"],
                    crate=crate["crate"],
                    crate_seal=crate["seal"],
                    lot_id=tag,
                )
            )
    ShipmentLine.objects.bulk_create(lines)
    items = [line.item_id for line in lines if line.item_id]
    lots = [line.lot_id for line in lines if line.lot_id]
    Item.objects.filter(tag__in=items).update(
        status=ItemStatus.IN_TRANSIT, container=None, rack=None
    )
    AmmoLot.objects.filter(tag__in=lots).update(status=LotStatus.IN_TRANSIT, container=None)
    details = {"shipment": d["shipment"], "to_site": d["to_site"]}
    for line in lines:
        events.append(
            CustodyEvent(
                record_index=record.index,
                kind=record.kind,
                at=record.at,
                actor=record.actor,
                item_id=line.item_id,
                lot_id=line.lot_id,
                site_id=d["from_site"],
                details={**details, "crate": line.crate},
            )
        )
    CustodyEvent.objects.bulk_create(events)


def _apply_shipment_received(record: Record) -> None:
    _flush()
    d = record.data
    shipment = Shipment.objects.get(code=d["shipment"])
    missing_items = set(d["missing_items"])
    quantities = {entry["lot"]: entry["quantity"] for entry in d["received_lots"]}
    Shipment.objects.filter(code=shipment.code).update(
        status=ShipmentStatus.DISCREPANCY if d["discrepancies"] else ShipmentStatus.RECEIVED,
        received_at=record.at,
        received_by=record.actor,
        declaration=d["declaration"],
        discrepancies=d["discrepancies"],
    )
    lines = ShipmentLine.objects.filter(shipment=shipment)
    lines.update(received=True)
    lines.filter(item_id__in=missing_items).update(received=False)
    lines.filter(lot__isnull=False).exclude(lot_id__in=list(quantities)).update(received=False)
    arrived = list(lines.filter(received=True).order_by("id").values_list("item_id", "lot_id"))
    Item.objects.filter(tag__in=[i for i, _lot in arrived if i]).update(
        status=ItemStatus.IN_STORAGE, site_id=shipment.to_site_id
    )
    for lot, quantity in sorted(quantities.items()):
        AmmoLot.objects.filter(tag=lot).update(
            status=LotStatus.IN_STORAGE, site_id=shipment.to_site_id, quantity=quantity
        )
    CustodyEvent.objects.bulk_create(
        [
            CustodyEvent(
                record_index=record.index,
                kind=record.kind,
                at=record.at,
                actor=record.actor,
                item_id=item,
                lot_id=lot,
                site_id=shipment.to_site_id,
                details={"shipment": shipment.code},
            )
            for item, lot in arrived
        ]
    )


# ---- losses, disposal ----------------------------------------------------------------------


def _apply_item_reported_lost(record: Record) -> None:
    _flush()
    d = record.data
    Incident.objects.create(
        code=d["incident"],
        kind=d["kind"],
        item_id=d["item"],
        lot_id=d["lot"],
        site_id=d["site"],
        description=d["description"],
        reported_at=record.at,
        reported_by=record.actor,
    )
    _bump(d["incident"])
    if d["item"]:
        Item.objects.filter(tag=d["item"]).update(status=ItemStatus.LOST, container=None, rack=None)
    if d["lot"]:
        AmmoLot.objects.filter(tag=d["lot"]).update(status=LotStatus.LOST, container=None)
    details = {"incident": d["incident"], "kind": d["kind"]}
    _event(record, item_id=d["item"], lot_id=d["lot"], site_id=d["site"], details=details)


def _disposal_create(record: Record, d: Data) -> None:
    Disposal.objects.create(
        code=d["disposal"],
        site_id=d["site"],
        method=d["method"],
        witnesses=d["witnesses"],
        reference=d["reference"],
        at=record.at,
        actor=record.actor,
    )
    _bump(d["disposal"])


def _apply_disposed(record: Record) -> None:
    _flush()
    d = record.data
    _disposal_create(record, d)
    Item.objects.filter(tag__in=d["items"]).update(
        status=ItemStatus.DISPOSED, container=None, rack=None, disposal_id=d["disposal"]
    )
    AmmoLot.objects.filter(tag__in=d["lots"]).update(
        status=LotStatus.DISPOSED, container=None, disposal_id=d["disposal"]
    )
    details = {"disposal": d["disposal"], "method": d["method"], "witnesses": d["witnesses"]}
    CustodyEvent.objects.bulk_create(
        [
            CustodyEvent(
                record_index=record.index,
                kind=record.kind,
                at=record.at,
                actor=record.actor,
                site_id=d["site"],
                details=details,
                **ref,
            )
            for ref in [{"item_id": t} for t in d["items"]] + [{"lot_id": t} for t in d["lots"]]
        ]
    )


def _apply_lot_destroyed_in_place(record: Record) -> None:
    _flush()
    d = record.data
    _disposal_create(record, d)
    AmmoLot.objects.filter(tag=d["lot"]).update(
        status=LotStatus.DESTROYED_IN_PLACE, container=None, disposal_id=d["disposal"]
    )
    details = {"disposal": d["disposal"], "witnesses": d["witnesses"], "reason": d["reason"]}
    _event(record, lot_id=d["lot"], site_id=d["site"], details=details)


# ---- stock checks --------------------------------------------------------------------------


def _apply_stock_check_planned(record: Record) -> None:
    _flush()
    d = record.data
    StockCheck.objects.create(
        code=d["check"],
        site_id=d["site"],
        kind=d["kind"],
        status=StockCheckStatus.PLANNED,
        seed=d["seed"],
        checkpoint_size=d["checkpoint_size"],
        planned_at=record.at,
        planned_by=record.actor,
    )
    _bump(d["check"])
    # The lines are drawn from the items in storage at the site at this point of the log (the
    # same on replay): the record carries the seed, not thousands of tags.
    groups: dict[Any, list[str]] = {}
    in_storage = Item.objects.filter(site_id=d["site"], status=ItemStatus.IN_STORAGE)
    for container, tag in in_storage.order_by("tag").values_list("container_id", "tag"):
        groups.setdefault(container, []).append(tag)
    lines = []
    for container, tags in sorted(groups.items(), key=lambda g: g[0] or ""):
        drawn = tags if d["kind"] == StockCheckKind.FULL else sample_draw(d["seed"], tags)
        lines += [
            StockCheckLine(stock_check_id=d["check"], container_id=container, item_id=t)
            for t in drawn
        ]
    StockCheckLine.objects.bulk_create(lines, batch_size=2000)


def _apply_stock_check_counted(record: Record) -> None:
    _flush()
    d = record.data
    StockCheck.objects.filter(code=d["check"]).update(
        status=StockCheckStatus.DISCREPANCY if d["discrepancies"] else StockCheckStatus.COUNTED,
        counted_at=record.at,
        counted_by=record.actor,
        discrepancies=d["discrepancies"],
    )
    lines = StockCheckLine.objects.filter(stock_check_id=d["check"])
    lines.update(found=True)
    lines.filter(item_id__in=d["missing"]).update(found=False)
    for tag, note in sorted(d["mismatches"].items()):
        lines.filter(item_id=tag).update(note=note)


# The registry's tables, children before parents: the order the reset empties them in.
_TABLES = (
    CustodyEvent,
    StockCheckLine,
    StockCheck,
    Incident,
    ShipmentLine,
    Shipment,
    Item,
    AmmoLot,
    Materiel,
    Disposal,
    Seal,
    Container,
    Site,
    TagCounter,
)


def _reset() -> None:
    """Empty the registry's tables, children before parents.

    One DELETE per table: the ORM's delete() would first load every row (to cascade), which
    at 10^5 items costs hundreds of MB; the order here makes cascading unnecessary."""
    with connection.cursor() as cursor:
        for model in _TABLES:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608


def _register(name: str, description: str, apply: kinds.Apply) -> kinds.RecordKind:
    return kinds.register(name, description=description, apply=apply)


SITE_CREATED = _register(
    "arms.site_created",
    "A site was created: {code, name, kind, region, place (P-code, may be empty or absent), "
    "lat_micro, lon_micro, status}.",
    _apply_site_created,
)
SITE_UPDATED = _register(
    "arms.site_updated",
    "A site's details were changed: {code, name, kind, region, place, lat_micro, lon_micro}.",
    _apply_site_updated,
)
SITE_STATUS_SET = _register(
    "arms.site_status_set",
    "A site was opened or closed (or planned again): {code, status, reason}.",
    _apply_site_status_set,
)
SITE_DELETED = _register(
    "arms.site_deleted",
    "A site that never held anything was deleted (a mistake): {code, reason}.",
    _apply_site_deleted,
)
CONTAINER_CREATED = _register(
    "arms.container_created",
    "A container was set up in a storage site: {code, site, racks}.",
    _apply_container_created,
)
CONTAINER_UPDATED = _register(
    "arms.container_updated",
    "A container's number of racks was changed: {code, racks}.",
    _apply_container_updated,
)
CONTAINER_STATUS_SET = _register(
    "arms.container_status_set",
    "A container was closed (nothing may be booked into it) or opened again: "
    "{code, status, reason}.",
    _apply_container_status_set,
)
CONTAINER_DELETED = _register(
    "arms.container_deleted",
    "A container that never held anything was deleted (a mistake): {code, reason}.",
    _apply_container_deleted,
)
SEAL_APPLIED = _register(
    "arms.seal_applied", "A numbered seal was applied: {seal, container}.", _apply_seal_applied
)
SEAL_BROKEN = _register(
    "arms.seal_broken",
    "A seal was broken: {seal, container, reason}.",
    _apply_seal_broken,
)
ITEM_COLLECTED = _register(
    "arms.item_collected",
    "A weapon was handed in: {tag, site, category, make, model, calibre, serial (as printed), "
    "markings, country, year, condition, photos (SHA-256), handed_in_by (pseudonym or null)}.",
    _apply_item_collected,
)
LOT_COLLECTED = _register(
    "arms.lot_collected",
    "An ammunition lot was handed in: {tag, site, type, calibre, lot_number, quantity, unit, "
    "hazard_division, compatibility_group, condition, handed_in_by, photos (SHA-256; only when "
    "there are photos)}.",
    _apply_lot_collected,
)
MATERIEL_COLLECTED = _register(
    "arms.materiel_collected",
    "Materiel was handed in: {tag, site, type, description, quantity, identifiers, handed_in_by, "
    "photos (SHA-256; only when there are photos)}.",
    _apply_materiel_collected,
)
DUPLICATE_CONFIRMED = _register(
    "arms.duplicate_confirmed",
    "The clerk confirmed a suspected duplicate is a different weapon: {item, duplicate_of, "
    "reason}.",
    _apply_duplicate_confirmed,
)
ITEM_CORRECTED = _register(
    "arms.item_corrected",
    "Fields of a registered weapon were corrected; the collection record stays as it was: "
    "{item, changes: {field: new value}, previous: {field: old value}, reason, duplicate_of "
    "(tags the corrected serial matches), duplicate_reason}.",
    _apply_item_corrected,
)
LOT_CORRECTED = _register(
    "arms.lot_corrected",
    "Fields of a registered ammunition lot were corrected: {lot, changes, previous, reason}.",
    _apply_lot_corrected,
)
MATERIEL_CORRECTED = _register(
    "arms.materiel_corrected",
    "Fields of registered materiel were corrected: {materiel, changes, previous, reason}.",
    _apply_materiel_corrected,
)
ITEM_BOOKED = _register(
    "arms.item_booked",
    "An item was booked into a container: {item, container, rack}.",
    _apply_item_booked,
)
ITEM_REMOVED = _register(
    "arms.item_removed",
    "An item was taken out of storage: {item, container, by, organisation, purpose}.",
    _apply_item_removed,
)
ITEM_RETURNED = _register(
    "arms.item_returned",
    "An item came back into storage: {item, container, rack, condition}.",
    _apply_item_returned,
)
SHIPMENT_DISPATCHED = _register(
    "arms.shipment_dispatched",
    "A shipment left a site: {shipment, from_site, to_site, crates: [{crate, seal, items, lots}]}.",
    _apply_shipment_dispatched,
)
SHIPMENT_RECEIVED = _register(
    "arms.shipment_received",
    "A shipment was received and reconciled: {shipment, missing_items, received_lots: "
    "[{lot, quantity}], broken_seals, declaration, discrepancies}.",
    _apply_shipment_received,
)
ITEM_REPORTED_LOST = _register(
    "arms.item_reported_lost",
    "An item or lot was reported lost or stolen; an incident opened: {incident, kind, item, "
    "lot, site, description}.",
    _apply_item_reported_lost,
)
DISPOSED = _register(
    "arms.disposed",
    "Items and lots were disposed of: {disposal, site, method, witnesses, reference, items, lots}.",
    _apply_disposed,
)
LOT_DESTROYED_IN_PLACE = _register(
    "arms.lot_destroyed_in_place",
    "An unsafe lot was destroyed where it lay: {disposal, lot, site, method, witnesses, "
    "reference, reason}.",
    _apply_lot_destroyed_in_place,
)
STOCK_CHECK_PLANNED = _register(
    "arms.stock_check_planned",
    "A stock check was planned: {check, site, kind (sample or full), checkpoint_size, seed}; "
    "the sample is drawn from the seed (laydown.arms.sampling) over the items then in storage.",
    _apply_stock_check_planned,
)
STOCK_CHECK_COUNTED = _register(
    "arms.stock_check_counted",
    "A stock check was counted: {check, missing, mismatches: {tag: note}, unexpected, "
    "discrepancies}; every other line was found.",
    _apply_stock_check_counted,
)
_LABELS = [m._meta.label for m in _TABLES]
kinds.register_reset(_reset, models=_LABELS, emptied=_LABELS)
kinds.register_buffered_applies(applies_buffered)
kinds.register_rebuilt_after_replay(rebuilt_after_replay)
