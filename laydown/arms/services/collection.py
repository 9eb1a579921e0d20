"""Collection of weapons, ammunition lots and other materiel."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from django.utils import translation
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, actor_of
from laydown.arms import checks, records
from laydown.arms.models import AmmoLot, Item, Materiel, Site
from laydown.arms.photos import photo_arrive, photos_check
from laydown.arms.selectors import weapon_key
from laydown.arms.services.collected import Collected, collected_write
from laydown.arms.services.common import (
    ITEM_PREFIX,
    LOT_PREFIX,
    MATERIEL_PREFIX,
    MAX_MATERIEL_QUANTITY,
    MAX_QUANTITY,
    authorize_at,
    open_site_check,
)
from laydown.arms.vocab import (
    COMPATIBILITY_GROUPS,
    AmmoType,
    Category,
    Condition,
    HazardDivision,
    MaterielType,
    Unit,
)
from laydown.core import validators
from laydown.core.errors import ValidationError, refusal_of
from laydown.ledger import group

MIN_YEAR = 1800
_CATEGORIES = tuple(Category.values)  # Django builds the list again at each `.values`
_CONDITIONS = tuple(Condition.values)


def item_fields_check(
    *,
    category: object,
    make: object,
    model: object,
    calibre: object = "",
    serial: object = "",
    markings: object = "",
    country: object = "",
    year: object = None,
    condition: object,
    handed_in_by: object = None,
    photos: Sequence[str] = (),
    photos_announced: bool = False,
) -> tuple[dict[str, Any], dict[str, ValidationError]]:
    """Check every field of an item; return (clean record data, {field: its error}).

    The importer reports every problem of every row from this; `item_collect` raises the first.
    """
    clean: dict[str, Any] = {}
    problems: dict[str, ValidationError] = {}
    field_checks: dict[str, Callable[[], Any]] = {
        "category": lambda: validators.choice("category", category, _CATEGORIES),
        "make": lambda: validators.text("make", make, max_length=100, required=True),
        "model": lambda: validators.text("model", model, max_length=100, required=True),
        "calibre": lambda: validators.text("calibre", calibre, max_length=50),
        "serial": lambda: checks.serial(serial),
        "markings": lambda: validators.text("markings", markings, max_length=500),
        "country": lambda: checks.country(country),
        "year": lambda: (
            None
            if year in (None, "")
            else validators.integer("year", year, minimum=MIN_YEAR, maximum=2100)
        ),
        "condition": lambda: validators.choice("condition", condition, _CONDITIONS),
        "photos": lambda: photos_check(photos, announced=photos_announced),
        "handed_in_by": lambda: validators.pseudonym("handed_in_by", handed_in_by),
    }
    for field, check in field_checks.items():
        try:
            clean[field] = check()
        except ValidationError as exc:
            problems[field] = exc
    return clean, problems


def item_collect(
    *,
    actor: Principal,
    site: Site,
    category: str,
    make: str,
    model: str,
    calibre: str = "",
    serial: str = "",
    markings: str = "",
    country: str = "",
    year: int | None = None,
    condition: str,
    handed_in_by: str | None = None,
    photos: Sequence[str] = (),
    photos_announced: bool = False,
    confirm_duplicate_reason: str | None = None,
) -> Item:
    """Register a weapon handed in at `site`; allocate its tag.

    Raises DuplicateSuspected (code "duplicate", `.tags`) when the normalised serial, make and
    model were seen before, unless `confirm_duplicate_reason` says why this is another weapon.
    With `photos_announced` (the field app), `photos` may name photos still on the device,
    stored when they arrive (`tag_photo_arrive`).
    """
    item = group.committed(
        collected_write,
        item_checked(
            actor=actor,
            site=site,
            category=category,
            make=make,
            model=model,
            calibre=calibre,
            serial=serial,
            markings=markings,
            country=country,
            year=year,
            condition=condition,
            handed_in_by=handed_in_by,
            photos=photos,
            photos_announced=photos_announced,
            confirm_duplicate_reason=confirm_duplicate_reason,
        ),
    )
    return cast(Item, item)  # the outcome of an item's registration


def item_checked(
    *, actor: Principal, site: Site, confirm_duplicate_reason: str | None = None, **fields: Any
) -> Collected:
    """`item_collect`'s checks, which need no lock (the caller's thread runs them before the
    committer's): the registration left to write, or the ValidationError of its first field
    (every bad field named)."""
    authorize_at(actor, "arms.item_register", site)
    open_site_check(site)  # as the caller saw it; checked again when written
    clean, problems = item_fields_check(**fields)
    if problems:
        raise refusal_of(problems.values())
    reason = validators.text("confirm_duplicate_reason", confirm_duplicate_reason, max_length=500)
    serial = clean["serial"]
    key = weapon_key(serial, clean["make"], clean["model"]) if serial else None
    return Collected(
        kind=records.ITEM_COLLECTED.name,
        prefix=ITEM_PREFIX,
        actor=actor_of(actor),
        site=site.code,
        data=clean,
        key=key if key and key[0] else None,  # no serial (obliterated): nothing to compare
        reason=reason,
        language=translation.get_language(),
    )


def _photos(photos: Sequence[str], announced: bool) -> dict[str, list[str]]:
    """A lot's or materiel's photos in its record: only when there are any (records of before
    photos keep their shape)."""
    checked = photos_check(photos, announced=announced)
    return {"photos": checked} if checked else {}


def lot_fields_check(
    *,
    type: object,
    calibre: object = "",
    lot_number: object = "",
    quantity: object,
    unit: object,
    hazard_division: object,
    compatibility_group: object,
    condition: object,
    handed_in_by: object = None,
    photos: Sequence[str] = (),
    photos_announced: bool = False,
) -> dict[str, Any]:
    """The clean record data of a lot, or a ValidationError naming the first bad field."""
    data = {
        "type": validators.choice("type", type, AmmoType.values),
        "calibre": validators.text("calibre", calibre, max_length=50),
        "lot_number": validators.text("lot_number", lot_number, max_length=100),
        "quantity": validators.integer("quantity", quantity, minimum=1, maximum=MAX_QUANTITY),
        "unit": validators.choice("unit", unit, Unit.values),
        "hazard_division": validators.choice(
            "hazard_division", hazard_division, HazardDivision.values
        ),
        "compatibility_group": validators.choice(
            "compatibility_group", compatibility_group, COMPATIBILITY_GROUPS
        ),
        "condition": validators.choice("condition", condition, Condition.values),
        "handed_in_by": validators.pseudonym("handed_in_by", handed_in_by),
        **_photos(photos, photos_announced),
    }
    if data["type"] == AmmoType.EXPLOSIVE and data["unit"] != Unit.GRAMS:
        raise validators.refuse(
            "unit", _("impossible unit"), _("Bulk explosives are weighed in grams.")
        )
    if data["type"] == AmmoType.CARTRIDGE and data["unit"] == Unit.GRAMS:
        raise validators.refuse(
            "unit", _("impossible unit"), _("Cartridges are counted in rounds.")
        )
    return data


def lot_collect(*, actor: Principal, site: Site, **fields: Any) -> AmmoLot:
    """Register an ammunition lot handed in (fields as `lot_fields_check`). Mass is in grams."""
    return cast(AmmoLot, group.committed(collected_write, lot_checked(actor, site, **fields)))


def lot_checked(actor: Principal, site: Site, **fields: Any) -> Collected:
    """`lot_collect`'s checks, which need no lock: the registration left to write."""
    authorize_at(actor, "arms.item_register", site)
    open_site_check(site)  # as the caller saw it; checked again when written
    return _checked(records.LOT_COLLECTED.name, LOT_PREFIX, actor, site, lot_fields_check(**fields))


