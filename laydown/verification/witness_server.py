"""`laydown witness`: a small C2SP tlog-witness that an observer delegation runs on its own machine.

No Django and no Laydown database: a directory holds the witness's key (`witness.key`, 0600),
the verifier keys of the logs it witnesses (`logs.txt`, one per line) and its state
(`state.sqlite3`). Every accepted checkpoint is stored before the answer is sent; checking the
old size and storing happen in one SQLite write transaction.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Sequence
from contextlib import closing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from laydown import tlog
from laydown.core.private import PrivateFileError, private_dir, private_key_check

KEY_FILE = "witness.key"
LOGS_FILE = "logs.txt"
STATE_FILE = "state.sqlite3"
MAX_BODY = 64 * 1024  # a checkpoint with 63 proof lines and many signatures is far smaller
REFUSALS_KEPT = 1000  # the newest refused requests (anyone can send these: junk rotates out)
REFUSAL_BODY_KEPT = 4096  # bytes of each (with the SHA-256 of the whole body)
# Refused checkpoints that carry a valid signature of a known log key: only the log's key can
# make them, so they are evidence against the log (a fork, a rollback) and are kept apart from
# the junk, the first EVIDENCE_KEPT distinct ones, never rotated out.
EVIDENCE_KEPT = 1000
REQUEST_TIMEOUT = 10.0  # seconds a client may take to send a whole request (not per read)
MAX_CONNECTIONS = 32
MAX_CONNECTIONS_PER_ADDRESS = 4  # one address cannot take every slot


class SqliteWitnessState:
    """The latest cosigned checkpoint per origin, and refused requests as evidence."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with closing(self._connect()) as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS latest (origin TEXT PRIMARY KEY, size INTEGER NOT "
                "NULL, root BLOB NOT NULL, note TEXT NOT NULL, updated_at INTEGER NOT NULL)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS refused (id INTEGER PRIMARY KEY, at INTEGER NOT "
                "NULL, status INTEGER NOT NULL, reason TEXT NOT NULL, body BLOB NOT NULL, "
                "body_sha256 TEXT NOT NULL DEFAULT '')"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS evidence (id INTEGER PRIMARY KEY, at INTEGER NOT "
                "NULL, status INTEGER NOT NULL, reason TEXT NOT NULL, body BLOB NOT NULL, "
                "note_sha256 TEXT NOT NULL UNIQUE, latest_note TEXT)"
            )
            columns = {row[1] for row in db.execute("PRAGMA table_info(refused)")}
            if "body_sha256" not in columns:  # a state file from before this column
                db.execute("ALTER TABLE refused ADD COLUMN body_sha256 TEXT NOT NULL DEFAULT ''")

    def _connect(self) -> sqlite3.Connection:
        """A connection in autocommit mode; `with closing(...)` closes it."""
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        return db

    def latest(self, origin: str) -> tuple[int, bytes] | None:
        with closing(self._connect()) as db:
            row = db.execute("SELECT size, root FROM latest WHERE origin = ?", (origin,)).fetchone()
        return (int(row[0]), bytes(row[1])) if row else None

    def compare_and_set(
        self, origin: str, old_size: int, checkpoint: tlog.Checkpoint, note: str
    ) -> int | None:
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT size FROM latest WHERE origin = ?", (origin,)).fetchone()
            stored = int(row[0]) if row else 0
            if stored != old_size:
                db.execute("ROLLBACK")
                return stored
            db.execute(
                "INSERT INTO latest (origin, size, root, note, updated_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(origin) DO UPDATE SET size = excluded.size, root = excluded.root, "
                "note = excluded.note, updated_at = excluded.updated_at",
                (origin, checkpoint.size, checkpoint.root_hash, note, int(time.time())),
            )
            db.execute("COMMIT")
            return None
        finally:
            db.close()

    def record_refusal(self, status: int, reason: str, body: bytes) -> None:
        """Keep a refused request as evidence: its head and hash, the newest REFUSALS_KEPT."""
        with closing(self._connect()) as db:
            db.execute(
                "INSERT INTO refused (at, status, reason, body, body_sha256) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    int(time.time()),
                    status,
                    reason[:500],
                    body[:REFUSAL_BODY_KEPT],
                    hashlib.sha256(body).hexdigest(),
                ),
            )
            db.execute(
                "DELETE FROM refused WHERE id <= (SELECT MAX(id) FROM refused) - ?",
                (REFUSALS_KEPT,),
            )

    def record_evidence(
        self, status: int, reason: str, body: bytes, origin: str, note: str
    ) -> bool:
        """Keep a refused, validly signed checkpoint whole, with the witness's latest checkpoint
        of that log at the time; the first EVIDENCE_KEPT distinct notes. True if stored."""
        digest = hashlib.sha256(note.encode()).hexdigest()
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            (count,) = db.execute("SELECT COUNT(*) FROM evidence").fetchone()
            row = db.execute("SELECT note FROM latest WHERE origin = ?", (origin,)).fetchone()
            cursor = db.execute(
                "INSERT OR IGNORE INTO evidence (at, status, reason, body, note_sha256, "
                "latest_note) SELECT ?, ?, ?, ?, ?, ? WHERE ? < ?",
                (
                    int(time.time()),
                    status,
                    reason[:500],
                    body,
                    digest,
                    row[0] if row else None,
                    count,
                    EVIDENCE_KEPT,
                ),
            )
            db.execute("COMMIT")
            return cursor.rowcount == 1


