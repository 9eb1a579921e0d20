"""Tracing's part of the demo: the reference vocabulary, markings on about a third of the weapons
(some obliterated, some with import marks), headstamps and box labels on the cartridge lots, and
recovery points around the collection points (a few from caches, with the formation named)."""

from __future__ import annotations

import random
from collections.abc import Iterator

from laydown.accounts.services import SYSTEM
from laydown.arms.models import AmmoLot, Item
from laydown.tracing import services
from laydown.tracing.models import Marking

# Soviet-era factory codes seen on headstamps (the factory's number, the year's last two digits).
FACTORIES = ["3", "17", "60", "188", "270", "539", "711"]
FORMATIONS = ["Northern Brigade, 2nd Battalion", "Eastern Volunteer Group", "Border Company 7"]


def demo_load() -> Iterator[str]:
    if Marking.objects.exists():
        yield "Tracing demo data present; left as it is."
        return
    rng = random.Random(20261129)  # noqa: S311  (fictional data, reproducible on purpose)
    terms = services.vocabulary_seed(actor=SYSTEM)
    items = list(Item.objects.select_related("site").order_by("tag"))
    marked = 0
    for item in items[::3]:
        year = item.year or rng.randint(1960, 1990)
        markings = [
            {
                "kind": "serial",
                "location": "receiver",
                "text": item.serial or "",
                "state": "legible",
            },
            {"kind": "year", "location": "receiver", "text": str(year), "state": "legible"},
        ]
        if not item.serial:
            markings[0].update(state="obliterated")
        roll = rng.random()
        if roll < 0.25:
            markings.append(
                {
                    "kind": "import",
                    "location": "barrel",
                    "text": f"IMP-{rng.choice(['AZ', 'AM', 'GE'])} {rng.randint(1992, 2005)}",
                    "state": "legible",
                }
            )
        if roll > 0.85:
            markings.append(
                {"kind": "unit", "location": "stock", "text": "", "state": "obliterated"}
            )
        elif roll > 0.75:
            markings.append(
                {
                    "kind": "serial",
                    "location": "bolt",
                    "text": (item.serial or "0")[:-1] + "7",
                    "state": "altered",
                }
            )
        services.markings_record(actor=SYSTEM, item=item, markings=markings)
        site = item.collected_site
        cache = rng.random() < 0.2
        services.recovery_record(
            actor=SYSTEM,
            tag=item.tag,
            circumstance="weapons_cache" if cache else "voluntary_hand_in",
            lat_micro=(site.lat_micro or 42_600_000) + rng.randint(-40_000, 40_000),
            lon_micro=(site.lon_micro or 12_400_000) + rng.randint(-40_000, 40_000),
            formation=rng.choice(FORMATIONS) if cache else None,
        )
        marked += 1
    lots = list(AmmoLot.objects.filter(type="cartridge").order_by("tag"))
    for lot in lots[::2]:
        factory, year = rng.choice(FACTORIES), rng.randint(1968, 1991)
        services.lot_markings_record(
            actor=SYSTEM,
            lot=lot,
            markings=[
                {
                    "kind": "headstamp",
                    "manufacturer_code": factory,
                    "year": year,
                    "calibre": lot.calibre,
                },
                {
                    "kind": "packaging",
                    "manufacturer_code": factory,
                    "lot_number": f"{rng.randint(1, 99)}-{year % 100:02d}-{factory}",
                    "text": f"{lot.calibre} ПС ГЖ 440 шт.",
                },
            ],
        )
    yield (
        f"Tracing: {terms} reference terms; markings and recovery points of {marked} weapons; "
        f"headstamps of {len(lots[::2])} cartridge lots."
    )
