"""Writes of the disarmament registry.

Each service authorises, validates (raising a ValidationError that names the field and the
reason), then appends its ledger record inside `transaction.atomic()`; the record's `apply`
(records.py) changes the projection. A refused call appends nothing and changes nothing.

Services that act on an item, lot or container lock its row (`select_for_update`) inside the
transaction and check its state again there: two custodians acting on one item at once queue,
and the second sees what the first did.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from laydown.accounts.permissions import Principal, authorize
from laydown.accounts.roles import Scope
from laydown.accounts.services import SYSTEM
from laydown.arms import records
from laydown.arms.models import (
    AmmoLot,
    Container,
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
from laydown.arms.normalise import mixed_scripts, normalise_serial
from laydown.arms.sampling import sample_seed
from laydown.arms.vocab import (
    COMPATIBILITY_GROUPS,
    AmmoType,
    Category,
    Condition,
    DisposalMethod,
    HazardDivision,
    IncidentKind,
    ItemStatus,
    LotStatus,
    MaterielType,
    SealStatus,
    ShipmentStatus,
    SiteKind,
    SiteStatus,
    StockCheckKind,
    StockCheckStatus,
    Unit,
)
from laydown.core.errors import ValidationError
from laydown.ledger import selectors as ledger_selectors
from laydown.ledger import services as ledger
from laydown.ledger.models import Record

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 20
MAX_QUANTITY = 100_000_000  # rounds, grams or pieces in one lot: beyond this, split the lot
MAX_MATERIEL_QUANTITY = 100_000
MAX_LINES = 2000  # items and lots in one shipment or disposal record
MIN_YEAR = 1800
ITEM_PREFIX, LOT_PREFIX, MATERIEL_PREFIX = "LD", "LA", "LM"
SHIPMENT_PREFIX, CHECK_PREFIX, DISPOSAL_PREFIX, INCIDENT_PREFIX = "SH", "SC", "DS", "IN"

_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_PSEUDONYM = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SEAL = re.compile(r"^[A-Za-z0-9-]{1,40}$")


class DuplicateSuspected(ValidationError):
    """The serial, make and model match earlier items: confirm with a reason, or correct."""

    code = "duplicate"

    def __init__(self, message: str, *, tags: list[str]) -> None:
        super().__init__(message, fields={"serial": _("possible duplicate")})
        self.tags = tags


def _refuse(field: str, reason: str, message: str) -> ValidationError:
    return ValidationError(message, fields={field: reason})


def _actor(principal: Principal) -> str:
    return principal.pseudonym or "anonymous"


def _authorize(principal: Principal, action: str, site: Site | None = None) -> None:
    """Raise unless `principal` may do `action` at `site`. SYSTEM is the operator at the shell
    (as in accounts): whoever holds the data directory holds the keys anyway."""
    if principal is SYSTEM:
        return
    scope = None if site is None else Scope(site=site.code, region=site.region)
    authorize(principal, action, scope=scope)


def _append(kind: str, data: Mapping[str, Any], actor: Principal) -> Record:
    return ledger.record_append(kind=kind, data=data, actor=_actor(actor))


def allocate_tags(prefix: str, count: int = 1) -> list[str]:
    """The next `count` tags of `prefix`, gap-free. Call inside the transaction that appends the
    records using them: the counter row stays locked until it commits, and `apply` advances it.
    """
    TagCounter.objects.bulk_create([TagCounter(prefix=prefix, last=0)], ignore_conflicts=True)
    last = TagCounter.objects.select_for_update().get(prefix=prefix).last
    return [f"{prefix}-{n:06d}" for n in range(last + 1, last + count + 1)]


# ---- field checks: each returns the clean value or raises naming the field ------------------


def _text(field: str, value: object, *, max_length: int, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise _refuse(field, _("required"), _("%(field)s is required.") % {"field": field})
    if len(text) > max_length:
        raise _refuse(
            field,
            _("too long"),
            _("%(field)s is longer than %(max)d characters.") % {"field": field, "max": max_length},
        )
    if any(ord(c) < 32 for c in text):
        raise _refuse(
            field,
            _("control characters"),
            _("%(field)s contains control characters.") % {"field": field},
        )
    return text


def _choice(field: str, value: object, choices: Sequence[str]) -> str:
    if value not in choices:
        raise _refuse(
            field,
            _("unknown"),
            _("%(field)s %(value)r is not one of: %(choices)s.")
            % {"field": field, "value": value, "choices": ", ".join(choices)},
        )
    return str(value)


def _integer(field: str, value: object, *, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        number = None
    else:
        try:
            number = int(str(value).strip())
        except ValueError:
            number = None
    if number is None or not minimum <= number <= maximum:
        raise _refuse(
            field,
            _("impossible value"),
            _("%(field)s must be a whole number from %(min)d to %(max)d, not %(value)r.")
            % {"field": field, "min": minimum, "max": maximum, "value": value},
        )
    return number


def _pseudonym(field: str, value: object, *, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise _refuse(field, _("required"), _("%(field)s is required.") % {"field": field})
        return None
    if not isinstance(value, str) or not _PSEUDONYM.match(value):
        raise _refuse(
            field,
            _("not a pseudonym"),
            _("%(field)s must be a pseudonymous id (letters, digits, . _ : -), not a name.")
            % {"field": field},
        )
    return value


def _serial(value: object) -> str:
    serial = _text("serial", value, max_length=100)
    if mixed_scripts(serial):
        raise _refuse(
            "serial",
            _("mixed scripts"),
            _(
                "The serial %(serial)r mixes letters of different scripts (for example a Latin "
                "and a Cyrillic letter): check the keyboard layout and type it as printed."
            )
            % {"serial": serial},
        )
    return serial


def _photos(value: Sequence[str]) -> list[str]:
    photos = list(value)
    if len(photos) > MAX_PHOTOS:
        raise _refuse("photos", _("too many"), _("At most %(max)d photos.") % {"max": MAX_PHOTOS})
    for sha in photos:
        if not isinstance(sha, str) or not _SHA256.match(sha) or not photo_path(sha).exists():
            raise _refuse(
                "photos",
                _("unknown photo"),
                _("Photo %(sha)r is not in the file store; upload it first.") % {"sha": sha},
            )
    return photos


def _open_site(site: Site) -> None:
    if site.status != SiteStatus.OPEN:
        raise _refuse(
            "site",
            _("not open"),
            _("Site %(site)s is %(status)s.") % {"site": site.code, "status": site.status},
        )


def _witnesses(value: Sequence[str], actor: Principal) -> list[str]:
    witnesses = [_pseudonym("witnesses", w, required=True) or "" for w in value]
    if not witnesses or len(set(witnesses)) != len(witnesses) or actor.pseudonym in witnesses:
        raise _refuse(
            "witnesses",
            _("missing"),
            _("Name at least one witness, each once, other than yourself."),
        )
    return witnesses


# ---- photos --------------------------------------------------------------------------------


def photo_path(sha: str) -> Path:
    return settings.DATA_DIR / "files" / sha[:2] / sha


def _image_kind(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def photo_store(*, data: bytes) -> str:
    """Store a JPEG, PNG or WebP photo by its SHA-256 (which records then name); return it."""
    if len(data) > MAX_PHOTO_BYTES:
        raise _refuse(
            "photos",
            _("too big"),
            _("The photo is %(size)d bytes; the limit is 10 MB.") % {"size": len(data)},
        )
    if _image_kind(data) is None:
        raise _refuse("photos", _("not an image"), _("The file is not a JPEG, PNG or WebP image."))
    sha = hashlib.sha256(data).hexdigest()
    path = photo_path(sha)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(path)
    return sha


# ---- sites, containers, seals --------------------------------------------------------------


def site_create(
    *,
    actor: Principal,
    code: str,
    name: str,
    kind: str,
    region: str,
    lat_micro: int | None = None,
    lon_micro: int | None = None,
    status: str = SiteStatus.OPEN,
) -> Site:
    """Create a site; coordinates are micro-degrees (integers: 40.123456° -> 40123456)."""
    _authorize(actor, "arms.site_manage")
    code = code.strip().lower()
    for field, value in (("code", code), ("region", region)):
        if not _CODE.match(value):
            raise _refuse(
                field,
                _("invalid"),
                _("%(field)s %(value)r: use lower-case letters, digits and dashes (at most 40).")
                % {"field": field, "value": value},
            )
    data = {
        "code": code,
        "name": _text("name", name, max_length=200, required=True),
        "kind": _choice("kind", kind, SiteKind.values),
        "region": region,
        "lat_micro": None
        if lat_micro is None
        else _integer("lat_micro", lat_micro, minimum=-90_000_000, maximum=90_000_000),
        "lon_micro": None
        if lon_micro is None
        else _integer("lon_micro", lon_micro, minimum=-180_000_000, maximum=180_000_000),
        "status": _choice("status", status, SiteStatus.values),
    }
    with transaction.atomic():
        if Site.objects.filter(code=code).exists():
            raise _refuse("code", _("taken"), _("A site %(code)s exists.") % {"code": code})
        _append(records.SITE_CREATED.name, data, actor)
    return Site.objects.get(code=code)


def container_create(*, actor: Principal, site: Site, code: str, racks: int = 0) -> Container:
    _authorize(actor, "arms.site_manage")
    code = code.strip().lower()
    if not _CODE.match(code):
        raise _refuse(
            "code",
            _("invalid"),
            _("Container code %(code)r: use lower-case letters, digits and dashes.")
            % {"code": code},
        )
    if site.kind != SiteKind.STORAGE_DEPOT:
        raise _refuse("site", _("not a depot"), _("Containers are set up in storage depots only."))
    data = {
        "code": code,
        "site": site.code,
        "racks": _integer("racks", racks, minimum=0, maximum=999),
    }
    with transaction.atomic():
        if Container.objects.filter(code=code).exists():
            raise _refuse("code", _("taken"), _("A container %(code)s exists.") % {"code": code})
        _append(records.CONTAINER_CREATED.name, data, actor)
    return Container.objects.get(code=code)


def _sealed(container: Container | None) -> Seal | None:
    if container is None:
        return None
    return Seal.objects.filter(container=container, status=SealStatus.APPLIED).first()


def seal_apply(*, actor: Principal, container: Container, number: str) -> Seal:
    _authorize(actor, "arms.custody", container.site)
    number = number.strip()
    if not _SEAL.match(number):
        raise _refuse("seal", _("invalid"), _("A seal number has 1-40 letters, digits or dashes."))
    with transaction.atomic():
        container = Container.objects.select_for_update().get(code=container.code)
        current = _sealed(container)
        if current is not None:
            raise _refuse(
                "container",
                _("already sealed"),
                _("Container %(c)s already carries seal %(seal)s.")
                % {"c": container.code, "seal": current.number},
            )
        if Seal.objects.filter(number=number).exists():
            raise _refuse("seal", _("used"), _("Seal %(seal)s was used before.") % {"seal": number})
        _append(records.SEAL_APPLIED.name, {"seal": number, "container": container.code}, actor)
    return Seal.objects.get(number=number)


def seal_break(*, actor: Principal, seal: Seal, reason: str) -> Seal:
    _authorize(actor, "arms.custody", seal.container.site)
    reason = _text("reason", reason, max_length=500, required=True)
    with transaction.atomic():
        Container.objects.select_for_update().get(code=seal.container_id)
        if Seal.objects.get(number=seal.number).status != SealStatus.APPLIED:
            raise _refuse(
                "seal", _("broken"), _("Seal %(seal)s is already broken.") % {"seal": seal.number}
            )
        data = {"seal": seal.number, "container": seal.container_id, "reason": reason}
        _append(records.SEAL_BROKEN.name, data, actor)
    return Seal.objects.get(number=seal.number)


# ---- collection ----------------------------------------------------------------------------


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
) -> tuple[dict[str, Any], dict[str, ValidationError]]:
    """Check every field of an item; return (clean record data, {field: its error}).

    The importer reports every problem of every row from this; `item_collect` raises the first.
    """
    clean: dict[str, Any] = {}
    problems: dict[str, ValidationError] = {}
    checks: dict[str, Callable[[], Any]] = {
        "category": lambda: _choice("category", category, Category.values),
        "make": lambda: _text("make", make, max_length=100, required=True),
        "model": lambda: _text("model", model, max_length=100, required=True),
        "calibre": lambda: _text("calibre", calibre, max_length=50),
        "serial": lambda: _serial(serial),
        "markings": lambda: _text("markings", markings, max_length=500),
        "country": lambda: _country(country),
        "year": lambda: (
            None if year in (None, "") else _integer("year", year, minimum=MIN_YEAR, maximum=2100)
        ),
        "condition": lambda: _choice("condition", condition, Condition.values),
        "photos": lambda: _photos(photos),
        "handed_in_by": lambda: _pseudonym("handed_in_by", handed_in_by),
    }
    for field, check in checks.items():
        try:
            clean[field] = check()
        except ValidationError as exc:
            problems[field] = exc
    return clean, problems


def _country(value: object) -> str:
    text = _text("country", value, max_length=2).upper()
    if text and not _COUNTRY.match(text):
        raise _refuse(
            "country",
            _("invalid"),
            _("Country %(value)r: use the two-letter ISO 3166 code (e.g. RU, US).")
            % {"value": value},
        )
    return text


def same_weapon_key(make: str, model: str) -> tuple[str, str]:
    """Make and model as compared by the duplicate check: case and spacing do not count."""
    return normalise_serial(make), normalise_serial(model)


def duplicates_of(*, serial: str, make: str, model: str) -> list[str]:
    """Tags of earlier items with the same normalised serial, make and model."""
    normalised = normalise_serial(serial)
    if not normalised:
        return []  # no serial (obliterated, not stamped): nothing to compare
    key = same_weapon_key(make, model)
    rows = Item.objects.filter(serial_normalised=normalised).values_list("tag", "make", "model")
    return sorted(tag for tag, mk, md in rows if same_weapon_key(mk, md) == key)


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
    confirm_duplicate_reason: str | None = None,
) -> Item:
    """Register a weapon handed in at `site`; allocate its tag.

    Raises DuplicateSuspected (code "duplicate", `.tags`) when the normalised serial, make and
    model were seen before, unless `confirm_duplicate_reason` says why this is another weapon.
    """
    _authorize(actor, "arms.item_register", site)
    _open_site(site)
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
    )
    if problems:
        raise ValidationError(
            " ".join(e.message for e in problems.values()),
            fields={f: r for e in problems.values() for f, r in e.fields.items()},
        )
    reason = _text("confirm_duplicate_reason", confirm_duplicate_reason, max_length=500)
    with transaction.atomic():
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
        ledger.record_append_batch(entries=entries, actor=_actor(actor))
    return Item.objects.get(tag=tag)


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
) -> dict[str, Any]:
    """The clean record data of a lot, or a ValidationError naming the first bad field."""
    data = {
        "type": _choice("type", type, AmmoType.values),
        "calibre": _text("calibre", calibre, max_length=50),
        "lot_number": _text("lot_number", lot_number, max_length=100),
        "quantity": _integer("quantity", quantity, minimum=1, maximum=MAX_QUANTITY),
        "unit": _choice("unit", unit, Unit.values),
        "hazard_division": _choice("hazard_division", hazard_division, HazardDivision.values),
        "compatibility_group": _choice(
            "compatibility_group", compatibility_group, COMPATIBILITY_GROUPS
        ),
        "condition": _choice("condition", condition, Condition.values),
        "handed_in_by": _pseudonym("handed_in_by", handed_in_by),
    }
    if data["type"] == AmmoType.EXPLOSIVE and data["unit"] != Unit.GRAMS:
        raise _refuse("unit", _("impossible unit"), _("Bulk explosives are weighed in grams."))
    if data["type"] == AmmoType.CARTRIDGE and data["unit"] == Unit.GRAMS:
        raise _refuse("unit", _("impossible unit"), _("Cartridges are counted in rounds."))
    return data


def lot_collect(*, actor: Principal, site: Site, **fields: Any) -> AmmoLot:
    """Register an ammunition lot handed in (fields as `lot_fields_check`). Mass is in grams."""
    _authorize(actor, "arms.item_register", site)
    _open_site(site)
    data = lot_fields_check(**fields)
    with transaction.atomic():
        (tag,) = allocate_tags(LOT_PREFIX)
        _append(records.LOT_COLLECTED.name, {"tag": tag, "site": site.code, **data}, actor)
    return AmmoLot.objects.get(tag=tag)


def materiel_collect(
    *,
    actor: Principal,
    site: Site,
    type: str,
    description: str,
    quantity: int,
    identifiers: Sequence[str] = (),
    handed_in_by: str | None = None,
) -> Materiel:
    _authorize(actor, "arms.item_register", site)
    _open_site(site)
    idents = [_text("identifiers", i, max_length=100, required=True) for i in identifiers]
    data = {
        "type": _choice("type", type, MaterielType.values),
        "description": _text("description", description, max_length=500, required=True),
        "quantity": _integer("quantity", quantity, minimum=1, maximum=MAX_MATERIEL_QUANTITY),
        "identifiers": idents[:100],
        "handed_in_by": _pseudonym("handed_in_by", handed_in_by),
    }
    with transaction.atomic():
        (tag,) = allocate_tags(MATERIEL_PREFIX)
        _append(records.MATERIEL_COLLECTED.name, {"tag": tag, "site": site.code, **data}, actor)
    return Materiel.objects.get(tag=tag)


# ---- custody -------------------------------------------------------------------------------


def _locked_item(tag: str) -> Item:
    """The item's row, locked until the transaction ends; call inside transaction.atomic()."""
    item = Item.objects.select_for_update().filter(tag=tag).first()
    if item is None:
        raise _refuse("item", _("unknown"), _("No item %(tag)s.") % {"tag": tag})
    return item


