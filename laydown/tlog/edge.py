"""The right edge of a Merkle tree: the roots of its perfect subtrees, largest first.

A tree of ``size`` leaves is, left to right, one perfect subtree per set bit of ``size``
(its "peaks"). Keeping those O(log n) hashes is enough to append leaves and to compute the
root without reading anything else, and each new tree built from them extends the old one by
construction: the old peaks become left subtrees of the new tree. This is the "compact range"
of transparency-dev/merkle.
"""

from __future__ import annotations

from collections.abc import Sequence

from .errors import TileError
from .hashing import EMPTY_ROOT, HASH_SIZE, node_hash
from .tiles import TILE_HEIGHT, TILE_WIDTH, Tile, TileReader, tree_hash

__all__ = [
    "edge_append",
    "edge_from_tiles",
    "edge_root",
    "edge_source_tiles",
    "edge_tiles",
    "join_edge",
    "split_edge",
]


def edge_append(size: int, edge: Sequence[bytes], leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """The right edge after appending ``leaf_hashes`` to a tree of ``size`` leaves whose
    right edge is ``edge``. About one node hash per leaf. Raises :class:`TileError` if the
    edge does not have one hash per set bit of ``size``."""
    _check(size, edge)
    peaks = list(edge)
    for leaf in leaf_hashes:
        merged = leaf
        n = size
        while n & 1:
            merged = node_hash(peaks.pop(), merged)
            n >>= 1
        peaks.append(merged)
        size += 1
    return peaks


def edge_root(edge: Sequence[bytes]) -> bytes:
    """The root hash of the tree whose right edge is ``edge`` (len(edge) - 1 node hashes)."""
    if not edge:
        return EMPTY_ROOT
    acc = edge[-1]
    for peak in reversed(edge[:-1]):
        acc = node_hash(peak, acc)
    return acc


def edge_from_tiles(size: int, read_tile: TileReader) -> list[bytes]:
    """The right edge of the tree of ``size`` leaves stored as tiles (one tile read per peak).

    Raises :class:`TileError` on a missing or short tile."""
    if size < 0:
        raise TileError(f"negative tree size {size}")
    peaks = []
    position = 0
    for height in range(size.bit_length() - 1, -1, -1):
        if size >> height & 1:
            peaks.append(tree_hash(height, position >> height, read_tile))
            position += 1 << height
    return peaks


def edge_source_tiles(size: int) -> list[tuple[int, int]]:
    """The ``(level, index)`` of every tile :func:`edge_from_tiles` reads (one per peak, at
    most two per level), so a caller can fetch them all at once."""
    out = []
    position = 0
    for height in range(size.bit_length() - 1, -1, -1):
        if size >> height & 1:
            tl, r = divmod(height, TILE_HEIGHT)
            out.append((tl, (position >> height << r) // TILE_WIDTH))
            position += 1 << height
    return sorted(set(out))


def edge_tiles(size: int) -> list[Tile]:
    """The partial tiles of the tree of ``size`` leaves (at most one per level, level 0 first):
    the only tiles an append reads."""
    out = []
    level = 0
    count = size
    while count:
        index, width = divmod(count, TILE_WIDTH)
        if width:
            out.append(Tile(level, index, width))
        count = index
        level += 1
    return out


def join_edge(edge: Sequence[bytes]) -> bytes:
    """The edge as stored: its hashes concatenated."""
    return b"".join(edge)


def split_edge(size: int, stored: bytes) -> list[bytes]:
    """The edge from its stored bytes; raises :class:`TileError` if it cannot be the edge of
    a tree of ``size`` leaves."""
    edge = [stored[i : i + HASH_SIZE] for i in range(0, len(stored), HASH_SIZE)]
    _check(size, edge)
    return edge


def _check(size: int, edge: Sequence[bytes]) -> None:
    if size < 0:
        raise TileError(f"negative tree size {size}")
    if len(edge) != size.bit_count() or any(len(h) != HASH_SIZE for h in edge):
        raise TileError(
            f"a right edge of a tree of {size} leaves has {size.bit_count()} hashes of "
            f"{HASH_SIZE} bytes, not {len(edge)}"
        )
