"""Reads of the ledger: the head, checkpoints, tiles and proofs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, models

from laydown import tlog
from laydown.ledger import keys, tilecache
from laydown.ledger.models import Checkpoint, LogHead, LogWitness, Record, Tile


@dataclass(frozen=True)
class SignedCheckpoint:
    size: int
    root: bytes
    note: str


def log_size() -> int:
    return LogHead.objects.filter(id=1).values_list("size", flat=True).first() or 0


def log_head_state() -> tuple[int, bytes]:
    """The log's size and root now (signed or not yet): a key for what records change. One
    hand-written query: the public transparency page asks it for every caller."""
    with connection.cursor() as cursor:
        cursor.execute(_HEAD_SQL)
        row = cursor.fetchone()
    return (0, b"") if row is None else (row[0], bytes(row[1]))


def checkpoint_latest() -> SignedCheckpoint:
    """The newest signed checkpoint; for an empty log, the (deterministic) size-0 checkpoint."""
    return _signed(Checkpoint.objects.order_by("-size").first())


def checkpoint_public() -> SignedCheckpoint:
    """The checkpoint the log serves: with active witnesses, the newest one cosigned by at
    least LAYDOWN_WITNESS_QUORUM of them (the policy); without witnesses, the newest.

    One hand-written query: every proof and every /log/checkpoint asks this, and the ORM's
    own work was most of their cost."""
    quorum = settings.LAYDOWN_WITNESS_QUORUM
    with connection.cursor() as cursor:
        cursor.execute(_PUBLIC_SQL, [quorum <= 0, quorum])
        row = cursor.fetchone()
    if row is None:
        return _signed(None)
    return SignedCheckpoint(size=row[0], root=bytes(row[1]), note=row[2])


# The public log endpoints (/log/checkpoint, /log/proof) read the served checkpoint from memory
# when this process read it less than SERVED_FRESH_SECONDS ago; an append committed by this
# process, or a new cosignature kept by it, forgets it at once (other processes' appends show
# within that time, as a checkpoint fetched a moment earlier would). Never inside a transaction.
SERVED_FRESH_SECONDS = 1.0
_served: tuple[float, SignedCheckpoint] | None = None


def checkpoint_served() -> SignedCheckpoint:
    """`checkpoint_public()` for the public log endpoints, at most SERVED_FRESH_SECONDS old."""
    global _served
    if connection.in_atomic_block:  # what this transaction sees, not what others committed
        return checkpoint_public()
    kept = _served
    if kept is not None and time.monotonic() - kept[0] < SERVED_FRESH_SECONDS:
        return kept[1]
    found = checkpoint_public()
    _served = (time.monotonic(), found)
    return found


def checkpoint_served_forget() -> None:
    """Read the served checkpoint, and the public pages' keys (`page_key_served`), from the
    database next time (after a commit that changed them)."""
    global _served, _keys_forgotten
    _served = None
    with _keys_lock:
        _keys.clear()
        _keys_forgotten += 1


# The keys of the public pages kept by laydown.core.page_cache (`public_state`,
# `log_head_state`) are read from memory the same way: a kept page then costs no query at all.
# Other processes' appends show within SERVED_FRESH_SECONDS, as on /log/checkpoint.
_keys_lock = threading.Lock()
_keys: dict[Callable[[], Hashable], tuple[float, Hashable]] = {}
_keys_forgotten = 0  # counts the forgets: a key read across one is not kept


def page_key_served(read: Callable[[], Hashable]) -> Hashable:
    """`read()` (`public_state` or `log_head_state`), at most SERVED_FRESH_SECONDS old, for the
    keys of the public pages; never inside a transaction."""
    if connection.in_atomic_block:  # what this transaction sees, not what others committed
        return read()
    now = time.monotonic()
    with _keys_lock:
        kept = _keys.get(read)
        forgotten = _keys_forgotten
    if kept is not None and now - kept[0] < SERVED_FRESH_SECONDS:
        return kept[1]
    found = read()
    with _keys_lock:
        if forgotten == _keys_forgotten:
            _keys[read] = (now, found)
    return found


def _quoted(model: type[models.Model], *columns: str) -> list[str]:
    qn = connection.ops.quote_name
    return [qn(model._meta.db_table), *(qn(c) for c in columns)]


_CP, _SIZE, _ROOT, _NOTE, _COSIGS = _quoted(Checkpoint, "size", "root", "note", "cosignatures")
_LW, _ACTIVE = _quoted(LogWitness, "active")
_LH, _LH_SIZE, _LH_ROOT, _LH_ID = _quoted(LogHead, "size", "root", "id")
_HEAD_SQL = f"SELECT {_LH_SIZE}, {_LH_ROOT} FROM {_LH} WHERE {_LH_ID} = 1"  # noqa: S608 (names)
_PUBLIC_SQL = (
    f"SELECT {_SIZE}, {_ROOT}, {_NOTE} FROM {_CP} "  # noqa: S608 (names, not values)
    f"WHERE %s OR {_COSIGS} >= %s "
    f"OR NOT EXISTS (SELECT 1 FROM {_LW} WHERE {_ACTIVE}) "
    f"ORDER BY {_SIZE} DESC LIMIT 1"
)


def witnesses() -> list[LogWitness]:
    return list(LogWitness.objects.order_by("name"))


_WITNESSES_SQL = "SELECT {} FROM {} ORDER BY {}".format(  # noqa: S608 (names, not values)
    ", ".join(_quoted(LogWitness, *(f.column for f in LogWitness._meta.concrete_fields))[1:]),
    *_quoted(LogWitness, LogWitness._meta.pk.column),
)


def public_state() -> Hashable:
    """What the public pages show of the log, as a key that changes whenever it does: the
    served checkpoint (its note carries the cosignatures), every column of every witness (its
    answers, keys and addresses), the quorum and the log's key. Two small hand-written
    queries (a front page kept in memory costs little more than them)."""
    served = checkpoint_public()
    with connection.cursor() as cursor:
        cursor.execute(_WITNESSES_SQL)
        rows = tuple(cursor.fetchall())
    return (served, rows, settings.LAYDOWN_WITNESS_QUORUM, keys.log_verifier_key())


def _signed(row: Checkpoint | None) -> SignedCheckpoint:
    if row is not None:
        return SignedCheckpoint(size=row.size, root=bytes(row.root), note=row.note)
    signer = keys.log_signer()
    empty = tlog.Checkpoint(origin=signer.name, size=0, root_hash=tlog.EMPTY_ROOT)
    return SignedCheckpoint(
        size=0, root=tlog.EMPTY_ROOT, note=tlog.sign_note(empty.to_text(), [signer])
    )


def tile_read(level: int, index: int) -> bytes:
    """The stored content of one tile (KeyError if absent): a TileReader for laydown.tlog.
    Full tiles come from memory after their first read."""
    key = (level, index)
    found = tiles_read([key]).get(key)
    if found is None:
        raise KeyError(key)
    return found


def tiles_read(wanted: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The stored content of the wanted tiles that exist, keyed by (level, index): full tiles
    from memory, the rest in one (hand-written, hot-path) query."""
    found: dict[tuple[int, int], bytes] = {}
    missing: list[int] = []
    for key in wanted:
        cached = tilecache.get(key)
        if cached is not None:
            found[key] = cached
        else:
            missing.extend(key)
    if not missing:
        return found
    match = " OR ".join([f"({_LEVEL} = %s AND {_INDEX} = %s)"] * (len(missing) // 2))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_LEVEL}, {_INDEX}, {_HASHES} FROM {_TILE} WHERE {match}", missing)  # noqa: S608
        rows = cursor.fetchall()
    keep = not connection.in_atomic_block  # never keep what a rollback may undo
    for level, n, hashes in rows:
        content = bytes(hashes)
        found[(level, n)] = content
        if keep:
            tilecache.put((level, n), content)
    return found


_TILE, _LEVEL, _INDEX, _HASHES = _quoted(Tile, "level", "index", "hashes")


def tile_content(tile: tlog.Tile) -> bytes | None:
    """Bytes of a tile as served by tlog-tiles, or None if that tile is not (yet) in the tree.

    Hashes never change once written, so a partial tile of width W is the first W hashes of
    whatever the tile holds now, even after the tree has grown past it.
    """
    try:
        stored = tile_read(tile.level, tile.index)
    except KeyError:
        return None
    needed = tile.width * 32
    if len(stored) < needed:
        return None
    return stored[:needed]


def proof_for_record(index: int) -> str | None:
    """A C2SP tlog-proof of record `index` in the served checkpoint, or None if beyond it.

    The tiles it needs are known in advance (at most two per level) and read at once; the
    proof is checked against the signed root before it is served."""
    checkpoint = checkpoint_served()
    if index >= checkpoint.size:  # perhaps committed since this process last read it
        checkpoint = checkpoint_public()
    if not 0 <= index < checkpoint.size:
        return None
    try:
        proof = _checked_inclusion_proof(index, checkpoint)
    except tlog.TlogError:
        tilecache.clear()  # a cache older than this database: read everything again
        checkpoint_served_forget()
        checkpoint = checkpoint_public()
        proof = _checked_inclusion_proof(index, checkpoint)
    return tlog.format_tlog_proof(index, proof, checkpoint.note)


def _checked_inclusion_proof(index: int, checkpoint: SignedCheckpoint) -> list[bytes]:
    """Raises tlog.TileError or tlog.ProofError if the stored tiles do not give the root.

    The proof is the leaf's siblings inside its peak and the tree's right edge. The edge and
    the partial tiles of the served size are read once per checkpoint and kept; the full tiles
    are kept in memory with their upper inner nodes (tilecache): so a proof reads at most its
    leaf's full tile and hashes a full tile whole only the first time it meets it (then at most
    11 times a tile level), besides checking the proof against the signed root."""
    size = checkpoint.size
    edge, partial = _served_tree(checkpoint)
    wanted = tlog.edge_inclusion_tiles(index, size)
    tiles = tiles_read(key for key in wanted if key not in partial)
    tiles.update(partial)
    read = _reader(tiles)
    tile_index, offset = divmod(index, tlog.TILE_WIDTH)
    with tilecache.hashes_lock:
        proof = tlog.edge_inclusion_proof(index, size, edge, read, tilecache.hashes)
    leaf = tiles[(0, tile_index)][offset * tlog.HASH_SIZE : (offset + 1) * tlog.HASH_SIZE]
    tlog.verify_inclusion(leaf, index, size, proof, checkpoint.root)
    return proof


def _served_tree(
    checkpoint: SignedCheckpoint,
) -> tuple[list[bytes], dict[tuple[int, int], bytes]]:
    """The right edge of the tree of the checkpoint (its peaks' roots, largest first) and its
    partial tiles cut to their width at its size, read from the tiles in one query once per
    checkpoint and kept; raises tlog.TileError unless the edge gives the signed root or a
    partial tile is missing or short."""
    kept = tilecache.edge_get(checkpoint.size, checkpoint.root)
    if kept is not None:
        return kept
    partial_tiles = tlog.edge_tiles(checkpoint.size)
    tiles = tiles_read(
        set(tlog.edge_source_tiles(checkpoint.size)) | {(t.level, t.index) for t in partial_tiles}
    )
    edge = tlog.edge_from_tiles(checkpoint.size, _reader(tiles))
    if tlog.edge_root(edge) != checkpoint.root:
        raise tlog.TileError(f"the tiles do not give the root of tree {checkpoint.size}")
    partial = {}
    for level, n, width in partial_tiles:
        content = tiles.get((level, n), b"")[: width * tlog.HASH_SIZE]
        if len(content) != width * tlog.HASH_SIZE:
            raise tlog.TileError(f"tile {tlog.tile_path(tlog.Tile(level, n, width))} is short")
        partial[(level, n)] = content
    if not connection.in_atomic_block:  # never keep what a rollback may undo
        tilecache.edge_put(checkpoint.size, checkpoint.root, edge, partial)
    return edge, partial


def _reader(tiles: dict[tuple[int, int], bytes]) -> tlog.TileReader:
    """A TileReader of tiles read beforehand (KeyError for any other)."""
    return lambda level, n: tiles[(level, n)]


def records_iter(start: int = 0, chunk: int = 5000) -> Iterator[Record]:
    """All records from `start` in index order, fetched in chunks to bound memory."""
    position = start
    while True:
        batch = list(Record.objects.filter(index__gte=position).order_by("index")[:chunk])
        if not batch:
            return
        yield from batch
        position = batch[-1].index + 1


def consistency_proof(old_size: int, new_size: int) -> list[bytes] | None:
    """The RFC 9162 consistency proof from the tree of `old_size` to that of `new_size`, or
    None unless 0 < old_size <= new_size <= the served checkpoint's size. Both trees are
    fixed, so the answer never changes."""
    if not 0 < old_size <= new_size:
        return None
    if new_size > checkpoint_served().size and new_size > checkpoint_public().size:
        return None
    # the tiles it needs in one query (full ones from memory), their inner nodes kept
    tiles = tiles_read(tlog.tree_consistency_tiles(old_size, new_size))
    with tilecache.hashes_lock:
        return tlog.tree_consistency_proof(old_size, new_size, _reader(tiles), tilecache.hashes)


def policy(log_url: str) -> tlog.TlogPolicy:
    """The log's C2SP tlog-policy: its key, the active witnesses and the quorum the public
    checkpoint needs (LAYDOWN_WITNESS_QUORUM). `laydown log publish` writes the same text."""
    witnesses = [
        (w.name.replace(" ", "_"), w.vkey, w.url)
        for w in LogWitness.objects.filter(active=True).order_by("name")
    ]
    return tlog.policy_for(
        keys.log_verifier_key(), log_url, witnesses, settings.LAYDOWN_WITNESS_QUORUM
    )


def receipt_text(index: int, log_url: str) -> str | None:
    """The QR text that lets anyone check that record `index` is in the log
    (tlog.audit.format_receipt): the origin, the index, the leaf hash, and the tree the log
    serves now (the cosigned one if it holds the record, else the newest signed one), with the
    link of the page that checks it. None if there is no such record."""
    leaf = Record.objects.filter(index=index).values_list("leaf_hash", flat=True).first()
    if leaf is None:
        return None
    tree = checkpoint_public()
    if tree.size <= index:
        tree = checkpoint_latest()
    receipt = tlog.audit.Receipt(
        log_url=log_url,
        origin=keys.log_signer().name,
        index=index,
        leaf=bytes(leaf),
        size=tree.size,
        root=tree.root,
    )
    return tlog.audit.format_receipt(receipt)