def _refuse_if_sealed(container: Container | None, doing: str) -> None:
    seal = _sealed(container)
    if seal is not None:
        raise _refuse(
            "container",
            _("sealed"),
            _("Container %(c)s is sealed (seal %(seal)s): break the seal before %(doing)s.")
            % {"c": seal.container_id, "seal": seal.number, "doing": doing},
        )


def _rack(container: Container, rack: int | None) -> int | None:
    if rack is None:
        return None
    return _integer("rack", rack, minimum=1, maximum=max(container.racks, 1))


def item_book(
    *, actor: Principal, item: Item, container: Container, rack: int | None = None
) -> Item:
    """Book an item that is in storage at the container's site into the container."""
    _authorize(actor, "arms.custody", container.site)
    rack = _rack(container, rack)
    with transaction.atomic():
        locked = _locked_item(item.tag)
        if locked.site_id != container.site_id or locked.status != ItemStatus.IN_STORAGE:
            raise _refuse(
                "item",
                _("not at this site"),
                _("Item %(tag)s is not in storage at site %(site)s.")
                % {"tag": locked.tag, "site": container.site_id},
            )
        if locked.container_id is not None:
            raise _refuse(
                "item",
                _("already booked"),
                _("Item %(tag)s is already booked into container %(c)s.")
                % {"tag": locked.tag, "c": locked.container_id},
            )
        _refuse_if_sealed(container, _("booking items into it"))
        data = {"item": locked.tag, "container": container.code, "rack": rack}
        _append(records.ITEM_BOOKED.name, data, actor)
    return Item.objects.get(tag=item.tag)


