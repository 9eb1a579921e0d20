"""The witness server's own defences: bad lengths, slow clients, one address's share of the
connections, bounded junk and evidence of a forked log kept apart from it."""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from laydown import tlog
from laydown.verification import witness_server as ws

LOG = "log.example/test"


@pytest.fixture
def log_signer(tmp_path: Path) -> tlog.Signer:
    skey, vkey = tlog.generate_key(LOG)
    (tmp_path / ws.LOGS_FILE).write_text(vkey + "\n")
    return tlog.new_signer(skey)


@contextlib.contextmanager
def serving(directory: Path, timeout: float) -> Iterator[tuple[str, int]]:
    ws.witness_init(directory, "witness.example/test")
    handler = ws.make_handler(ws.load_witness(directory), timeout=timeout)
    httpd = ws.WitnessHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[:2]
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def server(tmp_path: Path, log_signer: tlog.Signer) -> Iterator[tuple[str, int]]:
    with serving(tmp_path, timeout=1.0) as address:
        yield address


def post(address: tuple[str, int], body: bytes) -> bytes:
    head = b"POST /add-checkpoint HTTP/1.1\r\nHost: w\r\nConnection: close\r\n"
    return exchange(address, head + b"Content-Length: %d\r\n\r\n" % len(body) + body)


def checkpoint(signer: tlog.Signer, tree: tlog.MemoryTree, size: int) -> str:
    cp = tlog.Checkpoint(origin=LOG, size=size, root_hash=tree.root(size))
    return tlog.sign_note(cp.to_text(), [signer])


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


def test_a_client_trickling_its_headers_is_dropped_at_the_whole_request_deadline(server) -> None:
    """Each read is fast, the request never ends: the 1 s deadline is for the whole request."""
    start = time.monotonic()
    with socket.create_connection(server, timeout=5) as s:
        s.sendall(b"POST /add-checkpoint HTTP/1.1\r\n")
        try:
            for n in range(12):  # 3.6 s of one header line every 0.3 s
                time.sleep(0.3)
                s.sendall(b"X-Slow-%d: 1\r\n" % n)
        except (BrokenPipeError, ConnectionResetError):
            pass
        dropped_after = time.monotonic() - start
        assert s.recv(100) == b""
    assert dropped_after < 2.5, f"still connected after {dropped_after:.1f} s"


def test_one_address_cannot_take_every_connection_slot(tmp_path: Path, log_signer) -> None:
    """33 idle connections from one address leave room for another address's request (with a
    30 s deadline, so that it is the per-address limit that makes the room)."""
    held = []
    with serving(tmp_path, timeout=30.0) as server:
        try:
            for _ in range(ws.MAX_CONNECTIONS + 1):
                s = socket.socket()
                s.bind(("127.0.0.2", 0))
                s.settimeout(5)
                s.connect(server)
                held.append(s)
            time.sleep(0.3)
            reply = exchange(server, b"GET /key HTTP/1.1\r\nHost: w\r\nConnection: close\r\n\r\n")
            assert reply.startswith(b"HTTP/1.1 200"), reply[:80]
            closed = 0
            for s in held:  # the ones over the per-address limit were closed at once
                s.settimeout(0.05)
                try:
                    closed += s.recv(1) == b""
                except (TimeoutError, ConnectionResetError):
                    pass
            assert closed >= ws.MAX_CONNECTIONS + 1 - ws.MAX_CONNECTIONS_PER_ADDRESS
        finally:
            for s in held:
                s.close()


def test_evidence_of_a_forked_log_survives_a_flood_of_junk(
    server, tmp_path: Path, log_signer: tlog.Signer, monkeypatch
) -> None:
    monkeypatch.setattr(ws, "REFUSALS_KEPT", 10)
    honest, forged = tlog.MemoryTree(), tlog.MemoryTree()
    honest.append(b"record %d" % i for i in range(20))
    forged.append(b"forged %d" % i for i in range(20))
    honest_note = checkpoint(log_signer, honest, 20)
    first = post(server, tlog.format_add_checkpoint(0, [], honest_note))
    assert first.startswith(b"HTTP/1.1 200")
    forgery = checkpoint(log_signer, forged, 20)  # same size, another root: a fork
    refused = post(server, tlog.format_add_checkpoint(20, [], forgery))
    assert refused.startswith(b"HTTP/1.1 409")
    stranger = tlog.new_signer(tlog.generate_key(LOG)[0])  # a key the witness does not know
    junk = tlog.format_add_checkpoint(0, [], checkpoint(stranger, forged, 20))
    for _ in range(40):
        assert post(server, junk).startswith(b"HTTP/1.1 403")
    with sqlite3.connect(tmp_path / ws.STATE_FILE) as db:
        assert db.execute("SELECT COUNT(*) FROM refused").fetchone() == (10,)
        rows = db.execute("SELECT status, body, latest_note FROM evidence").fetchall()
    assert len(rows) == 1
    status, body, latest_note = rows[0]
    assert status == 409 and forgery.encode() in body
    assert latest_note == honest_note  # what the witness had cosigned, kept beside it


def test_evidence_is_kept_first_come_and_bounded(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(ws, "EVIDENCE_KEPT", 3)
    state = ws.SqliteWitnessState(tmp_path / "state.sqlite3")
    stored = [state.record_evidence(409, "fork", b"body", LOG, f"note {n}") for n in range(5)]
    again = state.record_evidence(409, "fork", b"body", LOG, "note 0")
    assert stored == [True, True, True, False, False] and again is False
    with sqlite3.connect(tmp_path / "state.sqlite3") as db:
        kept = [r[0] for r in db.execute("SELECT note_sha256 FROM evidence ORDER BY id")]
    assert len(kept) == 3


def test_the_witness_directory_is_private_and_a_key_others_can_read_is_refused(tmp_path) -> None:
    ws.witness_init(tmp_path / "w", "witness.example/w")
    assert stat.S_IMODE((tmp_path / "w").stat().st_mode) == 0o700
    os.chmod(tmp_path / "w" / ws.KEY_FILE, 0o640)
    assert ws.main(["key", str(tmp_path / "w")]) == 1
