"""Running the `laydown` command in a child process, for tests (core's own tests use it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-m", "laydown.cli"]


def run_laydown(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`laydown ARGS` in a child process with a fresh data dir and no inherited LAYDOWN_*."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LAYDOWN_")}
    clean.update({"LAYDOWN_DATA_DIR": str(tmp_path / "data"), **env})
    return subprocess.run(
        [*CLI, *args], env=clean, capture_output=True, text=True, timeout=120, check=False
    )
