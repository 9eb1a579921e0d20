"""Load benchmark over real HTTP: concurrent clerks registering weapons one per request, and
observers fetching proofs.

    python bench/load.py [--clients 1,10,50] [--seconds 8] [--db sqlite,postgres]
                         [--proof-size 1000000] [--runs 3] [--write docs/benchmarks.md]

For each database: a fresh data directory and database, a user with the collection clerk role and an
API token, then `laydown serve` (the server Laydown ships) in its own process, with group
commit on and, for comparison, off. N client threads (httpx, keep-alive) each POST
/api/v1/items one weapon at a time for a fixed time: records/s, p50/p95 latency, errors.
With --proof-size, a log of that many records is built (batched appends) and GET
/log/proof/<random index> is timed from the client, with the server process's CPU time per
request read from /proc. Clients and server share the machine's cores. Each row is run
--runs times: the median is shown with (min-max) beside it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _server import (
    Server,
    bench_env,
    clerk_create,
    machine,
    run_setup,
    setup_programme,
    write_section,
)

WARM_UP_SECONDS = 3
PG_URL = os.environ.get(
    "LAYDOWN_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/laydown_bench_load"
)


def setup_child() -> None:
    """In the benchmark's data directory: migrate, keys, a site, a registrar with a token."""
    setup_programme()
    from laydown.access.web import principal_for_user
    from laydown.accounts import services as accounts
    from laydown.ledger import services as ledger

    user = clerk_create("clerk", "bench-load-2026!")
    _token, secret = accounts.token_create(
        actor=principal_for_user(user), name="bench", actions=["arms.item_register"], days=1
    )
    size = int(os.environ.get("BENCH_PROOF_SIZE", "0"))
    from laydown.ledger import selectors

    while selectors.log_size() < size:
        n = min(10_000, size - selectors.log_size())
        ledger.record_append_batch(
            entries=[("ledger.witness_refused", {"n": i, "status": 0}) for i in range(n)],
            actor="bench",
        )
    print(json.dumps({"token": secret}))


def load(url: str, token: str, clients: int, seconds: float, start_serial: int) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def clerk(c: int) -> None:
        rng = random.Random(c)
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
            i = 0
            while time.perf_counter() < deadline:
                body = {
                    "site": "cp-1",
                    "category": "sa_assault_rifle",
                    "make": "Kalashnikov",
                    "model": "AKM",
                    "calibre": "7.62x39mm",
                    "serial": f"LD{start_serial + c:03d}-{i:07d}",
                    "year": rng.randint(1950, 2015),
                    "condition": "serviceable",
                }
                t0 = time.perf_counter()
                response = http.post("/api/v1/arms/items", json=body)
                took = time.perf_counter() - t0
                with lock:
                    if response.status_code == 201:
                        latencies.append(took)
                    else:
                        errors.append(f"{response.status_code} {response.text[:200]}")
                i += 1

    threads = [threading.Thread(target=clerk, args=(c,)) for c in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "clients": clients,
        "records": len(latencies),
        "per_s": len(latencies) / elapsed,
        "p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else 0.0,
        "p95_ms": 1000 * latencies[int(len(latencies) * 0.95)] if latencies else 0.0,
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
    }