def item_remove(*, actor: Principal, item: Item, by: str, organisation: str, purpose: str) -> Item:
    """Take an item out of storage for a purpose (inspection, evidence, training ...)."""
    _authorize(actor, "arms.custody", item.site)
    data = {
        "by": _pseudonym("by", by, required=True),
        "organisation": _text("organisation", organisation, max_length=100, required=True),
        "purpose": _text("purpose", purpose, max_length=500, required=True),
    }
    with transaction.atomic():
        locked = _locked_item(item.tag)
        if locked.status != ItemStatus.IN_STORAGE:
            raise _refuse(
                "item",
                _("not in storage"),
                _("Item %(tag)s is %(status)s, not in storage.")
                % {"tag": locked.tag, "status": locked.status},
            )
        _refuse_if_sealed(locked.container, _("removing an item"))
        data |= {"item": locked.tag, "container": locked.container_id}
        _append(records.ITEM_REMOVED.name, data, actor)
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
    _authorize(actor, "arms.custody", container.site)
    rack = _rack(container, rack)
    if condition is not None:
        _choice("condition", condition, Condition.values)
    with transaction.atomic():
        locked = _locked_item(item.tag)
        if locked.status != ItemStatus.REMOVED or locked.site_id != container.site_id:
            raise _refuse(
                "item",
                _("not removed here"),
                _("Item %(tag)s was not removed from site %(site)s.")
                % {"tag": locked.tag, "site": container.site_id},
            )
        _refuse_if_sealed(container, _("returning items into it"))
        data = {
            "item": locked.tag,
            "container": container.code,
            "rack": rack,
            "condition": condition,
        }
        _append(records.ITEM_RETURNED.name, data, actor)
    return Item.objects.get(tag=item.tag)


