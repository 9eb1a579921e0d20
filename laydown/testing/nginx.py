"""Debian's nginx with the deployment's own site (deploy/nginx/laydown.conf, filled by
deploy/bin/render-nginx) on free loopback ports, with a self-signed certificate: for the stack
test and the benchmark of published tiles. Runs as whoever runs it (no root needed); when root
runs it, its workers run as nobody, so everything they read is made world-readable."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

REPO = Path(__file__).resolve().parents[2]
INSTALL_HINT = "run `make server-tools` (installs Debian's nginx)"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1 (its own CA: a client trusts this file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)  # read by nginx's master only
    return cert_path, key_path


class Nginx:
    """nginx serving the deployment's site in front of `upstream`, the published log read from
    `public_root`/log; `url` is its https address."""

    def __init__(
        self, directory: Path, *, upstream: str, public_root: Path, max_upload: str = "25m"
    ) -> None:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError(f"nginx is not installed: {INSTALL_HINT}")
        directory.mkdir(parents=True, exist_ok=True)
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (directory / "tmp" / sub).mkdir(parents=True, exist_ok=True)
            (directory / "tmp" / sub).chmod(0o777)  # written by the workers, whoever they are
        cert, key = self_signed(directory)
        self.https_port, self.http_port = free_port(), free_port()
        site = subprocess.run(
            [str(REPO / "deploy/bin/render-nginx")],
            env={
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "SERVER_NAME": "localhost",
                "UPSTREAM": upstream,
                "PUBLIC_ROOT": str(public_root),
                "CERT": str(cert),
                "CERT_KEY": str(key),
                "HTTPS_PORT": f"127.0.0.1:{self.https_port}",
                "HTTP_PORT": f"127.0.0.1:{self.http_port}",
                "ACCESS_LOG": str(directory / "access.log"),
                "MAX_UPLOAD": max_upload,
            },
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        (directory / "laydown.conf").write_text(site)
        temp = "\n".join(
            f"    {kind}_temp_path {directory / 'tmp' / sub};"
            for kind, sub in (
                ("client_body", "body"),
                ("proxy", "proxy"),
                ("fastcgi", "fastcgi"),
                ("uwsgi", "uwsgi"),
                ("scgi", "scgi"),
            )
        )
        (directory / "nginx.conf").write_text(
            f"worker_processes 2;\npid {directory / 'nginx.pid'};\n"
            f"error_log {directory / 'error.log'} warn;\n"
            "events { worker_connections 4096; }\n"
            "http {\n    include /etc/nginx/mime.types;\n    sendfile on;\n"
            f"{temp}\n    include {directory / 'laydown.conf'};\n}}\n"
        )
        self.directory = directory
        self.url = f"https://localhost:{self.https_port}"
        self.cert = cert
        self.process = subprocess.Popen(  # noqa: S603 - our own arguments
            [binary, "-e", str(directory / "error.log"), "-p", str(directory)]
            + ["-c", str(directory / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx stopped: {self.errors()}")
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not start: {self.errors()}")

    def errors(self) -> str:
        log = self.directory / "error.log"
        return log.read_text(errors="replace") if log.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
