"""The registry's part of the demo programme: five fictional days at four collection points.

About 600 weapons, 150 ammunition lots and 100 items of materiel are handed in; each evening
the day's weapons and lots go by sealed shipment to one of two depots, are received the next
morning (one item goes missing on the way) and booked into containers; a stock check is made
on the last day. The ledger's clock is simulated so that the records carry the five days.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from django.utils import timezone

from laydown.accounts.services import SYSTEM
from laydown.arms import services
from laydown.arms.models import AmmoLot, Container, Item, Materiel, Shipment, Site
from laydown.ledger import clock

DAYS = 5
# (code, name, kind, region, lat, lon) — fictional places
SITES = [
    ("cp-north", "Aranvale collection point", "collection_point", "north", 42.91, 12.31),
    ("cp-east", "Belmora collection point", "collection_point", "east", 42.70, 12.88),
    ("cp-south", "Corrin Ford collection point", "collection_point", "south", 42.38, 12.52),
    ("cp-west", "Dunwick collection point", "collection_point", "west", 42.62, 12.02),
    ("depot-central", "Central depot", "storage_depot", "central", 42.66, 12.45),
    ("depot-south", "Southern depot", "storage_depot", "south", 42.45, 12.60),
]
DEPOT_OF = {
    "cp-north": "depot-central",
    "cp-east": "depot-central",
    "cp-south": "depot-south",
    "cp-west": "depot-south",
}
# (category, make, model, calibre, country, weight)
WEAPONS = [
    ("sa_assault_rifle", "Kalashnikov", "AKM", "7.62x39mm", "SU", 40),
    ("sa_assault_rifle", "Kalashnikov", "AK-74", "5.45x39mm", "SU", 25),
    ("sa_revolver_pistol", "Makarov", "PM", "9x18mm", "SU", 10),
    ("sa_light_machine_gun", "Kalashnikov", "RPK", "7.62x39mm", "SU", 6),
    ("sa_rifle_carbine", "Simonov", "SKS", "7.62x39mm", "SU", 8),
    ("lw_grenade_launcher", "Bazalt", "RPG-7", "40mm", "SU", 6),
    ("lw_heavy_machine_gun", "Degtyaryov", "DShK", "12.7x108mm", "SU", 2),
    ("lw_mortar", "Tula", "2B14", "82mm", "SU", 2),
    ("sa_sub_machine_gun", "Sudayev", "PPS-43", "7.62x25mm", "SU", 1),
]
# (type, calibre, unit, quantity range, hazard division, compatibility group)
LOTS = [
    ("cartridge", "7.62x39mm", "rounds", (200, 3000), "1.4", "S"),
    ("cartridge", "5.45x39mm", "rounds", (200, 2000), "1.4", "S"),
    ("grenade", "RGD-5", "pieces", (5, 60), "1.1", "D"),
    ("mortar_bomb", "82mm", "pieces", (4, 40), "1.2", "E"),
    ("explosive", "TNT", "grams", (1000, 25000), "1.1", "D"),
]
MATERIEL = [
    ("radio", "Handheld VHF radio", 1),
    ("uniform", "Combat uniforms, mixed sizes", 20),
    ("vehicle", "Light utility truck", 1),
    ("other", "Binoculars", 2),
]
CONDITIONS = ["serviceable"] * 7 + ["unserviceable"] * 2 + ["unsafe"]


def _timeline(now: dt.datetime) -> list[dt.datetime]:
    """The morning of each of the five days, the last being today; all before `now`."""
    today = timezone.localdate(now)
    first = dt.datetime.combine(today - dt.timedelta(days=DAYS - 1), dt.time(7), tzinfo=dt.UTC)
    return [first + dt.timedelta(days=d) for d in range(DAYS)]


def _at(moment: dt.datetime, now: dt.datetime) -> dt.datetime:
    return min(moment, now - dt.timedelta(minutes=5))


def demo_load() -> Iterator[str]:
    if Site.objects.exists():
        yield "Registry demo data present; left as it is."
        return
    rng = random.Random(20261127)  # noqa: S311  (fictional data, reproducible on purpose)
    now = timezone.now()
    days = _timeline(now)
    with clock.simulated(_at(days[0] - dt.timedelta(hours=2), now)):
        sites = _sites()
    serials = iter(range(100_000, 999_999, 7))
    pending: list[Shipment] = []
    for day, morning in enumerate(days):
        with clock.simulated(_at(morning, now)):
            for shipment in pending:
                _receive(shipment, day)
        pending = []
        collected: dict[str, list[str]] = {}
        for hour in range(10):
            with clock.simulated(_at(morning + dt.timedelta(hours=1, minutes=hour * 50), now)):
                for code in DEPOT_OF:
                    collected.setdefault(code, []).extend(
                        _collect_hour(rng, sites[code], serials, hour)
                    )
        if day < DAYS - 1:
            with clock.simulated(_at(morning + dt.timedelta(hours=11), now)):
                pending = [
                    _ship(sites[cp], sites[DEPOT_OF[cp]], tags, day)
                    for cp, tags in collected.items()
                ]
    with clock.simulated(_at(days[-1] + dt.timedelta(hours=10, minutes=30), now)):
        check = services.stock_check_plan(actor=SYSTEM, site=sites["depot-central"])
        services.stock_check_record(
            actor=SYSTEM, check=check, found=[line.item_id for line in check.lines.all()]
        )
        _corrections()
    yield (
        f"Registry: {Item.objects.count()} weapons, {AmmoLot.objects.count()} lots, "
        f"{Materiel.objects.count()} items of materiel at {len(SITES)} sites over "
        f"{DAYS} days; {Shipment.objects.count()} shipments; one stock check."
    )


def _corrections() -> None:
    """Typos found later: a serial misread at intake, a lot number left out, a miscount."""
    item = Item.objects.exclude(serial="").order_by("tag").first()
    if item is not None:
        services.item_correct(
            actor=SYSTEM,
            item=item,
            serial=f"{item.serial}0",
            reason="Last digit missed at intake; serial read again on the weapon at the depot.",
            confirm_duplicate_reason="Checked against the other weapon: not the same one.",
        )
    lot = AmmoLot.objects.filter(lot_number="").order_by("tag").first()
    if lot is not None:
        services.lot_correct(
            actor=SYSTEM, lot=lot, lot_number="270-85", reason="Lot number read on the crate."
        )
    materiel = Materiel.objects.order_by("tag").first()
    if materiel is not None:
        services.materiel_correct(
            actor=SYSTEM,
            materiel=materiel,
            quantity=materiel.quantity + 1,
            reason="Counted again at the depot: one more than registered.",
        )


def _sites() -> dict[str, Site]:
    sites = {}
    for code, name, kind, region, lat, lon in SITES:
        sites[code] = services.site_create(
            actor=SYSTEM,
            code=code,
            name=name,
            kind=kind,
            region=region,
            lat_micro=round(lat * 1e6),
            lon_micro=round(lon * 1e6),
        )
    for depot, count in (("depot-central", 4), ("depot-south", 3)):
        for n in range(1, count + 1):
            services.container_create(
                actor=SYSTEM, site=sites[depot], code=f"{depot}-c{n}", racks=8
            )
    return sites


def _collect_hour(rng: random.Random, site: Site, serials: Iterator[int], hour: int) -> list[str]:
    """About three weapons an hour per site, a lot or so, and now and then some materiel."""
    tags = []
    for _ in range(3):
        category, make, model, calibre, country, _w = rng.choices(
            WEAPONS, weights=[w[-1] for w in WEAPONS]
        )[0]
        serial = f"{rng.choice('ABKMT')}{next(serials)}" if rng.random() > 0.05 else ""
        item = services.item_collect(
            actor=SYSTEM,
            site=site,
            category=category,
            make=make,
            model=model,
            calibre=calibre,
            serial=serial,
            markings=rng.choice(["", "star in circle", "arrow in triangle", "1974"]),
            country=country,
            year=rng.randint(1955, 1992),
            condition=rng.choice(CONDITIONS),
        )
        tags.append(item.tag)
    if hour % 4 != 3:
        kind, calibre, unit, (low, high), division, group = rng.choice(LOTS)
        lot = services.lot_collect(
            actor=SYSTEM,
            site=site,
            type=kind,
            calibre=calibre,
            quantity=rng.randint(low, high),
            unit=unit,
            hazard_division=division,
            compatibility_group=group,
            condition="unsafe" if rng.random() < 0.05 else "serviceable",
        )
        tags.append(lot.tag)
    if hour % 2 == 0:
        kind, description, quantity = rng.choice(MATERIEL)
        services.materiel_collect(
            actor=SYSTEM, site=site, type=kind, description=description, quantity=quantity
        )
    return tags


def _ship(origin: Site, depot: Site, tags: list[str], day: int) -> Shipment:
    movable = [t for t in tags if not t.startswith("LA") or _lot_safe(t)]
    crates = [
        services.Crate(
            code=f"{origin.code}-d{day + 1}-{n + 1}",
            seal=f"S-{origin.code}-{day + 1}-{n + 1}",
            items=tuple(t for t in movable[i : i + 20] if not t.startswith("LA")),
            lots=tuple(t for t in movable[i : i + 20] if t.startswith("LA")),
        )
        for n, i in enumerate(range(0, len(movable), 20))
    ]
    return services.shipment_dispatch(actor=SYSTEM, from_site=origin, to_site=depot, crates=crates)


def _lot_safe(tag: str) -> bool:
    return AmmoLot.objects.filter(tag=tag).exclude(condition="unsafe").exists()


def _receive(shipment: Shipment, day: int) -> None:
    items = [line.item_id for line in shipment.lines.all() if line.item_id]
    lots = dict(shipment.lines.exclude(lot=None).values_list("lot_id", "lot__quantity"))
    missing = items[-1:] if (day == 2 and shipment.from_site_id == "cp-east") else []
    services.shipment_receive(
        actor=SYSTEM,
        shipment=shipment,
        received_items=[t for t in items if t not in missing],
        received_lots=lots,
        declaration=(
            f"Received from {shipment.from_site_id}; crates and seals checked."
            + (" One item missing from its crate." if missing else "")
        ),
    )
    containers = list(Container.objects.filter(site=shipment.to_site).order_by("code"))
    for n, tag in enumerate(t for t in items if t not in missing):
        services.item_book(
            actor=SYSTEM, item=Item.objects.get(tag=tag), container=containers[n % len(containers)]
        )
