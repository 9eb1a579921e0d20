"""Django's development server against `laydown serve` (granian), and nginx serving the
published log, side by side on the demo data (issue 14).

    python bench/serve.py [--seconds 8] [--connections 10,50] [--write docs/benchmarks.md]
    python bench/serve.py --servers laydown,gunicorn --no-nginx --seconds 5

--servers picks the servers asked (dev: Django's, laydown: `laydown serve`, granian's WSGI
server; gunicorn: gunicorn's threaded workers over laydown.wsgi as `laydown serve` ran them
before granian, with the same workers and threads, keep-alive 5 s; gunicorn is no longer a
dependency: `pip install gunicorn` first). Each row also has the servers' CPU per request (its
processes' user and system time from /proc, before and after the run, over wrk's requests).

A fresh data directory and SQLite database get the demo (`laydown demo`), an API token of the
demo's clerk and a published copy of the log (`laydown log publish`). Both servers then run at
once; wrk (Debian's, `.ci/install-bench-tools`; keep-alive connections, 2 threads) asks each
of the checkpoint, a full tile, the public page and an authenticated API list for --seconds
at each number of connections, the two servers in turn (after a 1 s warm-up): requests/s, p50
and p95 (wrk's own latency histogram, read by bench/wrk-report.lua), non-2xx answers and
socket errors. Last, nginx with the deployment's site (deploy/nginx, TLS) in front of
`laydown serve` serves the same tile from the published copy. Client and servers share the
machine (its load is written beside the figures).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from _server import ROOT, Server, bench_env, machine, run_setup, write_section

SERVER_NAMES = {
    "dev": "development server (runserver)",
    "laydown": "laydown serve",
    "gunicorn": "gunicorn (gthread)",
}

REPORT = Path(__file__).resolve().parent / "wrk-report.lua"


def setup_child() -> None:
    """The demo, a token for the demo's clerk (reading items), the published copy of the log."""
    import django

    django.setup()
    from django.core.management import call_command

    from laydown.access.web import principal_for_user
    from laydown.accounts import services as accounts
    from laydown.accounts.models import User
    from laydown.ledger import keys, publish, selectors

    call_command("migrate", verbosity=0)
    call_command("keys", "init", verbosity=0)
    call_command("demo", verbosity=0)
    _token, secret = accounts.token_create(
        actor=principal_for_user(User.objects.get(username="clerk")),
        name="bench",
        actions=["arms.read"],
        days=1,
    )
    public = Path(os.environ["BENCH_PUBLIC"])
    publish.log_publish(public / "log")
    assert keys.log_verifier_key()
    size = selectors.checkpoint_public().size
    tile = "tile/0/000" if size >= 256 else f"tile/0/000.p/{size}"
    print(json.dumps({"token": secret, "tile": tile, "size": size}))


def wrk(url: str, connections: int, seconds: float, token: str = "") -> dict[str, Any]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds:g}s", "-s", str(REPORT), url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)  # noqa: S603
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"wrk failed on {url}: {done.stdout}{done.stderr}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def gunicorn_server(env: dict[str, str], work: Path) -> Server:
    """gunicorn's threaded workers over laydown.wsgi:application as `laydown serve` set them up
    until issue 14's switch to granian (group commit, static files collected, a metrics
    directory of its own), with the workers and threads `laydown serve` takes
    (LAYDOWN_WORKERS, LAYDOWN_THREADS), keep-alive 5 s."""
    sys.path.insert(0, str(ROOT))
    from laydown.server import cpu_count, default_threads, default_workers

    workers = int(os.environ.get("LAYDOWN_WORKERS") or default_workers(cpu_count()))
    threads = int(os.environ.get("LAYDOWN_THREADS") or default_threads(workers))
    env = dict(env, PROMETHEUS_MULTIPROC_DIR=str(work / "gunicorn-metrics"))
    (work / "gunicorn-metrics").mkdir(mode=0o700)
    subprocess.run(  # noqa: S603 - our own command; `laydown serve` does it before its workers
        [sys.executable, "-m", "laydown.cli", "collectstatic", "--noinput", "--verbosity=0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    command = [gunicorn, "--bind", "127.0.0.1:{port}", "--worker-class", "gthread"]
    command += ["--workers", str(workers), "--threads", str(threads), "--keep-alive", "5"]
    command += ["--log-level", "warning", "--no-control-socket"]
    return Server(env, group_commit=True, command=[*command, "laydown.wsgi:application"])


def make_server(name: str, env: dict[str, str], work: Path) -> Server:
    if name == "gunicorn":
        if shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None:
            raise SystemExit("gunicorn is not installed in this environment: pip install gunicorn")
        return gunicorn_server(env, work)
    return Server(env, group_commit=True, dev=name == "dev")


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="laydown-bench-serve-"))
    work.chmod(0o755)  # nginx's workers (nobody, under root) read the published copy
    try:
        env = bench_env(str(work / "data"), "")
        env["BENCH_PUBLIC"] = str(work / "public")
        setup = run_setup(__file__, env, "serve")
        targets = [
            ("checkpoint", "/log/checkpoint", False),
            ("tile", f"/log/{setup['tile']}", False),
            ("public page", "/", False),
            ("API list", "/api/v1/arms/items?per_page=20", True),
        ]
        rows: list[dict[str, Any]] = []
        # Both servers run at once and are asked in turn, target by target: the machine's load
        # (shared, it drifts) weighs on both alike.
        servers: list[tuple[str, Server]] = []
        try:
            for name in args.servers:
                servers.append((SERVER_NAMES[name], make_server(name, env, work)))
            for label, path, auth in targets:
                for _name, server in servers:  # warm-up: each worker's first requests, unkept
                    wrk(server.url + path, 10, 1, setup["token"] if auth else "")
                for conns in args.connections:
                    for server_name, server in servers:
                        before = loadavg()
                        cpu = server.cpu_seconds()
                        found = wrk(
                            server.url + path, conns, args.seconds, setup["token"] if auth else ""
                        )
                        cpu = server.cpu_seconds() - cpu
                        cpu_ms = 1000 * cpu / max(found["requests"], 1)
                        rows.append(
                            dict(
                                found,
                                server=server_name,
                                what=label,
                                conns=conns,
                                load=before,
                                cpu_ms=cpu_ms,
                            )
                        )
                        print(rows[-1], flush=True)
            production = [server for name, server in servers if name == SERVER_NAMES["laydown"]]
            if args.nginx and production:
                rows += nginx_rows(args, work, production[0], setup["tile"])
        finally:
            for _name, server in servers:
                server.stop()
        return {"rows": rows, "size": setup["size"]}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def nginx_rows(args: argparse.Namespace, work: Path, server: Server, tile: str) -> list[Any]:
    # the module alone, by its path: the laydown.testing package would need Django set up
    spec = importlib.util.spec_from_file_location("nginx_site", ROOT / "laydown/testing/nginx.py")
    assert spec is not None and spec.loader is not None
    site = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(site)
    proxy = site.Nginx(
        work / "nginx", upstream=f"127.0.0.1:{server.port}", public_root=work / "public"
    )
    rows = []
    try:
        for conns in args.connections:
            before = loadavg()
            found = wrk(f"{proxy.url}/log/{tile}", conns, args.seconds)
            rows.append(
                dict(
                    found,
                    server="nginx, published copy (TLS)",
                    what="tile",
                    conns=conns,
                    load=before,
                )
            )
            print(rows[-1], flush=True)
    finally:
        proxy.stop()
    return rows


