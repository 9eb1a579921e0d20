"""Collection of weapons, ammunition lots and other materiel."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, actor_of
from laydown.arms import checks, records
from laydown.arms.models import AmmoLot, Item, Materiel, Site
from laydown.arms.photos import photo_arrive, photos_check
from laydown.arms.selectors import duplicates_of, item_by_tag
from laydown.arms.services.common import (
    ITEM_PREFIX,
    LOT_PREFIX,
    MATERIEL_PREFIX,
    MAX_MATERIEL_QUANTITY,
    MAX_QUANTITY,
    allocate_tags,
    append_record,
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
from laydown.core.errors import ValidationError
from laydown.ledger import services as ledger
from laydown.ledger.group import grouped

MIN_YEAR = 1800
_CATEGORIES = tuple(Category.values)  # Django builds the list again at each `.values`
_CONDITIONS = tuple(Condition.values)


class DuplicateSuspected(ValidationError):
    """The serial, make and model match earlier items: confirm with a reason, or correct."""

    code = "duplicate"

    def __init__(self, message: str, *, tags: list[str]) -> None:
        super().__init__(message, fields={"serial": _("possible duplicate")})
        self.tags = tags


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


@grouped
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
    authorize_at(actor, "arms.item_register", site)
    open_site_check(site)
    clean, problems = item_fields_check(
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
    )
    if problems:
        raise ValidationError(
            " ".join(e.message for e in problems.values()),
            fields={f: r for e in problems.values() for f, r in e.fields.items()},
        )
    reason = validators.text("confirm_duplicate_reason", confirm_duplicate_reason, max_length=500)
    with ledger.atomic():
        earlier = duplicates_of(serial=clean["serial"], make=clean["make"], model=clean["model"])
        if earlier and not reason:
            raise DuplicateSuspected(
                _(
                    "Serial %(serial)s of a %(make)s %(model)s was registered before as "
                    "%(tags)s. Check the weapon; if it is another one, confirm with a reason."
                )
                % {
                    "serial": clean["serial"],
                    "make": clean["make"],
                    "model": clean["model"],
                    "tags": ", ".join(earlier),
                },
                tags=earlier,
            )
        (tag,) = allocate_tags(ITEM_PREFIX)
        entries: list[ledger.Entry] = [
            (records.ITEM_COLLECTED.name, {"tag": tag, "site": site.code, **clean})
        ]
        if earlier:
            entries.append(
                (
                    records.DUPLICATE_CONFIRMED.name,
                    {"item": tag, "duplicate_of": earlier, "reason": reason},
                )
            )
        collected = ledger.record_append_batch(entries=entries, actor=actor_of(actor))[0]
    if earlier:  # the confirmation's apply wrote its reason on the row: read it back
        return item_by_tag(tag)
    return records.item_collected(collected)


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


@grouped
def lot_collect(*, actor: Principal, site: Site, **fields: Any) -> AmmoLot:
    """Register an ammunition lot handed in (fields as `lot_fields_check`). Mass is in grams."""
    authorize_at(actor, "arms.item_register", site)
    open_site_check(site)
    data = lot_fields_check(**fields)
    with ledger.atomic():
        (tag,) = allocate_tags(LOT_PREFIX)
        append_record(records.LOT_COLLECTED.name, {"tag": tag, "site": site.code, **data}, actor)
    return AmmoLot.objects.get(tag=tag)


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


@grouped
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
    authorize_at(actor, "arms.item_register", site)
    open_site_check(site)
    data = materiel_fields_check(
        type=type,
        description=description,
        quantity=quantity,
        identifiers=identifiers,
        handed_in_by=handed_in_by,
        photos=photos,
        photos_announced=photos_announced,
    )
    with ledger.atomic():
        (tag,) = allocate_tags(MATERIEL_PREFIX)
        append_record(
            records.MATERIEL_COLLECTED.name, {"tag": tag, "site": site.code, **data}, actor
        )
    return Materiel.objects.get(tag=tag)


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
