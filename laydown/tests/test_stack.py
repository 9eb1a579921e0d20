"""The deployment, exercised: Debian's nginx with deploy/'s site and a self-signed certificate on
loopback, in front of `laydown serve` and `laydown worker` started by deploy/bin's scripts (the
ones the systemd units and the container run) on a PostgreSQL database of their own. A clerk
signs in, registers a weapon, runs an import through the worker; the checkpoint and a full tile
come through nginx from the published copy with their cache headers; /metrics and an oversized
upload are refused by nginx (laydown.testing.stack). Select it with `-m stack`."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from laydown.testing.nginx import INSTALL_HINT, nginx_binary
from laydown.testing.stack import Stack, exercise, scratch_database

pytestmark = [pytest.mark.stack, pytest.mark.slow]


@pytest.fixture
def stack_database() -> Iterator[str]:
    server = os.environ.get("LAYDOWN_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("LAYDOWN_TEST_POSTGRES_URL is not set (CI sets it): the stack runs on it")
    with scratch_database(server) as url:
        yield url


@pytest.fixture
def stack(stack_database: str) -> Iterator[Stack]:
    if nginx_binary() is None:
        pytest.fail(f"nginx is not installed: {INSTALL_HINT}", pytrace=False)
    # nginx's workers run as nobody when root starts it: they must read the published copy
    root = Path(tempfile.mkdtemp(prefix="laydown-stack-"))
    root.chmod(0o755)
    running = None
    try:
        running = Stack(root, stack_database)
        yield running
    finally:
        if running is not None:
            running.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_the_deployed_stack_signs_in_registers_imports_and_serves_the_log(stack: Stack) -> None:
    exercise(stack)
