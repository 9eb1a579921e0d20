"""`laydown verify`: check a Laydown log from the outside, with no database and no trust.

Reads the checkpoint and every hash tile from a URL or an exported directory, recomputes the
tree, checks the log's signature (and witnesses' cosignatures), consistency with a checkpoint
saved earlier, and that every record of a bundle hashes to its leaf. Exit 0 when all holds, 1
otherwise, naming the first bad index or file.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from laydown import tlog


class VerifyError(Exception):
    """What failed, naming the file, tile or record index."""


class Source:
    """Where the log is read from: a directory (`DIR/checkpoint`, `DIR/tile/...`) or a URL."""

    def __init__(self, location: str) -> None:
        self.location = location.rstrip("/")
        self.is_url = location.startswith(("http://", "https://"))
        self._client = None
        if self.is_url:
            import httpx

            self._client = httpx.Client(timeout=30, follow_redirects=True)

    def read(self, path: str) -> bytes:
        if self._client is None:
            try:
                return (Path(self.location) / path).read_bytes()
            except OSError as exc:
                raise VerifyError(f"{path}: cannot read ({exc.strerror})") from exc
        response = self._client.get(f"{self.location}/{path}")
        if response.status_code != 200:
            raise VerifyError(f"{path}: the server answered {response.status_code}")
        return response.content

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read_many(self, paths: Sequence[str]) -> list[bytes]:
        if self._client is None:
            return [self.read(p) for p in paths]
        with ThreadPoolExecutor(max_workers=8) as pool:
            return list(pool.map(self.read, paths))


def verify_log(
    source: Source,
    log_key: str,
    *,
    witness_keys: Sequence[str] = (),
    quorum: int | None = None,
    since: bytes | None = None,
    bundle: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> tlog.Checkpoint:
    """Verify everything given; return the checkpoint, or raise VerifyError."""
    log_verifier = _verifier(log_key, "log key")
    witnesses = [_verifier(k, "witness key") for k in witness_keys]
    checkpoint = _open_checkpoint(source.read("checkpoint"), log_verifier, witnesses, quorum)
    records = _BundleCheck(bundle, checkpoint.size) if bundle is not None else None
    try:
        with records if records is not None else contextlib.nullcontext():
            root = _stream_tree(source, checkpoint.size, records, progress)
    except tlog.TileError as exc:
        raise VerifyError(f"tiles: {exc}") from exc
    if root != checkpoint.root_hash:
        raise VerifyError(
            f"checkpoint: the tiles hash to {root.hex()}, not to the signed root "
            f"{checkpoint.root_hash.hex()} (a tile or the checkpoint was altered)"
        )
    if since is not None:
        _check_consistency(since, log_verifier, checkpoint, _on_demand(source, checkpoint.size))
    return checkpoint


def verify_item_bundle(
    path: Path,
    log_key: str,
    *,
    witness_keys: Sequence[str] = (),
    quorum: int | None = None,
) -> tlog.Checkpoint:
    """Check an item bundle offline: its checkpoint's signatures, then each record's proof."""
    import json

    log_verifier = _verifier(log_key, "log key")
    witnesses = [_verifier(k, "witness key") for k in witness_keys]
    try:
        bundle = json.loads(path.read_text(encoding="utf-8"))
        note, entries = bundle["checkpoint"], bundle["records"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise VerifyError(f"{path}: not an item bundle ({exc})") from exc
    checkpoint = _open_checkpoint(note.encode(), log_verifier, witnesses, quorum)
    for n, entry in enumerate(entries):
        try:
            leaf = tlog.leaf_hash(entry["record"].encode())
            proven = tlog.verify_tlog_proof(entry["proof"], leaf, [log_verifier])
            index = tlog.parse_tlog_proof(entry["proof"]).index
        except (tlog.TlogError, KeyError, TypeError, AttributeError) as exc:
            raise VerifyError(f"{path}: record {n + 1} is not proven in the log: {exc}") from exc
        if (proven.size, proven.root_hash) != (checkpoint.size, checkpoint.root_hash):
            raise VerifyError(f"{path}: record {n + 1} is proven against another checkpoint")
        if index != entry.get("index"):
            raise VerifyError(f"{path}: record {n + 1} claims index {entry.get('index')}")
    return checkpoint


def _verifier(key: str, what: str) -> tlog.Verifier:
    try:
        return tlog.new_verifier(key)
    except tlog.TlogError as exc:
        raise VerifyError(f"{what} {key!r} is not a valid verifier key: {exc}") from exc


def _open_checkpoint(
    data: bytes,
    log_verifier: tlog.Verifier,
    witnesses: Sequence[tlog.Verifier],
    quorum: int | None,
) -> tlog.Checkpoint:
    try:
        note = tlog.open_note(data, [log_verifier, *witnesses])
    except tlog.NoteError as exc:
        raise VerifyError(f"checkpoint: the signature does not verify: {exc}") from exc
    signers = {(s.name, s.key_id) for s in note.sigs}
    if (log_verifier.name, log_verifier.key_id) not in signers:
        raise VerifyError("checkpoint: it is not signed by the log key")
    try:
        checkpoint = tlog.parse_checkpoint(note.text)
    except tlog.CheckpointError as exc:
        raise VerifyError(f"checkpoint: {exc}") from exc
    if checkpoint.origin != log_verifier.name:
        raise VerifyError(f"checkpoint: origin {checkpoint.origin!r} is not the log key's name")
    cosigned = [w for w in witnesses if (w.name, w.key_id) in signers]
    needed = len(witnesses) if quorum is None else quorum
    if len(cosigned) < needed:
        missing = ", ".join(w.name for w in witnesses if w not in cosigned)
        raise VerifyError(
            f"checkpoint: cosigned by {len(cosigned)} of the witnesses, {needed} needed "
            f"(missing: {missing})"
        )
    return checkpoint


_CHUNK = 64  # level-0 tiles read at once (512 KiB): memory does not grow with the log


def _read_tile(source: Source, tile: tlog.Tile, content: bytes | None = None) -> bytes:
    if content is None:
        content = source.read(tlog.tile_path(tile))
    if len(content) != tile.width * tlog.HASH_SIZE:
        raise VerifyError(
            f"{tlog.tile_path(tile)}: {len(content)} bytes, expected {tile.width * tlog.HASH_SIZE}"
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
    source: Source,
    size: int,
    records: _BundleCheck | None,
    progress: Callable[[str, int, int], None] | None,
) -> bytes:
    """Recompute the tree from the leaf tiles upwards, reading each tile once, in order, and
    checking each higher-level tile as soon as the tiles below it are read. Memory holds at
    most one tile's worth of computed hashes per level, whatever the size of the log."""
    expected: list[list[bytes]] = [[] for _ in range(12)]  # level -> entries computed so far
    checked = [0] * 12  # level -> full tiles checked

    def completed(level: int, root: bytes) -> None:
        entries = expected[level]
        entries.append(root)
        if len(entries) == tlog.TILE_WIDTH:
            tile = tlog.Tile(level, checked[level])
            _compare(tile, _read_tile(source, tile), entries)
            checked[level] += 1
            expected[level] = []
            completed(level + 1, _full_root(b"".join(entries)))

    full, width = divmod(size, tlog.TILE_WIDTH)
    for start in range(0, full, _CHUNK):
        part = [tlog.Tile(0, n) for n in range(start, min(start + _CHUNK, full))]
        contents = source.read_many([tlog.tile_path(t) for t in part])
        for tile, content in zip(part, contents, strict=True):
            _read_tile(source, tile, content)
            if records is not None:
                records.check(tile.index, content)
            completed(1, _full_root(content))
        if progress:
            progress("Recomputing the tree", (start + len(part)) * tlog.TILE_WIDTH, size)
    edge: dict[tuple[int, int], bytes] = {}
    if width:
        content = _read_tile(source, tlog.Tile(0, full, width))
        if records is not None:
            records.check(full, content)
        edge[(0, full)] = content
    level, count = 1, full
    while count:
        n, width = divmod(count, tlog.TILE_WIDTH)
        if width:
            tile = tlog.Tile(level, n, width)
            edge[(level, n)] = _read_tile(source, tile)
            _compare(tile, edge[(level, n)], expected[level])
        count, level = n, level + 1
    return tlog.tree_root(size, lambda lv, n: edge[(lv, n)])


