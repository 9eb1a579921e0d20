"""`laydown serve` as a real process on a free loopback port, for the tests of the server."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from django.conf import settings


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
        try:
            wait_for(self.answers, 90, f"laydown serve at {self.url}\n{self.output()}")
        except BaseException:
            self.stop()  # not left running (with its workers) when it does not answer in time
            raise

    def answers(self) -> bool:
        assert self.process.poll() is None, self.output()
        try:
            return httpx.get(self.url + "/", timeout=10).status_code == 200
        except httpx.HTTPError:
            return False

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def workers(self) -> list[int]:
        """The PIDs of the worker processes started so far (granian's lines say each)."""
        return [
            int(pid) for pid in re.findall(r"Spawning worker-\d+ with PID: (\d+)", self.output())
        ]

    def stop(self) -> None:
        """SIGTERM, as systemd would send; SIGKILL if it has not stopped in a minute (its
        workers then stop by themselves: laydown.server)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
