"""Ledger benchmark: laydown.tlog and the durable ledger, side by side with pymerkle.

    python bench/ledger.py [--write docs/benchmarks.md] [--quick]

Measures in one run: in-memory append rate (ours vs pymerkle's InmemoryTree), durable batched
append through `record_append_batch` on SQLite and PostgreSQL, inclusion-proof time at 10^6
leaves, and the rate of a full `laydown verify` of an exported 10^6-leaf log. Durable runs happen
in child processes, one per database, each with a fresh data directory and database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _server import machine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from laydown import tlog  # noqa: E402

PG_URL = os.environ.get(
    "LAYDOWN_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/laydown_bench"
)


def best_rate(count: int, run: Callable[[], object], repeat: int = 3) -> float:
    """Items per second of the fastest of `repeat` runs (the least disturbed by the machine)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return count / min(times)


def bench_memory_append(n: int) -> dict[str, float]:
    import pymerkle

    entries = [b"record %d" % i for i in range(n)]

    def ours() -> None:
        tree = tlog.MemoryTree()
        tree.append(entries)
        tree.root()

    def theirs() -> None:
        tree = pymerkle.InmemoryTree(algorithm="sha256")
        for entry in entries:
            tree.append_entry(entry)
        tree.get_root()

    return {"laydown": best_rate(n, ours), "pymerkle": best_rate(n, theirs)}


def bench_inclusion_proof(n: int) -> dict[str, float]:
    import pymerkle

    entries = [b"record %d" % i for i in range(n)]
    tree = tlog.MemoryTree()
    tree.append(entries)
    theirs = pymerkle.InmemoryTree(algorithm="sha256")
    for entry in entries:
        theirs.append_entry(entry)
    rng = random.Random(7)
    indices = [rng.randrange(n) for _ in range(2000)]
    root = tree.root()

    start = time.perf_counter()
    proofs = [tree.inclusion_proof(i, n) for i in indices]
    ours_ms = (time.perf_counter() - start) / len(indices) * 1e3
    for i, proof in zip(indices[:50], proofs, strict=False):
        tlog.verify_inclusion(tlog.leaf_hash(entries[i]), i, n, proof, root)
    start = time.perf_counter()
    for i in indices[:200]:
        theirs.prove_inclusion(i + 1, n)
    theirs_ms = (time.perf_counter() - start) / 200 * 1e3
    return {"laydown": ours_ms, "pymerkle": theirs_ms}


def bench_verify(n: int) -> dict[str, float]:
    """Write a signed 10^6-leaf log as static files, then time the verify of `laydown verify`."""
    from laydown.verify import Source, verify_log

    tree = tlog.MemoryTree()
    tree.append(b"record %d" % i for i in range(n))
    skey, vkey = tlog.generate_key("bench.example/log")
    signer = tlog.new_signer(skey)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for tile in tlog.tiles_for_size(n):
            path = out / tlog.tile_path(tile)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(tree.read_tile(tile.level, tile.index)[: tile.width * 32])
        cp = tlog.Checkpoint(origin=signer.name, size=n, root_hash=tree.root())
        (out / "checkpoint").write_text(tlog.sign_note(cp.to_text(), [signer]))
        rate = best_rate(n, lambda: verify_log(Source(str(out)), vkey), repeat=3)
        only_tiles = best_rate(n, lambda: tlog.verify_tiles(n, tree.read_tile), repeat=3)
    return {"verify": rate, "verify_tiles": only_tiles}