def _compare(tile: tlog.Tile, stored: bytes, entries: list[bytes]) -> None:
    if stored == b"".join(entries):
        return
    for i, want in enumerate(entries):
        got = stored[i * 32 : (i + 1) * 32]
        if got != want:
            child = tlog.Tile(tile.level - 1, tile.index * tlog.TILE_WIDTH + i)
            raise VerifyError(
                f"tiles: tile {tlog.tile_path(tile)} hash {i} is {got.hex()}, but the root of "
                f"tile {tlog.tile_path(child)} is {want.hex()}"
            )


def _on_demand(source: Source, size: int) -> tlog.TileReader:
    """A tile reader for the few tiles a consistency proof needs, fetched when asked for."""
    kept: dict[tuple[int, int], bytes] = {}

    def read(level: int, n: int) -> bytes:
        if (level, n) not in kept:
            count = size >> (tlog.TILE_HEIGHT * level)
            width = min(tlog.TILE_WIDTH, count - n * tlog.TILE_WIDTH)
            if width <= 0:
                raise KeyError((level, n))
            kept[(level, n)] = _read_tile(source, tlog.Tile(level, n, width))
        return kept[(level, n)]

    return read


def _check_consistency(
    since: bytes,
    log_verifier: tlog.Verifier,
    checkpoint: tlog.Checkpoint,
    read_tile: tlog.TileReader,
) -> None:
    try:
        old = tlog.parse_checkpoint(tlog.open_note(since, [log_verifier]).text)
    except tlog.TlogError as exc:
        raise VerifyError(f"earlier checkpoint: does not verify with the log key: {exc}") from exc
    if old.size > checkpoint.size:
        raise VerifyError(
            f"earlier checkpoint: size {old.size} is larger than the current {checkpoint.size}: "
            "the log was rolled back"
        )
    if old.size == 0:
        if old.root_hash != tlog.EMPTY_ROOT:
            raise VerifyError("earlier checkpoint: size 0 with a root that is not the empty root")
        return
    proof = tlog.tree_consistency_proof(old.size, checkpoint.size, read_tile)
    try:
        tlog.verify_consistency(
            old.size, checkpoint.size, proof, old.root_hash, checkpoint.root_hash
        )
    except tlog.ProofError as exc:
        raise VerifyError(
            f"earlier checkpoint: the log of size {checkpoint.size} is not an extension of the "
            f"one of size {old.size} (history was rewritten): {exc}"
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
            raise VerifyError(f"{self.path}: cannot read ({exc.strerror})") from exc
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        try:
            if kind is None:
                extra = self.lines.readline()
                if extra:
                    raise VerifyError(
                        f"{self.path}: more records than the checkpoint's {self.size}"
                    )
                if self.index != self.size:
                    raise VerifyError(
                        f"{self.path}: holds {self.index} records, the checkpoint has {self.size}"
                    )
        finally:
            self.lines.close()

    def check(self, tile_index: int, content: bytes) -> None:
        for offset in range(0, len(content), 32):
            line = self.lines.readline()
            if not line:
                raise VerifyError(
                    f"{self.path}: holds {self.index} records, the checkpoint has {self.size}"
                )
            if tlog.leaf_hash(line.rstrip(b"\n")) != content[offset : offset + 32]:
                raise VerifyError(
                    f"{self.path}: record {self.index} (line {self.index + 1}) does not hash to "
                    "its leaf"
                )
            self.index += 1


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "source", help="log URL (https://host/log), exported directory, or an item bundle (.json)"
    )
    parser.add_argument("--key", required=True, help="the log's verifier key (laydown keys)")
    parser.add_argument("--witness-key", action="append", default=[], help="a witness key")
    parser.add_argument("--quorum", type=int, help="witness cosignatures needed (default: all)")
    parser.add_argument("--since", type=Path, help="a checkpoint file saved earlier")
    parser.add_argument("--records", type=Path, help="a record bundle (laydown log export)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: Sequence[str], prog: str = "laydown verify") -> int:
    args = _parser(prog).parse_args(argv)
    console = Console(stderr=True)
    with Progress(console=console, disable=args.quiet, transient=True) as bar:
        tasks: dict[str, object] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done)  # type: ignore[arg-type]

        try:
            since = args.since.read_bytes() if args.since else None
            if args.source.endswith(".json") and Path(args.source).is_file():
                checkpoint = verify_item_bundle(
                    Path(args.source),
                    args.key,
                    witness_keys=args.witness_key,
                    quorum=args.quorum,
                )
            else:
                checkpoint = _verify_source(args, since, progress)
        except (VerifyError, OSError) as exc:
            bar.stop()
            print(f"FAIL: {exc}", file=sys.stderr)
            return 1
    extra = f" and {args.records}" if args.records else ""
    print(
        f"OK: {checkpoint.origin} size {checkpoint.size} root {checkpoint.root_hash.hex()}{extra}"
    )
    return 0


def _verify_source(
    args: argparse.Namespace, since: bytes | None, progress: Callable[[str, int, int], None]
) -> tlog.Checkpoint:
    with Source(args.source) as source:
        return verify_log(
            source,
            args.key,
            witness_keys=args.witness_key,
            quorum=args.quorum,
            since=since,
            bundle=args.records,
            progress=progress,
        )