# ---- shipments -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Crate:
    """One sealed crate of a shipment: its code, its seal number and what it holds (tags)."""

    code: str
    seal: str
    items: tuple[str, ...] = ()
    lots: tuple[str, ...] = ()


def _check_crates(crates: Sequence[Crate]) -> None:
    codes = [c.code for c in crates]
    if not crates or len(set(codes)) != len(codes) or not all(_SEAL.match(c.code) for c in crates):
        raise _refuse("crates", _("invalid"), _("Give one or more crates, each with its own code."))
    seals = [c.seal for c in crates]
    if len(set(seals)) != len(seals) or not all(_SEAL.match(s) for s in seals):
        raise _refuse("crates", _("seal missing"), _("Every crate needs its own seal number."))
    tags = [t for c in crates for t in (*c.items, *c.lots)]
    if len(set(tags)) != len(tags):
        raise _refuse("items", _("listed twice"), _("An item or lot is listed twice."))
    if not tags or len(tags) > MAX_LINES:
        raise _refuse(
            "items",
            _("too many"),
            _("A shipment carries 1 to %(max)d items and lots.") % {"max": MAX_LINES},
        )


def _check_movable(
    rows: Sequence[Item | AmmoLot], tags: Collection[str], site: Site, field: str
) -> None:
    found = {row.tag: row for row in rows}
    for tag in sorted(tags):
        row = found.get(tag)
        if row is None or row.site_id != site.code or row.status != ItemStatus.IN_STORAGE:
            raise _refuse(
                field,
                _("not at the sending site"),
                _("%(tag)s is not in storage at the sending site %(site)s.")
                % {"tag": tag, "site": site.code},
            )
        _refuse_if_sealed(row.container, _("taking %(tag)s out") % {"tag": tag})


