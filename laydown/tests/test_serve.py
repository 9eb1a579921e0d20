"""`laydown serve` as a real process: granian's workers answer pages, hashed static files and
the health checks; SIGHUP replaces the workers while it keeps serving; SIGTERM stops it
cleanly, answering and committing the registrations in progress."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from laydown import server
from laydown.access.web import principal_for_user
from laydown.accounts import services as accounts
from laydown.arms.models import Item, Site
from laydown.fixtures import ITEM_FIELDS
from laydown.testing import user_with_role
from laydown.testing.serve import Served, free_port, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def served(subprocess_env: dict[str, str], tmp_path: Path) -> Iterator[Served]:
    running = Served(subprocess_env, tmp_path / "data", LAYDOWN_WORKERS="2", LAYDOWN_THREADS="2")
    yield running
    running.stop()


def test_the_production_server_serves_pages_and_hashed_static_files(served: Served) -> None:
    page = httpx.get(served.url + "/", timeout=10)
    assert page.headers["server"] == "granian"
    assert page.headers.get_list("date") and len(page.headers.get_list("date")) == 1
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
    with httpx.Client(base_url=served.url, timeout=10) as client:  # one kept connection
        for _ in range(3):
            assert client.get("/log/checkpoint").status_code == 200
        assert client.get("/healthz").headers.get("connection") != "close"


def test_sighup_replaces_the_workers_and_sigterm_stops_cleanly(served: Served) -> None:
    first = served.workers()
    assert len(first) == 2
    served.process.send_signal(signal.SIGHUP)
    wait_for(lambda: len(served.workers()) == 4, 60, "two new workers after SIGHUP")
    # each old worker is stopped REPLACE_INTERVAL after its replacement started
    wait_for(lambda: served.output().count("Stopped old worker") == 2, 90, "old workers stopped")
    wait_for(lambda: served.output().count("Started worker") == 4, 90, "the new ones serving")
    assert served.answers()
    new = served.workers()[2:]
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=60) == 0, served.output()
    assert "Granian shutdown completed" in served.output()
    for pid in new:  # each stopping worker ran its exit work (laydown.server.worker_exit)
        assert f"worker {pid} stopped" in served.output(), served.output()
    with pytest.raises(httpx.ConnectError):
        httpx.get(served.url + "/", timeout=2)


def test_sigterm_answers_and_commits_the_registrations_in_progress(
    subprocess_env: dict[str, str], tmp_path: Path, sites: dict[str, Site]
) -> None:
    """Clerks register weapons without pause over kept connections; SIGTERM comes while some
    wait for their group commit. Every registration answered 201 is in the database, every
    one in the database was answered 201, and the requests held when the signal came are
    answered (the worker finishes them before it exits), not dropped."""
    clerk = user_with_role("clerk", "collection_clerk", scope="site:cp-north")
    _token, secret = accounts.token_create(
        actor=principal_for_user(clerk), name="serve", actions=["arms.item_register"], days=1
    )
    served = Served(subprocess_env, tmp_path / "data", LAYDOWN_WORKERS="1", LAYDOWN_THREADS="6")
    answers: dict[str, tuple[int, float, float]] = {}  # serial: status, sent, answered
    refused: list[float] = []  # when each clerk sent the request that failed
    lock = threading.Lock()

    def register(c: int) -> None:
        auth = {"Authorization": f"Bearer {secret}"}
        with httpx.Client(base_url=served.url, headers=auth, timeout=60) as http:
            for n in range(10_000):
                serial = f"TERM-{c}-{n}"
                sent = time.monotonic()
                try:
                    answer = http.post(
                        "/api/v1/arms/items",
                        json=ITEM_FIELDS | {"site": "cp-north", "serial": serial},
                    )
                except httpx.HTTPError:  # the server stopped
                    with lock:
                        refused.append(sent)
                    return
                with lock:
                    answers[serial] = (answer.status_code, sent, time.monotonic())

    try:
        clerks = [threading.Thread(target=register, args=(c,)) for c in range(6)]
        for thread in clerks:
            thread.start()
        wait_for(lambda: len(answers) >= 30, 120, "registrations answered")
        signalled = time.monotonic()
        served.process.send_signal(signal.SIGTERM)
        for thread in clerks:
            thread.join(timeout=90)
        assert served.process.wait(timeout=60) == 0, served.output()
    finally:
        served.stop()
    saved = {serial for serial, (status, _s, _a) in answers.items() if status == 201}
    assert saved and all(status == 201 for status, _s, _a in answers.values()), answers
    stored = set(Item.objects.filter(serial__startswith="TERM-").values_list("serial", flat=True))
    assert stored == saved
    in_progress = [s for s, (_st, sent, got) in answers.items() if sent < signalled < got]
    # six clerks wait on the server almost all the time: those waiting at the signal are
    # answered (with the kill timeout at 1 ms, 2 were and 4 requests sent before it failed)
    assert len(in_progress) >= 3, "the registrations waiting when the signal came are answered"
    # the first request refused to each clerk went after the signal (5 ms: the clerk's own
    # thread may not have written it yet when the test's clock was read)
    assert all(sent > signalled - 0.005 for sent in refused), [t - signalled for t in refused]
    assert f"worker {served.workers()[0]} stopped" in served.output()


def test_workers_and_threads_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("LAYDOWN_WORKERS", "3")
    monkeypatch.setenv("LAYDOWN_THREADS", "7")
    options = server.server_options("127.0.0.1:1")
    assert (options["workers"], options["blocking_threads"]) == (3, 7)
    assert options["workers_kill_timeout"] == server.GRACEFUL_TIMEOUT
    # an idle thread outlives its database connection (a new thread would open another)
    age = settings.DATABASES["default"]["CONN_MAX_AGE"]
    assert options["blocking_threads_idle_timeout"] > age
    monkeypatch.setenv("LAYDOWN_WORKERS", "0")
    with pytest.raises(ImproperlyConfigured, match="LAYDOWN_WORKERS='0' must be at least 1"):
        server.server_options("127.0.0.1:1")
    monkeypatch.delenv("LAYDOWN_WORKERS")
    monkeypatch.delenv("LAYDOWN_THREADS")
    options = server.server_options("127.0.0.1:1")
    workers = options["workers"]
    assert workers == server.default_workers(server.cpu_count()) >= 2
    assert options["blocking_threads"] == server.default_threads(workers)
    # a worker per CPU, about 50 threads in all (database connections), whatever the machine
    assert [server.default_workers(c) for c in (1, 2, 4, 16)] == [2, 2, 4, 8]
    assert [server.default_threads(w) for w in (2, 4, 8)] == [25, 12, 6]


def test_the_address_is_host_and_port_or_a_unix_socket() -> None:
    assert server.listen_address("127.0.0.1:8000") == {"address": "127.0.0.1", "port": 8000}
    assert server.listen_address("[::1]:8001") == {"address": "::1", "port": 8001}
    assert server.listen_address("unix:/run/laydown.sock") == {"uds": Path("/run/laydown.sock")}
    with pytest.raises(SystemExit, match="not HOST:PORT"):
        server.listen_address("localhost")


def running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


def test_the_workers_stop_when_the_main_process_is_killed(served: Served) -> None:
    """SIGKILL reaches the main process alone: its workers notice and stop by themselves."""
    workers = served.workers()
    served.process.kill()
    served.process.wait()
    wait_for(lambda: not any(running(pid) for pid in workers), 60, "the workers to stop")


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM])
def test_workers_still_loading_when_the_main_process_stops_serve_nothing(
    stop: signal.Signals, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    """Killed, or told to stop, while its workers load the application (a second or more
    each): they stop once loaded, having served nothing; after SIGTERM the main process
    exits at once, without waiting for them to answer it (30 s) and killing them."""
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    for name in ("secret_key", "log.key", "vault.key"):
        shutil.copy2(settings.DATA_DIR / name, data / name)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        main = subprocess.Popen(
            [sys.executable, "-m", "laydown.cli", "serve", f"127.0.0.1:{free_port()}"],
            env={**subprocess_env, "LAYDOWN_DATA_DIR": str(data), "LAYDOWN_WORKERS": "2"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        spawned = r"Spawning worker-\d+ with PID: (\d+)"
        wait_for(lambda: len(re.findall(spawned, log.read_text())) == 2, 90, "two workers")
        main.send_signal(stop)
        assert main.wait(timeout=25) == (0 if stop == signal.SIGTERM else -signal.SIGKILL)
    finally:
        main.kill()
        main.wait()
    workers = [int(pid) for pid in re.findall(spawned, log.read_text())]
    wait_for(lambda: not any(running(pid) for pid in workers), 60, "the workers to stop")
    assert "Started worker" not in log.read_text()  # none began serving
    assert "Killing worker" not in log.read_text()
