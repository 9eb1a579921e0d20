"""The registry's vocabularies (IDDRS 4.10/4.11, the UN Register of Conventional Arms).

Values are stable codes stored in records and tables; labels are for people and translated.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from laydown.core import labels


class SiteKind(models.TextChoices):
    COLLECTION_POINT = "collection_point", _("Collection point")
    STORAGE_DEPOT = "storage_depot", _("Storage depot")
    DESTRUCTION_SITE = "destruction_site", _("Destruction site")


class SiteStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    # Translators: a site that takes in weapons (status), not the verb.
    OPEN = "open", _("Open")
    # Translators: a site that takes in nothing more (status).
    CLOSED = "closed", _("Closed")


class ContainerStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Category(models.TextChoices):
    # Small arms (IDDRS / the UN small arms and light weapons definition)
    REVOLVER_PISTOL = "sa_revolver_pistol", _("Revolver or self-loading pistol")
    RIFLE_CARBINE = "sa_rifle_carbine", _("Rifle or carbine")
    SUB_MACHINE_GUN = "sa_sub_machine_gun", _("Sub-machine gun")
    ASSAULT_RIFLE = "sa_assault_rifle", _("Assault rifle")
    LIGHT_MACHINE_GUN = "sa_light_machine_gun", _("Light machine gun")
    # Light weapons
    HEAVY_MACHINE_GUN = "lw_heavy_machine_gun", _("Heavy machine gun")
    GRENADE_LAUNCHER = (
        "lw_grenade_launcher",
        _("Grenade launcher (hand-held, under-barrel or mounted)"),
    )
    ANTI_AIRCRAFT_GUN = "lw_anti_aircraft_gun", _("Portable anti-aircraft gun")
    ANTI_TANK_GUN = "lw_anti_tank_gun", _("Portable anti-tank gun")
    RECOILLESS_RIFLE = "lw_recoilless_rifle", _("Recoilless rifle")
    MISSILE_ROCKET_LAUNCHER = (
        "lw_missile_rocket_launcher",
        _("Portable launcher of anti-tank or anti-aircraft missiles or rockets"),
    )
    MORTAR = "lw_mortar", _("Mortar of calibre under 100 mm")
    # Heavy weapons: UN Register of Conventional Arms categories I-VII
    UNROCA_I = "unroca_i", _("UN Register I: battle tank")
    UNROCA_II = "unroca_ii", _("UN Register II: armoured combat vehicle")
    UNROCA_III = "unroca_iii", _("UN Register III: large-calibre artillery system")
    UNROCA_IV = "unroca_iv", _("UN Register IV: combat aircraft")
    UNROCA_V = "unroca_v", _("UN Register V: attack helicopter")
    UNROCA_VI = "unroca_vi", _("UN Register VI: warship")
    UNROCA_VII = "unroca_vii", _("UN Register VII: missile or missile launcher")


class Condition(models.TextChoices):
    SERVICEABLE = "serviceable", _("Serviceable")
    UNSERVICEABLE = "unserviceable", _("Unserviceable")
    UNSAFE = "unsafe", _("Unsafe")


class ItemStatus(models.TextChoices):
    IN_STORAGE = "in_storage", _("In storage")
    IN_TRANSIT = "in_transit", _("In transit")
    REMOVED = "removed", _("Removed (temporarily)")
    LOST = "lost", _("Lost or stolen")
    # Translators: written off the registry (destroyed, handed to the State, deactivated).
    DISPOSED = "disposed", _("Disposed")


class LotStatus(models.TextChoices):
    IN_STORAGE = "in_storage", _("In storage")
    IN_TRANSIT = "in_transit", _("In transit")
    LOST = "lost", _("Lost or stolen")
    DISPOSED = "disposed", _("Disposed")
    DESTROYED_IN_PLACE = "destroyed_in_place", _("Destroyed in place")


class AmmoType(models.TextChoices):
    CARTRIDGE = "cartridge", _("Small-arms cartridge")
    GRENADE = "grenade", _("Grenade")
    MORTAR_BOMB = "mortar_bomb", _("Mortar bomb")
    PROJECTILE = "projectile", _("Artillery projectile")
    ROCKET = "rocket", _("Rocket or missile")
    MINE = "mine", _("Landmine")
    EXPLOSIVE = "explosive", _("Bulk explosive")
    FUZE = "fuze", _("Fuze or detonator")
    OTHER = "other", _("Other")


class Unit(models.TextChoices):
    """Quantities are integers: rounds and pieces count, mass is in grams (never a float)."""

    ROUNDS = "rounds", _("rounds")
    GRAMS = "grams", _("grams")
    PIECES = "pieces", _("pieces")


class HazardDivision(models.TextChoices):
    """UN hazard divisions of Class 1 (explosives)."""

    HD_1_1 = "1.1", _("1.1 Mass explosion")
    HD_1_2 = "1.2", _("1.2 Projection, no mass explosion")
    HD_1_3 = "1.3", _("1.3 Fire, minor blast or projection")
    HD_1_4 = "1.4", _("1.4 No significant hazard")
    HD_1_5 = "1.5", _("1.5 Very insensitive, mass explosion")
    HD_1_6 = "1.6", _("1.6 Extremely insensitive")


# UN compatibility groups A-S (there is no I, M or O; N and S are valid).
COMPATIBILITY_GROUPS = tuple("ABCDEFGHJKLNS")


class MaterielType(models.TextChoices):
    VEHICLE = "vehicle", _("Vehicle")
    RADIO = "radio", _("Radio or communications equipment")
    UNIFORM = "uniform", _("Uniform or personal equipment")
    OTHER = "other", _("Other")


class DisposalMethod(models.TextChoices):
    CUTTING = "cutting", _("Cutting")
    SMELTING = "smelting", _("Smelting")
    CRUSHING = "crushing", _("Crushing")
    DEMOLITION = "demolition", _("Open demolition")
    TRANSFER_TO_STATE = "transfer_to_state", _("Transfer to the State")
    DEACTIVATED = "deactivated", _("Deactivated")


class IncidentKind(models.TextChoices):
    LOST = "lost", _("Lost")
    STOLEN = "stolen", _("Stolen")


class ShipmentStatus(models.TextChoices):
    DISPATCHED = "dispatched", _("Dispatched")
    RECEIVED = "received", _("Received")
    DISCREPANCY = "discrepancy", _("Received with discrepancies")


class StockCheckKind(models.TextChoices):
    # xgettext:no-python-format
    SAMPLE = "sample", _("Weekly sample (at least 10% of serials)")
    FULL = "full", _("Full count")


class StockCheckStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    COUNTED = "counted", _("Counted")
    DISCREPANCY = "discrepancy", _("Counted with discrepancies")


class SealStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    BROKEN = "broken", _("Broken")


for _name, _choices in (
    ("site_kind", SiteKind),
    ("site_status", SiteStatus),
    ("category", Category),
    ("condition", Condition),
    ("item_status", ItemStatus),
    ("lot_status", LotStatus),
    ("ammo_type", AmmoType),
    ("unit", Unit),
    ("hazard_division", HazardDivision),
    ("materiel_type", MaterielType),
    ("disposal_method", DisposalMethod),
    ("incident_kind", IncidentKind),
    ("shipment_status", ShipmentStatus),
    ("stock_check_kind", StockCheckKind),
    ("stock_check_status", StockCheckStatus),
    ("seal_status", SealStatus),
):
    labels.register(f"arms.{_name}", _choices)

# What happened, in a custody history and the dashboard: the record kinds of the registry.
labels.register(
    "record_kind",
    {
        "arms.site_created": _("Site created"),
        "arms.container_created": _("Container set up"),
        "arms.seal_applied": _("Seal applied"),
        "arms.seal_broken": _("Seal broken"),
        "arms.item_collected": _("Weapon handed in"),
        "arms.lot_collected": _("Ammunition lot handed in"),
        "arms.materiel_collected": _("Materiel handed in"),
        "arms.duplicate_confirmed": _("Confirmed as not a duplicate"),
        # Translators: a custody event: placed in a storage container (not a reservation).
        "arms.item_booked": _("Booked into a container"),
        "arms.item_removed": _("Removed from storage"),
        "arms.item_returned": _("Returned to storage"),
        "arms.shipment_dispatched": _("Dispatched in a shipment"),
        "arms.shipment_received": _("Received from a shipment"),
        "arms.item_reported_lost": _("Reported lost or stolen"),
        "arms.disposed": _("Disposed"),
        "arms.lot_destroyed_in_place": _("Destroyed in place"),
        "arms.stock_check_planned": _("Stock check planned"),
        "arms.stock_check_counted": _("Stock check counted"),
        "arms.item_corrected": _("Corrected"),
        "arms.lot_corrected": _("Corrected"),
        "arms.materiel_corrected": _("Corrected"),
    },
)
# The details of a custody event (arms.records), and the vocabulary of each one's values.
labels.register(
    "arms.detail",
    {
        # Translators: the pseudonymous id of the person who took an item out of storage.
        "by": _("taken by"),
        "condition": _("condition"),
        "crate": _("crate"),
        "disposal": _("disposal"),
        "duplicate_of": _("not a duplicate of"),
        "incident": _("incident"),
        "kind": _("what"),
        "method": _("method"),
        "organisation": _("organisation"),
        "purpose": _("purpose"),
        "quantity": _("quantity"),
        "rack": _("rack"),
        "reason": _("reason"),
        "shipment": _("shipment"),
        "to_site": _("to site"),
        # Translators: the unit of measure of a quantity (rounds, grams), not a military unit.
        "unit": _("unit"),
        "witnesses": _("witnesses"),
    },
)
labels.register_values(
    "arms.detail",
    {
        "condition": "arms.condition",
        "kind": "arms.incident_kind",
        "method": "arms.disposal_method",
        "unit": "arms.unit",
    },
)
labels.register("arms.type", AmmoType)
labels.register("arms.type", {c: lbl for c, lbl in MaterielType.choices if c != "other"})
# The fields a correction changes (arms.services.corrections), and their values' vocabularies.
labels.register(
    "arms.field",
    {
        "category": _("Category"),
        "make": _("Make"),
        "model": _("Model"),
        "calibre": _("Calibre"),
        "serial": _("Serial number"),
        "markings": _("Other markings"),
        "country": _("Country"),
        "year": _("Year of manufacture"),
        "condition": _("Condition"),
        "type": _("Type"),
        "lot_number": _("Lot or batch"),
        "quantity": _("Quantity"),
        "unit": _("Unit"),
        "hazard_division": _("Hazard division"),
        "compatibility_group": _("Compatibility group"),
        "description": _("Description"),
        "identifiers": _("Identifiers"),
    },
)
labels.register_values(
    "arms.field",
    {
        "category": "arms.category",
        "condition": "arms.condition",
        "type": "arms.type",
        "unit": "arms.unit",
        "hazard_division": "arms.hazard_division",
    },
)
