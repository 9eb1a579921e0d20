"""`laydown ledger replay`: verify the stored log, then rebuild projections from it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from laydown import tlog
from laydown.ledger import keys, kinds, selectors
from laydown.ledger.models import Checkpoint, LogHead, LogWitness, Record


class ReplayError(Exception):
    """The stored log does not verify; the message names the first bad index or tile."""


@dataclass(frozen=True)
class ReplayResult:
    size: int
    records: int
    applied: int
    checkpoints: int = 0


def ledger_replay(*, progress: bool = False, check_only: bool = False) -> ReplayResult:
    """Verify the stored log, then (unless `check_only`) empty and rebuild every projection.

    Checked: the newest checkpoint and the newest witnessed one verify with the log key (and
    the witnessed one with its witnesses' keys); every record hashes to its leaf in the tiles;
    the tree of the first N records gives the root of every stored checkpoint of size N (so a
    record rewritten after a checkpoint was signed is named, even if its leaf and the tiles
    were rewritten to match); the tiles hash to the newest checkpoint's root.
    Holds the log head lock throughout, so no append can interleave with the rebuild.
    """
    with transaction.atomic():
        LogHead.objects.select_for_update().filter(id=1).first()
        checkpoint = _verified_checkpoint()
        if not check_only:
            for reset in kinds.all_resets():
                reset()
        records, applied, checkpoints = _check_and_apply(checkpoint.size, progress, check_only)
        # After the applies, which rebuild the witnesses' keys from the log's own records: in
        # an empty database there are none before. (The transaction rolls back if it fails.)
        _check_witnessed(checkpoint.size)
        try:
            root = tlog.verify_tiles(checkpoint.size, selectors.tile_read)
        except tlog.TileError as exc:
            raise ReplayError(f"The hash tiles do not verify: {exc}.") from exc
        if root != checkpoint.root_hash:
            raise ReplayError("The tiles do not hash to the root of the signed checkpoint.")
        if check_only:
            transaction.set_rollback(True)
    return ReplayResult(
        size=checkpoint.size, records=records, applied=applied, checkpoints=checkpoints
    )


def _verified_checkpoint() -> tlog.Checkpoint:
    note = selectors.checkpoint_latest().note
    try:
        opened = tlog.open_note(note, [_log_verifier()])
    except tlog.NoteError as exc:
        raise ReplayError(f"The latest checkpoint does not verify with the log key: {exc}") from exc
    return tlog.parse_checkpoint(opened.text)


def _log_verifier() -> tlog.Verifier:
    return tlog.new_verifier(keys.log_signer().verifier_key())


def _check_witnessed(newest: int) -> None:
    """The newest checkpoint witnesses cosigned must verify with the log key and theirs."""
    row = Checkpoint.objects.filter(cosignatures__gt=0).order_by("-size").first()
    if row is None:
        return
    if row.size > newest:
        raise ReplayError(
            f"Witnesses cosigned a checkpoint of size {row.size}, but the newest stored "
            f"checkpoint is of size {newest}: the log was rolled back."
        )
    vkeys = dict(LogWitness.objects.values_list("name", "vkey"))
    verifiers = [_log_verifier()] + [
        tlog.new_verifier(vkeys[n]) for n in row.cosigned_by if n in vkeys
    ]
    try:
        opened = tlog.open_note(row.note, verifiers)
    except tlog.NoteError as exc:
        raise ReplayError(
            f"The witnessed checkpoint of size {row.size} does not verify: {exc}"
        ) from exc
    signed_by = {s.name for s in opened.sigs}
    missing = sorted(set(row.cosigned_by) - signed_by)
    if missing:
        raise ReplayError(
            f"The witnessed checkpoint of size {row.size} lacks valid cosignatures of "
            f"{', '.join(missing)}."
        )


def _stored_roots() -> Iterator[tuple[int, bytes]]:
    """(size, root) of every stored checkpoint in size order, the root read from the note's
    text (what was signed), fetched in chunks to bound memory."""
    after = -1
    while True:
        rows = list(
            Checkpoint.objects.filter(size__gt=after)
            .order_by("size")
            .values_list("size", "note")[:5000]
        )
        if not rows:
            return
        for size, note in rows:
            text = note.split("\n\n", 1)[0] + "\n"
            try:
                yield size, tlog.parse_checkpoint(text).root_hash
            except tlog.CheckpointError as exc:
                raise ReplayError(
                    f"The stored checkpoint of size {size} is malformed: {exc}"
                ) from exc
        after = rows[-1][0]


class _CheckpointChain:
    """Compares the tree of the records seen so far with every stored checkpoint."""

    def __init__(self) -> None:
        self.roots = _stored_roots()
        self.edge: list[bytes] = []
        self.good = 0  # size of the last checkpoint that matched
        self.checked = 0
        self.next = self._advance()

    def _advance(self) -> tuple[int, bytes] | None:
        return next(self.roots, None)

    def add(self, size: int, leaf: bytes) -> None:
        """Record leaf `size - 1` has been read and checked."""
        self.edge = tlog.edge_append(size - 1, self.edge, [leaf])
        while self.next is not None and self.next[0] == size:
            if tlog.edge_root(self.edge) != self.next[1]:
                raise ReplayError(self._message(size))
            self.good, self.checked = size, self.checked + 1
            self.next = self._advance()
        if self.next is not None and self.next[0] < size:
            self.next = self._advance()  # a size-0 checkpoint: nothing to compare

    def _message(self, size: int) -> str:
        first = self.good
        if size == first + 1:
            where = f"Record {first} was changed"
        else:
            where = (
                f"A record from index {first} to {size - 1} was changed (records before "
                f"{first} match every checkpoint)"
            )
        return (
            f"{where} after the checkpoint of size {size} was signed: the first {size} records "
            "no longer give its root (their leaves and the tiles may have been rewritten to "
            "match)."
        )


CHUNK = 5000  # records checked, then applied under the apps' buffered applies, at a time


def _check_and_apply(size: int, show: bool, check_only: bool) -> tuple[int, int, int]:
    count = applied = 0
    chain = _CheckpointChain()
    with _progress(show) as bar:
        task = bar.add_task("Checking records" if check_only else "Replaying records", total=size)
        for chunk in _chunks(size):
            tiles = selectors.tiles_read({(0, r.index // 256) for r in chunk})
            for record in chunk:
                if record.index != count:
                    raise ReplayError(
                        f"Record {count} is missing (the next stored is {record.index})."
                    )
                leaf = tlog.leaf_hash(bytes(record.body))
                offset = (record.index % 256) * 32
                tile = tiles.get((0, record.index // 256), b"")
                if leaf != bytes(record.leaf_hash) or leaf != tile[offset : offset + 32]:
                    raise ReplayError(
                        f"Record {record.index} does not hash to its leaf in the log."
                    )
                count += 1
                chain.add(count, leaf)
            if not check_only:
                applied += _apply(chunk)
            bar.advance(task, len(chunk))
    if count != size:
        raise ReplayError(f"The checkpoint has {size} records but only {count} are stored.")
    return count, applied, chain.checked


def _chunks(size: int) -> Iterator[list[Record]]:
    position = 0
    while position < size:
        chunk = list(
            Record.objects.filter(index__gte=position, index__lt=size).order_by("index")[:CHUNK]
        )
        if not chunk:
            return
        yield chunk
        position = chunk[-1].index + 1


def _apply(chunk: list[Record]) -> int:
    """Apply the records in order, under every app's buffered applies (the import's fast path:
    rows written in bulk when the chunk ends)."""
    applied = 0
    with contextlib.ExitStack() as buffers:
        for factory in kinds.all_buffered_applies():
            buffers.enter_context(factory())
        for record in chunk:
            kind = kinds.get(record.kind)
            if kind is not None and kind.apply is not None:
                kind.apply(record)
                applied += 1
    return applied


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed or 0:>8,.0f} records/s")


def _progress(show: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        disable=not show,
        transient=True,
    )
