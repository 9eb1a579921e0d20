"""`laydown serve`: the production server (granian), or Django's development server (`--dev`).

The production server is granian's WSGI server: LAYDOWN_WORKERS processes, each answering with
up to LAYDOWN_THREADS Python threads (granian's "blocking threads") while its Rust threads
parse HTTP and keep connections alive. Its main process answers the usual signals: SIGHUP
starts new workers with fresh code and settings one at a time, stopping each old one
gracefully; SIGTERM and SIGINT stop accepting connections and let the requests in progress
finish (at most GRACEFUL_TIMEOUT seconds, then the worker is killed). A worker that dies is
started again. Static files are collected (hashed names, compressed copies) before the first
worker starts and served by WhiteNoise.

Each worker loads the application through `worker_application` (granian's factory): the URL
resolver is built before the first request, and at the worker's exit what its group
committer holds is committed (laydown.ledger.group) and its live metrics are dropped.

Per worker, as in one `runserver` process before: group commit (laydown.ledger.group) gathers
the concurrent single registrations of that worker's threads into one transaction; several
workers each have their own committer and take turns at the log head lock. New checkpoints
are pushed to witnesses by `laydown worker` (laydown.ops.periodic), not by the web processes.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

DEFAULT_ADDRESS = "127.0.0.1:8000"
GRACEFUL_TIMEOUT = 30  # seconds a stopping worker has to finish the requests it holds
# An idle Python thread of a worker ends after this long; its database connection (kept
# CONN_MAX_AGE = 60 s, laydown.core.env) is closed only when the thread's state is collected,
# and a new thread opens another: keep threads well past the connections' age (granian's
# maximum).
THREADS_IDLE_TIMEOUT = 600
MAX_DEFAULT_WORKERS = 8
# On SIGHUP a new worker is started, then the old one it replaces is stopped this many seconds
# later. Each worker has its own listening socket (SO_REUSEPORT) from the moment its
# application is loaded (about 2 s of CPU; 6 s seen on a loaded machine): with one worker, a
# shorter wait would leave nobody listening for a moment.
REPLACE_INTERVAL = 10
TARGET = "laydown.server:worker_application"
MAIN_PID = "LAYDOWN_SERVE_MAIN_PID"


def cpu_count() -> int:
    """CPUs this process may run on (a container's or taskset's limit, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_workers(cpus: int) -> int:
    """One per CPU (at least 2, at most 8): a worker's threads share its one interpreter lock,
    so CPUs are what more processes add, and each worker is one group committer. More workers
    than CPUs made registrations dearer: 5 committers on 2 cores each took smaller batches
    and waited for each other's (bench/load.py, 50 connections, 2026-11-30: 5 x 4 174/s on
    SQLite and 100/s on PostgreSQL at p95 483 / 863 ms; 2 x 25 286/s and 132/s at 279 / 642
    ms; reads within 5% of each other, docs/benchmarks.md)."""
    return max(2, min(cpus, MAX_DEFAULT_WORKERS))


# Threads per worker by default: about 50 in all (each may hold a database connection, and
# PostgreSQL's default max_connections is 100), at least 4 per worker.
THREADS_IN_ALL = 50
MIN_DEFAULT_THREADS = 4


def default_threads(workers: int) -> int:
    return max(MIN_DEFAULT_THREADS, THREADS_IN_ALL // workers)


LOG_FORMATS = ("json", "text")


def listen_address(bind: str) -> dict[str, Any]:
    """granian's address options for HOST:PORT ([v6]:PORT) or unix:PATH."""
    if bind.startswith("unix:"):
        return {"uds": Path(bind.removeprefix("unix:"))}
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit():
        raise SystemExit(f"laydown serve: {bind!r} is not HOST:PORT or unix:PATH")
    return {"address": host.strip("[]") or "0.0.0.0", "port": int(port)}  # noqa: S104


def server_options(bind: str) -> dict[str, Any]:
    """granian's settings for `laydown serve`, read from LAYDOWN_WORKERS and LAYDOWN_THREADS
    (a bad value stops the start with a message naming the variable)."""
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    from laydown.core.env import env_choice, env_int
    from laydown.core.logs import granian_logging

    workers = env_int("LAYDOWN_WORKERS", default_workers(cpu_count()), minimum=1)
    threads = env_int("LAYDOWN_THREADS", default_threads(workers), minimum=1)
    return {
        "target": TARGET,
        "factory": True,  # TARGET is called in each worker and returns the application
        **listen_address(bind),
        "interface": Interfaces.WSGI,
        "workers": workers,
        "blocking_threads": threads,
        "blocking_threads_idle_timeout": THREADS_IDLE_TIMEOUT,
        "http": HTTPModes.http1,  # behind nginx, which speaks HTTP/2 to browsers
        "http1_settings": HTTP1Settings(keep_alive=True),
        "websockets": False,
        "workers_kill_timeout": GRACEFUL_TIMEOUT,
        "respawn_failed_workers": True,  # a worker that dies is replaced
        "respawn_interval": REPLACE_INTERVAL,
        "log_level": LogLevels.info,
        "log_access": False,  # one line per request, by laydown.core.request_log (no query)
        "log_dictconfig": granian_logging(
            env_choice("LAYDOWN_LOG_FORMAT", "json", LOG_FORMATS)  # as settings.py reads it
        ),
    }


def worker_application() -> Callable[..., Any]:
    """Called by granian in each new worker process (after the fork: fresh code after a
    SIGHUP): the application, with every view imported and the API built before the first
    request (about a second of CPU a worker, which the first requests would wait for), and
    the worker's exit work registered.

    Until granian sets the worker's own handlers (just after this returns), SIGTERM and SIGINT
    reach those inherited from the main process (_signals_before_loading): a worker told to
    stop while it loads stops once loaded, having served nothing (else the main process
    would wait GRACEFUL_TIMEOUT for it, then kill it); so does one whose main process died
    meanwhile."""
    from multiprocessing import util

    from django.urls import get_resolver

    from laydown.wsgi import application

    get_resolver().url_patterns  # noqa: B018 - loading it is the point
    main = int(os.environ[MAIN_PID])  # not getppid(): the main process may be gone already
    if _stop_requested or os.getppid() != main:
        raise SystemExit(0)
    threading.Thread(
        target=_stop_with_main_process, args=(main,), name="laydown-orphan", daemon=True
    ).start()
    # multiprocessing runs its finalisers when a worker's target returns (granian's workers
    # are multiprocessing processes, which end with os._exit: atexit would not run)
    util.Finalize(None, worker_exit, exitpriority=100)
    return application


_stop_requested: list[int] = []  # in a worker: SIGTERM or SIGINT came before its handlers


def _signals_before_loading() -> None:
    """granian's startup hook, in the main process once its SIGTERM and SIGINT handlers are
    set, before any worker is forked: the handlers the workers inherit pass the signal on to
    granian's in the main process and, in a worker still loading, note it for
    worker_application."""
    main = os.getpid()
    for signum in (signal.SIGTERM, signal.SIGINT):
        granians = signal.getsignal(signum)
        if callable(granians):
            signal.signal(signum, _passed_on(main, granians))


def _passed_on(main: int, granians: Callable[[int, Any], Any]) -> Callable[[int, Any], None]:
    def handler(signum: int, frame: Any) -> None:
        if os.getpid() == main:
            granians(signum, frame)
        else:
            _stop_requested.append(signum)

    return handler


def _stop_with_main_process(main: int) -> None:
    """A worker whose main process is gone (killed: it could not stop its workers) stops as on
    SIGTERM, instead of serving on, out of reach of the signals sent to the main process.

    The first look is a second after the application was loaded: granian sets the worker's
    own SIGTERM handler just after (until then the main process's, inherited at the fork,
    which would ignore it). One signal only: a third one while a worker stops blocks it."""
    while True:
        time.sleep(1)
        if os.getppid() != main:
            os.kill(os.getpid(), signal.SIGTERM)
            return


def worker_exit() -> None:
    """A stopping worker (its requests answered) commits what its group committer still
    holds, closes it, and drops its live metrics from the shared directory (counts kept)."""
    from prometheus_client import multiprocess

    from laydown.ledger import group

    group.shutdown()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
    logging.getLogger(__name__).info(
        "worker %d stopped: what its group committer held is committed", os.getpid()
    )


def metrics_directory() -> None:
    """The workers' metrics are kept in files of <data dir>/metrics (prometheus_client's
    multiprocess mode), emptied at each start: counters begin at 0 with the server."""
    from laydown.core.env import env_data_dir

    directory = env_data_dir("LAYDOWN_DATA_DIR", "./var/") / "metrics"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(mode=0o700, parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def parse(args: Sequence[str], prog: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve Laydown with the production server (granian; workers and threads "
        "from LAYDOWN_WORKERS and LAYDOWN_THREADS), or Django's development server with --dev.",
    )
    parser.add_argument(
        "address",
        nargs="?",
        default=DEFAULT_ADDRESS,
        help=f"host:port or unix:PATH (default {DEFAULT_ADDRESS})",
    )
    parser.add_argument(
        "--dev", action="store_true", help="Django's development server (never in production)"
    )
    return parser.parse_args(list(args))


def serving_environment() -> None:
    """What the web processes of `laydown serve` do that commands and tests do not."""
    os.environ.setdefault("LAYDOWN_GROUP_COMMIT", "1")  # concurrent writes share commits
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laydown.settings")


def collect_static() -> None:
    """Copy the static files under hashed names into STATIC_ROOT (unchanged ones are kept),
    before any worker starts. In a child process: the main process must not import the
    application, or the workers SIGHUP starts would be forked with the old code loaded."""
    done = subprocess.run(  # noqa: S603 - our own command, no shell
        [sys.executable, "-m", "laydown.cli", "collectstatic", "--noinput", "--verbosity=0"],
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"laydown serve: collectstatic failed (exit {done.returncode})")


def main(args: Sequence[str], prog: str = "laydown serve") -> int:
    options = parse(args, prog)
    serving_environment()
    if options.dev:
        from django.core.management import execute_from_command_line

        execute_from_command_line([prog, "runserver", "--noreload", options.address])
        return 0
    server = server_options(options.address)
    metrics_directory()
    collect_static()
    print(
        f"{prog}: http://{options.address}/ with {server['workers']} workers x "
        f"{server['blocking_threads']} threads (SIGHUP reloads, SIGTERM stops)",
        file=sys.stderr,
        flush=True,
    )
    from granian.server import Server

    os.environ[MAIN_PID] = str(os.getpid())  # the workers' parent, inherited at their fork
    granian = Server(**server)
    granian.on_startup(_signals_before_loading)
    granian.serve()
    return 0
