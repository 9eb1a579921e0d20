"""A witness (`laydown witness serve`) as a real process on a free loopback port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from laydown.ledger import keys

CLI = [sys.executable, "-m", "laydown.cli", "witness"]


class WitnessProcess:
    def __init__(self, directory: Path, name: str) -> None:
        self.directory = directory
        out = subprocess.run(
            [*CLI, "init", str(directory), "--name", name],
            capture_output=True,
            text=True,
            check=True,
        )
        self.vkey = out.stdout.strip()
        subprocess.run([*CLI, "trust", str(directory), keys.log_verifier_key()], check=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [*CLI, "serve", str(self.directory), "--listen", f"127.0.0.1:{self.port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the witness did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
