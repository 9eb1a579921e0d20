"""`laydown log publish DEST`: keep a static copy of the public log that any web server, CDN or
bucket serves: `checkpoint`, the hash tiles (C2SP tlog-tiles layout) and `policy` (C2SP
tlog-policy). DEST is a directory or an S3-compatible bucket (`s3://bucket/prefix`,
laydown.ledger.bucket).

Each run writes what the served checkpoint needs and the copy lacks: a full tile, once
written, never changes (a server may cache it for ever: deploy/nginx marks it immutable, a
bucket gets `Cache-Control: immutable` on the object); the partial tiles at the right edge are
rewritten as the log grows, and a partial tile is removed once a checkpoint naming its full tile
is published (a client still holding an older checkpoint falls back to the full tile, as C2SP
tlog-tiles says it should). The checkpoint is written last, each file whole (a directory by an
atomic rename, a bucket by one PUT): a reader of the copy never sees a checkpoint naming a tile
the copy does not have yet. `laydown worker` runs it every few seconds while
LAYDOWN_LOG_PUBLISH_DIR or LAYDOWN_LOG_PUBLISH_BUCKET is set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings

from laydown import tlog
from laydown.ledger import selectors
from laydown.ledger.models import Tile

# What a server or CDN may do with each file of the copy (the same as deploy/nginx/laydown.conf).
CACHE_FULL_TILE = "public, max-age=31536000, immutable"
CACHE_PARTIAL_TILE = "public, max-age=60"
CACHE_CHECKPOINT = "no-cache"
CACHE_POLICY = "public, max-age=300"
TEXT = "text/plain; charset=utf-8"
BINARY = "application/octet-stream"


class Destination(Protocol):
    """Where a copy is kept. Names are slash-separated paths under the copy's root."""

    def read(self, name: str) -> bytes | None: ...

    def full_tiles_present(self, tiles: list[tlog.Tile]) -> set[tlog.Tile]:
        """Which of these full tiles the copy holds already (they are never written again)."""
        ...

    def write(self, name: str, content: bytes, *, content_type: str, cache: str) -> None: ...

    def remove_tree(self, name: str) -> None:
        """Remove every file under `name/` (the partial tiles of a tile now full)."""
        ...


class DirectoryCopy:
    def __init__(self, root: Path) -> None:
        self.root = root

    def __str__(self) -> str:
        return str(self.root)

    def read(self, name: str) -> bytes | None:
        try:
            return (self.root / name).read_bytes()
        except OSError:
            return None

    def full_tiles_present(self, tiles: list[tlog.Tile]) -> set[tlog.Tile]:
        return {t for t in tiles if (self.root / tlog.tile_path(t)).exists()}

    def write(self, name: str, content: bytes, *, content_type: str, cache: str) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(content)
        os.chmod(tmp, 0o644)  # the copy is public, read by the web server's own user
        os.replace(tmp, path)

    def remove_tree(self, name: str) -> None:
        directory = self.root / name
        if directory.is_dir():
            for path in directory.iterdir():
                path.unlink(missing_ok=True)
            directory.rmdir()


@dataclass(frozen=True)
class PublishResult:
    size: int
    written: int  # tiles written this time
    kept: int  # full tiles already there


def destination_of(where: str | Path | Destination) -> Destination:
    """A directory (a path) or a bucket (`s3://bucket/prefix`)."""
    if isinstance(where, Path):
        return DirectoryCopy(where)
    if isinstance(where, str):
        if where.startswith("s3://"):
            from laydown.ledger.bucket import BucketCopy

            return BucketCopy(where)
        return DirectoryCopy(Path(where))
    return where


def destinations_configured() -> list[Destination]:
    """The copies `laydown worker` keeps: LAYDOWN_LOG_PUBLISH_DIR and LAYDOWN_LOG_PUBLISH_BUCKET."""
    return [
        destination_of(where)
        for where in (settings.LAYDOWN_LOG_PUBLISH_DIR, settings.LAYDOWN_LOG_PUBLISH_BUCKET)
        if where
    ]


def published_size(where: str | Path | Destination) -> int | None:
    """The size of the checkpoint in the copy (None: no copy yet)."""
    note = destination_of(where).read("checkpoint")
    if note is None:
        return None
    lines = note.decode(errors="replace").split("\n")
    return int(lines[1]) if len(lines) > 1 and lines[1].isdigit() else None


def public_log_url() -> str:
    """Where the copy is served: LAYDOWN_LOG_PUBLISH_URL, else https://<log origin>."""
    return settings.LAYDOWN_LOG_PUBLISH_URL or f"https://{settings.LAYDOWN_LOG_ORIGIN}"


def log_publish(where: str | Path | Destination) -> PublishResult:
    copy = destination_of(where)
    checkpoint = selectors.checkpoint_public()
    wanted = tlog.tiles_for_size(checkpoint.size)
    present = copy.full_tiles_present([t for t in wanted if t.width == tlog.TILE_WIDTH])
    missing = [tile for tile in wanted if tile not in present]
    stored = _stored_tiles(missing)
    for tile in missing:
        full = tile.width == tlog.TILE_WIDTH
        copy.write(
            tlog.tile_path(tile),
            stored[(tile.level, tile.index)][: tile.width * 32],
            content_type=BINARY,
            cache=CACHE_FULL_TILE if full else CACHE_PARTIAL_TILE,
        )
    policy = tlog.format_policy(selectors.policy(public_log_url()))
    copy.write("policy", policy.encode(), content_type=TEXT, cache=CACHE_POLICY)
    copy.write("checkpoint", checkpoint.note.encode(), content_type=TEXT, cache=CACHE_CHECKPOINT)
    for tile in missing:  # only now: the checkpoint published until now needed them
        if tile.width == tlog.TILE_WIDTH:
            copy.remove_tree(f"{tlog.tile_path(tile)}.p")
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
