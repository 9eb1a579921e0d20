"""Full hash tiles kept in memory. A full tile never changes once written (append-only log),
so serving it and building proofs from it need no query after the first read.

Only full tiles (256 hashes) are kept; partial tiles grow and are always read (a proof needs
them only for the right edge of its tree, kept here per tree). Each process keeps at most
MAX_TILES (8 KiB each). Proofs built from cached tiles are checked against the
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


# The right edge of the last trees proofs were served in, by (size, root): computed from the
# tiles once per checkpoint, not per proof (selectors._served_edge).
_edges: OrderedDict[tuple[int, bytes], list[bytes]] = OrderedDict()
MAX_EDGES = 4


def edge_get(size: int, root: bytes) -> list[bytes] | None:
    with _lock:
        return _edges.get((size, root))


def edge_put(size: int, root: bytes, edge: list[bytes]) -> None:
    with _lock:
        _edges[(size, root)] = edge
        while len(_edges) > MAX_EDGES:
            _edges.popitem(last=False)


def clear() -> None:
    with _lock:
        _tiles.clear()
        _edges.clear()
    with hashes_lock:
        hashes.clear()
