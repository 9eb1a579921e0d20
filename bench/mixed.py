"""Mixed load over real HTTP: 40 users reading, registering weapons and signing in at once.

    python bench/mixed.py [--clients 40] [--seconds 120] [--db sqlite,postgres]
                          [--mix api=45,page=20,register=30,signin=5] [--addresses 10]
                          [--items 1000] [--think 0,1-3] [--runs 3]
                          [--write docs/benchmarks.md]

For each database: a fresh data directory and database with --items weapons already
registered, a collection clerk per client (no second factor) and an API token, then `laydown
serve` (whatever server it runs) in its own process. Each client thread (httpx, keep-alive)
first signs in to the pages as its own clerk, then loops for --seconds, picking each step by
the --mix weights:

- api: GET /api/v1/arms/items, a page of 1-5 or a filter (make, status, partial serial);
- page: the item list page with its signed-in session, first page or a filtered page;
- register: POST /api/v1/arms/items, one weapon;
- signin: a new browser (no cookies) signing in through the real sign-in page: GET the form
  (its CSRF token), POST username and password, expecting the redirect (two requests, timed
  apart as "sign-in form" and "sign-in").

Two ways of loading, each run --runs times on the same server (`--think`): `0`, a closed loop
where each user sends the next request as soon as the last is answered (the server's
saturation: with the cores busy, latency is about users / throughput), and `1-3`, where each
user waits 1 to 3 s (uniformly) after each action, as a clerk does between two weapons
(what 40 working users see). Both are reported; the latency of a request never includes the
wait before it.

The sign-in throttle counts every try against the client's address (a right password undoes
it) and refuses an address with 20 tries in flight. So that the bench measures sign-ins, not
the throttle doing its job, clients connect from --addresses loopback addresses, 127.0.0.2 and
up (Linux routes all of 127/8 to lo), a few clients per address; --addresses 1 puts every
client on 127.0.0.1. Requests/s, p50/p95 per kind, errors by status; a 5xx's traceback is
taken from the server's output, which is kept in var/bench-mixed-DB-server.log.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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

PG_URL = os.environ.get(
    "LAYDOWN_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/laydown_bench_mixed"
)
PASSWORD = "bench-mixed-2026!"  # noqa: S105 - a throwaway database
KINDS = {  # what each kind's request must answer
    "api list": 200,
    "items page": 200,
    "register": 201,
    "sign-in form": 200,
    "sign-in": 302,
}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
URL = re.compile(r"https?://\S+ ")
MAKES = ["Kalashnikov", "Colt", "FN Herstal", "Heckler & Koch", "Norinco"]


def setup_child() -> None:
    """Migrate, keys, a collection point, --items weapons, a clerk per client, an API token."""
    site = setup_programme()
    from laydown.access.web import principal_for_user
    from laydown.accounts import services as accounts
    from laydown.arms import services as arms

    users = []
    first = None
    for n in range(int(os.environ["BENCH_CLIENTS"])):
        user = clerk_create(f"clerk{n:02d}", PASSWORD)
        users.append(user.username)
        first = first or user
    assert first is not None, "at least one client"
    clerk = principal_for_user(first)
    rng = random.Random(1)
    for i in range(int(os.environ["BENCH_ITEMS"])):
        arms.item_collect(actor=clerk, site=site, **weapon(rng, f"PRE-{i:07d}"))
    _token, secret = accounts.token_create(
        actor=clerk, name="bench", actions=["arms.item_register", "arms.read"], days=1
    )
    print(json.dumps({"token": secret, "users": users}))


def weapon(rng: random.Random, serial: str) -> dict[str, Any]:
    return {
        "category": "sa_assault_rifle",
        "make": rng.choice(MAKES),
        "model": "AKM",
        "calibre": "7.62x39mm",
        "serial": serial,
        "year": rng.randint(1950, 2015),
        "condition": "serviceable",
    }


@dataclass
class Tally:
    """Every request's kind, status and time; the first answer of each unexpected status."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    times: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[tuple[str, str]] = field(default_factory=Counter)
    samples: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, status: str, took: float, text: str = "") -> None:
        with self.lock:
            self.times.setdefault(kind, []).append(took)
            if status != str(KINDS[kind]):
                self.errors[(kind, status)] += 1
                self.samples.setdefault(status, f"{kind}: {text[:300]}")


