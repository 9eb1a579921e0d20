"""Where one request's CPU goes: cProfile and SQL query counts of one kind of request, run
in-process through Laydown's WSGI application (the same middleware and settings as `laydown
serve`, without the HTTP server's own work).

    python bench/profile_request.py register|list|proof|checkpoint [--n 300] [--db URL] [--profile]

A fresh data directory (and database, for a PostgreSQL URL), a collection clerk with an API
token, then N requests of the kind, after a warm-up: CPU per request (time.process_time, every
thread of the process), queries per request, and with --profile the cProfile top functions
(CPU time). With LAYDOWN_GROUP_COMMIT=1 the committer thread's queries, CPU and profile are
counted too (its share printed beside); the request thread's own CPU (time.thread_time of the
thread that calls the application) is printed apart, and PROFILE_REQUEST_ONLY=1 leaves the
committer's profile out of --profile's.

`--log` keeps the log lines (written to /dev/null, as stderr would take them: formatted, the
handler's lock, a `write`); `--pieces` (register only) prints the request thread's CPU per
registration in each piece of the registration front (time.thread_time around each; a piece's
figure includes the pieces it calls).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this tree's laydown

from _server import bench_env, run_setup  # noqa: E402


def setup_child() -> None:
    from _server import clerk_create, setup_programme

    setup_programme()
    from laydown.access.roles import Role
    from laydown.access.web import principal_for_user
    from laydown.accounts import services as accounts
    from laydown.ledger import services as ledger

    password = "bench-profile-2026!"  # noqa: S105 - a bench's throwaway programme
    user = clerk_create("clerk", password)
    _token, secret = accounts.token_create(
        actor=principal_for_user(user),
        name="bench",
        actions=["arms.item_register", "arms.read"],
        days=1,
    )
    at_site = accounts.user_create(
        actor=accounts.SYSTEM,
        username="site-clerk",
        password=password,
        organisation="op",
    )
    accounts.role_grant(
        actor=accounts.SYSTEM, user=at_site, role=Role.COLLECTION_CLERK, scope="site:cp-1"
    )
    _token, site_secret = accounts.token_create(
        actor=principal_for_user(at_site), name="bench", actions=["arms.read"], days=1
    )
    ledger.record_append_batch(
        entries=[("ledger.witness_refused", {"n": i, "status": 0}) for i in range(5000)],
        actor="bench",
    )
    print(json.dumps({"token": secret, "site_token": site_secret}))


LIST = "per_page=20"


def wsgi_call(
    app: Any, method: str, path: str, body: bytes, headers: dict[str, str], query: str = ""
) -> int:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
        **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()},
    }
    status: list[str] = []
    result = app(environ, lambda s, h, *a: status.append(s))
    for _chunk in result:
        pass
    if hasattr(result, "close"):
        result.close()
    return int(status[0].split()[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    kinds = ["register", "list", "list-site", "proof", "checkpoint", "page", "transparency"]
    parser.add_argument("kind", nargs="?", default="register", choices=kinds)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--db", default="")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--setup", action="store_true")
    parser.add_argument("--log", action="store_true", help="keep the log lines, to /dev/null")
    parser.add_argument("--pieces", action="store_true", help="CPU by piece (register)")
    args, _ = parser.parse_known_args()
    if args.setup:
        setup_child()
        return
    with tempfile.TemporaryDirectory(prefix="laydown-prof-") as data_dir:
        env = bench_env(data_dir, args.db)
        tokens = run_setup(__file__, env, "profile")
        token = tokens["token"]
        os.environ.update(env)
        os.environ["LAYDOWN_ALLOWED_HOSTS"] = "127.0.0.1"
        os.environ.setdefault("LAYDOWN_GROUP_COMMIT", "0")
        import django

        django.setup()
        if not args.log:
            logging_off()
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        import laydown
        from laydown.wsgi import application

        if args.log:  # after the application's own django.setup(), which configures logging
            logging_to_null()
        pieces = Pieces() if args.pieces else None

        committer = Committer(args.profile)
        trips = RoundTrips(Path(data_dir))

        headers = {"Authorization": f"Bearer {token}"}
        site_headers = {"Authorization": f"Bearer {tokens['site_token']}"}

        def register(i: int) -> int:
            body = json.dumps(
                {
                    "site": "cp-1",
                    "category": "sa_assault_rifle",
                    "make": "Kalashnikov",
                    "model": "AKM",
                    "calibre": "7.62x39mm",
                    "serial": f"PR-{i:07d}",
                    "year": 1970,
                    "condition": "serviceable",
                }
            ).encode()
            return wsgi_call(application, "POST", "/api/v1/arms/items", body, headers)

        def one(i: int) -> int:
            if args.kind == "register":
                return register(i)
            if args.kind in ("list", "list-site"):  # of the weapons registered
                who = headers if args.kind == "list" else site_headers
                return wsgi_call(application, "GET", "/api/v1/arms/items", b"", who, LIST)
            if args.kind == "page":
                return wsgi_call(application, "GET", "/", b"", {})
            if args.kind == "transparency":
                return wsgi_call(application, "GET", "/reports/transparency/", b"", {})
            if args.kind == "proof":
                return wsgi_call(application, "GET", f"/log/proof/{(i * 7919) % 5000}", b"", {})
            return wsgi_call(application, "GET", "/log/checkpoint", b"", {})

        if args.kind in ("list", "list-site"):  # a full first page to list
            for i in range(20):
                assert register(20_000_000 + i) == 201
        for i in range(50):
            assert one(i) in (200, 201), one(i)
        with CaptureQueriesContext(connection) as queries:
            committer.capture = True
            one(10_000_000)
            committer.capture = False
        print(f"laydown from {Path(laydown.__file__).parent}")
        print(f"queries in one request: {len(queries)} + {len(committer.queries)} by the committer")
        for q in queries.captured_queries + committer.queries:
            print("   ", q["sql"][:160])
        if connection.vendor == "postgresql":
            with trips:
                for i in range(50):
                    one(60_000 + i)
            trips.report(50)
        counter = cProfile.Profile()
        counter.enable()
        for i in range(50):
            one(50_000 + i)
        counter.disable()
        calls = pstats.Stats(counter).total_calls / 50  # type: ignore[attr-defined]
        # CPU time, not wall time: the waits for the committer and for fsync are left out
        profiler = cProfile.Profile(time.thread_time) if args.profile else None
        if profiler:
            profiler.enable()
        committer.cpu = 0.0
        committer.profiling = True
        if pieces is not None:
            pieces.spent.clear()
        chunks = []
        own = []  # the request thread's CPU alone (this thread: WSGI, Django, ninja, the view)
        for start in range(0, args.n, 50):
            c0, t0 = time.process_time(), time.thread_time()
            for i in range(start, min(args.n, start + 50)):
                one(100 + i)
            done = min(args.n, start + 50) - start
            own.append(1000 * (time.thread_time() - t0) / done)
            chunks.append(1000 * (time.process_time() - c0) / done)
        if profiler:
            profiler.disable()
        committer.profiling = False
        chunks.sort()
        own.sort()
        print(
            f"{args.kind}: CPU ms per request min {chunks[0]:.2f} median "
            f"{chunks[len(chunks) // 2]:.2f} (chunks of 50); {calls:,.0f} Python calls per request"
        )
        print(
            f"the request thread alone: CPU ms per request min {own[0]:.2f} median "
            f"{own[len(own) // 2]:.2f} max {own[-1]:.2f}"
        )
        if committer.on:
            print(f"of which the committer thread: {1000 * committer.cpu / args.n:.2f} ms")
        if pieces is not None:
            pieces.report(args.n)
        if profiler:
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            if committer.profiler is not None and not os.environ.get("PROFILE_REQUEST_ONLY"):
                stats.add(committer.profiler)
            if os.environ.get("PROFILE_DUMP"):  # for pstats by hand
                stats.dump_stats(os.environ["PROFILE_DUMP"])
            stats.sort_stats("cumulative").print_stats(60)
            stats.sort_stats("tottime").print_stats(40)
            print(out.getvalue())
        connection.close()


class Committer:
    """With group commit on (LAYDOWN_GROUP_COMMIT=1), the committer thread's share: its CPU
    time, its queries and (with --profile) its profile, which the main thread's profiler and
    query capture do not see."""

    def __init__(self, profile: bool) -> None:
        from django.conf import settings

        self.on = bool(settings.LAYDOWN_GROUP_COMMIT)
        self.profiler = cProfile.Profile(time.thread_time) if profile and self.on else None
        self.profiling = False  # only the measured requests, as the main thread's profile
        self.capture = False
        self.queries: list[dict[str, Any]] = []
        self.cpu = 0.0
        if self.on:
            from laydown.ledger import group

            commit_batch = group.commit_batch

            def measured(batch: list[Any], gather: Any = None) -> None:
                from django.db import connection
                from django.test.utils import CaptureQueriesContext

                c0 = time.thread_time()
                profiler = self.profiler if self.profiling else None
                if profiler is not None:
                    profiler.enable()
                if self.capture:
                    with CaptureQueriesContext(connection) as queries:
                        commit_batch(batch, gather)
                    self.queries = queries.captured_queries
                else:
                    commit_batch(batch, gather)
                if profiler is not None:
                    profiler.disable()
                self.cpu += time.thread_time() - c0

            group.commit_batch = measured


class RoundTrips:
    """On PostgreSQL, the round trips to the server of every connection of the process (each
    thread's, the committer's), from libpq's own trace of the protocol (PQtrace): each
    ReadyForQuery the server sends ends one. Django's query capture misses what bypasses its
    cursors: the connection health check's SELECT 1, BEGIN and COMMIT."""

    def __init__(self, directory: Path) -> None:
        from django.db.backends.signals import connection_created

        self.directory = directory
        self.connections: list[Any] = []
        self.files: list[Any] = []
        self.tracing = False
        connection_created.connect(self.created, weak=False)

    def created(self, sender: Any, connection: Any, **kwargs: Any) -> None:
        if connection.vendor == "postgresql":
            self.connections.append(connection.connection.pgconn)
            if self.tracing:
                self.trace(self.connections[-1])

    def trace(self, pgconn: Any) -> None:
        from psycopg import pq

        if pgconn.status != pq.ConnStatus.OK:
            return  # closed since
        file = (self.directory / f"trace-{len(self.files)}.txt").open("w")
        self.files.append(file)
        pgconn.trace(file.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)

    def __enter__(self) -> None:
        self.files = []
        self.tracing = True
        for pgconn in self.connections:
            self.trace(pgconn)

    def __exit__(self, *exc: object) -> None:
        from psycopg import pq

        self.tracing = False
        for pgconn in self.connections:
            if pgconn.status == pq.ConnStatus.OK:
                pgconn.untrace()
        for file in self.files:
            file.close()

    def report(self, requests: int) -> None:
        import collections

        trips = 0
        sent: collections.Counter[str] = collections.Counter()
        for file in self.files:
            for line in Path(file.name).read_text().splitlines():
                direction, _length, message, text = (line.split("\t") + ["", "", ""])[:4]
                if direction == "B" and message == "ReadyForQuery":
                    trips += 1
                elif direction == "F" and message == "Query":
                    sql = text.strip().strip('"')
                    word = sql.split(" ", 1)[0]
                    sent[word if word in ("SAVEPOINT", "RELEASE") else sql[:60]] += 1
        print(f"PostgreSQL round trips per request: {trips / requests:.2f} ({requests} requests)")
        for sql, n in sent.most_common(8):
            print(f"    {n / requests:5.2f}  {sql}")


