"""`laydown log export`: the log as static files, in the layout it is served in."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from laydown import tlog
from laydown.ledger import selectors
from laydown.ledger.models import Tile


@dataclass(frozen=True)
class ExportResult:
    size: int
    tiles: int
    records: int


def log_export(*, directory: Path, bundle: Path | None) -> ExportResult:
    """Write checkpoint and tiles under `directory`, records to `bundle` (if given).

    Everything is cut at the latest checkpoint's size, so appends running meanwhile do no harm;
    the checkpoint file is written last, so a mirror never names tiles it does not have yet.
    """
    checkpoint = selectors.checkpoint_public()
    wanted = tlog.tiles_for_size(checkpoint.size)
    stored = _stored_tiles({t.level for t in wanted})
    for tile in wanted:
        content = stored[(tile.level, tile.index)][: tile.width * 32]
        _write_atomic(directory / tlog.tile_path(tile), content)
    records = 0
    if bundle is not None:
        records = _write_bundle(bundle, checkpoint.size)
    _write_atomic(directory / "checkpoint", checkpoint.note.encode())
    return ExportResult(size=checkpoint.size, tiles=len(wanted), records=records)


def _stored_tiles(levels: set[int]) -> dict[tuple[int, int], bytes]:
    rows = Tile.objects.filter(level__in=levels).values_list("level", "index", "hashes")
    return {(level, n): bytes(hashes) for level, n, hashes in rows.iterator(chunk_size=2000)}


def _write_bundle(path: Path, size: int) -> int:
    """One record per line, exactly its leaf data (RFC 8785 JSON has no raw newlines)."""
    count = 0
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as out:
        for record in selectors.records_iter():
            if record.index >= size:
                break
            out.write(bytes(record.body) + b"\n")
            count += 1
    os.replace(tmp, path)
    return count


def _write_atomic(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)
