"""Replay and verify rates: `laydown ledger replay` of a registry log, measured on its own.

    python bench/replay.py [--items 100000] [--db sqlite,postgres] [--runs 3] [--verify]

The log (a site and `--items` weapons, one `arms.item_collected` record each) is built once
through the registry import's write path (`importer.items_write`, what the import job calls for
each batch of checked rows: tags allocated, records appended in batches of 5,000 with a signed
checkpoint each, applied with bulk inserts; the rows are the data the import's check gives for
a plain CSV row, without parsing a file) and cached in `--cache` (default var/bench-replay/N:
the SQLite database and the keys; `--rebuild` builds it again). For each database the log's
tables (records, tiles, checkpoints, log head) are copied into a fresh, migrated database, then
every replay runs in a process of its own: the first into the empty projections (a restore),
then `--runs` more in place (each empties and rebuilds every projection, as `laydown ledger
replay` does). Wall time, CPU time (user + system) and peak RSS of each, and on PostgreSQL on
this machine the CPU of the replay's backend (/proc/PID/stat); min/median/max of the in-place
runs. With --verify, the log is exported (`laydown log export`) and `laydown verify
--records` checks the export in a process of its own (peak RSS reported).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get(
    "LAYDOWN_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/laydown_bench_replay"
)
DB_FILE = "laydown.sqlite3"
LEDGER_TABLES = {  # the log's tables and their columns, in the order they are copied
    "ledger_loghead": ("id", "size", "root", "edge", "edge_tiles"),
    "ledger_record": ("index", "kind", "at", "actor", "body", "leaf_hash"),
    "ledger_tile": ("id", "level", "index", "hashes"),
    "ledger_checkpoint": ("size", "root", "note", "created_at", "cosigned_by", "cosignatures"),
}
TIMESTAMPS = {"at", "created_at"}  # stored by SQLite as UTC without an offset
PIECE = 50_000  # rows per items_write call (one transaction each), as the import job's batches


def _usage() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu": own.ru_utime + own.ru_stime, "peak_mb": own.ru_maxrss / 1024}


def _console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def build_child(items: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from rich.progress import Progress

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
    w0, c0 = time.perf_counter(), _usage()["cpu"]
    with Progress(console=_console(), transient=True) as bar:
        task = bar.add_task("Building the log (import write path)", total=items)
        for start in range(0, items, PIECE):
            entries = []
            for i in range(start, min(items, start + PIECE)):
                values = dict.fromkeys(importer.COLUMNS, "")
                values.update(
                    site="cp-1",
                    category="sa_assault_rifle",
                    make="Kalashnikov",
                    model="AKM",
                    calibre="7.62x39mm",
                    serial=f"RB{i:07d}",
                    year=str(1950 + i % 60),
                    condition="serviceable",
                )
                data = importer._fields_fast(values)  # the import check's data for this row
                assert data is not None
                entries.append(importer.Entry(data, [], ""))
            with transaction.atomic():
                importer.items_write(actor=SYSTEM, entries=entries)
            bar.advance(task, len(entries))
    wall, cpu = time.perf_counter() - w0, _usage()["cpu"] - c0
    return {"items": items, "records": selectors.log_size(), "wall": wall, "cpu": cpu}


def load_child(cache: str) -> dict[str, Any]:
    """Migrate the (empty) database and copy the cached log's tables into it."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    source = sqlite3.connect(Path(cache) / DB_FILE)
    qn = connection.ops.quote_name
    w0, c0 = time.perf_counter(), _usage()["cpu"]
    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns in LEDGER_TABLES.items():
            names = ", ".join(qn(c) for c in columns)
            rows = source.execute(f"SELECT {names} FROM {table} ORDER BY 1")  # noqa: S608
            if connection.vendor == "postgresql":
                stamps = [i for i, c in enumerate(columns) if c in TIMESTAMPS]
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        values = list(row)
                        for i in stamps:
                            values[i] += "+00"
                        copy.write_row(values)
                if "id" in columns:  # the sequence behind the generated key
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                        f"(SELECT coalesce(max(id), 1) FROM {table}))"
                    )
            else:
                marks = ", ".join(["%s"] * len(columns))
                sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
                while batch := rows.fetchmany(10_000):
                    cursor.executemany(sql, batch)
    return {"wall": time.perf_counter() - w0, "cpu": _usage()["cpu"] - c0}