def section(result: dict[str, Any], args: argparse.Namespace) -> str:
    lines = [
        "<!-- serve:begin -->",
        "## Application server: Django's development server, `laydown serve`, nginx (issue 14)",
        "",
        f"Written by `python bench/serve.py --seconds {args.seconds:g}` on "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {machine()}. The demo data (a log of "
        f"{result['size']} records), SQLite. Client: Debian's `wrk` (2 threads, keep-alive "
        f"connections, its latency histogram), on the same machine as the servers. Whatever else "
        f"runs on the machine moves the figures: the load average (1/5/15 min, from "
        f"/proc/loadavg) at the start of each run is beside it. `laydown serve` ran "
        f"granian's WSGI server with its defaults for this machine (LAYDOWN_WORKERS one per CPU, "
        f"at least 2; LAYDOWN_THREADS 50 / workers); the development server is "
        f"`laydown serve --dev` (runserver, a "
        f"thread per connection). nginx serves the published copy (`laydown log publish`) "
        f"with the site of deploy/nginx over TLS (HTTP/1.1 from wrk).",
        "",
        "| server | what | connections | requests/s | p50 ms | p95 ms | server CPU ms/request "
        "| non-2xx | socket errors | load at start |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in result["rows"]:
        cpu = f"{r['cpu_ms']:.2f}" if "cpu_ms" in r else ""
        lines.append(
            f"| {r['server']} | {r['what']} | {r['conns']} | {r['rps']:,.0f} | "
            f"{r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {cpu} | {r['non2xx']} | {r['errors']} "
            f"| {r['load']} |"
        )
    by = {(r["server"], r["what"], r["conns"]): r["rps"] for r in result["rows"]}
    lines += ["", "Throughput of `laydown serve` over the development server's:", ""]
    for (server, what, conns), rps in by.items():
        if server != "laydown serve":
            continue
        dev = by.get(("development server (runserver)", what, conns))
        if dev:
            lines.append(f"- {what}, {conns} connections: {rps / dev:.1f}x")
    ratios = [
        rps / by[("development server (runserver)", what, conns)]
        for (server, what, conns), rps in by.items()
        if server == "laydown serve" and ("development server (runserver)", what, conns) in by
    ]
    nginx = [rps for (server, _w, _c), rps in by.items() if server.startswith("nginx")]
    lines += [
        "",
        f"Targets: `laydown serve` >= 4x the development server's throughput on reads: "
        f"{'met' if ratios and min(ratios) >= 4 else 'NOT met'} "
        f"(from {min(ratios, default=0):.1f}x to {max(ratios, default=0):.1f}x); "
        "published tiles >= 10,000 requests/s from nginx: "
        f"{'met' if nginx and max(nginx) >= 10_000 else 'NOT met'} "
        f"({max(nginx, default=0):,.0f} at best).",
    ]
    lines += ["", "<!-- serve:end -->", ""]
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--setup":
        setup_child()
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument(
        "--connections", type=lambda s: [int(x) for x in s.split(",")], default=[10, 50]
    )
    parser.add_argument(
        "--servers",
        type=lambda s: [x for x in s.split(",") if x],
        default=["dev", "laydown"],
        help=f"comma-separated, of {', '.join(SERVER_NAMES)} (default dev,laydown)",
    )
    parser.add_argument(
        "--no-nginx", dest="nginx", action="store_false", help="skip nginx's published tiles"
    )
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    if unknown := set(args.servers) - set(SERVER_NAMES):
        parser.error(f"unknown servers: {', '.join(sorted(unknown))}")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: run .ci/install-bench-tools")
    result = run(args)
    text = section(result, args)
    print(text)
    if args.write:
        write_section(args.write, text, "serve")


if __name__ == "__main__":
    main()
