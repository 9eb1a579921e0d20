"""deploy/Containerfile built and run with podman, for the container test (`make
container-test`): `Podman.find()` says why it cannot run here (no podman, no base image, a
runtime that cannot start a container), `build()` makes the image from the repository, and
`ContainerStack` runs deploy/bin's `laydown-web` and `laydown-worker` in it, with the host's
network (on loopback, beside the machine's PostgreSQL and nginx)."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from laydown.testing.nginx import REPO
from laydown.testing.stack import Stack

PUBLIC_BASE = "docker.io/library/python:3.11-slim-bookworm"
LOCAL_BASE = "localhost/laydown-base:bookworm"  # made by .ci/container-base from Debian's packages
IMAGE = "localhost/laydown:test"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


class Unavailable(Exception):
    """Containers cannot run here; the message says why."""


def _run(args: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)


def _last_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = (result.stderr or result.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit status {result.returncode}"


def _runtime_options() -> list[list[str]]:
    """The options to try, in order. Podman run as root raises the open files and processes
    limits of the container (1048576), which a sandbox without CAP_SYS_RESOURCE refuses: then
    this process's own limits. crun 1.8 refuses hybrid cgroups (v1 with a v2 mount): then runc."""
    files = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    limits = ["--ulimit", f"nofile={files}:{files}", "--ulimit", "nproc=4096:4096"]
    return [[], limits, ["--runtime", "runc"], ["--runtime", "runc", *limits]]


@dataclass
class Podman:
    base: str
    options: list[str]  # runtime options that start a container here, for run and build

    @classmethod
    def find(cls) -> Podman:
        if shutil.which("podman") is None:
            raise Unavailable(
                "podman is not installed (Debian: apt-get install podman runc debootstrap)"
            )
        chosen = os.environ.get("LAYDOWN_CONTAINER_BASE")
        candidates = [chosen] if chosen else [PUBLIC_BASE, LOCAL_BASE]
        base = next(
            (c for c in candidates if _run(["podman", "image", "exists", c]).returncode == 0), None
        )
        if base is None:
            raise Unavailable(
                f"no base image: none of {', '.join(candidates)} is present; `.ci/container-base` "
                f"pulls {PUBLIC_BASE} or makes {LOCAL_BASE} from Debian's packages"
            )
        refusals = []
        for options in _runtime_options():
            started = _run(["podman", "run", "--rm", *options, base, "true"])
            if started.returncode == 0:
                return cls(base, options)
            refusals.append(f"`podman run {' '.join(options)}`: {_last_line(started)}")
        raise Unavailable("podman cannot start a container here: " + "; ".join(refusals))

    def build(self, log: Path) -> str:
        """Build deploy/Containerfile from the repository as IMAGE (its layers cached between
        runs); the build's output goes to `log`. A build that fails raises AssertionError."""
        mounts: list[str] = []
        if HOST_CA_BUNDLE.exists():
            # The host's certificate authorities for the downloads of the build (apt, pip), for
            # a network that inspects TLS; the requirements are pinned by hash regardless. Only
            # mounted while the RUN steps run: the image keeps its own.
            pip_conf = log.parent / "pip.conf"
            pip_conf.write_text(f"[global]\ncert = {HOST_CA_BUNDLE}\n")
            mounts = [
                "-v",
                f"{HOST_CA_BUNDLE}:{HOST_CA_BUNDLE}:ro",
                "-v",
                f"{pip_conf}:/etc/pip.conf:ro",
            ]
        with log.open("w") as out:
            built = subprocess.run(
                ["podman", "build", "--format", "docker", "--network", "host", *self.options]
                + mounts
                + [
                    "--build-arg",
                    f"BASE={self.base}",
                    "-f",
                    "deploy/Containerfile",
                    "-t",
                    IMAGE,
                    ".",
                ],
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=1800,
                check=False,
            )
        assert built.returncode == 0, log.read_text(errors="replace")[-4000:]
        return IMAGE

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """`podman run --rm` of IMAGE with the runtime options, `args` after them."""
        return _run(["podman", "run", "--rm", *self.options, *args], timeout=timeout)


class ContainerStack(Stack):
    """deploy/bin's scripts as the image's entrypoints, a container each, on the host's
    network; the data directory and the published copy are directories of this machine mounted
    into both (`:U`: owned by the image's user `laydown`), read by the machine's nginx."""

    def __init__(self, root: Path, database_url: str, podman: Podman) -> None:
        self.podman = podman
        self.names = {s: f"laydown-test-{uuid.uuid4().hex[:8]}-{s}" for s in ("web", "worker")}
        (root / "data").mkdir()
        super().__init__(root, database_url)

    def container(self, script: str) -> str:
        return self.names["worker" if script == "laydown-worker" else "web"]

    def command(self, script: str) -> list[str]:
        env = [f"--env={name}={value}" for name, value in self.settings.items()]
        return [
            "podman", "run", "--rm", "--name", self.container(script), "--network", "host",
            *self.podman.options, *env,
            "-v", f"{self.root / 'data'}:/srv/laydown/data:U",
            "-v", f"{self.public_root}:/srv/laydown/public:U",
            "--entrypoint", f"/opt/laydown/deploy/bin/{script}",
            IMAGE,
        ]  # fmt: skip

    def setup(self, code: str) -> None:
        """`code` run by the image's Python in the web container, as its user."""
        done = _run(
            ["podman", "exec", "-e", "DJANGO_SETTINGS_MODULE=laydown.settings"]
            + [self.names["web"], "python", "-c", code]
        )
        assert done.returncode == 0, done.stderr[-4000:]

    def exec(self, script: str, *args: str) -> subprocess.CompletedProcess[str]:
        return _run(["podman", "exec", self.container(script), *args])

    def healthcheck(self) -> subprocess.CompletedProcess[str]:
        """The image's HEALTHCHECK (GET /readyz) run once in the web container."""
        return _run(["podman", "healthcheck", "run", self.names["web"]])

    def terminate(self, script: str, process: subprocess.Popen[bytes]) -> None:
        """`podman stop`: SIGTERM to the entrypoint, SIGKILL after 40 s."""
        _run(["podman", "stop", "-t", "40", self.container(script)], timeout=60)
        process.wait(timeout=30)

    def stop(self) -> None:
        super().stop()
        for name in self.names.values():
            _run(["podman", "rm", "-f", "--ignore", name])
