"""Writes of the disarmament registry.

Each service authorises, validates (raising a ValidationError that names the field and the
reason), then appends its ledger record inside `transaction.atomic()`; the record's `apply`
(records.py) changes the projection. A refused call appends nothing and changes nothing.

Services that act on an item, lot or container lock its row (`select_for_update`) inside the
transaction and check its state again there: two custodians acting on one item at once queue,
and the second sees what the first did.

One module per part of the registry; this package re-exports their services so that callers
write `services.item_collect(...)`.
"""

from laydown.arms.services.collected import DuplicateSuspected
from laydown.arms.services.collection import (
    MIN_YEAR,
    item_collect,
    item_fields_check,
    lot_collect,
    lot_fields_check,
    materiel_collect,
    materiel_fields_check,
    tag_photo_arrive,
)
from laydown.arms.services.common import allocate_tags
from laydown.arms.services.corrections import (
    ITEM_FIELDS,
    LOT_FIELDS,
    MATERIEL_FIELDS,
    item_correct,
    lot_correct,
    materiel_correct,
)
from laydown.arms.services.custody import item_book, item_remove, item_return
from laydown.arms.services.disposal import dispose, item_report_lost, lot_destroy_in_place
from laydown.arms.services.shipments import Crate, shipment_dispatch, shipment_receive
from laydown.arms.services.sites import (
    container_create,
    container_delete,
    container_status_set,
    container_update,
    seal_apply,
    seal_break,
    site_create,
    site_delete,
    site_fields_check,
    site_status_set,
    site_update,
)
from laydown.arms.services.stock_checks import stock_check_plan, stock_check_record

__all__ = [
    "Crate",
    "DuplicateSuspected",
    "ITEM_FIELDS",
    "LOT_FIELDS",
    "MATERIEL_FIELDS",
    "MIN_YEAR",
    "allocate_tags",
    "container_create",
    "container_delete",
    "container_status_set",
    "container_update",
    "dispose",
    "item_book",
    "item_collect",
    "tag_photo_arrive",
    "item_correct",
    "item_fields_check",
    "item_remove",
    "item_report_lost",
    "item_return",
    "lot_collect",
    "lot_correct",
    "lot_destroy_in_place",
    "lot_fields_check",
    "materiel_collect",
    "materiel_correct",
    "materiel_fields_check",
    "seal_apply",
    "seal_break",
    "shipment_dispatch",
    "shipment_receive",
    "site_create",
    "site_delete",
    "site_fields_check",
    "site_status_set",
    "site_update",
    "stock_check_plan",
    "stock_check_record",
]
