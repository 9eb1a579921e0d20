"""`laydown serve`: the production server (gunicorn), or Django's development server (`--dev`).

The production server is gunicorn with threaded workers (`gthread`): LAYDOWN_WORKERS
processes of LAYDOWN_THREADS threads each. Its master process answers the usual signals:
SIGHUP starts new workers with fresh code and settings and stops the old ones gracefully,
SIGTERM stops accepting connections and lets requests in progress finish (at most
GRACEFUL_TIMEOUT seconds), SIGINT/SIGQUIT stop at once. Static files are collected (hashed
names, compressed copies) before the first worker starts and served by WhiteNoise.

Per worker, as in one `runserver` process before: group commit (laydown.ledger.group) gathers
the concurrent single registrations of that worker's threads into one transaction; several
workers each have their own committer and take turns at the log head lock. New checkpoints
are pushed to witnesses by `laydown worker` (laydown.ops.periodic), not by the web processes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import Any

DEFAULT_ADDRESS = "127.0.0.1:8000"
GRACEFUL_TIMEOUT = 30  # seconds a stopping worker has to finish the requests it holds
REQUEST_TIMEOUT = 120  # a worker silent for longer is killed and replaced (imports are long)
MAX_DEFAULT_WORKERS = 8


def cpu_count() -> int:
    """CPUs this process may run on (a container's or taskset's limit, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_workers(cpus: int) -> int:
    """gunicorn's advice, 2 x CPUs + 1, capped: each worker holds its own memory and
    database connections, and threads already overlap waits within a worker."""
    return min(2 * cpus + 1, MAX_DEFAULT_WORKERS)


DEFAULT_THREADS = 4
LOG_FORMATS = ("json", "text")


def server_options(bind: str) -> dict[str, Any]:
    """gunicorn's settings for `laydown serve`, read from LAYDOWN_WORKERS and LAYDOWN_THREADS
    (a bad value stops the start with a message naming the variable)."""
    from laydown.core.env import env_choice, env_int
    from laydown.core.logs import gunicorn_logging

    workers = env_int("LAYDOWN_WORKERS", default_workers(cpu_count()), minimum=1)
    threads = env_int("LAYDOWN_THREADS", DEFAULT_THREADS, minimum=1)
    return {
        "bind": [bind],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": REQUEST_TIMEOUT,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "keepalive": 5,
        "proc_name": "laydown",
        "accesslog": None,  # one line per request, by laydown.core.request_log (no query)
        "errorlog": "-",
        "logconfig_dict": gunicorn_logging(
            env_choice("LAYDOWN_LOG_FORMAT", "json", LOG_FORMATS)  # as settings.py reads it
        ),
        "control_socket_disable": True,  # no socket in $HOME shared by every instance
        "post_worker_init": _worker_ready,
        "worker_exit": _worker_exit,
        "child_exit": _child_exit,
    }


def _worker_ready(worker: Any) -> None:
    """Import every view and build the API before the worker's first request, not during it
    (about a second of CPU a worker, which the first requests after a start or a reload waited
    for)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - loading it is the point


def _worker_exit(server: Any, worker: Any) -> None:
    """A stopping worker commits what its group committer still holds and closes it."""
    from laydown.ledger import group

    group.shutdown()


def _child_exit(server: Any, worker: Any) -> None:
    """A dead worker's live metrics are dropped from the shared directory (its counts kept)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def metrics_directory() -> None:
    """The workers' metrics are kept in files of <data dir>/metrics (prometheus_client's
    multiprocess mode), emptied at each start: counters begin at 0 with the server."""
    from laydown.core.env import env_data_dir

    directory = env_data_dir("LAYDOWN_DATA_DIR", "./var/") / "metrics"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(mode=0o700, parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def _application(options: dict[str, Any]) -> Any:
    from gunicorn.app.base import BaseApplication

    class LaydownServer(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Callable[..., Any]:
            from laydown.wsgi import application

            return application

    return LaydownServer(prog="laydown serve")


def parse(args: Sequence[str], prog: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve Laydown with the production server (gunicorn; workers and threads "
        "from LAYDOWN_WORKERS and LAYDOWN_THREADS), or Django's development server with --dev.",
    )
    parser.add_argument(
        "address", nargs="?", default=DEFAULT_ADDRESS, help=f"host:port (default {DEFAULT_ADDRESS})"
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
    before any worker starts. In a child process: the master must not import the application,
    or the workers SIGHUP starts would be forked with the old code already loaded."""
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
        f"{server['threads']} threads (SIGHUP reloads, SIGTERM stops)",
        file=sys.stderr,
        flush=True,
    )
    _application(server).run()
    return 0
