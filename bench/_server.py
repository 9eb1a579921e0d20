"""What the HTTP benchmarks share: a fresh data directory and database, a setup child (a
collection point, a clerk, a device enrolled for them), `laydown serve` in its own process on a
free loopback port, its CPU time from /proc, the machine line, and rewriting one marked section
of docs/benchmarks.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from laydown.accounts.models import User
    from laydown.arms.models import Site
    from laydown.field.models import Device

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def bench_env(data_dir: str, database_url: str) -> dict[str, str]:
    """The environment of a setup child and a server: this data directory and database ("" for
    SQLite in the data directory; a PostgreSQL URL is dropped and created again first)."""
    if database_url:
        pg_recreate(database_url)
    env = dict(os.environ, LAYDOWN_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="laydown.settings")
    env["PYTHONPATH"] = str(ROOT)
    env["LAYDOWN_DATABASE_URL"] = database_url
    return env


def run_setup(script: str, env: dict[str, str], label: str) -> dict[str, Any]:
    """Run `script --setup` in a child process; it prints its result as JSON on its last line."""
    done = subprocess.run(  # noqa: S603
        [sys.executable, script, "--setup"], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"{label} setup failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def setup_programme() -> Site:
    """In a setup child: migrate, keys, the operator organisation `op`, collection point `cp-1`."""
    import django

    django.setup()
    from django.core.management import call_command

    from laydown.access.roles import OrgKind
    from laydown.accounts import services as accounts
    from laydown.arms import services as arms
    from laydown.ledger import keys
    from laydown.vault import crypto

    call_command("migrate", verbosity=0)
    keys.key_create_if_absent()
    crypto.master_key_create_if_absent()
    accounts.org_create(actor=accounts.SYSTEM, code="op", name="Op", kind=OrgKind.OPERATOR)
    return arms.site_create(
        actor=accounts.SYSTEM, code="cp-1", name="cp-1", kind="collection_point", region="r1"
    )


def clerk_create(username: str, password: str) -> User:
    """A collection clerk of `op` for the whole programme (no second factor)."""
    from laydown.access.roles import Role
    from laydown.accounts import services as accounts

    user = accounts.user_create(
        actor=accounts.SYSTEM, username=username, password=password, organisation="op"
    )
    accounts.role_grant(
        actor=accounts.SYSTEM, user=user, role=Role.COLLECTION_CLERK, scope="programme"
    )
    return user


def device_enrolled(password: str, name: str) -> tuple[Device, str]:
    """In a setup child, after setup_programme: the clerk `clerk`, the programme manager `boss`
    (both with `password`) and a device named `name` enrolled by boss for clerk; the device and
    its secret (the token of its enrolment link)."""
    from laydown.access.roles import Role
    from laydown.access.web import principal_for_user
    from laydown.accounts import services as accounts
    from laydown.field import services

    clerk = clerk_create("clerk", password)
    boss = accounts.user_create(
        actor=accounts.SYSTEM, username="boss", password=password, organisation="op"
    )
    accounts.role_grant(
        actor=accounts.SYSTEM, user=boss, role=Role.PROGRAMME_MANAGER, scope="programme"
    )
    return services.device_enrol(actor=principal_for_user(boss), user=clerk, name=name)


@contextlib.contextmanager
def served(
    script: str, label: str, database_url: str = ""
) -> Iterator[tuple[Server, dict[str, Any], dict[str, str]]]:
    """A fresh data directory (and database), `script --setup` run in it, and `laydown serve`
    (group commit) over it, its output in var/bench-LABEL-server.log: (the server, the setup's
    result, the environment). The server is stopped on leaving; the directory is removed."""
    with tempfile.TemporaryDirectory(prefix=f"laydown-{label}-") as data_dir:
        env = bench_env(data_dir, database_url)
        setup = run_setup(script, env, label)
        log_path = ROOT / "var" / f"bench-{label}-server.log"
        log_path.parent.mkdir(exist_ok=True)
        with log_path.open("wb") as log:
            server = Server(env, group_commit=True, log=log)
            try:
                yield server, setup, env
            finally:
                server.stop()


def pg_recreate(url: str) -> None:
    import psycopg

    base, _sep, name = url.partition("?")[0].rpartition("/")  # ?options are the server's
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """`laydown serve` (`--dev`: Django's server) on a free port of 127.0.0.1, started and ready.

    `command`, if given, is run instead of `laydown serve`: "{port}" in it is replaced by the
    port (else "127.0.0.1:PORT" is its last argument).

    `log`, if given, receives the server's output (tracebacks of 5xx answers among it)."""

    def __init__(
        self,
        env: dict[str, str],
        group_commit: bool,
        log: IO[bytes] | None = None,
        dev: bool = False,
        command: list[str] | None = None,
    ):
        self.port = free_port()
        env = dict(env, LAYDOWN_GROUP_COMMIT="1" if group_commit else "0")
        env["LAYDOWN_ALLOWED_HOSTS"] = "127.0.0.1,localhost"
        if command is None:
            command = [sys.executable, "-m", "laydown.cli", "serve"] + (["--dev"] if dev else [])
        self.process = subprocess.Popen(  # noqa: S603
            [part.format(port=self.port) for part in command]
            + ([] if "{port}" in "".join(command) else [f"127.0.0.1:{self.port}"]),
            env=env,
            cwd=ROOT,
            stdout=log or subprocess.DEVNULL,
            stderr=log or subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        import httpx

        for _ in range(600):  # `laydown serve` collects static files first
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited with status {self.process.returncode}")
            try:
                httpx.get(self.url + "/log/checkpoint", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise SystemExit("the server did not start")

    def pids(self) -> list[int]:
        """The server's process and its descendants (a pre-forking server's workers)."""
        parents: dict[int, int] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended meanwhile
            parents[int(stat.parent.name)] = int(fields[1])
        found = [self.process.pid]
        for pid in found:  # grows while walked: breadth first
            found += [child for child, parent in parents.items() if parent == pid]
        return found

    def cpu_seconds(self) -> float:
        """User and system CPU of the server's processes, with that of their ended children."""
        ticks = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        return ticks / TICKS

    def stop(self) -> None:
        """Stop the server: `laydown serve` lets requests finish for up to 30 s; past a minute
        SIGKILL (the workers of `laydown serve` then stop by themselves)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=60)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}, "
        f"Python {platform.python_version()}"
    )


def write_section(path: Path, section: str, name: str) -> None:
    """Replace the section between `<!-- NAME:begin -->` and `<!-- NAME:end -->`, or append it."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    marked = re.compile(rf"<!-- {name}:begin -->.*?<!-- {name}:end -->\n?", re.S)
    if marked.search(text):
        text = marked.sub(lambda _m: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)