class User:
    """One client thread: its clerk, its loopback address, its API and page sessions."""

    runs = itertools.count()

    def __init__(self, n: int, args: argparse.Namespace, url: str, token: str, username: str):
        self.run = next(User.runs) // args.clients
        import httpx

        self.httpx = httpx
        self.rng = random.Random(n)
        self.n = n
        self.url = url
        self.username = username
        self.address = f"127.0.0.{2 + n % args.addresses}" if args.addresses > 1 else "127.0.0.1"
        self.api = self.client(headers={"Authorization": f"Bearer {token}"})
        self.pages = self.client()
        self.registered = 0
        status, _text = self.sign_in(self.pages, None)
        if status != "302":
            raise SystemExit(f"{username} could not sign in before the run: {status} {_text}")

    def client(self, headers: dict[str, str] | None = None) -> Any:
        transport = self.httpx.HTTPTransport(local_address=self.address)
        return self.httpx.Client(
            base_url=self.url, headers=headers, transport=transport, timeout=60
        )

    def request(
        self, tally: Tally | None, kind: str, http: Any, method: str, path: str, **kw: Any
    ) -> tuple[Any, str, str]:
        t0 = time.perf_counter()
        try:
            response = http.request(method, path, **kw)
            status, text = str(response.status_code), response.text
        except self.httpx.HTTPError as exc:
            response, status, text = None, type(exc).__name__, str(exc)
        if tally is not None:
            tally.add(kind, status, time.perf_counter() - t0, text)
        return response, status, text

    def sign_in(self, http: Any, tally: Tally | None) -> tuple[str, str]:
        path = "/accounts/sign-in/"
        _r, status, text = self.request(tally, "sign-in form", http, "GET", path)
        token = CSRF.search(text)
        if token is None:
            return status, "no CSRF token in the sign-in form"
        body = {"csrfmiddlewaretoken": token[1], "username": self.username, "password": PASSWORD}
        headers = {"Referer": self.url + path}
        _r, status, text = self.request(
            tally, "sign-in", http, "POST", path, data=body, headers=headers
        )
        return status, text

    def step(self, kind: str, tally: Tally) -> None:
        rng = self.rng
        if kind == "api":
            params: dict[str, Any] = rng.choice(
                [
                    {"page": rng.randint(1, 5)},
                    {"make": rng.choice(MAKES)},
                    {"status": "collected", "per_page": 20},
                    {"serial": f"{rng.randint(0, 999):03d}"},
                ]
            )
            self.request(tally, "api list", self.api, "GET", "/api/v1/arms/items", params=params)
        elif kind == "page":
            params = rng.choice([{}, {"make": rng.choice(MAKES), "page": rng.randint(1, 3)}])
            self.request(tally, "items page", self.pages, "GET", "/arms/items/", params=params)
        elif kind == "register":
            serial = f"MX{self.run:02d}{self.n:02d}-{self.registered:07d}"  # new in every run
            body = dict(weapon(rng, serial), site="cp-1")
            self.registered += 1
            self.request(tally, "register", self.api, "POST", "/api/v1/arms/items", json=body)
        else:
            with self.client() as browser:  # a new browser: no session, no device cookie
                self.sign_in(browser, tally)

    def close(self) -> None:
        self.api.close()
        self.pages.close()


