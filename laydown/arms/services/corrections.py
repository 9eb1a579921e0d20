"""Corrections of what was registered: a typo in a serial, a wrong calibre, a miscounted lot.

A correction never rewrites the collection record. It is a record of its own that names the
fields it supersedes, their previous and new values, who corrected them and why; the item's
history shows both. The fields are checked exactly as at registration (the other fields keep
their values), and a corrected serial, make or model of a weapon goes through the duplicate
check again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal
from laydown.arms import records
from laydown.arms.models import AmmoLot, Item, Materiel
from laydown.arms.selectors import duplicates_of
from laydown.arms.services.collected import DuplicateSuspected
from laydown.arms.services.collection import (
    item_fields_check,
    lot_fields_check,
    materiel_fields_check,
)
from laydown.arms.services.common import append_record, authorize_at, locked_item
from laydown.core import validators
from laydown.core.errors import refusal_of

ACTION = "arms.correct"
ITEM_FIELDS = (
    "category",
    "make",
    "model",
    "calibre",
    "serial",
    "markings",
    "country",
    "year",
    "condition",
)
LOT_FIELDS = (
    "type",
    "calibre",
    "lot_number",
    "quantity",
    "unit",
    "hazard_division",
    "compatibility_group",
    "condition",
)
MATERIEL_FIELDS = ("type", "description", "quantity", "identifiers")
_DUPLICATE_KEY = ("serial", "make", "model")


def _reason(reason: object) -> str:
    return validators.text("reason", reason, max_length=500, required=True, multiline=True)


def _changes(
    fields: Mapping[str, Any],
    allowed: tuple[str, ...],
    current: dict[str, Any],
    check: Callable[[dict[str, Any]], dict[str, Any]],
) -> dict[str, Any]:
    """The corrected fields whose clean value differs from the current one.

    Every field is checked as at registration, with the fields not corrected keeping their
    current values; a field that is not correctable, or a correction that changes nothing,
    is refused."""
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise validators.refuse(
            unknown[0],
            _("not correctable"),
            _("%(field)s cannot be corrected; correctable fields: %(allowed)s.")
            % {"field": unknown[0], "allowed": ", ".join(allowed)},
        )
    clean = check({**current, **fields})
    changes = {f: clean[f] for f in allowed if clean[f] != current[f]}
    if not changes:
        raise validators.refuse(
            next(iter(fields), "reason"),
            _("unchanged"),
            _("Nothing to correct: every field given has the value already registered."),
        )
    return changes


def _item_check(values: dict[str, Any]) -> dict[str, Any]:
    clean, problems = item_fields_check(**values)
    if problems:
        raise refusal_of(problems.values())
    return clean


def item_correct(
    *,
    actor: Principal,
    item: Item,
    reason: str,
    confirm_duplicate_reason: str | None = None,
    **fields: Any,
) -> Item:
    """Correct fields of a registered weapon (`fields`: any of ITEM_FIELDS) with a reason.

    Raises DuplicateSuspected when the corrected serial, make and model match another item,
    unless `confirm_duplicate_reason` says why this is another weapon."""
    authorize_at(actor, ACTION, item.site)
    why = _reason(reason)
    confirmed = validators.text(
        "confirm_duplicate_reason", confirm_duplicate_reason, max_length=500
    )
    with transaction.atomic():
        row = locked_item(item.tag)
        current = {f: getattr(row, f) for f in ITEM_FIELDS}
        changes = _changes(fields, ITEM_FIELDS, current, _item_check)
        after = {**current, **changes}
        earlier: list[str] = []
        if set(changes) & set(_DUPLICATE_KEY):
            earlier = [
                t
                for t in duplicates_of(
                    serial=after["serial"], make=after["make"], model=after["model"]
                )
                if t != row.tag
            ]
        if earlier and not confirmed:
            raise DuplicateSuspected(
                _(
                    "The corrected serial %(serial)s of a %(make)s %(model)s was registered as "
                    "%(tags)s. Check the weapon; if it is another one, confirm with a reason."
                )
                % {**{k: after[k] for k in _DUPLICATE_KEY}, "tags": ", ".join(earlier)},
                tags=earlier,
            )
        data = {
            "item": row.tag,
            "changes": changes,
            "previous": {f: current[f] for f in changes},
            "reason": why,
            "duplicate_of": earlier,
            "duplicate_reason": confirmed if earlier else "",
        }
        append_record(records.ITEM_CORRECTED.name, data, actor)
    return Item.objects.get(tag=row.tag)


def lot_correct(*, actor: Principal, lot: AmmoLot, reason: str, **fields: Any) -> AmmoLot:
    """Correct fields of a registered ammunition lot (any of LOT_FIELDS) with a reason."""
    authorize_at(actor, ACTION, lot.site)
    why = _reason(reason)
    with transaction.atomic():
        row = AmmoLot.objects.select_for_update().get(tag=lot.tag)
        current = {f: getattr(row, f) for f in LOT_FIELDS}
        changes = _changes(fields, LOT_FIELDS, current, lambda values: lot_fields_check(**values))
        data = {
            "lot": row.tag,
            "changes": changes,
            "previous": {f: current[f] for f in changes},
            "reason": why,
        }
        append_record(records.LOT_CORRECTED.name, data, actor)
    return AmmoLot.objects.get(tag=row.tag)


def materiel_correct(
    *, actor: Principal, materiel: Materiel, reason: str, **fields: Any
) -> Materiel:
    """Correct fields of registered materiel (any of MATERIEL_FIELDS) with a reason."""
    authorize_at(actor, ACTION, materiel.site)
    why = _reason(reason)
    with transaction.atomic():
        row = Materiel.objects.select_for_update().get(tag=materiel.tag)
        current = {f: getattr(row, f) for f in MATERIEL_FIELDS}
        changes = _changes(
            fields, MATERIEL_FIELDS, current, lambda values: materiel_fields_check(**values)
        )
        data = {
            "materiel": row.tag,
            "changes": changes,
            "previous": {f: current[f] for f in changes},
            "reason": why,
        }
        append_record(records.MATERIEL_CORRECTED.name, data, actor)
    return Materiel.objects.get(tag=row.tag)
