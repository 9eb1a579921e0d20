"""The deployment as deployed, for the stack tests: Debian's nginx with deploy/'s site and a
self-signed certificate on loopback, in front of deploy/bin's `laydown-web` and `laydown-worker`
(the scripts the systemd units and the image run) on a PostgreSQL database of their own, and what
a programme does through it (`exercise`): a clerk signs in, registers a weapon, runs an import
through the worker; the checkpoint, the policy and a full tile come through nginx from the
published copy. `Stack` runs the scripts as processes of this machine (laydown/tests/
test_stack.py); `ContainerStack` runs them in the image built from deploy/Containerfile
(laydown/tests/test_container.py, laydown.testing.container)."""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg

from laydown.testing.nginx import REPO, Nginx, free_port

PASSWORD = "a stack-test password 42"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SETUP = f"""
import django
django.setup()
from laydown.access.roles import OrgKind, Role
from laydown.accounts import services as accounts
from laydown.arms import services as arms
accounts.org_create(actor=accounts.SYSTEM, code="op", name="Op", kind=OrgKind.OPERATOR)
arms.site_create(actor=accounts.SYSTEM, code="cp-1", name="cp-1", kind="collection_point",
                 region="r1")
user = accounts.user_create(actor=accounts.SYSTEM, username="clerk", password={PASSWORD!r},
                            organisation="op")
accounts.role_grant(actor=accounts.SYSTEM, user=user, role=Role.COLLECTION_CLERK,
                    scope="programme")
"""
SCRIPTS = ("laydown-web", "laydown-worker")


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """A new database on the server of `server_url` (a PostgreSQL URL naming any database),
    dropped afterwards; yields its URL."""
    base = server_url.rsplit("/", 1)[0]
    name = f"laydown_stack_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Stack:
    """The scripts of deploy/bin as processes of this machine, with this interpreter's laydown."""

    def __init__(self, root: Path, database_url: str) -> None:
        self.root = root
        self.app_port = free_port()
        self.public_root = root / "public"
        (self.public_root / "log").mkdir(parents=True)
        self.database_url = database_url
        self.settings = {
            "LAYDOWN_DATABASE_URL": database_url,
            "LAYDOWN_LISTEN": f"127.0.0.1:{self.app_port}",
            "LAYDOWN_ALLOWED_HOSTS": "localhost,127.0.0.1",
            "LAYDOWN_HTTPS": "1",
            "LAYDOWN_PROXY_HTTPS_HEADER": "1",
            "LAYDOWN_WORKERS": "2",
            "LAYDOWN_THREADS": "2",
            "LAYDOWN_METRICS_TOKEN": "a-metrics-token-for-the-stack-test",
        }
        self.processes: list[subprocess.Popen[bytes]] = []
        self.web = self.start("laydown-web")
        self._wait_ready()
        self.setup(SETUP)
        self.worker = self.start("laydown-worker")
        self.nginx = Nginx(
            root / "nginx",
            upstream=f"127.0.0.1:{self.app_port}",
            public_root=self.public_root,
            max_upload="1m",
        )

    def command(self, script: str) -> list[str]:
        return [str(REPO / "deploy/bin" / script)]

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            **self.settings,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "LAYDOWN": str(Path(sys.executable).parent / "laydown"),
            "PYTHONPATH": str(REPO),
            "LAYDOWN_DATA_DIR": str(self.root / "data"),
            "LAYDOWN_LOG_PUBLISH_DIR": str(self.public_root / "log"),
            "DJANGO_SETTINGS_MODULE": "laydown.settings",
        }

    def setup(self, code: str) -> None:
        """Run Python `code` with Laydown's settings, as the web process would."""
        subprocess.run(
            [sys.executable, "-c", code], env=self.environment(), check=True, timeout=120
        )

    def start(self, script: str) -> subprocess.Popen[bytes]:
        with (self.root / f"{script}.log").open("wb") as log:
            process = subprocess.Popen(
                self.command(script),
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        return process

    def output(self, script: str) -> str:
        return (self.root / f"{script}.log").read_text(errors="replace")[-4000:]

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert self.web.poll() is None, self.output("laydown-web")
            try:
                ready = httpx.get(f"http://127.0.0.1:{self.app_port}/readyz", timeout=5)
                if ready.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"laydown-web not ready:\n{self.output('laydown-web')}")

    def terminate(self, script: str, process: subprocess.Popen[bytes]) -> None:
        """SIGTERM (what systemd and the container runtime send), SIGKILL after 40 s."""
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop(self) -> None:
        if hasattr(self, "nginx"):
            self.nginx.stop()
        for script, process in zip(SCRIPTS, self.processes, strict=False):
            if process.poll() is None:
                self.terminate(script, process)