def run_load(
    url: str, setup: dict[str, Any], args: argparse.Namespace, think: tuple[float, float]
) -> dict[str, Any]:
    users = [User(n, args, url, setup["token"], setup["users"][n]) for n in range(args.clients)]
    kinds, weights = zip(*args.mix.items(), strict=True)
    tally = Tally()
    deadline = time.perf_counter() + args.seconds

    def loop(user: User) -> None:
        while time.perf_counter() < deadline:
            user.step(user.rng.choices(kinds, weights)[0], tally)
            if think[1]:
                time.sleep(min(user.rng.uniform(*think), max(0, deadline - time.perf_counter())))

    threads = [threading.Thread(target=loop, args=(user,)) for user in users]
    started, cpu0 = time.perf_counter(), time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    for user in users:
        user.close()
    return dict(summary(tally, elapsed), client_cpu_s=time.process_time() - cpu0)


def percentile(values: list[float], q: float) -> float:
    return 1000 * values[min(len(values) - 1, int(len(values) * q))] if values else 0.0


def summary(tally: Tally, elapsed: float) -> dict[str, Any]:
    kinds = {}
    for kind in KINDS:
        times = sorted(tally.times.get(kind, []))
        errors = sum(n for (k, _s), n in tally.errors.items() if k == kind)
        kinds[kind] = {
            "requests": len(times),
            "per_s": len(times) / elapsed,
            "p50_ms": percentile(times, 0.50),
            "p95_ms": percentile(times, 0.95),
            "errors": errors,
        }
    every = sorted(t for times in tally.times.values() for t in times)
    by_status = Counter[str]()
    for (_kind, status), n in tally.errors.items():
        by_status[status] += n
    return {
        "seconds": elapsed,
        "requests": len(every),
        "per_s": len(every) / elapsed,
        "p50_ms": percentile(every, 0.50),
        "p95_ms": percentile(every, 0.95),
        "kinds": kinds,
        "errors": dict(by_status),
        "error_kinds": {f"{k} {s}": n for (k, s), n in tally.errors.items()},
        "samples": tally.samples,
    }


def server_said(log: Path, processes: int) -> str:
    """What `laydown serve` ran: its own start line, or else Django's development server."""
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("laydown serve:"):
            said = URL.sub("", line)
            return f"`{said}` ({processes} processes)"
    return f"`laydown serve` = Django's development server (runserver, {processes} process)"


def _log_text(line: str) -> str:
    """A log line as text: a JSON log line's fields one a line (a traceback among them)."""
    try:
        record = json.loads(line)
    except ValueError:
        return line
    if not isinstance(record, dict):
        return line
    return "\n".join(str(value) for value in record.values())


def tracebacks(log: Path) -> list[str]:
    """The distinct tracebacks in the server's output (the last line of each, counted)."""
    found: Counter[str] = Counter()
    text = "\n".join(map(_log_text, log.read_text(errors="replace").splitlines()))
    blocks = re.split(r"(?m)^(?=Traceback \(most recent call last\):)", text)
    first: dict[str, str] = {}
    for block in blocks[1:]:
        lines = block.splitlines()
        end = next((i for i, line in enumerate(lines[1:], 1) if not line.startswith(" ")), 0)
        text = "\n".join(lines[: end + 1])
        found[lines[end]] += 1
        first.setdefault(lines[end], text)
    return [f"{n} x {last}\n{first[last]}" for last, n in found.most_common()]