def signed_checkpoint(witness: tlog.Witness, body: bytes) -> tuple[str, str] | None:
    """(origin, note) if `body` carries a checkpoint signed by a key of a log `witness` knows."""
    try:
        note = tlog.parse_add_checkpoint(body).checkpoint
        origin = note.split("\n", 1)[0]
        tlog.open_note(note, witness.logs.get(origin, []))
    except tlog.TlogError:
        return None
    return origin, note


def _read_key(directory: Path) -> str:
    private_key_check(directory / KEY_FILE)
    return (directory / KEY_FILE).read_text().strip()


def load_witness(directory: Path) -> tlog.Witness:
    skey = _read_key(directory)
    signer = tlog.new_cosignature_signer(skey)
    logs: dict[str, list[tlog.Verifier]] = {}
    logs_file = directory / LOGS_FILE
    if logs_file.exists():
        for line in logs_file.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                verifier = tlog.new_verifier(line.strip())
                logs.setdefault(verifier.name, []).append(verifier)
    return tlog.Witness(signer, logs, SqliteWitnessState(directory / STATE_FILE))


def make_handler(
    witness: tlog.Witness, timeout: float = REQUEST_TIMEOUT
) -> type[BaseHTTPRequestHandler]:
    state = witness.state

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the specification recommends

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            if self.path.rstrip("/") != "/add-checkpoint":
                self._send(tlog.WitnessResponse(404, b"not found\n"))
                return
            length = self._length()
            if length is None:
                return
            body = self.rfile.read(length)
            if len(body) < length:
                self.close_connection = True  # the client closed early: nothing to answer
                return
            response = witness.add_checkpoint(body)
            if response.status != 200 and isinstance(state, SqliteWitnessState):
                self._keep_refusal(state, response, body)
            self._send(response)

        def _keep_refusal(
            self, state: SqliteWitnessState, response: tlog.WitnessResponse, body: bytes
        ) -> None:
            reason = response.body.decode(errors="replace")
            signed = signed_checkpoint(witness, body)
            if signed is not None:
                state.record_evidence(response.status, reason, body, *signed)
            elif response.status in (403, 409, 422):
                state.record_refusal(response.status, reason, body)

        def _length(self) -> int | None:
            """The declared body length, or None after answering why it is refused."""
            raw = self.headers.get("Content-Length")
            if raw is None:
                self._send(tlog.WitnessResponse(411, b"Content-Length required\n"), close=True)
                return None
            if not raw.strip().isdigit():
                self._send(tlog.WitnessResponse(400, b"bad Content-Length\n"), close=True)
                return None
            if int(raw) > MAX_BODY:
                self._send(tlog.WitnessResponse(400, b"request too large\n"), close=True)
                return None
            return int(raw)

        def setup(self) -> None:
            super().setup()
            self.deadline = time.monotonic() + timeout
            self.rfile.close()  # the plain socket file, replaced by one that keeps the deadline
            self.rfile = io.BufferedReader(_DeadlineReader(self.connection, self))

        def handle_one_request(self) -> None:
            # The whole request (request line, headers, body) must arrive within `timeout`
            # seconds: a client sending one byte at a time cannot hold its slot for long.
            self.deadline = time.monotonic() + timeout
            super().handle_one_request()

        def do_GET(self) -> None:  # noqa: N802
            if self.path.rstrip("/") == "/key":
                self._send(
                    tlog.WitnessResponse(200, (witness.signer.verifier_key() + "\n").encode())
                )
                return
            self._send(tlog.WitnessResponse(404, b"not found\n"))

        def _send(self, response: tlog.WitnessResponse, close: bool = False) -> None:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            if close:  # the unread body makes the connection unusable
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(response.body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            sys.stderr.write("witness: " + (format % args) + "\n")

    Handler.timeout = timeout  # also bounds each write to a client that does not read
    return Handler


class _DeadlineReader(io.RawIOBase):
    """Reads from a socket until the handler's deadline, whatever the pace of the bytes."""

    def __init__(self, sock: socket.socket, handler: Any) -> None:
        self._sock = sock
        self._handler = handler

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        remaining = self._handler.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the request took longer than the witness allows")
        self._sock.settimeout(remaining)
        return self._sock.recv_into(buffer)


class WitnessHTTPServer(ThreadingHTTPServer):
    """One thread per connection: at most MAX_CONNECTIONS at once and
    MAX_CONNECTIONS_PER_ADDRESS from one address (more are closed at once)."""

    daemon_threads = True
    request_queue_size = 128  # accept bursts at once; the slots decide who is served

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._lock = threading.Lock()
        self._open = 0
        self._per_address: dict[str, int] = {}

    def _take_slot(self, host: str) -> bool:
        with self._lock:
            if self._open >= MAX_CONNECTIONS:
                return False
            if self._per_address.get(host, 0) >= MAX_CONNECTIONS_PER_ADDRESS:
                return False
            self._open += 1
            self._per_address[host] = self._per_address.get(host, 0) + 1
            return True

    def _free_slot(self, host: str) -> None:
        with self._lock:
            self._open -= 1
            left = self._per_address[host] - 1
            if left:
                self._per_address[host] = left
            else:
                del self._per_address[host]

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._take_slot(client_address[0]):
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._free_slot(client_address[0])


def witness_init(directory: Path, name: str) -> bool:
    """Create the witness's key (mode 0600) and empty log list in `directory`; True if new."""
    private_dir(directory)
    path = directory / KEY_FILE
    (directory / LOGS_FILE).touch()
    if path.exists():
        return False
    skey, _vkey = tlog.generate_cosignature_key(name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(skey + "\n")
    return True


def cmd_init(directory: Path, name: str) -> int:
    if not witness_init(directory, name):
        print(f"{directory / KEY_FILE} exists; the witness keeps its key.", file=sys.stderr)
    return cmd_key(directory)


def cmd_key(directory: Path) -> int:
    skey = _read_key(directory)
    print(tlog.new_cosignature_signer(skey).verifier_key())
    return 0


def cmd_trust(directory: Path, vkey: str) -> int:
    verifier = tlog.new_verifier(vkey)  # raises KeyFormatError on a bad key
    with open(directory / LOGS_FILE, "a") as f:
        f.write(vkey + "\n")
    print(f"Witnessing log {verifier.name}.")
    return 0


def cmd_serve(directory: Path, listen: str) -> int:
    host, _sep, port = listen.rpartition(":")
    witness = load_witness(directory)
    server = WitnessHTTPServer((host or "127.0.0.1", int(port)), make_handler(witness))
    print(f"Witness {witness.signer.name} serving on http://{listen}/add-checkpoint", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def main(argv: Sequence[str], prog: str = "laydown witness") -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="create the witness key in DIR and print its verifier key")
    init.add_argument("directory", type=Path)
    init.add_argument("--name", required=True, help="the witness's name, e.g. witness.example/w1")
    key = sub.add_parser("key", help="print the witness's verifier key")
    key.add_argument("directory", type=Path)
    trust = sub.add_parser("trust", help="witness the log with this verifier key")
    trust.add_argument("directory", type=Path)
    trust.add_argument("vkey")
    serve = sub.add_parser("serve", help="serve POST /add-checkpoint")
    serve.add_argument("directory", type=Path)
    serve.add_argument("--listen", default="127.0.0.1:7380")
    args = parser.parse_args(argv)
    try:
        if args.command == "init":
            return cmd_init(args.directory, args.name)
        if args.command == "key":
            return cmd_key(args.directory)
        if args.command == "trust":
            return cmd_trust(args.directory, args.vkey)
        return cmd_serve(args.directory, args.listen)
    except (OSError, tlog.TlogError, PrivateFileError) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
