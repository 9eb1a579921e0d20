"""Registry benchmark: bulk import, and search/list/item-page latency at scale.

    python bench/registry.py [--items 100000] [--lots 20000] [--search-items 1000000]
                             [--db sqlite,postgres] [--write docs/benchmarks-registry.md]

Per database, in a child process with a fresh data directory and database:
1. bulk import of `--items` generated items from one XLSX file through `laydown.arms.importer`
   (validation, tags, one ledger record per item, projection), items/s;
2. the same file through a naive django-import-export `ModelResource` (rows straight into the
   table, no ledger, no checks beyond the model's), rows/s;
3. `--lots` ammunition lots appended as ledger records in batches (the same fast path);
4. the item table filled to `--search-items` rows (bulk inserts: this measures reads, not
   writes), then p95 latency of a partial-serial search, a filtered list page, and the item
   page's reads (item, custody history, receipt).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_URL = os.environ.get(
    "LAYDOWN_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/laydown_bench_registry"
)
MAKES = [
    ("Kalashnikov", "AKM", "sa_assault_rifle", "7.62x39mm"),
    ("Kalashnikov", "AK-74", "sa_assault_rifle", "5.45x39mm"),
    ("Izhmash", "SKS", "sa_rifle_carbine", "7.62x39mm"),
    ("FN Herstal", "FAL", "sa_rifle_carbine", "7.62x51mm"),
    ("Makarov", "PM", "sa_revolver_pistol", "9x18mm"),
    ("Degtyaryov", "RPD", "sa_light_machine_gun", "7.62x39mm"),
    ("Bazalt", "RPG-7", "lw_missile_rocket_launcher", "40mm"),
    ("Heckler & Koch", "MP5", "sa_sub_machine_gun", "9x19mm"),
]


def generated_rows(n: int, seed: int = 7) -> list[list[Any]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        make, model, category, calibre = rng.choice(MAKES)
        prefix = rng.choice(["", "AK", "NB", "ХК", "1974"])  # some Cyrillic, all one script
        serial = f"{prefix}{rng.choice(['', ' ', '-'])}{i:07d}"
        condition = rng.choices(["serviceable", "unserviceable", "unsafe"], [70, 25, 5])[0]
        rows.append(
            [
                "cp-1",
                category,
                make,
                model,
                calibre,
                serial,
                rng.randint(1950, 2015),
                condition,
                f"p-{rng.randrange(16**8):08x}",
            ]
        )
    return rows


HEADER = ["site", "category", "make", "model", "calibre", "serial", "year", "condition",
          "handed_in_by"]  # fmt: skip


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] * 1000


def child(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from openpyxl import Workbook

    from laydown.accounts.services import SYSTEM
    from laydown.arms import importer, records, selectors, services
    from laydown.arms.models import Item
    from laydown.arms.normalise import normalise_serial
    from laydown.ledger import keys
    from laydown.ledger import services as ledger

    call_command("migrate", verbosity=0)
    keys.key_create_if_absent()
    for code in ("cp-1", "depot-1"):
        services.site_create(
            actor=SYSTEM, code=code, name=code, kind="collection_point", region="r1"
        )
    out: dict[str, Any] = {"db": connection.vendor}

    # 1. our import, from XLSX
    book = Workbook(write_only=True)
    sheet = book.create_sheet("items")
    sheet.append(HEADER)
    rows = generated_rows(args.items)
    for row in rows:
        sheet.append(row)
    path = Path(os.environ["LAYDOWN_DATA_DIR"]) / "items.xlsx"
    book.save(path)
    content = path.read_bytes()
    start = time.perf_counter()
    result = importer.items_import(actor=SYSTEM, name="items.xlsx", content=content)
    elapsed = time.perf_counter() - start
    out["import_items"] = result.count
    out["import_items_per_s"] = result.count / elapsed
    start = time.perf_counter()
    importer.items_check(SYSTEM, importer.rows_read("items.xlsx", content))
    out["check_only_per_s"] = result.count / (time.perf_counter() - start)

    # 2. naive django-import-export on the same rows
    import tablib
    from import_export import resources

    class ItemResource(resources.ModelResource):  # type: ignore[misc]
        class Meta:
            model = Item
            import_id_fields = ("tag",)
            fields = ("tag", "category", "make", "model", "calibre", "serial", "year",
                      "condition", "site", "collected_site", "collected_at", "collected_by",
                      "status", "handed_in_by")  # fmt: skip

    dataset = tablib.Dataset(
        headers=["tag", *HEADER[1:], "collected_site", "collected_at", "collected_by", "status"]
    )
    for n, row in enumerate(rows):
        dataset.append([f"IE-{n:07d}", *row[1:], "depot-1", "2026-01-01 00:00:00", "bench",
                        "in_storage"])  # fmt: skip
    dataset.insert_col(len(dataset.headers), lambda r: "depot-1", header="site")
    start = time.perf_counter()
    report = ItemResource().import_data(dataset, dry_run=False, raise_errors=True)
    elapsed = time.perf_counter() - start
    out["naive_rows"] = report.totals["new"]
    out["naive_rows_per_s"] = report.totals["new"] / elapsed

    # 3. lots through the ledger fast path
    with transaction.atomic():  # allocate_tags locks the counter row (one writer here)
        lot_tags = services.allocate_tags(services.LOT_PREFIX, args.lots)
    entries: list[ledger.Entry] = [
        (
            records.LOT_COLLECTED.name,
            {"tag": t, "site": "cp-1", "type": "cartridge", "calibre": "7.62x39mm",
             "lot_number": f"{n % 500}-85", "quantity": 440 + n % 1000, "unit": "rounds",
             "hazard_division": "1.4", "compatibility_group": "S", "condition": "serviceable",
             "handed_in_by": None},
        )
        for n, t in enumerate(lot_tags)
    ]  # fmt: skip
    start = time.perf_counter()
    with transaction.atomic(), records.applies_buffered():
        for i in range(0, len(entries), 5000):
            ledger.record_append_batch(entries=entries[i : i + 5000], actor="bench")
    out["lots"] = args.lots
    out["lots_per_s"] = args.lots / (time.perf_counter() - start)

    # 4. fill to --search-items rows and measure reads
    have = Item.objects.count()
    fill = generated_rows(max(args.search_items - have, 0), seed=11)
    start = time.perf_counter()
    for i in range(0, len(fill), 20000):
        chunk = [
            Item(tag=f"BF-{i + n:07d}", category=r[1], make=r[2], model=r[3], calibre=r[4],
                 serial=r[5], serial_normalised=normalise_serial(str(r[5])), year=r[6],
                 condition=r[7], collected_at="2026-01-01T00:00:00Z", collected_site_id="cp-1",
                 collected_by="bench", site_id="depot-1" if (i + n) % 3 else "cp-1",
                 status="in_storage", photos=[])
            for n, r in enumerate(fill[i : i + 20000])
        ]  # fmt: skip
        with transaction.atomic():
            Item.objects.bulk_create(chunk, batch_size=2000)
    out["fill_s"] = time.perf_counter() - start
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    out["search_items"] = Item.objects.count()
    rng = random.Random(3)
    tags = [f"LD-{rng.randint(1, args.items):06d}" for _ in range(args.queries)]

    def timed(call: Any) -> list[float]:
        samples = []
        for _ in range(args.queries):
            start = time.perf_counter()
            call()
            samples.append(time.perf_counter() - start)
        return samples

    out["search_partial_p95_ms"] = p95(
        timed(lambda: selectors.item_search(serial=f"{rng.randrange(10**5):05d}", per_page=50).rows)
    )
    out["search_prefix_p95_ms"] = p95(
        timed(
            lambda: (
                selectors.item_search(
                    serial=f"AK{rng.randrange(10**4):04d}", serial_partial=False
                ).rows
            )
        )
    )
    out["list_filtered_p95_ms"] = p95(
        timed(
            lambda: selectors.item_search(
                site="depot-1", status="in_storage", make="Kalashnikov",
                page=rng.randint(1, 20), per_page=50,
            ).rows
        )
    )  # fmt: skip

    def item_page() -> None:
        tag = rng.choice(tags)
        selectors.item_get(tag)
        selectors.item_history(tag)
        selectors.item_receipt(tag)

    out["item_page_p95_ms"] = p95(timed(item_page))
    return out


def run_child(db: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="laydown-bench-") as data_dir:
        env = dict(os.environ, LAYDOWN_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="laydown.settings")
        if db == "postgres":
            _pg_recreate(PG_URL)
            env["LAYDOWN_DATABASE_URL"] = PG_URL
        else:
            env["LAYDOWN_DATABASE_URL"] = ""
        argv = [sys.executable, __file__, "--child", *_forward(args)]
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"{db} run failed:\n{done.stderr[-4000:]}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result


def _forward(args: argparse.Namespace) -> list[str]:
    return [
        f"--items={args.items}",
        f"--lots={args.lots}",
        f"--search-items={args.search_items}",
        f"--queries={args.queries}",
    ]


def _pg_recreate(url: str) -> None:
    import psycopg

    base, _sep, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def markdown(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        "# Registry benchmark",
        "",
        f"`python bench/registry.py --items {args.items} --lots {args.lots} "
        f"--search-items {args.search_items}` on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}.",
        "",
        "| measure | " + " | ".join(r["db"] for r in results) + " | target |",
        "|---|" + "---|" * len(results) + "---|",
    ]
    rows = [
        ("items imported (XLSX, with ledger records), items/s", "import_items_per_s", ">= 5,000"),
        ("  of which checking alone, rows/s", "check_only_per_s", ""),
        ("naive django-import-export, same rows, no ledger, rows/s", "naive_rows_per_s", ""),
        ("ammunition lots (ledger fast path), lots/s", "lots_per_s", ""),
        ("items in the table for the reads", "search_items", "10^6"),
        ("search by partial serial, p95 ms", "search_partial_p95_ms", "< 100"),
        ("search by serial prefix, p95 ms", "search_prefix_p95_ms", "< 100"),
        ("filtered list page, p95 ms", "list_filtered_p95_ms", "< 100"),
        ("item page reads, p95 ms", "item_page_p95_ms", "< 50"),
    ]
    for label, key, target in rows:
        cells = [f"{r[key]:,.0f}" if r[key] >= 100 else f"{r[key]:.1f}" for r in results]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {target} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--lots", type=int, default=20_000)
    parser.add_argument("--search-items", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--write", type=Path)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args)))
        return
    results = [run_child(db, args) for db in args.db.split(",")]
    text = markdown(results, args)
    print(text)
    if args.write:
        args.write.write_text(text)


if __name__ == "__main__":
    main()