def bench_durable(db: str, records: int, batch: int) -> dict[str, float]:
    """Run the durable benchmark in a child process with its own data dir and database."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, LAYDOWN_DATA_DIR=tmp, PYTHONPATH=str(ROOT))
        if db == "postgresql":
            _recreate_pg_database(PG_URL)
            env["LAYDOWN_DATABASE_URL"] = PG_URL
        else:
            env["LAYDOWN_DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(records), str(batch)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
        return result


def _recreate_pg_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def durable_child(records: int, batch: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laydown.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from laydown.ledger import keys, kinds, services

    call_command("migrate", verbosity=0)
    keys.key_create_if_absent()
    kinds.register("bench.sample", description="A benchmark record.")
    entries = [
        ("bench.sample", {"tag": f"LD-{i:07d}", "serial": f"АК-{i}", "category": "rifle", "n": i})
        for i in range(batch)
    ]
    services.record_append_batch(entries=entries[:10], actor="bench")  # warm-up
    timings = []
    for _ in range(records // batch):
        start = time.perf_counter()
        services.record_append_batch(entries=entries, actor="bench")
        timings.append(time.perf_counter() - start)
    total = sum(timings)
    print(
        json.dumps(
            {
                "rate": records / total,
                "batch_ms_median": statistics.median(timings) * 1e3,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", type=Path, help="write the results table to this file")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    if args.child:
        durable_child(*args.child)
        return
    million = 100_000 if args.quick else 1_000_000
    durable_n = 20_000 if args.quick else 100_000
    results: list[tuple[str, str, str, str, str]] = []

    def row(what: str, ours: str, peer: str, target: str, ok: bool) -> None:
        results.append((what, ours, peer, target, "met" if ok else "MISSED"))
        print(f"{what:<55} {ours:>16} {peer:>16} {target:>22} {'met' if ok else 'MISSED'}")

    append = bench_memory_append(million)
    row(
        f"in-memory append, {million:,} leaves (leaves/s)",
        f"{append['laydown']:,.0f}",
        f"{append['pymerkle']:,.0f}",
        ">= 500,000 and >= 5x peer",
        append["laydown"] >= 500_000 and append["laydown"] >= 5 * append["pymerkle"],
    )
    proof = bench_inclusion_proof(million)
    row(
        f"inclusion proof at {million:,} leaves (ms per proof)",
        f"{proof['laydown']:.3f}",
        f"{proof['pymerkle']:.3f}",
        "< 1 ms",
        proof["laydown"] < 1,
    )
    verify = bench_verify(million)
    row(
        f"laydown verify, exported {million:,}-leaf log (leaves/s)",
        f"{verify['verify']:,.0f}",
        "n/a",
        ">= 500,000",
        verify["verify"] >= 500_000,
    )
    row(
        "  of which tlog.verify_tiles alone (leaves/s)",
        f"{verify['verify_tiles']:,.0f}",
        "n/a",
        "",
        True,
    )
    for db, target in (("sqlite", 20_000), ("postgresql", 10_000)):
        if db == "postgresql" and args.no_postgres:
            continue
        for batch in (1_000, 10_000):
            durable = bench_durable(db, durable_n, batch)
            row(
                f"durable append on {db}, batches of {batch:,} (records/s)",
                f"{durable['rate']:,.0f}",
                "n/a",
                f">= {target:,}",
                durable["rate"] >= target,
            )
    if args.write:
        write_table(args.write, results)


def write_table(path: Path, results: list[tuple[str, str, str, str, str]]) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python bench/ledger.py --write docs/benchmarks.md`).",
        "",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        "- Peer: pymerkle " + _pymerkle_version() + " (`InmemoryTree`, sha256), in the same run",
        "",
        "| measure | Laydown | pymerkle | target | |",
        "|---|---:|---:|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in results]
    lines += ["", "## Notes", ""]
    notes = path.with_name("benchmarks-notes.md")
    if notes.exists():
        lines.append(notes.read_text().strip())
    # Keep everything from the first section another benchmark writes (between
    # <!-- name:begin --> and <!-- name:end -->) to the end: those sections and the hand-written
    # ones between them. This table and its notes are all that is written again.
    old = path.read_text() if path.exists() else ""
    first = _FIRST_MARK.search(old)
    kept = old[first.start() :].rstrip("\n") if first else ""
    path.write_text("\n".join(lines) + ("\n\n" + kept if kept else "") + "\n")


_FIRST_MARK = re.compile(r"^<!-- \w+:begin -->", re.M)


def _pymerkle_version() -> str:
    from importlib.metadata import version

    return version("pymerkle")


if __name__ == "__main__":
    main()
