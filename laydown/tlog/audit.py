"""Checking a tiled log from the outside: the engine of `laydown verify` and of the standalone
`laydown-verify` (one source, packaged twice: verifier/pyproject.toml packages this directory).

A :class:`LogSource` reads ``checkpoint`` and ``tile/...`` from a directory or a URL (standard
library only). :func:`verify_log` recomputes the whole tree; :func:`verify_receipt` checks one
hand-in receipt; :func:`monitor_step` compares a new checkpoint with the last one seen. Every
failure is an :class:`AuditError` whose message names the file, tile, index or witness.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from .checkpoint import Checkpoint, parse_checkpoint
from .errors import CheckpointError, NoteError, TileError, TlogError
from .hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash
from .note import Verifier, new_verifier, open_note
from .proofs import verify_consistency, verify_inclusion
from .tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    Tile,
    TileReader,
    tile_path,
    tree_consistency_proof,
    tree_inclusion_proof,
    tree_root,
)

__all__ = [
    "AuditError",
    "LogSource",
    "MonitorState",
    "Receipt",
    "format_receipt",
    "monitor_step",
    "open_checkpoint_checked",
    "parse_receipt",
    "verify_log",
    "verify_receipt",
]

Progress = Callable[[str, int, int], None]


class AuditError(TlogError):
    """What failed, naming the file, tile, record index or witness."""


class LogSource:
    """Where the log is read from: a directory (``DIR/checkpoint``, ``DIR/tile/...``) or a URL
    (``https://host/log``, read with the standard library, eight requests at a time)."""

    def __init__(self, location: str, timeout: float = 30) -> None:
        self.location = location.rstrip("/")
        self.is_url = location.startswith(("http://", "https://"))
        self.timeout = timeout
        self.bytes_read = 0

    def read(self, path: str) -> bytes:
        if not self.is_url:
            try:
                data = (Path(self.location) / path).read_bytes()
            except OSError as exc:
                raise AuditError(f"{path}: cannot read ({exc.strerror})") from exc
        else:
            data = self._get(path)
        self.bytes_read += len(data)
        return data

    def _get(self, path: str) -> bytes:
        url = f"{self.location}/{path}"
        request = urllib.request.Request(url, headers={"User-Agent": "laydown-verify"})  # noqa: S310 (is_url: http or https only)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                data: bytes = answer.read()
                return data
        except urllib.error.HTTPError as exc:
            raise AuditError(f"{path}: the server answered {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise AuditError(f"{path}: cannot fetch {url} ({exc})") from exc

    def read_many(self, paths: Sequence[str]) -> list[bytes]:
        if not self.is_url:
            return [self.read(p) for p in paths]
        with ThreadPoolExecutor(max_workers=8) as pool:
            return list(pool.map(self.read, paths))

    def close(self) -> None:
        """Nothing to release: every request has its own connection."""

    def __enter__(self) -> LogSource:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def verifier_of(key: str, what: str) -> Verifier:
    try:
        return new_verifier(key)
    except TlogError as exc:
        raise AuditError(f"{what} {key!r} is not a valid verifier key: {exc}") from exc


def open_checkpoint_checked(
    data: bytes | str,
    log_verifier: Verifier,
    witnesses: Sequence[Verifier],
    quorum: int | None,
) -> Checkpoint:
    """Open a checkpoint signed by the log and cosigned by ``quorum`` of the ``witnesses``
    (all of them if None). Raises :class:`AuditError` naming the missing witnesses."""
    try:
        note = open_note(data, [log_verifier, *witnesses])
    except NoteError as exc:
        raise AuditError(f"checkpoint: the signature does not verify: {exc}") from exc
    signers = {(s.name, s.key_id) for s in note.sigs}
    if (log_verifier.name, log_verifier.key_id) not in signers:
        raise AuditError("checkpoint: it is not signed by the log key")
    try:
        checkpoint = parse_checkpoint(note.text)
    except CheckpointError as exc:
        raise AuditError(f"checkpoint: {exc}") from exc
    if checkpoint.origin != log_verifier.name:
        raise AuditError(f"checkpoint: origin {checkpoint.origin!r} is not the log key's name")
    cosigned = [w for w in witnesses if (w.name, w.key_id) in signers]
    needed = len(witnesses) if quorum is None else quorum
    if len(cosigned) < needed:
        missing = ", ".join(w.name for w in witnesses if w not in cosigned)
        raise AuditError(
            f"checkpoint: cosigned by {len(cosigned)} of the witnesses, {needed} needed "
            f"(no valid cosignature from: {missing})"
        )
    return checkpoint


def verify_log(
    source: LogSource,
    log_key: str,
    *,
    witness_keys: Sequence[str] = (),
    quorum: int | None = None,
    since: bytes | None = None,
    bundle: Path | None = None,
    progress: Progress | None = None,
) -> Checkpoint:
    """Verify everything given; return the checkpoint, or raise AuditError."""
    log_verifier = verifier_of(log_key, "log key")
    witnesses = [verifier_of(k, "witness key") for k in witness_keys]
    checkpoint = open_checkpoint_checked(source.read("checkpoint"), log_verifier, witnesses, quorum)
    earlier = _earlier(since, log_verifier, checkpoint) if since is not None else None
    records = _BundleCheck(bundle, checkpoint.size) if bundle is not None else None
    try:
        with records if records is not None else contextlib.nullcontext():
            root = _stream_tree(source, checkpoint.size, records, progress)
    except TileError as exc:
        raise AuditError(f"tiles: {exc}") from exc
    if root != checkpoint.root_hash:
        raise AuditError(
            f"checkpoint: the tiles hash to {root.hex()}, not to the signed root "
            f"{checkpoint.root_hash.hex()} (a tile or the checkpoint was altered)"
        )
    if earlier is not None:
        consistent_with(
            earlier.size,
            earlier.root_hash,
            checkpoint,
            on_demand(source, checkpoint.size),
            "earlier checkpoint",
        )
    return checkpoint


def _earlier(since: bytes, log_verifier: Verifier, checkpoint: Checkpoint) -> Checkpoint:
    """The checkpoint saved earlier, checked before any tile is read: a rollback shows at once."""
    try:
        old = parse_checkpoint(open_note(since, [log_verifier]).text)
    except TlogError as exc:
        raise AuditError(f"earlier checkpoint: does not verify with the log key: {exc}") from exc
    if old.size > checkpoint.size:
        raise AuditError(
            f"earlier checkpoint: size {old.size} is larger than the current {checkpoint.size}: "
            "the log was rolled back"
        )
    return old


_CHUNK = 64  # level-0 tiles read at once (512 KiB): memory does not grow with the log


def _read_tile(source: LogSource, tile: Tile, content: bytes | None = None) -> bytes:
    if content is None:
        content = source.read(tile_path(tile))
    if len(content) != tile.width * HASH_SIZE:
        raise AuditError(
            f"{tile_path(tile)}: {len(content)} bytes, expected {tile.width * HASH_SIZE}"
        )
    return content


def _full_root(content: bytes) -> bytes:
    sha = hashlib.sha256
    one = b"\x01"
    level = [content[i : i + 32] for i in range(0, len(content), 32)]
    while len(level) > 1:
        it = iter(level)
        level = [sha(one + a + b).digest() for a, b in zip(it, it, strict=False)]
    return level[0]


def _stream_tree(
    source: LogSource, size: int, records: _BundleCheck | None, progress: Progress | None
) -> bytes:
    """Recompute the tree from the leaf tiles upwards, reading each tile once, in order, and
    checking each higher-level tile as soon as the tiles below it are read. Memory holds at
    most one tile's worth of computed hashes per level, whatever the size of the log."""
    expected: list[list[bytes]] = [[] for _ in range(12)]  # level -> entries computed so far
    checked = [0] * 12  # level -> full tiles checked

    def completed(level: int, root: bytes) -> None:
        entries = expected[level]
        entries.append(root)
        if len(entries) == TILE_WIDTH:
            tile = Tile(level, checked[level])
            _compare(tile, _read_tile(source, tile), entries)
            checked[level] += 1
            expected[level] = []
            completed(level + 1, _full_root(b"".join(entries)))

    full, width = divmod(size, TILE_WIDTH)
    for start in range(0, full, _CHUNK):
        part = [Tile(0, n) for n in range(start, min(start + _CHUNK, full))]
        contents = source.read_many([tile_path(t) for t in part])
        for tile, content in zip(part, contents, strict=True):
            _read_tile(source, tile, content)
            if records is not None:
                records.check(tile.index, content)
            completed(1, _full_root(content))
        if progress:
            progress("Recomputing the tree", (start + len(part)) * TILE_WIDTH, size)
    edge: dict[tuple[int, int], bytes] = {}
    if width:
        content = _read_tile(source, Tile(0, full, width))
        if records is not None:
            records.check(full, content)
        edge[(0, full)] = content
    level, count = 1, full
    while count:
        n, width = divmod(count, TILE_WIDTH)
        if width:
            tile = Tile(level, n, width)
            edge[(level, n)] = _read_tile(source, tile)
            _compare(tile, edge[(level, n)], expected[level])
        count, level = n, level + 1
    return tree_root(size, lambda lv, n: edge[(lv, n)])


def _compare(tile: Tile, stored: bytes, entries: list[bytes]) -> None:
    if stored == b"".join(entries):
        return
    for i, want in enumerate(entries):
        got = stored[i * 32 : (i + 1) * 32]
        if got != want:
            child = Tile(tile.level - 1, tile.index * TILE_WIDTH + i)
            raise AuditError(
                f"tiles: tile {tile_path(tile)} hash {i} is {got.hex()}, but the root of "
                f"tile {tile_path(child)} is {want.hex()}"
            )


def on_demand(source: LogSource, size: int) -> TileReader:
    """A tile reader for the few tiles a proof needs, fetched when asked for."""
    kept: dict[tuple[int, int], bytes] = {}

    def read(level: int, n: int) -> bytes:
        if (level, n) not in kept:
            count = size >> (TILE_HEIGHT * level)
            width = min(TILE_WIDTH, count - n * TILE_WIDTH)
            if width <= 0:
                raise KeyError((level, n))
            kept[(level, n)] = _read_tile(source, Tile(level, n, width))
        return kept[(level, n)]

    return read


def consistent_with(
    old_size: int, old_root: bytes, checkpoint: Checkpoint, read_tile: TileReader, what: str
) -> None:
    """The tree (old_size, old_root) is a prefix of ``checkpoint``'s, proven from the tiles."""
    if old_size > checkpoint.size:
        raise AuditError(
            f"{what}: size {old_size} is larger than the current {checkpoint.size}: "
            "the log was rolled back"
        )
    if old_size == 0:
        if old_root != EMPTY_ROOT:
            raise AuditError(f"{what}: size 0 with a root that is not the empty root")
        return
    try:
        proof = tree_consistency_proof(old_size, checkpoint.size, read_tile)
        verify_consistency(old_size, checkpoint.size, proof, old_root, checkpoint.root_hash)
    except TlogError as exc:
        raise AuditError(
            f"{what}: the log of size {checkpoint.size} is not an extension of the one of "
            f"size {old_size} (history was rewritten): {exc}"
        ) from exc


class _BundleCheck:
    """Checks the lines of a record bundle against the leaf tiles as they are read."""

    def __init__(self, path: Path, size: int) -> None:
        self.path = path
        self.size = size
        self.index = 0

    def __enter__(self) -> _BundleCheck:
        try:
            self.lines = open(self.path, "rb")  # noqa: SIM115 - closed by __exit__
        except OSError as exc:
            raise AuditError(f"{self.path}: cannot read ({exc.strerror})") from exc
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        try:
            if kind is None:
                extra = self.lines.readline()
                if extra:
                    raise AuditError(f"{self.path}: more records than the checkpoint's {self.size}")
                if self.index != self.size:
                    raise AuditError(
                        f"{self.path}: holds {self.index} records, the checkpoint has {self.size}"
                    )
        finally:
            self.lines.close()

    def check(self, tile_index: int, content: bytes) -> None:
        for offset in range(0, len(content), 32):
            line = self.lines.readline()
            if not line:
                raise AuditError(
                    f"{self.path}: holds {self.index} records, the checkpoint has {self.size}"
                )
            if leaf_hash(line.rstrip(b"\n")) != content[offset : offset + 32]:
                raise AuditError(
                    f"{self.path}: record {self.index} (line {self.index + 1}) does not hash to "
                    "its leaf"
                )
            self.index += 1


# ---- receipts -------------------------------------------------------------------------------

RECEIPT_PATH = "receipt"
"""A receipt link is ``<log URL>/receipt#<fields>``: the page that checks it in the browser."""


@dataclass(frozen=True)
class Receipt:
    """What a hand-in receipt's QR code carries: the log's origin, the record's index and leaf
    hash, and the tree the log had when the receipt was printed (size and root), with the link
    of the log. The record itself (salted) stays private."""

    log_url: str
    origin: str
    index: int
    leaf: bytes
    size: int | None = None
    root: bytes | None = None


def _b64url(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64url(text: str, what: str) -> bytes:
    import base64
    import binascii

    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise AuditError(f"receipt: {what} is not base64url") from exc
    if len(data) != HASH_SIZE:
        raise AuditError(f"receipt: {what} is not a 32-byte hash")
    return data


def format_receipt(receipt: Receipt) -> str:
    """The QR text: ``<log URL>/receipt#o=<origin>&i=<index>&h=<leaf>&n=<size>&r=<root>``
    (hashes in unpadded base64url)."""
    fields = [("o", receipt.origin), ("i", str(receipt.index)), ("h", _b64url(receipt.leaf))]
    if receipt.size is not None and receipt.root is not None:
        fields += [("n", str(receipt.size)), ("r", _b64url(receipt.root))]
    fragment = urllib.parse.urlencode(fields, quote_via=urllib.parse.quote, safe="/")
    return f"{receipt.log_url.rstrip('/')}/{RECEIPT_PATH}#{fragment}"


def parse_receipt(text: str) -> Receipt:
    """Parse a receipt's QR text; raises :class:`AuditError` naming the missing field."""
    link, _, fragment = text.strip().partition("#")
    if not link.endswith("/" + RECEIPT_PATH) or not fragment:
        raise AuditError(f"receipt: not a Laydown receipt link (…/{RECEIPT_PATH}#o=…&i=…&h=…)")
    fields = dict(urllib.parse.parse_qsl(fragment, keep_blank_values=True))
    for name, meaning in (("o", "the log origin"), ("i", "the record index"), ("h", "the leaf")):
        if not fields.get(name):
            raise AuditError(f"receipt: {meaning} ({name}=) is missing")
    if not fields["i"].isdigit() or not fields["i"].isascii():
        raise AuditError("receipt: the record index is not a number")
    size, root = fields.get("n"), fields.get("r")
    if (size is None) != (root is None) or (size is not None and not size.isdigit()):
        raise AuditError("receipt: the tree at printing needs both a size (n=) and a root (r=)")
    return Receipt(
        log_url=link[: -len(RECEIPT_PATH) - 1],
        origin=fields["o"],
        index=int(fields["i"]),
        leaf=_unb64url(fields["h"], "the leaf hash"),
        size=int(size) if size is not None else None,
        root=_unb64url(root, "the root") if root is not None else None,
    )


def verify_receipt(
    source: LogSource,
    log_key: str,
    receipt: Receipt,
    *,
    witness_keys: Sequence[str] = (),
    quorum: int | None = None,
) -> Checkpoint:
    """The receipt's record is in the log's current (cosigned) checkpoint, and the tree the
    receipt was printed with is a prefix of it. Reads the checkpoint and at most two tiles a
    level. Raises :class:`AuditError` saying which of those failed."""
    log_verifier = verifier_of(log_key, "log key")
    witnesses = [verifier_of(k, "witness key") for k in witness_keys]
    checkpoint = open_checkpoint_checked(source.read("checkpoint"), log_verifier, witnesses, quorum)
    if receipt.origin != checkpoint.origin:
        raise AuditError(
            f"receipt: it names the log {receipt.origin!r}, this log is {checkpoint.origin!r}"
        )
    if receipt.index >= checkpoint.size:
        raise AuditError(
            f"receipt: record {receipt.index} is not in the log, which has {checkpoint.size} "
            "records"
        )
    read = on_demand(source, checkpoint.size)
    try:
        leaf_tile = read(0, receipt.index // TILE_WIDTH)
        offset = receipt.index % TILE_WIDTH * HASH_SIZE
        proof = tree_inclusion_proof(receipt.index, checkpoint.size, read)
        verify_inclusion(
            leaf_tile[offset : offset + HASH_SIZE],
            receipt.index,
            checkpoint.size,
            proof,
            checkpoint.root_hash,
        )
    except (TlogError, KeyError) as exc:
        raise AuditError(
            f"receipt: the log's tiles do not prove record {receipt.index}: {exc}"
        ) from exc
    if leaf_tile[offset : offset + HASH_SIZE] != receipt.leaf:
        raise AuditError(
            f"receipt: record {receipt.index} of the log has another leaf hash than the "
            "receipt: the receipt's record is not in the log"
        )
    if receipt.size is not None and receipt.root is not None:
        consistent_with(receipt.size, receipt.root, checkpoint, read, "receipt's tree")
    return checkpoint


# ---- monitoring -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MonitorState:
    """What a monitor keeps between runs: the last checkpoint it accepted, and since when the
    log has had that size."""

    note: str
    size_since: float

    @property
    def checkpoint(self) -> Checkpoint:
        """The checkpoint of the note (its signatures were checked when it was accepted)."""
        return parse_checkpoint(self.note[: self.note.index("\n\n") + 1])

    def to_json(self) -> str:
        return json.dumps({"checkpoint": self.note, "size_since": self.size_since}, indent=1)

    @classmethod
    def from_json(cls, text: str) -> MonitorState:
        try:
            data = json.loads(text)
            return cls(note=str(data["checkpoint"]), size_since=float(data["size_since"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise AuditError(f"monitor state: not a state file ({exc})") from exc


def monitor_step(
    source: LogSource,
    log_key: str,
    state: MonitorState | None,
    *,
    now: float,
    witness_keys: Sequence[str] = (),
    quorum: int | None = None,
    stall_after: float | None = None,
) -> MonitorState:
    """Check the log's current checkpoint (signature, witness quorum) and its consistency with
    the one in ``state``; return the new state. Raises :class:`AuditError` whose message
    starts with what happened: ``bad signature``, ``shrink``, ``fork`` or ``stalled``."""
    log_verifier = verifier_of(log_key, "log key")
    witnesses = [verifier_of(k, "witness key") for k in witness_keys]
    note = source.read("checkpoint")
    try:
        checkpoint = open_checkpoint_checked(note, log_verifier, witnesses, quorum)
    except AuditError as exc:
        raise AuditError(f"bad signature: {exc}") from exc
    text = note.decode("utf-8")
    if state is None:
        return MonitorState(note=text, size_since=now)
    old = parse_checkpoint(open_note(state.note, [log_verifier]).text)
    if checkpoint.size < old.size:
        raise AuditError(
            f"shrink: the log has {checkpoint.size} records, it had {old.size} when last seen"
        )
    if checkpoint.size == old.size:
        if checkpoint.root_hash != old.root_hash:
            raise AuditError(
                f"fork: two different trees of size {old.size} "
                f"({old.root_hash.hex()} then {checkpoint.root_hash.hex()})"
            )
        if stall_after is not None and now - state.size_since > stall_after:
            raise AuditError(
                f"stalled: the log has not grown past {old.size} records for "
                f"{now - state.size_since:.0f} s (more than {stall_after:.0f} s)"
            )
        return MonitorState(note=text, size_since=state.size_since)
    try:
        consistent_with(
            old.size, old.root_hash, checkpoint, on_demand(source, checkpoint.size), "last seen"
        )
    except AuditError as exc:
        raise AuditError(f"fork: {exc}") from exc
    return MonitorState(note=text, size_since=now)
