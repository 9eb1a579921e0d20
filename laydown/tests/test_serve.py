"""`laydown serve` as a real process: gunicorn's workers answer pages, hashed static files and
the health checks; SIGHUP replaces the workers while it keeps serving; SIGTERM stops it
cleanly."""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured

from laydown import server
from laydown.testing.serve import Served, wait_for

pytestmark = pytest.mark.slow


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