def proofs(server: Server, size: int, count: int) -> dict[str, Any]:
    import httpx

    rng = random.Random(3)
    indices = [rng.randrange(size) for _ in range(count)]
    with httpx.Client(base_url=server.url, timeout=30) as http:
        for i in indices[:50]:  # warm up connections and caches
            http.get(f"/log/proof/{i}")
        cpu0 = server.cpu_seconds()
        took = []
        for i in indices:
            t0 = time.perf_counter()
            response = http.get(f"/log/proof/{i}")
            took.append(time.perf_counter() - t0)
            assert response.status_code == 200, response.text[:200]
        cpu = server.cpu_seconds() - cpu0
    took.sort()
    return {
        "size": size,
        "proofs": count,
        "p50_ms": 1000 * took[count // 2],
        "p95_ms": 1000 * took[int(count * 0.95)],
        "server_cpu_ms": 1000 * cpu / count,
    }


def run_db(db: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="laydown-load-") as data_dir:
        env = bench_env(data_dir, PG_URL if db == "postgres" else "")
        env["BENCH_PROOF_SIZE"] = str(args.proof_size if db == args.proof_db else 0)
        token = run_setup(__file__, env, db)["token"]
        out: dict[str, Any] = {"db": db, "runs": []}
        serial = 0
        for group_commit in (True, False):
            server = Server(env, group_commit)
            try:
                # Every worker imports the application's views on its first requests: not timed.
                load(server.url, token, max(args.clients), WARM_UP_SECONDS, serial)
                serial += max(args.clients)
                for clients in args.clients:
                    runs = []
                    for _run in range(args.runs):
                        cpu0 = server.cpu_seconds()
                        result = load(server.url, token, clients, args.seconds, serial)
                        cpu = server.cpu_seconds() - cpu0
                        result["server_cpu_ms"] = 1000 * cpu / max(1, result["records"])
                        serial += clients
                        runs.append(result)
                        print(db, group_commit, json.dumps(result), file=sys.stderr)
                    out["runs"].append(
                        {"group_commit": group_commit, "clients": clients, "runs": runs}
                    )
                if group_commit and db == args.proof_db and args.proof_size:
                    out["proof"] = [
                        proofs(server, args.proof_size, args.proofs) for _run in range(args.runs)
                    ]
                    print(db, json.dumps(out["proof"]), file=sys.stderr)
            finally:
                server.stop()
        return out


def spread(values: list[float], fmt: str) -> str:
    """median (min-max) of the runs, or the one value."""
    ordered = sorted(values)
    median = fmt.format(statistics.median(ordered))
    if len(ordered) == 1:
        return median
    return f"{median} ({fmt.format(ordered[0])}-{fmt.format(ordered[-1])})"


def markdown(results: list[dict[str, Any]], args: argparse.Namespace, load0: float) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "<!-- load:begin -->",
        "## Load: single registrations and proofs over HTTP",
        "",
        f"Written by `python bench/load.py --clients {','.join(map(str, args.clients))} "
        f"--seconds {args.seconds:g} --proof-size {args.proof_size} --runs {args.runs} "
        "--write docs/benchmarks.md` (issue 20).",
        "",
        f"- Date: {now}",
        f"- Machine: {machine()}; load average (1 min) {load0:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end",
        "- Server: `laydown serve` (granian, LAYDOWN_WORKERS x LAYDOWN_THREADS), clients in "
        "another process on the same 2 cores (httpx, keep-alive), each POSTing "
        f"`/api/v1/arms/items` one weapon at a time, no wait, for {args.seconds:g} s per run; "
        f"{args.runs} run(s) per row: median (min-max).",
        "",
        "| database | group commit | clients | registrations/s | p50 (ms) | p95 (ms) | errors "
        "| server CPU per registration (ms) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        for row in result["runs"]:
            runs = row["runs"]
            lines.append(
                f"| {result['db']} | {'on' if row['group_commit'] else 'off'} | "
                f"{row['clients']} | {spread([r['per_s'] for r in runs], '{:,.0f}')} | "
                f"{spread([r['p50_ms'] for r in runs], '{:.0f}')} | "
                f"{spread([r['p95_ms'] for r in runs], '{:.0f}')} | "
                f"{sum(r['errors'] for r in runs)} | "
                f"{spread([r['server_cpu_ms'] for r in runs], '{:.1f}')} |"
            )
    for result in results:
        proof = result.get("proof")
        if proof:
            lines += [
                "",
                f"Served proofs at {proof[0]['size']:,} leaves ({result['db']}, "
                f"{proof[0]['proofs']} random indices a run, one client, {len(proof)} run(s)): "
                f"p50 {spread([p['p50_ms'] for p in proof], '{:.2f}')} ms, p95 "
                f"{spread([p['p95_ms'] for p in proof], '{:.2f}')} ms wall at the client; "
                f"server CPU {spread([p['server_cpu_ms'] for p in proof], '{:.2f}')} ms per "
                "request (the whole request: the server, Django's middleware, the checkpoint and "
                "tiles, the proof, the log line).",
            ]
    lines += ["<!-- load:end -->", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1,10,50")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--proof-size", type=int, default=0)
    parser.add_argument("--proof-db", default="sqlite")
    parser.add_argument("--proofs", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", type=Path)
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        setup_child()
        return
    args.clients = [int(c) for c in args.clients.split(",")]
    load0 = os.getloadavg()[0]
    results = [run_db(db, args) for db in args.db.split(",")]
    text = markdown(results, args, load0)
    print(text)
    if args.write:
        write_section(args.write, text, "load")


if __name__ == "__main__":
    main()