def shipment_dispatch(
    *, actor: Principal, from_site: Site, to_site: Site, crates: Sequence[Crate]
) -> Shipment:
    """Send items and lots in sealed crates; they are in transit until received."""
    _authorize(actor, "arms.shipment", from_site)
    if from_site.code == to_site.code:
        raise _refuse("to_site", _("same site"), _("A shipment goes to another site."))
    _open_site(to_site)
    _check_crates(crates)
    item_tags = [t for c in crates for t in c.items]
    lot_tags = [t for c in crates for t in c.lots]
    with transaction.atomic():
        items = list(
            Item.objects.select_for_update(of=("self",))
            .filter(tag__in=item_tags)
            .select_related("container")
        )
        lots = list(
            AmmoLot.objects.select_for_update(of=("self",))
            .filter(tag__in=lot_tags)
            .select_related("container")
        )
        _check_movable(items, item_tags, from_site, "items")
        _check_movable(lots, lot_tags, from_site, "lots")
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
        _append(records.SHIPMENT_DISPATCHED.name, data, actor)
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
    _authorize(actor, "arms.shipment", shipment.to_site)
    declaration = _text("declaration", declaration, max_length=2000, required=True)
    counted = {
        tag: _integer("received_lots", q, minimum=0, maximum=MAX_QUANTITY)
        for tag, q in (received_lots or {}).items()
    }
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().get(code=shipment.code)
        if shipment.status != ShipmentStatus.DISPATCHED:
            raise _refuse(
                "shipment",
                _("already received"),
                _("Shipment %(code)s was already received.") % {"code": shipment.code},
            )
        lines = list(ShipmentLine.objects.filter(shipment=shipment).select_related("lot"))
        crates = {line.crate for line in lines}
        unknown_crates = sorted(set(broken_seals) - crates)
        if unknown_crates:
            raise _refuse(
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
        _append(records.SHIPMENT_RECEIVED.name, data, actor)
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


# ---- losses, disposal ----------------------------------------------------------------------


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
        raise _refuse("item", _("required"), _("Name either an item or a lot."))
    _authorize(actor, "arms.report_lost", thing.site)
    kind = _choice("kind", kind, IncidentKind.values)
    description = _text("description", description, max_length=2000, required=True)
    model: Any = Item if item is not None else AmmoLot
    with transaction.atomic():
        locked = model.objects.select_for_update().get(tag=thing.tag)
        if locked.status in (ItemStatus.LOST, ItemStatus.DISPOSED, LotStatus.DESTROYED_IN_PLACE):
            raise _refuse(
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
        _append(records.ITEM_REPORTED_LOST.name, data, actor)
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
    _authorize(actor, "arms.dispose", site)
    method = _choice("method", method, DisposalMethod.values)
    witness_list = _witnesses(witnesses, actor)
    reference = _text("reference", reference, max_length=200)
    tags = [*items, *lots]
    if not tags or len(set(tags)) != len(tags) or len(tags) > MAX_LINES:
        raise _refuse(
            "items",
            _("invalid"),
            _("Give 1 to %(max)d different items and lots.") % {"max": MAX_LINES},
        )
    with transaction.atomic():
        locked_items = list(
            Item.objects.select_for_update(of=("self",))
            .filter(tag__in=items)
            .select_related("container")
        )
        locked_lots = list(
            AmmoLot.objects.select_for_update(of=("self",))
            .filter(tag__in=lots)
            .select_related("container")
        )
        _check_movable(locked_items, items, site, "items")
        _check_movable(locked_lots, lots, site, "lots")
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
        _append(records.DISPOSED.name, data, actor)
    return Disposal.objects.get(code=code)


def lot_destroy_in_place(
    *, actor: Principal, lot: AmmoLot, witnesses: Sequence[str], reason: str, reference: str = ""
) -> Disposal:
    """Record that an unsafe lot was destroyed where it lay (too dangerous to move)."""
    _authorize(actor, "arms.dispose", lot.site)
    witness_list = _witnesses(witnesses, actor)
    reason = _text("reason", reason, max_length=500, required=True)
    reference = _text("reference", reference, max_length=200)
    with transaction.atomic():
        locked = AmmoLot.objects.select_for_update().get(tag=lot.tag)
        if locked.condition != Condition.UNSAFE or locked.status != LotStatus.IN_STORAGE:
            raise _refuse(
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
        _append(records.LOT_DESTROYED_IN_PLACE.name, data, actor)
    return Disposal.objects.get(code=code)


# ---- stock checks --------------------------------------------------------------------------


def stock_check_plan(*, actor: Principal, site: Site, full: bool = False) -> StockCheck:
    """Plan a stock check: a sample of at least 10% of serials per container, or a full count.

    The sample is seeded from the latest signed checkpoint (laydown.arms.sampling), so it could
    not be known before the log reached it; the check's lines list the drawn items.
    """
    _authorize(actor, "arms.stock_check", site)
    with transaction.atomic():
        if not Item.objects.filter(site=site, status=ItemStatus.IN_STORAGE).exists():
            raise _refuse(
                "site",
                _("nothing to count"),
                _("No items are in storage at %(site)s.") % {"site": site.code},
            )
        (code,) = allocate_tags(CHECK_PREFIX)
        checkpoint = ledger_selectors.checkpoint_latest()
        data = {
            "check": code,
            "site": site.code,
            "kind": StockCheckKind.FULL.value if full else StockCheckKind.SAMPLE.value,
            "checkpoint_size": checkpoint.size,
            "seed": sample_seed(checkpoint_root=checkpoint.root, check_code=code),
        }
        _append(records.STOCK_CHECK_PLANNED.name, data, actor)
    return StockCheck.objects.get(code=code)


def stock_check_record(
    *,
    actor: Principal,
    check: StockCheck,
    found: Collection[str],
    mismatches: Mapping[str, str] | None = None,
) -> StockCheck:
    """Record a count: `found` lists the tags seen; `mismatches` notes a serial, condition or
    location that differs. Every line not found, every mismatch and every tag found that was not
    on the list is flagged as a discrepancy."""
    _authorize(actor, "arms.stock_check", check.site)
    notes = {
        tag: _text("mismatches", note, max_length=500, required=True)
        for tag, note in (mismatches or {}).items()
    }
    with transaction.atomic():
        check = StockCheck.objects.select_for_update().get(code=check.code)
        if check.status != StockCheckStatus.PLANNED:
            raise _refuse(
                "check",
                _("already counted"),
                _("Check %(code)s was counted.") % {"code": check.code},
            )
        expected = set(
            StockCheckLine.objects.filter(stock_check=check).values_list("item_id", flat=True)
        )
        unknown = sorted(set(notes) - expected)
        if unknown:
            raise _refuse(
                "mismatches",
                _("not on the list"),
                _("%(tags)s are not on this check's list.") % {"tags": ", ".join(unknown)},
            )
        seen = set(found)
        missing = sorted(expected - seen)
        unexpected = sorted(seen - expected)
        discrepancies = (
            [{"kind": "missing", "item": t} for t in missing]
            + [{"kind": "mismatch", "item": t, "note": n} for t, n in sorted(notes.items())]
            + [{"kind": "unexpected", "item": t} for t in unexpected]
        )
        data = {
            "check": check.code,
            "missing": missing,
            "mismatches": notes,
            "unexpected": unexpected,
            "discrepancies": discrepancies,
        }
        _append(records.STOCK_CHECK_COUNTED.name, data, actor)
    return StockCheck.objects.get(code=check.code)
