"""Custody of items: booking into a container, removal and return."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal
from laydown.arms import records
from laydown.arms.models import Container, Item
from laydown.arms.services.common import (
    append_record,
    authorize_at,
    locked_item,
    open_container_check,
    refuse_if_sealed,
)
from laydown.arms.vocab import Condition, ItemStatus
from laydown.core import validators


def _rack(container: Container, rack: int | None) -> int | None:
    if rack is None:
        return None
    return validators.integer("rack", rack, minimum=1, maximum=max(container.racks, 1))


def item_book(
    *, actor: Principal, item: Item, container: Container, rack: int | None = None
) -> Item:
    """Book an item that is in storage at the container's site into the container."""
    authorize_at(actor, "arms.custody", container.site)
    rack = _rack(container, rack)
    with transaction.atomic():
        locked = locked_item(item.tag)
        if locked.site_id != container.site_id or locked.status != ItemStatus.IN_STORAGE:
            raise validators.refuse(
                "item",
                _("not at this site"),
                _("Item %(tag)s is not in storage at site %(site)s.")
                % {"tag": locked.tag, "site": container.site_id},
            )
        if locked.container_id is not None:
            raise validators.refuse(
                "item",
                _("already booked"),
                _("Item %(tag)s is already booked into container %(c)s.")
                % {"tag": locked.tag, "c": locked.container_id},
            )
        refuse_if_sealed(container, _("booking items into it"))
        open_container_check(container)
        data = {"item": locked.tag, "container": container.code, "rack": rack}
        append_record(records.ITEM_BOOKED.name, data, actor)
    return Item.objects.get(tag=item.tag)


def item_remove(*, actor: Principal, item: Item, by: str, organisation: str, purpose: str) -> Item:
    """Take an item out of storage for a purpose (inspection, evidence, training ...)."""
    authorize_at(actor, "arms.custody", item.site)
    data = {
        "by": validators.pseudonym("by", by, required=True),
        "organisation": validators.text(
            "organisation", organisation, max_length=100, required=True
        ),
        "purpose": validators.text("purpose", purpose, max_length=500, required=True),
    }
    with transaction.atomic():
        locked = locked_item(item.tag)
        if locked.status != ItemStatus.IN_STORAGE:
            raise validators.refuse(
                "item",
                _("not in storage"),
                _("Item %(tag)s is %(status)s, not in storage.")
                % {"tag": locked.tag, "status": locked.status},
            )
        refuse_if_sealed(locked.container, _("removing an item"))
        data |= {"item": locked.tag, "container": locked.container_id}
        append_record(records.ITEM_REMOVED.name, data, actor)
    return Item.objects.get(tag=item.tag)


def item_return(
    *,
    actor: Principal,
    item: Item,
    container: Container,
    rack: int | None = None,
    condition: str | None = None,
) -> Item:
    """Bring a removed item back into a container of its site (optionally noting its condition)."""
    authorize_at(actor, "arms.custody", container.site)
    rack = _rack(container, rack)
    if condition is not None:
        validators.choice("condition", condition, Condition.values)
    with transaction.atomic():
        locked = locked_item(item.tag)
        if locked.status != ItemStatus.REMOVED or locked.site_id != container.site_id:
            raise validators.refuse(
                "item",
                _("not removed here"),
                _("Item %(tag)s was not removed from site %(site)s.")
                % {"tag": locked.tag, "site": container.site_id},
            )
        refuse_if_sealed(container, _("returning items into it"))
        open_container_check(container)
        data = {
            "item": locked.tag,
            "container": container.code,
            "rack": rack,
            "condition": condition,
        }
        append_record(records.ITEM_RETURNED.name, data, actor)
    return Item.objects.get(tag=item.tag)
