"""Writes of places (P-coded administrative areas and sites)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, actor_of, authorize
from laydown.assistance import permissions, records
from laydown.assistance.models import Place
from laydown.assistance.services.common import Data, append_record
from laydown.assistance.vocab import PARENT_LEVEL, PlaceLevel
from laydown.core import validators
from laydown.ledger import services as ledger


def place_check(fields: Mapping[str, Any], *, pending: Mapping[str, str] | None = None) -> Data:
    """Clean place fields. `pending`: P-code -> level of places created earlier in a batch."""
    pcode = validators.text("pcode", fields.get("pcode"), max_length=20, required=True).upper()
    if not validators.PCODE.match(pcode):
        raise validators.refuse(
            "pcode",
            _("not a P-code"),
            _("P-code %(p)r: two letters (the country) then letters and digits, as AZ0101.")
            % {"p": pcode},
        )
    level = validators.choice("level", fields.get("level"), PlaceLevel.values)
    parent = validators.text("parent", fields.get("parent"), max_length=20).upper() or None
    pending = pending or {}
    if pcode in pending or Place.objects.filter(pcode=pcode).exists():
        raise validators.refuse(
            "pcode", _("taken"), _("P-code %(p)r exists already.") % {"p": pcode}
        )
    if level == PlaceLevel.REGION:
        if parent:
            raise validators.refuse("parent", _("not allowed"), _("A region has no parent place."))
    else:
        wanted = PARENT_LEVEL[PlaceLevel(level)]
        parent_level = pending.get(parent or "") or (
            Place.objects.filter(pcode=parent).values_list("level", flat=True).first()
        )
        if parent_level != wanted:
            raise validators.refuse(
                "parent",
                _("wrong parent"),
                _("The parent of a %(level)s must be an existing %(wanted)s; %(p)r is not.")
                % {"level": level, "wanted": wanted, "p": parent or ""},
            )
    lat = validators.optional_integer(
        "lat_micro", fields.get("lat_micro"), minimum=-90_000_000, maximum=90_000_000
    )
    lon = validators.optional_integer(
        "lon_micro", fields.get("lon_micro"), minimum=-180_000_000, maximum=180_000_000
    )
    if (lat is None) != (lon is None):
        raise validators.refuse(
            "lon_micro", _("half a position"), _("Give both coordinates or neither.")
        )
    return {
        "pcode": pcode,
        "name": validators.text("name", fields.get("name"), max_length=120, required=True),
        "level": level,
        "parent": parent,
        "lat_micro": lat,
        "lon_micro": lon,
    }


def place_create(
    *,
    actor: Principal,
    pcode: str,
    name: str,
    level: str,
    parent: str | None = None,
    lat_micro: int | None = None,
    lon_micro: int | None = None,
) -> Place:
    authorize(actor, permissions.PLACE_MANAGE.name)
    fields = {"pcode": pcode, "name": name, "level": level, "parent": parent}
    data = place_check({**fields, "lat_micro": lat_micro, "lon_micro": lon_micro})
    with transaction.atomic():
        append_record(records.PLACE_CREATED.name, data, actor)
    return Place.objects.get(pcode=data["pcode"])


def place_update(
    *,
    actor: Principal,
    place: Place,
    name: str,
    lat_micro: int | None = None,
    lon_micro: int | None = None,
) -> Place:
    """Correct a place's name or position (its P-code, level and parent stay: records name it)."""
    authorize(actor, permissions.PLACE_MANAGE.name)
    lat = validators.optional_integer(
        "lat_micro", lat_micro, minimum=-90_000_000, maximum=90_000_000
    )
    lon = validators.optional_integer(
        "lon_micro", lon_micro, minimum=-180_000_000, maximum=180_000_000
    )
    if (lat is None) != (lon is None):
        raise validators.refuse(
            "lon_micro", _("half a position"), _("Give both coordinates or neither.")
        )
    data = {
        "pcode": place.pcode,
        "name": validators.text("name", name, max_length=120, required=True),
        "lat_micro": lat,
        "lon_micro": lon,
    }
    with transaction.atomic():
        append_record(records.PLACE_UPDATED.name, data, actor)
    return Place.objects.get(pcode=place.pcode)


def places_append(*, actor: Principal, rows: Sequence[Data]) -> list[str]:
    """Record checked places (from `place_check`, parents first) in one ledger batch."""
    authorize(actor, permissions.PLACE_MANAGE.name)
    entries = [(records.PLACE_CREATED.name, dict(row)) for row in rows]
    ledger.record_append_batch(entries=entries, actor=actor_of(actor))
    return [row["pcode"] for row in rows]