def form_token(client: httpx.Client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code, page.text[:500])
    found = CSRF.search(page.text)
    assert found, f"no CSRF token on {path}"
    return found[1]


def post(
    client: httpx.Client,
    path: str,
    data: dict[str, str] | None = None,
    files: dict[str, tuple[str, bytes]] | None = None,
) -> httpx.Response:
    token = form_token(client, path)
    headers = {"Referer": f"{client.base_url}{path}"}
    return client.post(
        path, data={"csrfmiddlewaretoken": token, **(data or {})}, files=files, headers=headers
    )


def items_csv(count: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["site", "category", "make", "model", "serial", "year", "condition"])
    for i in range(count):
        writer.writerow(
            ["cp-1", "sa_assault_rifle", "Kalashnikov", "AKM", f"ST{i:06d}", 1980, "serviceable"]
        )
    return out.getvalue().encode()


def trust(stack: Stack) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(stack.nginx.cert))


def alpn(stack: Stack) -> str | None:
    context = ssl.create_default_context(cafile=str(stack.nginx.cert))
    context.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection(("127.0.0.1", stack.nginx.https_port)) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        return tls.selected_alpn_protocol()


def exercise(stack: Stack) -> None:
    """What a programme does through the deployment, checked at each step."""
    assert alpn(stack) == "h2"  # HTTP/2 offered over TLS
    plain = httpx.get(f"http://127.0.0.1:{stack.nginx.http_port}/arms/", timeout=10)
    assert plain.status_code == 301 and plain.headers["location"].startswith("https://")

    with httpx.Client(base_url=stack.nginx.url, verify=trust(stack), timeout=30) as web:
        signed_in = post(
            web, "/accounts/sign-in/", data={"username": "clerk", "password": PASSWORD}
        )
        assert signed_in.status_code == 302, signed_in.text[:2000]
        assert "sessionid" in web.cookies

        registered = post(
            web,
            "/arms/sites/cp-1/items/new/",
            data={
                "category": "sa_assault_rifle",
                "make": "Kalashnikov",
                "model": "AKM",
                "calibre": "7.62x39mm",
                "serial": "STACK-0001",
                "year": "1975",
                "condition": "serviceable",
            },
        )
        assert registered.status_code == 302, registered.text[:2000]
        assert "/receipt/" in registered.headers["location"]

        sent = post(web, "/arms/import/", files={"file": ("items.csv", items_csv(300))})
        assert sent.status_code == 302, sent.text[:2000]
        job = re.search(r"/jobs/([0-9a-f-]{36})/", sent.headers["location"])
        assert job, sent.headers["location"]
        state = ""
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and state not in ("done", "refused", "failed"):
            time.sleep(0.5)
            state = web.get(f"/arms/import/progress/{job[1]}.json").json()["state"]
        assert state == "done", stack.output("laydown-worker")

        too_big = web.post("/arms/import/", files={"file": ("big.csv", b"x" * 2_000_000)})
        assert too_big.status_code == 413  # refused by nginx before the application
        assert web.get("/metrics").status_code == 404

    records = 301  # the weapon and the 300 imported (and the set-up's records before them)
    published = stack.public_root / "log" / "checkpoint"
    deadline = time.monotonic() + 60
    size = 0
    with httpx.Client(base_url=stack.nginx.url, verify=trust(stack), timeout=30) as log:
        while time.monotonic() < deadline:
            checkpoint = log.get("/log/checkpoint")
            size = int(checkpoint.text.split("\n")[1]) if checkpoint.status_code == 200 else 0
            if size >= records and published.exists():
                break
            time.sleep(0.5)
        assert size >= records, stack.output("laydown-worker")
        assert checkpoint.headers["cache-control"] == "no-cache"
        assert checkpoint.text == published.read_text()  # served from the published copy

        tile = log.get("/log/tile/0/000")
        assert tile.status_code == 200 and len(tile.content) == 256 * 32
        assert "immutable" in tile.headers["cache-control"]
        assert tile.content == (stack.public_root / "log/tile/0/000").read_bytes()
        policy = log.get("/log/policy")
        assert policy.status_code == 200 and "log " in policy.text
