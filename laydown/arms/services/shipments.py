"""Shipments between sites: dispatch, receipt and reconciliation."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal
from laydown.arms import checks, records
from laydown.arms.models import Shipment, ShipmentLine, Site
from laydown.arms.services.common import (
    MAX_LINES,
    MAX_QUANTITY,
    SHIPMENT_PREFIX,
    allocate_tags,
    append_record,
    authorize_at,
    movable_lock,
    open_site_check,
)
from laydown.arms.vocab import ShipmentStatus
from laydown.core import validators


@dataclass(frozen=True)
class Crate:
    """One sealed crate of a shipment: its code, its seal number and what it holds (tags)."""

    code: str
    seal: str
    items: tuple[str, ...] = ()
    lots: tuple[str, ...] = ()


def _check_crates(crates: Sequence[Crate]) -> None:
    codes = [c.code for c in crates]
    if (
        not crates
        or len(set(codes)) != len(codes)
        or not all(checks.SEAL.match(c.code) for c in crates)
    ):
        raise validators.refuse(
            "crates", _("invalid"), _("Give one or more crates, each with its own code.")
        )
    seals = [c.seal for c in crates]
    if len(set(seals)) != len(seals) or not all(checks.SEAL.match(s) for s in seals):
        raise validators.refuse(
            "crates", _("seal missing"), _("Every crate needs its own seal number.")
        )
    tags = [t for c in crates for t in (*c.items, *c.lots)]
    if len(set(tags)) != len(tags):
        raise validators.refuse("items", _("listed twice"), _("An item or lot is listed twice."))
    if not tags or len(tags) > MAX_LINES:
        raise validators.refuse(
            "items",
            _("too many"),
            _("A shipment carries 1 to %(max)d items and lots.") % {"max": MAX_LINES},
        )


def shipment_dispatch(
    *, actor: Principal, from_site: Site, to_site: Site, crates: Sequence[Crate]
) -> Shipment:
    """Send items and lots in sealed crates; they are in transit until received."""
    authorize_at(actor, "arms.shipment", from_site)
    if from_site.code == to_site.code:
        raise validators.refuse("to_site", _("same site"), _("A shipment goes to another site."))
    open_site_check(to_site)
    _check_crates(crates)
    item_tags = [t for c in crates for t in c.items]
    lot_tags = [t for c in crates for t in c.lots]
    with transaction.atomic():
        movable_lock(item_tags, lot_tags, from_site)
        (code,) = allocate_tags(SHIPMENT_PREFIX)
        data = {
            "shipment": code,
            "from_site": from_site.code,
            "to_site": to_site.code,
            "crates": [
                {"crate": c.code, "seal": c.seal, "items": list(c.items), "lots": list(c.lots)}
                for c in crates
            ],
        }
        append_record(records.SHIPMENT_DISPATCHED.name, data, actor)
    return Shipment.objects.get(code=code)


def shipment_receive(
    *,
    actor: Principal,
    shipment: Shipment,
    received_items: Collection[str],
    received_lots: Mapping[str, int] | None = None,
    broken_seals: Collection[str] = (),
    declaration: str,
) -> Shipment:
    """Reconcile what arrived against the shipment; flag every discrepancy; sign the handover.

    `received_lots` maps each lot tag that arrived to the quantity counted. Items missing stay
    in transit (report them lost once searched for); unexpected tags are flagged, not moved.
    """
    authorize_at(actor, "arms.shipment", shipment.to_site)
    declaration = validators.text("declaration", declaration, max_length=2000, required=True)
    counted = {
        tag: validators.integer("received_lots", q, minimum=0, maximum=MAX_QUANTITY)
        for tag, q in (received_lots or {}).items()
    }
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().get(code=shipment.code)
        if shipment.status != ShipmentStatus.DISPATCHED:
            raise validators.refuse(
                "shipment",
                _("already received"),
                _("Shipment %(code)s was already received.") % {"code": shipment.code},
            )
        lines = list(ShipmentLine.objects.filter(shipment=shipment).select_related("lot"))
        crates = {line.crate for line in lines}
        unknown_crates = sorted(set(broken_seals) - crates)
        if unknown_crates:
            raise validators.refuse(
                "broken_seals",
                _("unknown crate"),
                _("Crates %(crates)s are not in this shipment.")
                % {"crates": ", ".join(unknown_crates)},
            )
        discrepancies = _reconcile(lines, set(received_items), counted, set(broken_seals))
        expected_items = {line.item_id for line in lines if line.item_id}
        expected_lots = {line.lot_id for line in lines if line.lot_id}
        data = {
            "shipment": shipment.code,
            "missing_items": sorted(expected_items - set(received_items)),
            "received_lots": [
                {"lot": tag, "quantity": q}
                for tag, q in sorted(counted.items())
                if tag in expected_lots and q > 0
            ],
            "broken_seals": sorted(broken_seals),
            "declaration": declaration,
            "discrepancies": discrepancies,
        }
        append_record(records.SHIPMENT_RECEIVED.name, data, actor)
    return Shipment.objects.get(code=shipment.code)


def _reconcile(
    lines: Sequence[ShipmentLine],
    received: set[str],
    counted: Mapping[str, int],
    broken_seals: set[str],
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = [
        {"kind": "seal_broken", "crate": c} for c in sorted(broken_seals)
    ]
    expected_items = {line.item_id for line in lines if line.item_id}
    lots = {line.lot_id: line.lot for line in lines if line.lot_id}
    found += [{"kind": "missing", "item": t} for t in sorted(expected_items - received)]
    found += [{"kind": "unexpected", "item": t} for t in sorted(received - expected_items)]
    for tag, lot in sorted(lots.items()):
        quantity = counted.get(tag or "", 0)
        if lot is not None and quantity != lot.quantity:
            found.append(
                {"kind": "quantity", "lot": tag, "expected": lot.quantity, "counted": quantity}
            )
    found += [{"kind": "unexpected", "lot": t} for t in sorted(set(counted) - set(lots))]
    return found