def run_db(db: str, args: argparse.Namespace) -> dict[str, Any]:
    log_path = ROOT / "var" / f"bench-mixed-{db}-server.log"
    log_path.parent.mkdir(exist_ok=True)
    out: dict[str, Any] = {"db": db, "variants": []}
    with tempfile.TemporaryDirectory(prefix="laydown-mixed-") as data_dir:
        env = bench_env(data_dir, PG_URL if db == "postgres" else "")
        env["BENCH_CLIENTS"] = str(args.clients)
        env["BENCH_ITEMS"] = str(args.items)
        started = time.perf_counter()
        setup = run_setup(__file__, env, db)
        print(f"{db}: set up in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        with log_path.open("wb") as log:
            server = Server(env, group_commit=True, log=log)
            try:
                # Every worker imports the application's views on its first requests: not timed.
                run_load(
                    server.url, setup, argparse.Namespace(**{**vars(args), "seconds": 5}), (0, 0)
                )
                for think in args.think:
                    runs = []
                    for _run in range(args.runs):
                        load_before = os.getloadavg()[0]
                        cpu0 = server.cpu_seconds()
                        result = run_load(server.url, setup, args, think)
                        result["server_cpu_s"] = server.cpu_seconds() - cpu0
                        result["load"] = (load_before, os.getloadavg()[0])
                        runs.append(result)
                        print(db, think, json.dumps(result, indent=1), file=sys.stderr)
                    out["variants"].append({"think": think, "runs": runs})
                out["server_processes"] = len(server.pids())
            finally:
                server.stop()
    out["server"] = server_said(log_path, out["server_processes"])
    out["tracebacks"] = tracebacks(log_path)
    return out


TARGET_MS = 300  # issue 17: p95 under 300 ms for reads and single writes, and no error
TARGET_KINDS = ("api list", "items page", "register")
BEFORE = (
    "Before (issue 17, the outside test's 40-user mix on `laydown serve` = Django's development "
    "server, database not stated): 24.9 requests/s, p95 1.1 s, sign-in p95 14 s."
)


def think_text(think: tuple[float, float]) -> str:
    return "no wait" if not think[1] else f"{think[0]:g}-{think[1]:g} s"


def spread(values: list[float], fmt: str = "{:,.0f}") -> str:
    """median (min-max) of the runs, or the one value."""
    ordered = sorted(values)
    median = statistics.median(ordered)
    if len(ordered) == 1:
        return fmt.format(median)
    return f"{fmt.format(median)} ({fmt.format(ordered[0])}-{fmt.format(ordered[-1])})"


def verdict(db: str, variant: dict[str, Any]) -> str:
    """Whether every run of a variant meets issue 17's target, and what misses it (worst run)."""
    runs = variant["runs"]
    missed = []
    for kind in TARGET_KINDS:
        worst = max(r["kinds"][kind]["p95_ms"] for r in runs)
        if worst >= TARGET_MS:
            missed.append(f"{kind} p95 up to {worst:,.0f} ms")
    errors = sum(sum(r["errors"].values()) for r in runs)
    if errors:
        missed.append(f"{errors} errors")
    name = f"{db}, {think_text(variant['think'])}"
    if not missed:
        return f"{name}: target met in every run (no error, p95 under {TARGET_MS} ms)"
    return f"{name}: target **not met**: " + ", ".join(missed)


def markdown(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    mix = ",".join(f"{k}={v:g}" for k, v in args.mix.items())
    thinks = ",".join(f"{a:g}-{b:g}" if b else "0" for a, b in args.think)
    loads = [r["load"] for res in results for v in res["variants"] for r in v["runs"]]
    lines = [
        "<!-- mixed:begin -->",
        "## Mixed load: 40 users reading, registering and signing in (issue 17)",
        "",
        f"Written by `python bench/mixed.py --clients {args.clients} --seconds {args.seconds:g} "
        f"--mix {mix} --addresses {args.addresses} --items {args.items} --think {thinks} "
        f"--runs {args.runs} --write docs/benchmarks.md`.",
        "",
        f"- Date: {now}",
        f"- Machine: {machine()}; load average (1 min, the bench's own threads count in it) "
        f"from {min(a for a, _b in loads):.1f} to {max(b for _a, b in loads):.1f} over the runs",
        "- Server: " + "; ".join(f"{r['db']}: {r['server']}" for r in results),
        f"- {args.clients} users, each a client thread in one process on the same cores (httpx, "
        f"keep-alive), from {args.addresses} loopback address(es); {args.runs} run(s) of "
        f"{args.seconds:g} s per row; {args.items:,} weapons registered before. 'No wait': "
        "each user sends its next request as soon as the last is answered (saturation); "
        "'1-3 s': each user waits 1 to 3 s after each action, as a clerk does.",
        "- Figures are the median of the runs, (min-max) beside it.",
        "",
        "| database | users wait | kind | requests/s | p50 (ms) | p95 (ms) | errors |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for res in results:
        for variant in res["variants"]:
            runs, wait = variant["runs"], think_text(variant["think"])
            for kind in KINDS:
                ks = [r["kinds"][kind] for r in runs]
                per_s = spread([k["per_s"] for k in ks], "{:.1f}")
                lines.append(
                    f"| {res['db']} | {wait} | {kind} | {per_s}"
                    f" | {spread([k['p50_ms'] for k in ks])} | {spread([k['p95_ms'] for k in ks])}"
                    f" | {sum(k['errors'] for k in ks)} |"
                )
            errors = Counter[str]()
            for r in runs:
                errors.update(r["errors"])
            shown = ", ".join(f"{n} x {s}" for s, n in sorted(errors.items())) or "none"
            per_s = spread([r["per_s"] for r in runs], "{:.1f}")
            lines.append(
                f"| {res['db']} | {wait} | **all** | **{per_s}"
                f"** | {spread([r['p50_ms'] for r in runs])} | "
                f"{spread([r['p95_ms'] for r in runs])} | {shown} |"
            )
    lines += [
        "",
        "Server CPU (all of `laydown serve`'s processes, from /proc) beside wall time:",
        "",
    ]
    for res in results:
        for variant in res["variants"]:
            runs = variant["runs"]
            per_request = [1000 * r["server_cpu_s"] / max(1, r["requests"]) for r in runs]
            cores = [r["server_cpu_s"] / r["seconds"] for r in runs]
            lines.append(
                f"- {res['db']}, {think_text(variant['think'])}: server CPU "
                f"{spread(per_request, '{:.1f}')} ms a request, "
                f"{spread(cores, '{:.2f}')} of the 2 cores over {runs[0]['seconds']:.0f} s "
                f"of wall time a run; clients' CPU {spread([r['client_cpu_s'] for r in runs])} s "
                "a run; load average "
                + ", ".join(f"{a:.1f}->{b:.1f}" for a, b in (r["load"] for r in runs))
                + "."
            )
    lines += [
        "",
        BEFORE,
        "",
        f"Target: no error, p95 under {TARGET_MS} ms for reads and writes (the worst run):",
        "",
    ]
    lines += [f"- {verdict(res['db'], v)}" for res in results for v in res["variants"]]
    lines += ["<!-- mixed:end -->", ""]
    return "\n".join(lines)


def parse_think(text: str) -> list[tuple[float, float]]:
    """`0,1-3` -> [(0, 0), (1, 3)]: no wait, and 1 to 3 seconds between actions."""
    found = []
    for part in text.split(","):
        low, _dash, high = part.partition("-")
        try:
            pair = (float(low), float(high or low))
        except ValueError:
            raise SystemExit(f"--think: {part!r} is not SECONDS or MIN-MAX") from None
        if not 0 <= pair[0] <= pair[1]:
            raise SystemExit(f"--think: {part!r} is not 0 <= MIN <= MAX")
        found.append(pair)
    return found


def parse_mix(text: str) -> dict[str, float]:
    mix = {}
    for part in text.split(","):
        kind, _eq, weight = part.partition("=")
        if kind not in ("api", "page", "register", "signin") or not weight:
            raise SystemExit(f"--mix: {part!r} is not api=, page=, register= or signin=WEIGHT")
        mix[kind] = float(weight)
    return mix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--mix", type=parse_mix, default="api=45,page=20,register=30,signin=5")
    parser.add_argument("--addresses", type=int, default=10)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--think", type=parse_think, default="0,1-3")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", type=Path)
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        setup_child()
        return
    results = [run_db(db, args) for db in args.db.split(",")]
    for r in results:
        for traceback in r["tracebacks"]:
            print(f"{r['db']}: server traceback: {traceback}", file=sys.stderr)
    text = markdown(results, args)
    print(text)
    if args.write:
        write_section(args.write, text, "mixed")


if __name__ == "__main__":
    main()
