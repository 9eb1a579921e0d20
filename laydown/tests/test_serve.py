"""`laydown serve` as a real process: gunicorn's workers answer pages, hashed static files and
the health checks; SIGHUP replaces the workers while it keeps serving; SIGTERM stops it
cleanly."""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from laydown import server

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Served:
    """`laydown serve` on a free loopback port with its own data directory (the test
    database and copies of the test's keys), its log in a file."""

    def __init__(self, env: dict[str, str], data_dir: Path, **extra: str) -> None:
        data_dir.mkdir(mode=0o700)
        for name in ("secret_key", "log.key", "vault.key"):
            shutil.copy2(settings.DATA_DIR / name, data_dir / name)
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log = data_dir.parent / "serve.log"
        env = {**env, "LAYDOWN_DATA_DIR": str(data_dir), **extra}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "laydown.cli", "serve", self.url.removeprefix("http://")],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(self.answers, 90, f"laydown serve at {self.url}\n{self.output()}")

    def answers(self) -> bool:
        assert self.process.poll() is None, self.output()
        try:
            return httpx.get(self.url + "/", timeout=10).status_code == 200
        except httpx.HTTPError:
            return False

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def workers(self) -> list[int]:
        return [int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", self.output())]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def served(subprocess_env: dict[str, str], tmp_path: Path) -> Iterator[Served]:
    running = Served(subprocess_env, tmp_path / "data", LAYDOWN_WORKERS="2", LAYDOWN_THREADS="2")
    yield running
    running.stop()


def test_the_production_server_serves_pages_and_hashed_static_files(served: Served) -> None:
    page = httpx.get(served.url + "/", timeout=10)
    assert page.headers["server"] == "gunicorn"
    css = re.search(r"/static/laydown\.[0-9a-f]{12}\.css", page.text)
    assert css, "the page names the stylesheet by its hash"
    static = httpx.get(served.url + css.group(0), headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert static.status_code == 200
    assert "immutable" in static.headers["cache-control"]
    assert "max-age=315360000" in static.headers["cache-control"]
    assert static.headers["content-encoding"] == "gzip"
    assert "2 workers x 2 threads" in served.output()
    assert httpx.get(served.url + "/healthz", timeout=10).json() == {"status": "ok"}
    ready = httpx.get(served.url + "/readyz", timeout=10)
    assert ready.status_code == 200, ready.text


def test_sighup_replaces_the_workers_and_sigterm_stops_cleanly(served: Served) -> None:
    first = served.workers()
    assert len(first) == 2
    served.process.send_signal(signal.SIGHUP)
    wait_for(lambda: len(served.workers()) == 4, 60, "two new workers after SIGHUP")
    # requests wait in the listening socket while the new workers load the application
    wait_for(served.answers, 60, "an answer from the new workers")
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=60) == 0, served.output()
    assert "Shutting down: Master" in served.output()
    with pytest.raises(httpx.ConnectError):
        httpx.get(served.url + "/", timeout=2)


def test_workers_and_threads_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("LAYDOWN_WORKERS", "3")
    monkeypatch.setenv("LAYDOWN_THREADS", "7")
    options = server.server_options("127.0.0.1:1")
    assert (options["workers"], options["threads"]) == (3, 7)
    monkeypatch.setenv("LAYDOWN_WORKERS", "0")
    with pytest.raises(ImproperlyConfigured, match="LAYDOWN_WORKERS='0' must be at least 1"):
        server.server_options("127.0.0.1:1")
    monkeypatch.delenv("LAYDOWN_WORKERS")
    monkeypatch.delenv("LAYDOWN_THREADS")
    options = server.server_options("127.0.0.1:1")
    assert options["workers"] == server.default_workers(server.cpu_count()) >= 3
    assert options["threads"] == server.DEFAULT_THREADS
