"""Full hash tiles kept in memory. A full tile never changes once written (append-only log),
so serving it and building proofs from it need no query after the first read.

Only full tiles (256 hashes) are kept; partial tiles grow and are always read. Each process
keeps at most MAX_TILES (8 KiB each). Proofs built from cached tiles are checked against the
signed root before they are served (see selectors.proof_for_record), so a cache that outlived
its database (a restore from another log) cannot serve a wrong proof.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from laydown import tlog

MAX_TILES = 2048
FULL_BYTES = tlog.TILE_WIDTH * tlog.HASH_SIZE

_lock = threading.Lock()
_tiles: OrderedDict[tuple[int, int], bytes] = OrderedDict()

# The inner node levels of recently used tiles (about 40 KiB each), so a proof hashes a tile
# once, not once per sibling; keyed by width, so valid for partial tiles too.
# Not thread-safe by itself: use it under hashes_lock.
hashes = tlog.TileHashCache(maxsize=256)
hashes_lock = threading.Lock()


def get(key: tuple[int, int]) -> bytes | None:
    with _lock:
        found = _tiles.get(key)
        if found is not None:
            _tiles.move_to_end(key)
        return found


def put(key: tuple[int, int], content: bytes) -> None:
    """Keep `content` if it is a full tile (call only with committed tiles)."""
    if len(content) != FULL_BYTES:
        return
    with _lock:
        _tiles[key] = content
        _tiles.move_to_end(key)
        while len(_tiles) > MAX_TILES:
            _tiles.popitem(last=False)


def clear() -> None:
    with _lock:
        _tiles.clear()
    with hashes_lock:
        hashes.clear()
