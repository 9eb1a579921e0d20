"""Replay beside import: `laydown ledger replay` of a registry log, and importing it.

    python bench/replay.py [--items 100000] [--db sqlite] [--verify]

In a fresh data directory and database: import `--items` weapons from CSV (the registry
import, one ledger record per item), then, in a new process, `ledger_replay()` of the whole
log (every record checked against its leaf, the tiles and every checkpoint, then applied).
Prints records/s of both, CPU time beside wall time, and the replay process's peak memory.
With --log-only, the log is filled with --items small ledger records by batched appends (no
registry, no replay): enough to measure `laydown verify` at a size the import would take long
to reach. With --verify, the log is then exported (`laydown log export`) and `laydown verify` checks
the export and its record bundle in a process of its own, whose peak memory is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get(
    "LAYDOWN_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/laydown_bench_replay"
)


def import_child(items: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command

    from laydown.accounts.services import SYSTEM
    from laydown.arms import importer, services
    from laydown.ledger import keys, selectors
    from laydown.vault import crypto

    call_command("migrate", verbosity=0)
    keys.key_create_if_absent()
    crypto.master_key_create_if_absent()
    services.site_create(
        actor=SYSTEM, code="cp-1", name="cp-1", kind="collection_point", region="r1"
    )
    rows = [HEADER] + [
        f"cp-1,sa_assault_rifle,Kalashnikov,AKM,7.62x39mm,RB{i:07d},{1950 + i % 60},serviceable"
        for i in range(items)
    ]
    text = "\n".join(rows)
    w0, c0 = time.perf_counter(), time.process_time()
    result = importer.items_import(actor=SYSTEM, name="items.csv", content=text.encode())
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    return {"items": result.count, "records": selectors.log_size(), "wall": wall, "cpu": cpu}


def fill_child(records: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command

    from laydown.ledger import keys, selectors
    from laydown.ledger import services as ledger

    call_command("migrate", verbosity=0)
    keys.key_create_if_absent()
    w0, c0 = time.perf_counter(), time.process_time()
    while selectors.log_size() < records:
        n = min(10_000, records - selectors.log_size())
        ledger.record_append_batch(
            entries=[("ledger.witness_refused", {"n": i, "status": 0}) for i in range(n)],
            actor="bench",
        )
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    return {"records": selectors.log_size(), "wall": wall, "cpu": cpu}


def replay_child() -> dict[str, Any]:
    import django

    django.setup()
    from laydown.ledger import replay

    w0, c0 = time.perf_counter(), time.process_time()
    result = replay.ledger_replay()
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"records": result.records, "wall": wall, "cpu": cpu, "peak_mb": peak_mb}


def export_child(out: str) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command

    from laydown.ledger import keys

    w0 = time.perf_counter()
    call_command("log", "export", out)
    return {"key": keys.log_verifier_key(), "wall": time.perf_counter() - w0}


def verify_child(out: str, key: str) -> dict[str, Any]:
    """`laydown verify` of the export with its record bundle, as an outsider runs it."""
    from laydown.verify import main as verify_main

    w0, c0 = time.perf_counter(), time.process_time()
    status = verify_main([out, "--key", key, "--records", out + ".records.jsonl", "--quiet"])
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"ok": status == 0, "wall": wall, "cpu": cpu, "peak_mb": peak_mb}


HEADER = "site,category,make,model,calibre,serial,year,condition"


def _pg_recreate(url: str) -> None:
    import psycopg

    base, _sep, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def child(step: list[str], env: dict[str, str], label: str) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603
        [sys.executable, __file__, *step], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"{label} {step[0]} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(db: str, items: int, verify: bool = False, log_only: bool = False) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="laydown-replay-") as data_dir:
        env = dict(os.environ, LAYDOWN_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="laydown.settings")
        env["PYTHONPATH"] = str(ROOT)
        env["LAYDOWN_DATABASE_URL"] = PG_URL if db == "postgres" else ""
        if db == "postgres":
            _pg_recreate(PG_URL)
        out = {}
        steps = ("--fill-child",) if log_only else ("--import-child", "--replay-child")
        for step in steps:
            out[step.strip("-").split("-")[0]] = child([step, f"--items={items}"], env, db)
        if verify:
            export = str(Path(data_dir) / "export")
            exported = child(["--export-child", export], env, db)
            out["verify"] = child(["--verify-child", export, "--key", exported["key"]], env, db)
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--db", default="sqlite")
    parser.add_argument("--import-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--replay-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--verify", action="store_true", help="export the log and verify it")
    parser.add_argument("--log-only", action="store_true", help="small records, no replay")
    parser.add_argument("--fill-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--export-child", help=argparse.SUPPRESS)
    parser.add_argument("--verify-child", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fill_child:
        print(json.dumps(fill_child(args.items)))
        return
    if args.export_child:
        print(json.dumps(export_child(args.export_child)))
        return
    if args.verify_child:
        print(json.dumps(verify_child(args.verify_child, args.key)))
        return
    if args.import_child:
        print(json.dumps(import_child(args.items)))
        return
    if args.replay_child:
        print(json.dumps(replay_child()))
        return
    for db in args.db.split(","):
        load_before = os.getloadavg()[0]
        result = run(db, args.items, args.verify, args.log_only)
        if args.log_only:
            fill = result["fill"]
            print(f"{db}: {fill['records']:,} records appended in {fill['cpu']:.1f} s CPU")
        else:
            imp, rep = result["import"], result["replay"]
            print(
                f"{db}: import {imp['records']:,} records in {imp['wall']:.1f} s wall / "
                f"{imp['cpu']:.1f} s CPU ({imp['records'] / imp['wall']:,.0f}/s wall, "
                f"{imp['records'] / imp['cpu']:,.0f}/s CPU); replay {rep['records']:,} records in "
                f"{rep['wall']:.1f} s wall / {rep['cpu']:.1f} s CPU "
                f"({rep['records'] / rep['wall']:,.0f}/s wall, "
                f"{rep['records'] / rep['cpu']:,.0f}/s "
                f"CPU), peak {rep['peak_mb']:.0f} MB"
            )
        if "verify" in result:
            ver = result["verify"]
            print(
                f"{db}: verify {'OK' if ver['ok'] else 'FAILED'} in {ver['wall']:.1f} s wall / "
                f"{ver['cpu']:.1f} s CPU, peak {ver['peak_mb']:.0f} MB"
            )
        result["load"] = [load_before, os.getloadavg()[0]]
        print(json.dumps(result))


if __name__ == "__main__":
    main()
