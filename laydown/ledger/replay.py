"""`laydown ledger replay`: verify the stored log, then rebuild projections from it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from rich.progress import Progress

from laydown import tlog
from laydown.ledger import keys, kinds, selectors
from laydown.ledger.models import LogHead


class ReplayError(Exception):
    """The stored log does not verify; the message names the first bad index or tile."""


@dataclass(frozen=True)
class ReplayResult:
    size: int
    records: int
    applied: int


def ledger_replay(*, progress: bool = False) -> ReplayResult:
    """Verify every record against its leaf and the tiles against the checkpoint; re-apply.

    Holds the log head lock throughout, so no append can interleave with the rebuild.
    """
    with transaction.atomic():
        LogHead.objects.select_for_update().filter(id=1).first()
        checkpoint = _verified_checkpoint()
        root = tlog.verify_tiles(checkpoint.size, selectors.tile_read)
        if root != checkpoint.root_hash:
            raise ReplayError("The tiles do not hash to the root of the signed checkpoint.")
        for reset in kinds.all_resets():
            reset()
        records, applied = _check_and_apply(checkpoint.size, progress)
    return ReplayResult(size=checkpoint.size, records=records, applied=applied)


def _verified_checkpoint() -> tlog.Checkpoint:
    signer = keys.log_signer()
    note = selectors.checkpoint_latest().note
    try:
        opened = tlog.open_note(note, [tlog.new_verifier(signer.verifier_key())])
    except tlog.NoteError as exc:
        raise ReplayError(f"The latest checkpoint does not verify with the log key: {exc}") from exc
    return tlog.parse_checkpoint(opened.text)


def _check_and_apply(size: int, show: bool) -> tuple[int, int]:
    count = applied = 0
    tile_index, tile = -1, b""
    with Progress(disable=not show, transient=True) as bar:
        task = bar.add_task("Replaying records", total=size)
        for record in selectors.records_iter():
            if record.index >= size:
                break
            if record.index != count:
                raise ReplayError(f"Record {count} is missing (the next stored is {record.index}).")
            if record.index // 256 != tile_index:
                tile_index = record.index // 256
                tile = selectors.tile_read(0, tile_index)
            leaf = tlog.leaf_hash(bytes(record.body))
            offset = (record.index % 256) * 32
            if leaf != bytes(record.leaf_hash) or leaf != tile[offset : offset + 32]:
                raise ReplayError(f"Record {record.index} does not hash to its leaf in the log.")
            kind = kinds.get(record.kind)
            if kind is not None and kind.apply is not None:
                kind.apply(record)
                applied += 1
            count += 1
            bar.advance(task)
    if count != size:
        raise ReplayError(f"The checkpoint has {size} records but only {count} are stored.")
    return count, applied
