"""Load benchmark over real HTTP: concurrent clerks registering weapons one per request, and
observers fetching proofs.

    python bench/load.py [--clients 1,10,50] [--seconds 8] [--db sqlite,postgres]
                         [--client wrk|httpx|wrk,httpx] [--group-commit on,off]
                         [--shapes 5x4,1x50,...] [--proof-size 1000000] [--runs 3]
                         [--write docs/benchmarks.md]

For each database: a fresh data directory and database, a user with the collection clerk role and an
API token, then `laydown serve` (the server Laydown ships) in its own process, with group
commit on and/or off, with each of --shapes' workers x threads (LAYDOWN_WORKERS x
LAYDOWN_THREADS; default: the server's own defaults for this machine). N connections each POST
/api/v1/arms/items one weapon at a time, no wait, for --seconds: registrations/s (answers 201
within the window), p50/p95/p99 latency, errors, and the CPU per registration of the server
(its processes and their children, from /proc), of PostgreSQL's backends serving it (their
processes on this machine, from /proc) and of the client.

The client (--client) is Debian's `wrk` by default (`.ci/install-bench-tools`; one C thread, an
event loop, the requests written by bench/wrk-register.lua: each its own serial), which costs
little beside the server on the same cores; `httpx` is the former client, N Python threads in
this process (keep-alive), kept for comparison. After the window no request is sent and those
in flight are answered; then the database must hold exactly the registrations answered 201
(items and ledger records counted before and after each run): a lost or extra record is
reported, and the benchmark fails.

With --proof-size, a log of that many records is built (batched appends) and GET
/log/proof/<random index> is timed from the client, with the server process's CPU time per
request read from /proc. Each row is run --runs times: the median is shown with (min-max)
beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _chart import Series, line_chart
from _server import (
    ROOT,
    Server,
    bench_env,
    clerk_create,
    machine,
    run_setup,
    setup_programme,
    write_section,
)

WARM_UP_SECONDS = 3
# After the window, the requests in flight are answered within this (wrk's -d is the window
# plus this).
DRAIN_SECONDS = 5
PG_URL = os.environ.get(
    "LAYDOWN_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/laydown_bench_load"
)
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk-register.lua"
CLIENTS = ("wrk", "httpx")
TICKS = os.sysconf("SC_CLK_TCK")


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


def httpx_load(url: str, token: str, clients: int, seconds: float, prefix: str) -> dict[str, Any]:
    """N Python threads of this process (httpx, keep-alive), each registering one weapon at a
    time until the window ends (the request in flight is answered): the client's CPU is this
    process's."""
    import httpx

    latencies: list[float] = []
    refusals: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    in_window = [0]

    def clerk(c: int) -> None:
        rng = random.Random(c)
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
            i = 0
            while time.perf_counter() < deadline:
                i += 1
                body = {
                    "site": "cp-1",
                    "category": "sa_assault_rifle",
                    "make": "Kalashnikov",
                    "model": "AKM",
                    "calibre": "7.62x39mm",
                    "serial": f"{prefix}T{c:02d}N{i:07d}",
                    "year": rng.randint(1950, 2015),
                    "condition": "serviceable",
                }
                t0 = time.perf_counter()
                response = http.post("/api/v1/arms/items", json=body)
                t1 = time.perf_counter()
                with lock:
                    latencies.append(t1 - t0)
                    if response.status_code != 201:
                        refusals.append(f"{response.status_code} {response.text[:200]}")
                    elif t1 <= deadline:
                        in_window[0] += 1

    threads = [threading.Thread(target=clerk, args=(c,)) for c in range(clients)]
    cpu0 = time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cpu = time.process_time() - cpu0
    latencies.sort()
    n = len(latencies)
    return {
        "answered": n,
        "created": n - len(refusals),
        "created_in_window": in_window[0],
        "unanswered": 0,
        "refused": len(refusals),
        "first_refusal": refusals[0] if refusals else "",
        "socket_errors": 0,
        **{
            f"p{q}_ms": 1000 * latencies[min(n - 1, n * q // 100)] if n else 0.0
            for q in (50, 95, 99)
        },
        "client_cpu": cpu,
    }


def wrk_load(
    url: str, token: str, clients: int, seconds: float, prefix: str, threads: int
) -> dict[str, Any]:
    """Debian's wrk with bench/wrk-register.lua: `clients` keep-alive connections on `threads`
    C threads; the client's CPU is the wrk process's (this process's ended children's)."""
    command = ["wrk", f"-t{min(threads, clients)}", f"-c{clients}"]
    command += [f"-d{math.ceil(seconds) + DRAIN_SECONDS}s", "--timeout", "60s"]
    command += ["-H", f"Authorization: Bearer {token}", "-s", str(WRK_SCRIPT), url]
    command += ["--", prefix, f"{seconds:g}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(  # noqa: S603 - our own command, no shell
        command, capture_output=True, text=True, timeout=seconds + DRAIN_SECONDS + 60
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"wrk failed: {done.stdout}{done.stderr}")
    result: dict[str, Any] = json.loads(lines[-1])
    result["unanswered"] = result.pop("sent") - result["answered"]
    result["client_cpu"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return result


def registrations(env: dict[str, str]) -> tuple[int, int]:
    """Items and ledger records in the benchmark's database, read directly (not through the
    server)."""
    queries = ("SELECT count(*) FROM arms_item", "SELECT count(*) FROM ledger_record")
    if env["LAYDOWN_DATABASE_URL"]:
        import psycopg

        with psycopg.connect(env["LAYDOWN_DATABASE_URL"].partition("?")[0]) as conn:
            found = [conn.execute(q).fetchone() for q in queries]
    else:
        path = Path(env["LAYDOWN_DATA_DIR"]) / "laydown.sqlite3"
        with contextlib.closing(sqlite3.connect(path)) as db:
            found = [db.execute(q).fetchone() for q in queries]
    items, records = (int(row[0]) if row else 0 for row in found)
    return items, records


def backend_pids(database: str) -> list[int]:
    """PostgreSQL's backends connected to `database` on this machine (their process titles)."""
    pids = []
    title = re.compile(rf"^postgres: .*?: \S+ {re.escape(database)} ")
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.match(text):
            pids.append(int(cmdline.parent.name))
    return pids


def cpu_of(pids: list[int]) -> dict[int, float]:
    """User and system CPU seconds of each process still running, from /proc."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = sum(int(f) for f in fields[11:13]) / TICKS
    return found


def settled(env: dict[str, str]) -> tuple[int, int]:
    """The registrations once the server has finished what the client stopped waiting for:
    the same count twice, a second apart (at most a minute)."""
    last = registrations(env)
    for _ in range(60):
        time.sleep(1)
        now = registrations(env)
        if now == last:
            break
        last = now
    return last


class Meter:
    """The server's CPU (its processes), PostgreSQL's backends' (a backend that ends during the
    run takes its time since the start with it: CONN_MAX_AGE keeps them for a minute) and the
    database's registrations, before and after a run."""

    def __init__(self, server: Server, env: dict[str, str]) -> None:
        self.server, self.env = server, env
        url = env["LAYDOWN_DATABASE_URL"]
        self.database = url.partition("?")[0].rpartition("/")[2] if url else ""

    def start(self) -> None:
        self.counts = registrations(self.env)
        self.backends = cpu_of(backend_pids(self.database)) if self.database else {}
        self.cpu = self.server.cpu_seconds()

    def stop(self, result: dict[str, Any]) -> None:
        cpu = self.server.cpu_seconds() - self.cpu
        backends = cpu_of(backend_pids(self.database)) if self.database else {}
        db_cpu = sum(t - self.backends.get(pid, 0.0) for pid, t in backends.items())
        n = max(1, result["created"])
        result["server_cpu_ms"] = 1000 * cpu / n
        result["db_cpu_ms"] = 1000 * db_cpu / n if self.database else None
        result["client_cpu_ms"] = 1000 * result["client_cpu"] / n
        items, records = settled(self.env) if result["unanswered"] else registrations(self.env)
        added = (items - self.counts[0], records - self.counts[1])
        result["added"] = added
        # Exact when every request was answered; else each unanswered one may have been saved.
        low, high = result["created"], result["created"] + result["unanswered"]
        result["check"] = all(low <= a <= high for a in added)


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


def parse_shape(text: str) -> tuple[int, int]:
    workers, _x, threads = text.partition("x")
    return int(workers), int(threads)


def default_shape() -> tuple[int, int]:
    """`laydown serve`'s workers and threads on this machine (LAYDOWN_WORKERS, LAYDOWN_THREADS
    or the defaults)."""
    sys.path.insert(0, str(ROOT))
    from laydown.server import cpu_count, default_threads, default_workers

    workers = int(os.environ.get("LAYDOWN_WORKERS") or default_workers(cpu_count()))
    return workers, int(os.environ.get("LAYDOWN_THREADS") or default_threads(workers))


def one_run(
    client: str, server: Server, token: str, clients: int, args: argparse.Namespace, prefix: str
) -> dict[str, Any]:
    if client == "wrk":
        return wrk_load(server.url, token, clients, args.seconds, prefix, args.wrk_threads)
    return httpx_load(server.url, token, clients, args.seconds, prefix)


def run_server(
    db: str,
    env: dict[str, str],
    token: str,
    group_commit: bool,
    shape: tuple[int, int],
    args: argparse.Namespace,
    runs_so_far: list[int],
) -> list[dict[str, Any]]:
    env = dict(env, LAYDOWN_WORKERS=str(shape[0]), LAYDOWN_THREADS=str(shape[1]))
    server = Server(env, group_commit)
    meter = Meter(server, env)
    rows = []

    def prefix() -> str:
        runs_so_far[0] += 1
        return f"W{runs_so_far[0]:05d}"

    try:
        # Every worker imports the application's views on its first requests: not timed.
        warm_up = one_run(
            args.client[0],
            server,
            token,
            max(args.clients),
            argparse.Namespace(seconds=WARM_UP_SECONDS, wrk_threads=args.wrk_threads),
            prefix(),
        )
        if warm_up["unanswered"]:  # not to be counted in the first run's registrations
            settled(env)
        for clients in args.clients:
            runs: dict[str, list[dict[str, Any]]] = {client: [] for client in args.client}
            for _run in range(args.runs):
                for client in args.client:  # alternately: the machine's load drifts
                    meter.start()
                    result = one_run(client, server, token, clients, args, prefix())
                    meter.stop(result)
                    result["per_s"] = result["created_in_window"] / args.seconds
                    result["load"] = os.getloadavg()[0]
                    runs[client].append(result)
                    label = f"{db} gc={group_commit} {shape[0]}x{shape[1]} {client} c={clients}"
                    print(label, json.dumps(result), file=sys.stderr, flush=True)
            for client in args.client:
                rows.append(
                    {
                        "group_commit": group_commit,
                        "shape": shape,
                        "client": client,
                        "clients": clients,
                        "runs": runs[client],
                    }
                )
    finally:
        server.stop()
    return rows


def run_db(db: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="laydown-load-") as data_dir:
        env = bench_env(data_dir, PG_URL if db == "postgres" else "")
        env["BENCH_PROOF_SIZE"] = str(args.proof_size if db == args.proof_db else 0)
        token = run_setup(__file__, env, db)["token"]
        out: dict[str, Any] = {"db": db, "runs": []}
        runs_so_far = [0]
        for group_commit in args.group_commit:
            for shape in args.shapes:
                out["runs"] += run_server(db, env, token, group_commit, shape, args, runs_so_far)
        if db == args.proof_db and args.proof_size:
            server = Server(env, group_commit=True)
            try:
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


def command_line(args: argparse.Namespace) -> str:
    parts = ["python bench/load.py", f"--clients {','.join(map(str, args.clients))}"]
    parts.append(f"--seconds {args.seconds:g}")
    if args.db != "sqlite,postgres":
        parts.append(f"--db {args.db}")
    if args.client != ["wrk"]:
        parts.append(f"--client {','.join(args.client)}")
    if args.group_commit != [True, False]:
        parts.append(f"--group-commit {','.join('on' if g else 'off' for g in args.group_commit)}")
    if args.shapes_given:
        parts.append(f"--shapes {args.shapes_given}")
    if args.proof_size:
        parts.append(f"--proof-size {args.proof_size}")
    parts += [f"--runs {args.runs}", "--write docs/benchmarks.md"]
    return " ".join(parts)


def markdown(results: list[dict[str, Any]], args: argparse.Namespace, load0: float) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    clients = {
        "wrk": "Debian's `wrk` (one C thread, an event loop; each request written by "
        "bench/wrk-register.lua with its own serial)",
        "httpx": "httpx, one Python thread per connection in the benchmark's process",
    }
    lines = [
        "<!-- load:begin -->",
        "## Load: single registrations and proofs over HTTP",
        "",
        f"Written by `{command_line(args)}` (issue 20).",
        "",
        f"- Date: {now}",
        f"- Machine: {machine()}; load average (1 min) {load0:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end",
        "- Server: `laydown serve` (granian; LAYDOWN_WORKERS x LAYDOWN_THREADS as in the table), "
        "the client on the same 2 cores: "
        + "; ".join(clients[c] for c in args.client)
        + f". N keep-alive connections each POST `/api/v1/arms/items`, one weapon at a time, "
        f"no wait, for {args.seconds:g} s; registrations/s are the answers 201 within that "
        "window; latency is the client's, every answer; then the requests in flight are "
        f"answered. {args.runs} run(s) per row: median (min-max).",
        "- CPU per registration (ms): the server's processes, PostgreSQL's backends serving it "
        "(their processes on this machine) and the client's process, from /proc and "
        "getrusage, over the answers 201.",
    ]
    checks = [r for result in results for row in result["runs"] for r in row["runs"]]
    bad = [r for r in checks if not r["check"]]
    lines.append(
        f"- After each of the {len(checks)} runs the database held exactly the registrations "
        "answered 201 (items and ledger records counted directly)."
        if not bad
        else f"- NOT exact after {len(bad)} of {len(checks)} runs: the database's items and "
        f"records added {[r['added'] for r in bad]} against the answers 201 "
        f"{[r['created'] for r in bad]}."
    )
    lines += [
        "",
        "| database | group commit | workers x threads | client | connections "
        "| registrations/s | p50 (ms) | p95 (ms) | p99 (ms) | errors "
        "| server CPU | PostgreSQL CPU | client CPU |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        for row in result["runs"]:
            runs = row["runs"]
            errors = sum(r["refused"] + r["socket_errors"] + r["unanswered"] for r in runs)
            db_cpu = (
                spread([r["db_cpu_ms"] for r in runs], "{:.2f}")
                if runs[0]["db_cpu_ms"] is not None
                else ""
            )
            lines.append(
                f"| {result['db']} | {'on' if row['group_commit'] else 'off'} | "
                f"{row['shape'][0]} x {row['shape'][1]} | {row['client']} | {row['clients']} | "
                f"{spread([r['per_s'] for r in runs], '{:,.0f}')} | "
                f"{spread([r['p50_ms'] for r in runs], '{:.0f}')} | "
                f"{spread([r['p95_ms'] for r in runs], '{:.0f}')} | "
                f"{spread([r['p99_ms'] for r in runs], '{:.0f}')} | {errors} | "
                f"{spread([r['server_cpu_ms'] for r in runs], '{:.2f}')} | {db_cpu} | "
                f"{spread([r['client_cpu_ms'] for r in runs], '{:.2f}')} |"
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
    if args.write:
        lines += ["", *(f"![{alt}](charts/{name})" for name, alt in CHARTS)]
    lines += ["<!-- load:end -->", ""]
    return "\n".join(lines)


CHARTS = (
    ("load-throughput.svg", "registrations per second against connections"),
    ("load-p95.svg", "p95 latency against connections"),
)


def charts(results: list[dict[str, Any]], directory: Path) -> None:
    """The curves of the table: registrations/s and p95 against connections, one line per
    database, group commit and server shape (the median, the runs' min-max as a bar)."""
    lines: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        for row in result["runs"]:
            label = (
                f"{result['db']}, {row['shape'][0]}x{row['shape'][1]}"
                f"{'' if row['group_commit'] else ', no group commit'}"
                f"{'' if row['client'] == 'wrk' else ', ' + row['client']}"
            )
            lines.setdefault(label, []).append(row)

    def series(key: str) -> list[Series]:
        return [
            Series(
                label,
                [(row["clients"], statistics.median(r[key] for r in row["runs"])) for row in rows],
                [
                    (
                        row["clients"],
                        min(r[key] for r in row["runs"]),
                        max(r[key] for r in row["runs"]),
                    )
                    for row in rows
                ],
            )
            for label, rows in lines.items()
        ]

    directory.mkdir(parents=True, exist_ok=True)
    plots = (
        ("per_s", "Single registrations over HTTP", "registrations/s", 1000, "1,000/s", False),
        ("p95_ms", "p95 latency of a registration", "p95 (ms, log scale)", 100, "100 ms", True),
    )
    for (name, _alt), (key, title, y_label, goal, goal_label, log_y) in zip(
        CHARTS, plots, strict=True
    ):
        (directory / name).write_text(
            line_chart(
                series(key),
                title=f"{title} (issue 20)",
                x_label="connections (clerks sending at once)",
                y_label=y_label,
                target=(goal, f"target: {goal_label}"),
                log_y=log_y,
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1,10,50", help="connections, comma-separated")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--client", default="wrk", help="wrk, httpx or both: wrk,httpx")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--group-commit", default="on,off", help="on, off or on,off")
    parser.add_argument(
        "--shapes", default="", help="workers x threads, e.g. 5x4,1x50 (default: the server's)"
    )
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
    args.client = args.client.split(",")
    if unknown := set(args.client) - set(CLIENTS):
        parser.error(f"unknown clients: {', '.join(sorted(unknown))}")
    if "wrk" in args.client and shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: run .ci/install-bench-tools")
    args.group_commit = [g == "on" for g in args.group_commit.split(",")]
    args.shapes_given = args.shapes
    args.shapes = (
        [parse_shape(s) for s in args.shapes.split(",")] if args.shapes else [default_shape()]
    )
    load0 = os.getloadavg()[0]
    results = [run_db(db, args) for db in args.db.split(",")]
    text = markdown(results, args, load0)
    print(text)
    if args.write:
        write_section(args.write, text, "load")
        charts(results, args.write.parent / "charts")
    if any(not r["check"] for result in results for row in result["runs"] for r in row["runs"]):
        raise SystemExit("the database did not hold exactly the registrations answered 201")


if __name__ == "__main__":
    main()