def _backend_cpu(pid: int | None) -> float | None:
    """CPU seconds (user + system) of a PostgreSQL backend on this machine, from /proc."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # another machine, or not ours to read
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def replay_child() -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection

    from laydown.ledger import replay

    pid = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the connection the replay goes on to use
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
    before, backend_before = _usage(), _backend_cpu(pid)
    w0 = time.perf_counter()
    result = replay.ledger_replay(progress=True)
    wall = time.perf_counter() - w0
    after, backend_after = _usage(), _backend_cpu(pid)
    backend = None
    if backend_before is not None and backend_after is not None:
        backend = backend_after - backend_before
    return {
        "records": result.records,
        "wall": wall,
        "cpu": after["cpu"] - before["cpu"],
        "backend_cpu": backend,  # the PostgreSQL backend's, when it runs here
        "peak_mb": after["peak_mb"],
        "setup_peak_mb": before["peak_mb"],  # after Django's set-up, before the replay
    }


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

    w0, c0 = time.perf_counter(), _usage()["cpu"]
    status = verify_main([out, "--key", key, "--records", out + ".records.jsonl", "--quiet"])
    wall = time.perf_counter() - w0
    usage = _usage()
    return {"ok": status == 0, "wall": wall, "cpu": usage["cpu"] - c0, "peak_mb": usage["peak_mb"]}


def _pg_recreate(url: str) -> None:
    import psycopg

    base, _sep, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def child(step: list[str], env: dict[str, str], label: str) -> dict[str, Any]:
    """Run one step in a process of its own (its progress bar on the terminal); its result
    comes back through a file."""
    with tempfile.NamedTemporaryFile(suffix=".json") as result:
        done = subprocess.run(  # noqa: S603
            [sys.executable, __file__, *step, "--result", result.name],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=None,
        )
        if done.returncode != 0:
            raise SystemExit(f"{label} {step[0]} failed (exit status {done.returncode})")
        answer: dict[str, Any] = json.loads(Path(result.name).read_text())
        return answer


def _env(data_dir: str, db: str) -> dict[str, str]:
    env = dict(os.environ, LAYDOWN_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="laydown.settings")
    env["PYTHONPATH"] = str(ROOT)
    env["LAYDOWN_DATABASE_URL"] = PG_URL if db == "postgres" else ""
    return env


def cached_log(items: int, cache_root: Path, rebuild: bool) -> tuple[Path, dict[str, Any]]:
    cache = cache_root / str(items)
    ready = cache / "ready.json"
    if ready.exists() and not rebuild:
        built: dict[str, Any] = json.loads(ready.read_text())
        print(f"log of {built['records']:,} records from the cache {cache}", file=sys.stderr)
        return cache, built
    shutil.rmtree(cache, ignore_errors=True)
    building = cache_root / f"{items}.building"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True, mode=0o700)
    built = child(["--build-child", f"--items={items}"], _env(str(building), "sqlite"), "build")
    built["commit"] = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
    ).stdout.strip()
    (building / "ready.json").write_text(json.dumps(built))
    building.rename(cache)
    return cache, built


def _spread(values: list[float], digits: int = 0) -> str:
    return " / ".join(
        f"{v:,.{digits}f}" for v in (min(values), statistics.median(values), max(values))
    )


def run(db: str, cache: Path, runs: int, verify: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="laydown-replay-") as data_dir:
        for path in cache.iterdir():  # the keys (the log's signing key above all)
            if path.is_file() and not path.name.startswith(DB_FILE) and path.suffix != ".json":
                shutil.copy2(path, Path(data_dir) / path.name)
        env = _env(data_dir, db)
        if db == "postgres":
            _pg_recreate(PG_URL)
        out: dict[str, Any] = {"load": child(["--load-child", str(cache)], env, db)}
        replays = [child(["--replay-child"], env, db) for _ in range(runs + 1)]
        out["first"], out["in_place"] = replays[0], replays[1:]
        if verify:
            export = str(Path(data_dir) / "export")
            exported = child(["--export-child", export], env, db)
            out["verify"] = child(["--verify-child", export, "--key", exported["key"]], env, db)
        return out


def _backend(run: dict[str, Any]) -> str:
    cpu = run.get("backend_cpu")
    if cpu is None:
        return ""
    n = run["records"]
    return f", PostgreSQL backend {cpu:.1f} s CPU ({n / (run['cpu'] + cpu):,.0f}/s of both CPUs)"


def report(db: str, out: dict[str, Any]) -> None:
    first = out["first"]
    n = first["records"]
    print(
        f"{db}: replay into empty projections: {n:,} records in {first['wall']:.1f} s wall / "
        f"{first['cpu']:.1f} s CPU ({n / first['wall']:,.0f}/s wall, {n / first['cpu']:,.0f}/s "
        f"CPU){_backend(first)}, peak {first['peak_mb']:.0f} MB "
        f"({first['setup_peak_mb']:.0f} MB after set-up)"
    )
    runs = out["in_place"]
    if runs:
        print(
            f"{db}: replay in place, {len(runs)} runs, min / median / max: "
            f"{_spread([n / r['wall'] for r in runs])} records/s wall, "
            f"{_spread([n / r['cpu'] for r in runs])} records/s CPU, "
            f"peak {_spread([r['peak_mb'] for r in runs])} MB"
        )
        if all(r.get("backend_cpu") is not None for r in runs):
            backend = _spread([r["backend_cpu"] for r in runs], 1)
            both = _spread([n / (r["cpu"] + r["backend_cpu"]) for r in runs])
            print(
                f"{db}: in place, PostgreSQL backend {backend} s CPU; {both} records/s of the "
                "client's and the backend's CPU"
            )
    if "verify" in out:
        ver = out["verify"]
        print(
            f"{db}: verify --records {'OK' if ver['ok'] else 'FAILED'} in {ver['wall']:.1f} s "
            f"wall / {ver['cpu']:.1f} s CPU, peak {ver['peak_mb']:.0f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--db", default="sqlite")
    parser.add_argument("--runs", type=int, default=3, help="in-place replays after the first")
    parser.add_argument("--verify", action="store_true", help="export the log and verify it")
    parser.add_argument("--cache", default=str(ROOT / "var" / "bench-replay"))
    parser.add_argument("--rebuild", action="store_true", help="build the cached log again")
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--build-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--load-child", help=argparse.SUPPRESS)
    parser.add_argument("--replay-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--export-child", help=argparse.SUPPRESS)
    parser.add_argument("--verify-child", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    args = parser.parse_args()
    steps: dict[str, Callable[[], dict[str, Any]]] = {
        "build_child": lambda: build_child(args.items),
        "load_child": lambda: load_child(args.load_child),
        "replay_child": replay_child,
        "export_child": lambda: export_child(args.export_child),
        "verify_child": lambda: verify_child(args.verify_child, args.key),
    }
    for name, step in steps.items():
        if getattr(args, name):
            Path(args.result).write_text(json.dumps(step()))
            return
    cache, built = cached_log(args.items, Path(args.cache), args.rebuild)
    print(
        f"log: {built['records']:,} records, built at {built.get('commit', '?')} in "
        f"{built['wall']:.0f} s wall / {built['cpu']:.0f} s CPU"
    )
    results = {"items": args.items, "build": built}
    for db in args.db.split(","):
        load_before = os.getloadavg()[0]
        out = run(db, cache, args.runs, args.verify)
        out["loadavg"] = [load_before, os.getloadavg()[0]]
        report(db, out)
        results[db] = out
    print(json.dumps(results))


if __name__ == "__main__":
    main()
