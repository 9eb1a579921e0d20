"""Losses and disposal of items and lots."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal
from laydown.arms import records
from laydown.arms.models import AmmoLot, Disposal, Incident, Item, Site
from laydown.arms.services.common import (
    DISPOSAL_PREFIX,
    INCIDENT_PREFIX,
    MAX_LINES,
    allocate_tags,
    append_record,
    authorize_at,
    movable_lock,
    witnesses_check,
)
from laydown.arms.vocab import Condition, DisposalMethod, IncidentKind, ItemStatus, LotStatus
from laydown.core import validators


def item_report_lost(
    *,
    actor: Principal,
    item: Item | None = None,
    lot: AmmoLot | None = None,
    kind: str = IncidentKind.LOST,
    description: str = "",
) -> Incident:
    """Report an item or a lot lost or stolen; open an incident."""
    thing = item or lot
    if thing is None or (item is not None and lot is not None):
        raise validators.refuse("item", _("required"), _("Name either an item or a lot."))
    authorize_at(actor, "arms.report_lost", thing.site)
    kind = validators.choice("kind", kind, IncidentKind.values)
    description = validators.text("description", description, max_length=2000, required=True)
    model: Any = Item if item is not None else AmmoLot
    with transaction.atomic():
        locked = model.objects.select_for_update().get(tag=thing.tag)
        if locked.status in (ItemStatus.LOST, ItemStatus.DISPOSED, LotStatus.DESTROYED_IN_PLACE):
            raise validators.refuse(
                "item" if item is not None else "lot",
                _("not held"),
                _("%(tag)s is %(status)s.") % {"tag": locked.tag, "status": locked.status},
            )
        (code,) = allocate_tags(INCIDENT_PREFIX)
        data = {
            "incident": code,
            "kind": kind,
            "item": item.tag if item is not None else None,
            "lot": lot.tag if lot is not None else None,
            "site": locked.site_id,
            "description": description,
        }
        append_record(records.ITEM_REPORTED_LOST.name, data, actor)
    return Incident.objects.get(code=code)


def dispose(
    *,
    actor: Principal,
    site: Site,
    method: str,
    items: Sequence[str] = (),
    lots: Sequence[str] = (),
    witnesses: Sequence[str],
    reference: str = "",
) -> Disposal:
    """Record the destruction, transfer to the State or deactivation of items and lots at `site`."""
    authorize_at(actor, "arms.dispose", site)
    method = validators.choice("method", method, DisposalMethod.values)
    witness_list = witnesses_check(witnesses, actor)
    reference = validators.text("reference", reference, max_length=200)
    tags = [*items, *lots]
    if not tags or len(set(tags)) != len(tags) or len(tags) > MAX_LINES:
        raise validators.refuse(
            "items",
            _("invalid"),
            _("Give 1 to %(max)d different items and lots.") % {"max": MAX_LINES},
        )
    with transaction.atomic():
        movable_lock(items, lots, site)
        (code,) = allocate_tags(DISPOSAL_PREFIX)
        data = {
            "disposal": code,
            "site": site.code,
            "method": method,
            "witnesses": witness_list,
            "reference": reference,
            "items": sorted(items),
            "lots": sorted(lots),
        }
        append_record(records.DISPOSED.name, data, actor)
    return Disposal.objects.get(code=code)


def lot_destroy_in_place(
    *, actor: Principal, lot: AmmoLot, witnesses: Sequence[str], reason: str, reference: str = ""
) -> Disposal:
    """Record that an unsafe lot was destroyed where it lay (too dangerous to move)."""
    authorize_at(actor, "arms.dispose", lot.site)
    witness_list = witnesses_check(witnesses, actor)
    reason = validators.text("reason", reason, max_length=500, required=True)
    reference = validators.text("reference", reference, max_length=200)
    with transaction.atomic():
        locked = AmmoLot.objects.select_for_update().get(tag=lot.tag)
        if locked.condition != Condition.UNSAFE or locked.status != LotStatus.IN_STORAGE:
            raise validators.refuse(
                "lot",
                _("not unsafe"),
                _("Lot %(tag)s must be held and recorded as unsafe to be destroyed in place.")
                % {"tag": locked.tag},
            )
        (code,) = allocate_tags(DISPOSAL_PREFIX)
        data = {
            "disposal": code,
            "lot": locked.tag,
            "site": locked.site_id,
            "method": DisposalMethod.DEMOLITION.value,
            "witnesses": witness_list,
            "reference": reference,
            "reason": reason,
        }
        append_record(records.LOT_DESTROYED_IN_PLACE.name, data, actor)
    return Disposal.objects.get(code=code)
