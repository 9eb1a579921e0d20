"""`laydown log publish DIR`: keep a static copy of the public log that any web server or CDN
serves: `checkpoint`, the hash tiles (C2SP tlog-tiles layout) and `policy` (C2SP tlog-policy).

Each run writes what the served checkpoint needs and the copy lacks: a full tile, once
written, never changes (a server may cache it for ever: deploy/nginx marks it immutable); the
partial tiles at the right edge are rewritten as the log grows, and a partial tile is removed
once a checkpoint naming its full tile is published (a client still holding an older
checkpoint falls back to the full tile, as C2SP tlog-tiles says it should). The checkpoint is
written last, each file by an atomic rename: a reader of the copy never sees a checkpoint
naming a tile the copy does not have yet. `laydown worker` runs it every few seconds while
LAYDOWN_LOG_PUBLISH_DIR is set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from laydown import tlog
from laydown.ledger import selectors
from laydown.ledger.models import Tile


@dataclass(frozen=True)
class PublishResult:
    size: int
    written: int  # tiles written this time
    kept: int  # full tiles already there


def published_size(directory: Path) -> int | None:
    """The size of the checkpoint in the copy (None: no copy yet)."""
    try:
        note = (directory / "checkpoint").read_text()
    except OSError:
        return None
    lines = note.split("\n")
    return int(lines[1]) if len(lines) > 1 and lines[1].isdigit() else None


def public_log_url() -> str:
    """Where the copy is served: LAYDOWN_LOG_PUBLISH_URL, else https://<log origin>."""
    return settings.LAYDOWN_LOG_PUBLISH_URL or f"https://{settings.LAYDOWN_LOG_ORIGIN}"


def log_publish(*, directory: Path) -> PublishResult:
    checkpoint = selectors.checkpoint_public()
    wanted = tlog.tiles_for_size(checkpoint.size)
    missing = [
        tile
        for tile in wanted
        if tile.width < tlog.TILE_WIDTH or not (directory / tlog.tile_path(tile)).exists()
    ]
    stored = _stored_tiles(missing)
    for tile in missing:
        content = stored[(tile.level, tile.index)][: tile.width * 32]
        _write_atomic(directory / tlog.tile_path(tile), content)
    policy = tlog.format_policy(selectors.policy(public_log_url()))
    _write_atomic(directory / "policy", policy.encode())
    _write_atomic(directory / "checkpoint", checkpoint.note.encode())
    for tile in missing:  # only now: the checkpoint published until now needed them
        if tile.width == tlog.TILE_WIDTH:
            _partials_remove(directory, tile)
    return PublishResult(checkpoint.size, len(missing), len(wanted) - len(missing))


def _stored_tiles(tiles: list[tlog.Tile]) -> dict[tuple[int, int], bytes]:
    found: dict[tuple[int, int], bytes] = {}
    for level in {t.level for t in tiles}:
        indices = [t.index for t in tiles if t.level == level]
        for start in range(0, len(indices), 500):
            rows = Tile.objects.filter(level=level, index__in=indices[start : start + 500])
            for n, hashes in rows.values_list("index", "hashes"):
                found[(level, n)] = bytes(hashes)
    return found


def _partials_remove(directory: Path, full: tlog.Tile) -> None:
    partials = directory / f"{tlog.tile_path(full)}.p"
    if partials.is_dir():
        for path in partials.iterdir():
            path.unlink(missing_ok=True)
        partials.rmdir()


def _write_atomic(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(content)
    os.chmod(tmp, 0o644)  # the copy is public, read by the web server's own user
    os.replace(tmp, path)
