"""Page render times: the demo programme, then the same with 10^6 weapons in the registry.

    python bench/pages.py [--items 1000000] [--repeat 15] [--write docs/benchmarks.md]

Runs in a fresh SQLite data directory: loads the demo, signs in one user holding every role
(second factor verified), and times full page renders through Django's test client (the
server's whole work: URL, permission, queries, template), p50 and p95. Then it fills the
registry with synthetic weapons up to --items (bulk rows straight into the projection: the
read side is what is measured) and times the same pages again. Targets (issue 6): under 300 ms
at the demo's scale, under 1 s with 10^6 items.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MARK_BEGIN, MARK_END = "<!-- pages:begin -->", "<!-- pages:end -->"


def pages() -> list[tuple[str, str]]:
    from laydown.arms.models import Item
    from laydown.verification.models import Inspection

    item = Item.objects.filter(tag__startswith="LD-").order_by("tag").first()
    inspection = Inspection.objects.order_by("code").first()
    assert item is not None and inspection is not None
    return [
        ("start page", "/"),
        ("public page", "/reports/transparency/"),
        ("dashboard, last 5 days", "/reports/dashboard/?days=5"),
        ("situation report, last 5 days", "/reports/sitrep/?days=5"),
        ("map", "/reports/map/"),
        ("sites", "/arms/"),
        ("site page (depot)", "/arms/sites/depot-central/"),
        ("item list, first page", "/arms/items/"),
        ("item search, partial serial", "/arms/items/?serial=4815"),
        ("item list, filtered", "/arms/items/?make=Kalashnikov&status=in_storage&page=3"),
        ("item page", f"/arms/items/{item.tag}/"),
        ("verification", "/verification/"),
        ("inspection page", f"/verification/inspections/{inspection.code}/"),
        ("demobilization list", "/people/"),
        ("assistance overview", "/assistance/"),
    ]


def measure(client: Any, repeat: int) -> dict[str, tuple[float, float, int]]:
    out = {}
    for label, url in pages():
        client.get(url)  # warm caches the way a working server has them
        times = []
        status = 0
        for _ in range(repeat):
            start = time.perf_counter()
            status = client.get(url).status_code
            times.append((time.perf_counter() - start) * 1000)
        if status != 200:
            raise SystemExit(f"{url} answered {status}: the benchmark would time an error page")
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        out[label] = (statistics.median(times), p95, status)
    return out


def fill(items: int) -> float:
    from django.db import connection, transaction

    from laydown.arms.models import Item
    from laydown.arms.normalise import normalise_serial

    have = Item.objects.count()
    start = time.perf_counter()
    makes = [
        ("Kalashnikov", "AKM", "sa_assault_rifle"),
        ("Makarov", "PM", "sa_revolver_pistol"),
        ("Simonov", "SKS", "sa_rifle_carbine"),
        ("Bazalt", "RPG-7", "lw_grenade_launcher"),
    ]
    sites = ["depot-central", "depot-south", "cp-north", "cp-east"]
    collected = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    for base in range(have, items, 20000):
        rows = []
        for n in range(base, min(items, base + 20000)):
            make, model, category = makes[n % 4]
            serial = f"B{(n * 7919) % 10**7:07d}"
            rows.append(
                Item(
                    tag=f"BF-{n:07d}",
                    category=category,
                    make=make,
                    model=model,
                    calibre="7.62x39mm",
                    serial=serial,
                    serial_normalised=normalise_serial(serial),
                    condition="serviceable",
                    collected_at=collected + dt.timedelta(minutes=n % 400000),
                    collected_site_id=sites[n % 4],
                    collected_by="bench",
                    site_id=sites[n % 4],
                    status="in_storage",
                    photos=[],
                )  # fmt: skip
            )
        with transaction.atomic():
            Item.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - start


def run(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from laydown.access.roles import Role
    from laydown.accounts import services as accounts
    from laydown.demo.load import demo_load
    from laydown.ledger import keys
    from laydown.vault import crypto

    call_command("migrate", verbosity=0)
    keys.key_create_if_absent()
    crypto.master_key_create_if_absent()
    start = time.perf_counter()
    for _line in demo_load():
        pass
    demo_s = time.perf_counter() - start
    user = accounts.user_create(
        actor=accounts.SYSTEM,
        username="bench",
        password="bench-pages-2026!",  # noqa: S106 - a throwaway database
        organisation="operator",
    )
    for role in Role.values:
        accounts.role_grant(actor=accounts.SYSTEM, user=user, role=role, scope="programme")
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user, backend="laydown.accounts.signin.ThrottledModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    demo = measure(client, args.repeat)
    fill_s = fill(args.items)
    large = measure(client, args.repeat)
    return {
        "demo": demo,
        "large": large,
        "demo_s": demo_s,
        "fill_s": fill_s,
        "export": export_items(),
    }


def export_items() -> dict[str, float]:
    """Stream the whole items export as CSV: rows per second and the growth of peak memory."""
    import resource

    from laydown.reports import exports

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    rows = sum(1 for _line in exports.csv_lines(exports.DATASETS["items"], hxl=False)) - 1
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"rows": rows, "seconds": seconds, "peak_growth_mb": (after - before) / 1024}


def table(result: dict[str, Any], items: int) -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), "unknown CPU")  # fmt: skip
    lines = [
        MARK_BEGIN,
        "## Pages",
        "",
        "Written by `python bench/pages.py --write docs/benchmarks.md`: full renders through",
        "Django's test client (URL, permission, queries, template), SQLite, one user with every",
        "role. 'Demo' is the demo programme (600 weapons, 400 people, 300 households);",
        f"'large' adds synthetic weapons up to {items:,} in the registry.",
        "",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}, "
        f"Python {platform.python_version()}",
        f"- Loading the demo took {result['demo_s']:.0f} s; "
        f"filling the registry {result['fill_s']:.0f} s.",
        "",
        f"| page | demo p50 ms | demo p95 ms | {items:,} items p50 ms | p95 ms "
        "| targets (300 / 1000 ms) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for label, (p50, p95, _s) in result["demo"].items():
        lp50, lp95, _ls = result["large"][label]
        ok = "met" if p95 < 300 and lp95 < 1000 else "MISSED"
        lines.append(f"| {label} | {p50:.0f} | {p95:.0f} | {lp50:.0f} | {lp95:.0f} | {ok} |")
    export = result["export"]
    lines += [
        "",
        f"Streaming the items export (CSV) of {export['rows']:,.0f} rows took "
        f"{export['seconds']:.1f} s ({export['rows'] / export['seconds']:,.0f} rows/s); the "
        f"process's peak memory grew by {export['peak_growth_mb']:.0f} MB while doing it.",
    ]
    lines.append(MARK_END)
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if MARK_BEGIN in text:
        head, _sep, rest = text.partition(MARK_BEGIN)
        _old, _sep, tail = rest.partition(MARK_END)
        text = head + section.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="laydown-pages-") as data_dir:
        os.environ.update(
            LAYDOWN_DATA_DIR=data_dir,
            LAYDOWN_DATABASE_URL="",
            DJANGO_SETTINGS_MODULE="laydown.settings",
        )
        result = run(args)
    section = table(result, args.items)
    print(section)
    if args.write:
        write_section(args.write, section)


if __name__ == "__main__":
    main()