def _checked(
    kind: str, prefix: str, actor: Principal, site: Site, data: dict[str, Any]
) -> Collected:
    return Collected(
        kind=kind,
        prefix=prefix,
        actor=actor_of(actor),
        site=site.code,
        data=data,
        language=translation.get_language(),
    )


def materiel_fields_check(
    *,
    type: object,
    description: object,
    quantity: object,
    identifiers: Sequence[object] = (),
    handed_in_by: object = None,
    photos: Sequence[str] = (),
    photos_announced: bool = False,
) -> dict[str, Any]:
    """The clean record data of materiel, or a ValidationError naming the first bad field."""
    idents = [validators.text("identifiers", i, max_length=100, required=True) for i in identifiers]
    return {
        "type": validators.choice("type", type, MaterielType.values),
        "description": validators.text("description", description, max_length=500, required=True),
        "quantity": validators.integer(
            "quantity", quantity, minimum=1, maximum=MAX_MATERIEL_QUANTITY
        ),
        "identifiers": idents[:100],
        "handed_in_by": validators.pseudonym("handed_in_by", handed_in_by),
        **_photos(photos, photos_announced),
    }


def materiel_collect(
    *,
    actor: Principal,
    site: Site,
    type: str,
    description: str,
    quantity: int,
    identifiers: Sequence[str] = (),
    handed_in_by: str | None = None,
    photos: Sequence[str] = (),
    photos_announced: bool = False,
) -> Materiel:
    request = materiel_checked(
        actor,
        site,
        type=type,
        description=description,
        quantity=quantity,
        identifiers=identifiers,
        handed_in_by=handed_in_by,
        photos=photos,
        photos_announced=photos_announced,
    )
    return cast(Materiel, group.committed(collected_write, request))


def materiel_checked(actor: Principal, site: Site, **fields: Any) -> Collected:
    """`materiel_collect`'s checks, which need no lock: the registration left to write."""
    authorize_at(actor, "arms.item_register", site)
    open_site_check(site)  # as the caller saw it; checked again when written
    data = materiel_fields_check(**fields)
    return _checked(records.MATERIEL_COLLECTED.name, MATERIEL_PREFIX, actor, site, data)


def tag_photo_arrive(*, actor: Principal, tag: str, sha: str, data: bytes) -> bool:
    """A photo that the record of a weapon, lot or materiel (`tag`) announced arrives from the
    device that took it: checked against its SHA-256 and stored. Idempotent (False: it was there
    already). Refused for a photo that is not the tag's, so no one stores files by naming any."""
    item: Item | AmmoLot | Materiel | None = None
    for model in (Item, AmmoLot, Materiel):
        item = model.objects.filter(tag=tag).first()
        if item is not None:
            break
    if item is None:
        raise validators.refuse("tag", _("unknown"), _("No item %(tag)s.") % {"tag": tag})
    site = item.collected_site if isinstance(item, (Item, AmmoLot)) else item.site
    authorize_at(actor, "arms.item_register", site)
    if sha not in item.photos:
        raise validators.refuse(
            "sha256",
            _("not this item's"),
            _("Item %(tag)s names no photo %(sha)s.") % {"tag": tag, "sha": sha},
        )
    return photo_arrive(sha=sha, data=data)
