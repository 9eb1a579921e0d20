"""The registry's vocabularies (IDDRS 4.10/4.11, the UN Register of Conventional Arms).

Values are stable codes stored in records and tables; labels are for people and translated.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SiteKind(models.TextChoices):
    COLLECTION_POINT = "collection_point", _("Collection point")
    STORAGE_DEPOT = "storage_depot", _("Storage depot")
    DESTRUCTION_SITE = "destruction_site", _("Destruction site")


class SiteStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open")
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
