"""Reads of the ledger: the head, checkpoints, tiles and proofs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings

from laydown import tlog
from laydown.ledger import keys
from laydown.ledger.models import Checkpoint, LogHead, LogWitness, Record, Tile


@dataclass(frozen=True)
class SignedCheckpoint:
    size: int
    root: bytes
    note: str


def log_size() -> int:
    return LogHead.objects.filter(id=1).values_list("size", flat=True).first() or 0


def checkpoint_latest() -> SignedCheckpoint:
    """The newest signed checkpoint; for an empty log, the (deterministic) size-0 checkpoint."""
    return _signed(Checkpoint.objects.order_by("-size").first())


def checkpoint_public() -> SignedCheckpoint:
    """The checkpoint the log serves: with active witnesses, the newest one cosigned by at
    least LAYDOWN_WITNESS_QUORUM of them (the policy); without witnesses, the newest."""
    rows = Checkpoint.objects.order_by("-size")
    if settings.LAYDOWN_WITNESS_QUORUM > 0 and LogWitness.objects.filter(active=True).exists():
        rows = rows.filter(cosignatures__gte=settings.LAYDOWN_WITNESS_QUORUM)
    return _signed(rows.first())


def witnesses() -> list[LogWitness]:
    return list(LogWitness.objects.order_by("name"))


def _signed(row: Checkpoint | None) -> SignedCheckpoint:
    if row is not None:
        return SignedCheckpoint(size=row.size, root=bytes(row.root), note=row.note)
    signer = keys.log_signer()
    empty = tlog.Checkpoint(origin=signer.name, size=0, root_hash=tlog.EMPTY_ROOT)
    return SignedCheckpoint(
        size=0, root=tlog.EMPTY_ROOT, note=tlog.sign_note(empty.to_text(), [signer])
    )


def tile_read(level: int, index: int) -> bytes:
    """The stored content of one tile (KeyError if absent): a TileReader for laydown.tlog."""
    row = Tile.objects.filter(level=level, index=index).values_list("hashes", flat=True).first()
    if row is None:
        raise KeyError((level, index))
    return bytes(row)


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
    """A C2SP tlog-proof of record `index` in the served checkpoint, or None if beyond it."""
    checkpoint = checkpoint_public()
    if not 0 <= index < checkpoint.size:
        return None
    proof = tlog.tree_inclusion_proof(index, checkpoint.size, tile_read)
    return tlog.format_tlog_proof(index, proof, checkpoint.note)


def records_iter(start: int = 0, chunk: int = 5000) -> Iterator[Record]:
    """All records from `start` in index order, fetched in chunks to bound memory."""
    position = start
    while True:
        batch = list(Record.objects.filter(index__gte=position).order_by("index")[:chunk])
        if not batch:
            return
        yield from batch
        position = batch[-1].index + 1
