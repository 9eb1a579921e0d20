"""granian's lines go through `laydown serve`'s logging (laydown.core.logs.granian_logging):
all of them but its warning about the number of threads, which the server's chosen shape
would print at every start."""

from __future__ import annotations

import inspect
import subprocess
import sys

import granian.server.mp

from laydown.core.logs import ChosenThreads

# What granian's warning begins with; the filter drops the lines that begin so.
PREFIX = "Configuration allows spawning up to"


def test_the_filter_matches_the_warning_of_the_installed_granian() -> None:
    source = inspect.getsource(granian.server.mp)
    assert f"f'{PREFIX} {{self.blocking_threads}} Python threads, '" in source
    assert inspect.getsource(ChosenThreads).count(PREFIX) == 1


def test_granians_threads_warning_is_left_out_and_its_other_lines_kept() -> None:
    script = f"""
import logging, logging.config
from laydown.core.logs import granian_logging
logging.config.dictConfig(granian_logging("text"))
log = logging.getLogger("_granian")
log.warning("{PREFIX} 25 Python threads, which seems quite high")
log.info("Listening at: http://127.0.0.1:8000")
log.warning("Worker-1 died")
"""
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "Listening at: http://127.0.0.1:8000" in done.stderr
    assert "Worker-1 died" in done.stderr
    assert PREFIX not in done.stderr
