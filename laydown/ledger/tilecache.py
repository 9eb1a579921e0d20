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

# The inner nodes of tiles a proof met: of a full tile, its nodes of height 4 to 7 (under
# 1.2 KiB each, MAX_KEPT of them: every full tile of a log of 2 million records), so a proof
# hashes a tile whole once and then at most 11 times; of a partial tile (the tree's right edge
# at a served size) all its levels, keyed by width. Not thread-safe by itself: use it under
# hashes_lock.
MAX_KEPT = 8192
hashes = tlog.TileHashCache(maxsize=64, full_maxsize=MAX_KEPT)
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


# The right edge of the last trees proofs were served in, by (size, root), and their partial
# tiles at that size (at most one a level, cut to their width then: what they hold of that tree
# never changes): read from the tiles once per checkpoint, not per proof (selectors._served_tree).
_edges: OrderedDict[tuple[int, bytes], tuple[list[bytes], dict[tuple[int, int], bytes]]] = (
    OrderedDict()
)
MAX_EDGES = 4


def edge_get(size: int, root: bytes) -> tuple[list[bytes], dict[tuple[int, int], bytes]] | None:
    with _lock:
        return _edges.get((size, root))


def edge_put(
    size: int, root: bytes, edge: list[bytes], partial: dict[tuple[int, int], bytes]
) -> None:
    with _lock:
        _edges[(size, root)] = (edge, partial)
        while len(_edges) > MAX_EDGES:
            _edges.popitem(last=False)


def clear() -> None:
    with _lock:
        _tiles.clear()
        _edges.clear()
    with hashes_lock:
        hashes.clear()