class Pieces:
    """The request thread's CPU in each piece of a registration through the front: each
    function below wrapped, its thread time added up under its name."""

    def __init__(self) -> None:
        import collections
        import concurrent.futures
        import functools

        from django.core import signals

        from laydown.arms import api as arms_api
        from laydown.arms.services import collection
        from laydown.ops import api_fast

        self.spent: collections.defaultdict[str, float] = collections.defaultdict(float)

        def wrap(owner: Any, name: str, label: str) -> None:
            original = getattr(owner, name)

            @functools.wraps(original)
            def timed(*args: Any, **kwargs: Any) -> Any:
                started = time.thread_time()
                try:
                    return original(*args, **kwargs)
                finally:
                    self.spent[label] += time.thread_time() - started

            setattr(owner, name, timed)

        front = api_fast.RegistrationFront
        for owner, name, label in [
            (front, "__call__", "the whole front"),
            (front, "_which", "which registration (_which)"),
            (api_fast, "_checked", "token, body, text guard, schema (_checked)"),
            (api_fast, "token_principal", "  the token (token_principal)"),
            (api_fast, "refuse_bad_text", "  the text guard"),
            (api_fast, "_run", "the registration and its answer (_run)"),
            (arms_api, "_site", "  the site (_site)"),
            (collection, "item_checked", "  the checks (item_checked)"),
            (concurrent.futures.Future, "result", "  the wait for the committer"),
            (arms_api, "_item_answer", "  the answer's fields (_item_answer)"),
            (api_fast, "rendered_body", "  the answer's JSON (rendered_body)"),
            (api_fast, "request_logged", "the log line"),
            (signals.request_started, "send", "request_started"),
            (signals.request_finished, "send", "request_finished"),
            (api_fast, "generate_guid", "the request id"),
        ]:
            wrap(owner, name, label)

    def report(self, requests: int) -> None:
        print("the request thread's CPU per registration by piece (us):")
        for label, spent in self.spent.items():
            print(f"    {1e6 * spent / requests:7.1f}  {label}")


def logging_to_null() -> None:
    import logging

    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))  # for the process's whole life


def logging_off() -> None:
    import logging

    logging.disable(logging.CRITICAL)


if __name__ == "__main__":
    main()
