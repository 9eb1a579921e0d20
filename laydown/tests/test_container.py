"""The image, built from deploy/Containerfile with podman and run: deploy/bin's laydown-web and
laydown-worker in containers on the host's network, behind Debian's nginx with the deployment's
site, on a PostgreSQL database of their own; the same walk as the stack test (sign in, register
a weapon, an import through the worker, the checkpoint and a tile through nginx from the copy the
worker published). Minutes of building the first time: run by `make container-test` (which sets
LAYDOWN_TEST_CONTAINER=1 and makes the base image), not by `make test`; skipped, with the reason,
where podman cannot run a container."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from laydown.testing.container import IMAGE, ContainerStack, Podman, Unavailable
from laydown.testing.nginx import INSTALL_HINT, nginx_binary
from laydown.testing.stack import exercise, scratch_database

pytestmark = [pytest.mark.container, pytest.mark.slow]


@pytest.fixture(scope="module")
def podman(tmp_path_factory: pytest.TempPathFactory) -> Podman:
    if os.environ.get("LAYDOWN_TEST_CONTAINER") != "1":
        pytest.skip("the image takes minutes to build: `make container-test` runs this")
    try:
        found = Podman.find()
    except Unavailable as why:
        pytest.skip(str(why))
    log = tmp_path_factory.mktemp("build") / "build.log"
    found.build(log)
    return found


@pytest.fixture
def stack(podman: Podman) -> Iterator[ContainerStack]:
    server = os.environ.get("LAYDOWN_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("LAYDOWN_TEST_POSTGRES_URL is not set (CI sets it): the stack runs on it")
    if nginx_binary() is None:
        pytest.fail(f"nginx is not installed: {INSTALL_HINT}", pytrace=False)
    root = Path(tempfile.mkdtemp(prefix="laydown-container-"))
    root.chmod(0o755)  # nginx's workers (nobody, when root runs it) read the published copy
    running = None
    try:
        with scratch_database(server) as database:
            running = ContainerStack(root, database, podman)
            yield running
    finally:
        if running is not None:
            running.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_the_image_holds_no_local_state_and_runs_as_its_own_user(podman: Podman) -> None:
    shown = podman.run(
        "--entrypoint", "sh", IMAGE, "-c", "id -un; ls -A /opt/laydown; laydown --help"
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    user, *listing = shown.stdout.split("\n")
    assert user == "laydown"
    assert not {"var", ".git"} & set(listing)  # the build context leaves out data and history
    assert "serve the web application" in shown.stdout and "worker " in shown.stdout


def test_the_image_runs_the_deployed_stack(stack: ContainerStack) -> None:
    exercise(stack)
    assert stack.exec("laydown-web", "id", "-un").stdout.strip() == "laydown"
    health = stack.healthcheck()  # the image's HEALTHCHECK: /readyz answers 200
    assert health.returncode == 0, health.stdout + health.stderr
