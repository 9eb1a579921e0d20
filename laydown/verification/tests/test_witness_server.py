"""The witness server's own defences: bad lengths, stalled clients, bounded evidence."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from laydown import tlog
from laydown.verification import witness_server as ws


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, int]]:
    ws.witness_init(tmp_path, "witness.example/test")
    skey, vkey = tlog.generate_key("log.example/test")
    (tmp_path / ws.LOGS_FILE).write_text(vkey + "\n")
    handler = ws.make_handler(ws.load_witness(tmp_path), timeout=1.0)
    httpd = ws.WitnessHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[:2]
    httpd.shutdown()
    httpd.server_close()


def exchange(address: tuple[str, int], raw: bytes, wait: float = 5.0) -> bytes:
    with socket.create_connection(address, timeout=wait) as s:
        s.sendall(raw)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (b"Content-Length: -1\r\n", b"400"),
        (b"Content-Length: lots\r\n", b"400"),
        (b"Content-Length: 99999999\r\n", b"400"),
        (b"", b"411"),
    ],
)
def test_a_bad_content_length_is_refused_at_once(server, header: bytes, status: bytes) -> None:
    start = time.monotonic()
    reply = exchange(server, b"POST /add-checkpoint HTTP/1.1\r\nHost: w\r\n" + header + b"\r\n")
    assert reply.split(b" ")[1] == status
    assert time.monotonic() - start < 3


def test_a_client_that_stalls_is_dropped(server) -> None:
    start = time.monotonic()
    reply = exchange(
        server, b"POST /add-checkpoint HTTP/1.1\r\nHost: w\r\nContent-Length: 100\r\n\r\nold 0\n"
    )
    assert reply == b""  # dropped after the server's 1 s timeout, nothing answered
    assert time.monotonic() - start < 4


def test_refusals_are_kept_bounded_as_evidence(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(ws, "REFUSALS_KEPT", 10)
    state = ws.SqliteWitnessState(tmp_path / "state.sqlite3")
    for n in range(25):
        state.record_refusal(403, "no signature", bytes([n]) * 100_000)
    with sqlite3.connect(tmp_path / "state.sqlite3") as db:
        rows = db.execute("SELECT length(body), body_sha256 FROM refused ORDER BY id").fetchall()
    assert len(rows) == 10
    assert all(length == ws.REFUSAL_BODY_KEPT and len(digest) == 64 for length, digest in rows)
