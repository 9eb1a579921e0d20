"""C2SP tlog-tiles (height 8) storage of a Merkle tree, and proofs computed from tiles.

A tile at level ``L`` and index ``N`` holds up to 256 consecutive hashes of tree level
``8 * L``: level-0 tiles hold leaf hashes, and each *full* tile's 256-hash subtree root is the
next entry of the tile one level up. The partial (rightmost) tile at level ``L`` of a tree of
size ``s`` has ``floor(s / 256**L) mod 256`` entries.

Functions that read tiles take a :data:`TileReader`, ``(level, index) -> bytes``, returning
the stored content of that tile (concatenated 32-byte hashes; possibly a partial tile, or a
tile longer than a given tree size needs, which is then truncated). A reader may raise
:class:`KeyError` for an absent tile; that becomes :class:`~laydown.tlog.errors.TileError`.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple

from .errors import ProofError, TileError
from .hashing import EMPTY_ROOT, HASH_SIZE, node_hash, perfect_root
from .proofs import consistency_path, inclusion_path

__all__ = [
    "ENTRIES_LEVEL",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "MemoryTree",
    "Tile",
    "TileHashCache",
    "TileReader",
    "edge_inclusion_proof",
    "edge_inclusion_tiles",
    "parse_tile_path",
    "tile_path",
    "tiles_append",
    "tiles_for_size",
    "tree_consistency_proof",
    "tree_consistency_tiles",
    "tree_hash",
    "tree_inclusion_proof",
    "tree_inclusion_tiles",
    "tree_root",
    "verify_tiles",
]

TILE_HEIGHT = 8
"""Height of every tile: a tile spans 8 levels of the Merkle tree."""

TILE_WIDTH = 256
"""Number of hashes in a full tile (``2 ** TILE_HEIGHT``)."""

ENTRIES_LEVEL = -1
"""Pseudo-level of entry bundles (``tile/entries/<N>[.p/<W>]``) in :class:`Tile`."""

_FULL_BYTES = TILE_WIDTH * HASH_SIZE
_MAX_LEVEL = 63

TileReader = Callable[[int, int], bytes]
"""``(level, index) -> stored tile content``; may raise :class:`KeyError` if absent."""


class Tile(NamedTuple):
    """A tile coordinate: ``level`` (0..63, or :data:`ENTRIES_LEVEL` for an entry bundle),
    ``index`` (>= 0) and ``width`` (1..256; 256 means a full tile)."""

    level: int
    index: int  # type: ignore[assignment]  # shadows tuple.index by contract
    width: int = TILE_WIDTH


# --- paths ----------------------------------------------------------------------------------


def _format_index(n: int) -> str:
    s = f"{n % 1000:03d}"
    while n >= 1000:
        n //= 1000
        s = f"x{n % 1000:03d}/{s}"
    return s


def tile_path(tile: Tile) -> str:
    """Return the C2SP path of ``tile``, e.g. ``tile/1/x001/x234/067.p/12``.

    Full tiles (width 256) have no ``.p/<W>`` suffix; :data:`ENTRIES_LEVEL` gives
    ``tile/entries/...``. Raises :class:`TileError` for an out-of-range level, index or width.
    """
    level, index, width = tile
    if not (level == ENTRIES_LEVEL or 0 <= level <= _MAX_LEVEL):
        raise TileError(f"tile level {level} out of range")
    if index < 0:
        raise TileError(f"tile index {index} is negative")
    if not 1 <= width <= TILE_WIDTH:
        raise TileError(f"tile width {width} out of range 1..{TILE_WIDTH}")
    lvl = "entries" if level == ENTRIES_LEVEL else str(level)
    path = f"tile/{lvl}/{_format_index(index)}"
    if width != TILE_WIDTH:
        path += f".p/{width}"
    return path


_PATH_RE = re.compile(
    r"tile/(?P<level>entries|0|[1-9][0-9]?)/(?P<index>(?:x[0-9]{3}/)*[0-9]{3})"
    r"(?:\.p/(?P<width>[1-9][0-9]{0,2}))?"
)


def parse_tile_path(path: str) -> Tile:
    """Parse a canonical C2SP tile path (``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/...``).

    Raises :class:`TileError` for anything that :func:`tile_path` would not produce exactly:
    a non-decimal or out-of-range level, index elements without the ``x`` prefix or with
    superfluous leading ``x000`` elements, a width of 0, 256 or more in ``.p/``, or any
    stray characters.
    """
    m = _PATH_RE.fullmatch(path)
    if m is None:
        raise TileError(f"malformed tile path {path!r}")
    lvl = m.group("level")
    level = ENTRIES_LEVEL if lvl == "entries" else int(lvl)
    index = int(m.group("index").replace("x", "").replace("/", ""))
    w = m.group("width")
    width = TILE_WIDTH if w is None else int(w)
    if w is not None and width >= TILE_WIDTH:
        raise TileError(f"partial tile width {width} out of range in {path!r}")
    try:
        tile = Tile(level, index, width)
        canonical = tile_path(tile)
    except TileError as exc:
        raise TileError(f"malformed tile path {path!r}: {exc}") from None
    if canonical != path:
        raise TileError(f"non-canonical tile path {path!r} (canonical: {canonical!r})")
    return tile


def tiles_for_size(size: int) -> list[Tile]:
    """Return every hash tile of a tree of ``size`` leaves, level by level, full tiles first
    and then the partial tile of the level (if any) with its width.

    Raises :class:`TileError` if ``size`` is negative.
    """
    if size < 0:
        raise TileError(f"negative tree size {size}")
    out: list[Tile] = []
    level = 0
    count = size  # number of hashes stored at this level
    while count > 0:
        full, width = divmod(count, TILE_WIDTH)
        out.extend(Tile(level, n, TILE_WIDTH) for n in range(full))
        if width:
            out.append(Tile(level, full, width))
        level += 1
        count = full
    return out


# --- reading --------------------------------------------------------------------------------


def _read(read_tile: TileReader, level: int, index: int, width: int) -> bytes:
    """Read ``width`` hashes of tile (level, index); raise TileError if absent or short."""
    try:
        data = read_tile(level, index)
    except KeyError:
        raise TileError(f"tile {tile_path(Tile(level, index, width))} is missing") from None
    need = width * HASH_SIZE
    if len(data) < need:
        raise TileError(
            f"tile {tile_path(Tile(level, index, width))} has {len(data)} bytes, "
            f"need at least {need}"
        )
    return data if len(data) == need else data[:need]


def _split_hashes(data: bytes) -> list[bytes]:
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def _tile_levels(hashes: list[bytes]) -> list[list[bytes]]:
    """All internal levels of a tile's subtrees: [entries, pairs, quads, ...]."""
    sha = hashlib.sha256
    one = b"\x01"
    levels = [hashes]
    cur = hashes
    while len(cur) > 1:
        it = iter(cur)
        cur = [sha(one + a + b).digest() for a, b in zip(it, it, strict=False)]
        levels.append(cur)
    return levels


_KEPT_HEIGHT = 4
"""A full tile's inner nodes of this height and above are what :class:`TileHashCache` keeps
of it (30 hashes); a node below it is hashed from the tile's entries (at most 15 hashes)."""

# Where the nodes of each kept height start in what is kept of a full tile (in hashes, after
# the tile's first and last entries).
_KEPT_START = {
    h: 2 + sum(TILE_WIDTH >> k for k in range(_KEPT_HEIGHT, h))
    for h in range(_KEPT_HEIGHT, TILE_HEIGHT)
}


def _kept_nodes(levels: list[list[bytes]]) -> bytes:
    """A full tile's inner nodes of heights _KEPT_HEIGHT..7, concatenated, lowest first."""
    return b"".join(b"".join(levels[h]) for h in range(_KEPT_HEIGHT, TILE_HEIGHT))


class TileHashCache:
    """A small LRU cache of the internal node levels of tiles, keyed by (level, index, width),
    and a larger one of the upper inner nodes of full tiles, keyed by (level, index).

    Tiles of the same coordinates and width never change in an append-only log, so cached
    levels stay valid; a tile read with other first or last entries than those kept (another
    log's) is hashed anew. ``maxsize`` bounds the number of tiles whose levels are kept (a full
    tile costs about 40 KB); ``full_maxsize`` the number of full tiles whose nodes of height 4
    to 7 :meth:`siblings` and :meth:`node` keep (30 hashes and the tile's first and last
    entries, under 1.3 KB with their key). Raises :class:`TileError` on missing or short tiles.
    """

    def __init__(self, maxsize: int = 512, full_maxsize: int = 4096) -> None:
        self.maxsize = maxsize
        self.full_maxsize = full_maxsize
        self._data: OrderedDict[tuple[int, int, int], list[list[bytes]]] = OrderedDict()
        self._kept: OrderedDict[tuple[int, int], bytes] = OrderedDict()

    def levels(
        self, read_tile: TileReader, level: int, index: int, width: int
    ) -> list[list[bytes]]:
        """Return the internal levels of the first ``width`` hashes of tile (level, index)."""
        key = (level, index, width)
        data = _read(read_tile, level, index, width)
        got = self._data.get(key)
        # the same first and last entries, or another tile at these coordinates (another log)
        if got is not None and got[0][0] == data[:HASH_SIZE] and got[0][-1] == data[-HASH_SIZE:]:
            self._data.move_to_end(key)
            return got
        levels = _tile_levels(_split_hashes(data))
        self._data[key] = levels
        if len(self._data) > self.maxsize:
            self._data.popitem(last=False)
        return levels

    def siblings(
        self, read_tile: TileReader, level: int, index: int, width: int, offset: int, count: int
    ) -> list[bytes]:
        """The siblings of entry ``offset`` of tile (level, index), read at ``width``, at the
        heights 0 to ``count - 1`` inside the tile (``count`` <= 8): the tile's part of an
        inclusion path. A full tile is hashed whole once, then costs at most 14 hashes."""
        if width != TILE_WIDTH:
            levels = self.levels(read_tile, level, index, width)
            return [levels[h][(offset >> h) ^ 1] for h in range(count)]
        data, kept = self._full(read_tile, level, index)
        # below the kept heights: the levels of the 16 entries around the offset (14 hashes)
        block = offset >> _KEPT_HEIGHT << _KEPT_HEIGHT
        nodes = _split_hashes(data[block * HASH_SIZE : (block + (1 << _KEPT_HEIGHT)) * HASH_SIZE])
        sha = hashlib.sha256
        out = []
        below = min(count, _KEPT_HEIGHT)
        for h in range(below):
            out.append(nodes[((offset - block) >> h) ^ 1])
            if h + 1 < below:
                it = iter(nodes)
                nodes = [sha(b"\x01" + a + b).digest() for a, b in zip(it, it, strict=False)]
        for h in range(_KEPT_HEIGHT, count):
            start = (_KEPT_START[h] + ((offset >> h) ^ 1)) * HASH_SIZE
            out.append(kept[start : start + HASH_SIZE])
        return out

    def node(self, read_tile: TileReader, level: int, index: int, height: int, n: int) -> bytes:
        """The hash of node ``n`` of ``height`` (0 to 7) inside the full tile (level, index).
        The tile is hashed whole once, then a node costs at most 15 hashes."""
        data, kept = self._full(read_tile, level, index)
        if height >= _KEPT_HEIGHT:
            start = (_KEPT_START[height] + n) * HASH_SIZE
            return kept[start : start + HASH_SIZE]
        first = (n << height) * HASH_SIZE
        return perfect_root(_split_hashes(data[first : first + (HASH_SIZE << height)]))

    def _full(self, read_tile: TileReader, level: int, index: int) -> tuple[bytes, bytes]:
        """The content of the full tile (level, index) and its kept nodes."""
        data = _read(read_tile, level, index, TILE_WIDTH)
        key = (level, index)
        kept = self._kept.get(key)
        # kept with the tile's first and last entries: another tile at these coordinates (a
        # reader of another log, a database restored since) has other ones and is hashed anew
        ends = data[:HASH_SIZE] + data[-HASH_SIZE:]
        if kept is None or kept[: 2 * HASH_SIZE] != ends:
            kept = ends + _kept_nodes(_tile_levels(_split_hashes(data)))
            self._kept[key] = kept
            if len(self._kept) > self.full_maxsize:
                self._kept.popitem(last=False)
        else:
            self._kept.move_to_end(key)
        return data, kept

    def clear(self) -> None:
        """Forget every cached tile."""
        self._data.clear()
        self._kept.clear()


def _node(
    read_tile: TileReader, cache: TileHashCache | None, height: int, n: int, size: int = 0
) -> bytes:
    """Hash of the perfect subtree of ``height`` at index ``n`` (leaves n*2**h..).

    ``size`` (if known) is the tree size, used to pick one cache entry per tile.
    """
    tl, r = divmod(height, TILE_HEIGHT)
    first = n << r  # index of the first covered hash at tree level 8*tl
    tile_index, offset = divmod(first, TILE_WIDTH)
    end = offset + (1 << r)
    if cache is not None:
        width = end
        if size:
            width = max(
                end, min(TILE_WIDTH, (size >> (TILE_HEIGHT * tl)) - tile_index * TILE_WIDTH)
            )
        if width == TILE_WIDTH:
            return cache.node(read_tile, tl, tile_index, r, offset >> r)
        levels = cache.levels(read_tile, tl, tile_index, width)
        return levels[r][offset >> r]
    data = _read(read_tile, tl, tile_index, end)
    return perfect_root(_split_hashes(data[offset * HASH_SIZE :]))


def tree_hash(
    level: int, n: int, read_tile: TileReader, cache: TileHashCache | None = None
) -> bytes:
    """Return the hash of the perfect subtree node at height ``level`` and index ``n`` (it
    covers leaves ``n * 2**level`` to ``(n + 1) * 2**level - 1``), computed from the single
    tile that contains it, like Go's ``tlog.HashFromTile``.

    Raises :class:`TileError` if the tile is missing or too short, or arguments are negative.
    """
    if level < 0 or n < 0 or level > _MAX_LEVEL * TILE_HEIGHT:
        raise TileError(f"invalid tree node ({level}, {n})")
    return _node(read_tile, cache, level, n)


def _tile_mth(
    read_tile: TileReader, cache: TileHashCache | None, size: int
) -> Callable[[int, int], bytes]:
    def mth(lo: int, hi: int) -> bytes:
        # [lo, hi) is aligned: decompose into perfect subtrees, largest first, fold right.
        parts: list[bytes] = []
        pos = lo
        remaining = hi - lo
        while remaining:
            h = remaining.bit_length() - 1
            parts.append(_node(read_tile, cache, h, pos >> h, size))
            pos += 1 << h
            remaining -= 1 << h
        acc = parts[-1]
        for p in reversed(parts[:-1]):
            acc = node_hash(p, acc)
        return acc

    return mth


def tree_root(size: int, read_tile: TileReader, cache: TileHashCache | None = None) -> bytes:
    """Return the root hash of the tree of ``size`` leaves stored as tiles, reading only the
    right-edge tiles it needs. Raises :class:`TileError` on missing or short tiles."""
    if size < 0:
        raise TileError(f"negative tree size {size}")
    if size == 0:
        return EMPTY_ROOT
    return _tile_mth(read_tile, cache, size)(0, size)


def tree_inclusion_proof(
    index: int, size: int, read_tile: TileReader, cache: TileHashCache | None = None
) -> list[bytes]:
    """Return the inclusion proof of leaf ``index`` in the tree of ``size`` leaves.

    Raises :class:`ProofError` unless ``0 <= index < size``; :class:`TileError` on missing or
    short tiles.
    """
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    return inclusion_path(index, size, _tile_mth(read_tile, cache, size))


def tree_inclusion_tiles(index: int, size: int) -> list[tuple[int, int]]:
    """The ``(level, index)`` of every tile :func:`tree_inclusion_proof` reads for leaf
    ``index`` in the tree of ``size`` leaves (at most two per level), computed without reading
    or hashing anything, so a caller can fetch them all at once.

    Raises :class:`ProofError` unless ``0 <= index < size``.
    """
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    needed: set[tuple[int, int]] = set()
    inclusion_path(index, size, _recording_mth(needed))
    return sorted(needed)


def tree_consistency_tiles(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The ``(level, index)`` of every tile :func:`tree_consistency_proof` reads for the proof
    from ``old_size`` to ``new_size``, computed without reading or hashing anything, so a
    caller can fetch them all at once. Raises :class:`ProofError` unless
    ``0 <= old_size <= new_size``."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"invalid consistency sizes {old_size} -> {new_size}")
    if old_size == 0 or old_size == new_size:
        return []
    needed: set[tuple[int, int]] = set()
    consistency_path(old_size, new_size, _recording_mth(needed))
    return sorted(needed)


def _recording_mth(needed: set[tuple[int, int]]) -> Callable[[int, int], bytes]:
    """A range hasher that hashes nothing and adds to ``needed`` the tile of each node that
    the tile-based one (:func:`_tile_mth`) would read."""

    def mth(lo: int, hi: int) -> bytes:
        pos, remaining = lo, hi - lo
        while remaining:
            h = remaining.bit_length() - 1
            tl, r = divmod(h, TILE_HEIGHT)
            needed.add((tl, ((pos >> h) << r) // TILE_WIDTH))
            pos += 1 << h
            remaining -= 1 << h
        return b""

    return mth


def _peak_of(index: int, size: int) -> tuple[int, int]:
    """(position among the peaks, height) of the perfect subtree of the tree of ``size``
    leaves that holds leaf ``index`` (``0 <= index < size``)."""
    peak, start, height = 0, 0, size.bit_length()
    while True:  # one peak per set bit of size, largest first
        height -= 1
        if size >> height & 1:
            if index < start + (1 << height):
                return peak, height
            start += 1 << height
            peak += 1


def edge_inclusion_tiles(index: int, size: int) -> list[tuple[int, int]]:
    """The ``(level, index)`` of every tile :func:`edge_inclusion_proof` reads for leaf
    ``index`` (at most one per tile level), its leaf tile first, so a caller can fetch them
    all at once. Raises :class:`ProofError` unless ``0 <= index < size``."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    _peak, height = _peak_of(index, size)
    levels = max(1, (height + TILE_HEIGHT - 1) // TILE_HEIGHT)
    return [(tl, index >> (tl * TILE_HEIGHT) >> TILE_HEIGHT) for tl in range(levels)]


def edge_inclusion_proof(
    index: int,
    size: int,
    edge: Sequence[bytes],
    read_tile: TileReader,
    cache: TileHashCache | None = None,
) -> list[bytes]:
    """The inclusion proof of leaf ``index`` in the tree of ``size`` leaves whose right edge
    (its perfect subtrees' roots, largest first: :func:`~laydown.tlog.edge.edge_from_tiles`)
    is ``edge``: the same hashes as :func:`tree_inclusion_proof`, with less work when the
    caller keeps the edge of each size it serves.

    The tree is its peaks side by side, so the path of a leaf is its siblings inside the peak
    that holds it (read from at most one tile per tile level, all but the last peak's full),
    then the peaks to its right folded into one hash, then those to its left, nearest first.

    Raises :class:`ProofError` unless ``0 <= index < size`` and :class:`TileError` if ``edge``
    does not have one hash per set bit of ``size`` or on missing or short tiles.
    """
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    if len(edge) != size.bit_count():
        raise TileError(f"a right edge of a tree of {size} leaves has {size.bit_count()} hashes")
    peak, height = _peak_of(index, size)
    proof: list[bytes] = []
    for tile_level in range((height + TILE_HEIGHT - 1) // TILE_HEIGHT):
        base = tile_level * TILE_HEIGHT  # the tile level's hashes are nodes of this height
        tile_index, offset = divmod(index >> base, TILE_WIDTH)
        width = min(TILE_WIDTH, (size >> base) - tile_index * TILE_WIDTH)
        count = min(TILE_HEIGHT, height - base)
        if cache is not None:
            proof += cache.siblings(read_tile, tile_level, tile_index, width, offset, count)
            continue
        levels = _tile_levels(_split_hashes(_read(read_tile, tile_level, tile_index, width)))
        for r in range(count):
            proof.append(levels[r][(offset >> r) ^ 1])
    if peak + 1 < len(edge):
        right = edge[-1]
        for p in reversed(edge[peak + 1 : -1]):
            right = node_hash(p, right)
        proof.append(right)
    proof.extend(reversed(edge[:peak]))
    return proof


def tree_consistency_proof(
    old_size: int, new_size: int, read_tile: TileReader, cache: TileHashCache | None = None
) -> list[bytes]:
    """Return the consistency proof from ``old_size`` to ``new_size`` (empty if they are equal
    or ``old_size`` is 0). Raises :class:`ProofError` unless ``0 <= old_size <= new_size``;
    :class:`TileError` on missing or short tiles."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"invalid consistency sizes {old_size} -> {new_size}")
    if old_size == 0 or old_size == new_size:
        return []
    return consistency_path(old_size, new_size, _tile_mth(read_tile, cache, new_size))


# --- appending ------------------------------------------------------------------------------


def _full_tile_root(hashes: list[bytes]) -> bytes:
    """Root of the 256-hash subtree of a full tile (255 node hashes)."""
    sha = hashlib.sha256
    one = b"\x01"
    cur = hashes
    while len(cur) > 1:
        it = iter(cur)
        cur = [sha(one + a + b).digest() for a, b in zip(it, it, strict=False)]
    return cur[0]


def tiles_append(
    old_size: int, leaf_hashes: Sequence[bytes], read_tile: TileReader
) -> dict[tuple[int, int], bytes]:
    """Append ``leaf_hashes`` to the tree of ``old_size`` leaves stored as tiles.

    Only the right edge is touched: for each level the current partial tile (if any) is read,
    extended, and every tile that changed is returned with its full new content, keyed by
    ``(level, index)``. Completed tiles contribute their subtree root to the level above.
    Hashing cost is about one node hash per appended leaf.

    Raises :class:`TileError` if ``old_size`` is negative, a leaf hash is not 32 bytes, or a
    partial tile that must be extended is missing or short.
    """
    if old_size < 0:
        raise TileError(f"negative tree size {old_size}")
    out: dict[tuple[int, int], bytes] = {}
    new: list[bytes] = list(leaf_hashes)
    if any(len(h) != HASH_SIZE for h in new):
        raise TileError(f"every leaf hash must be {HASH_SIZE} bytes")
    level = 0
    count = old_size  # hashes already stored at this level
    join = b"".join
    while new:
        tile_index, width = divmod(count, TILE_WIDTH)
        completed: list[bytes] = []
        pos = 0
        if width:
            # Extend the partial right-edge tile without splitting it unless it completes.
            take = min(TILE_WIDTH - width, len(new))
            content = _read(read_tile, level, tile_index, width) + join(new[:take])
            out[(level, tile_index)] = content
            if width + take == TILE_WIDTH:
                completed.append(_full_tile_root(_split_hashes(content)))
            pos = take
            tile_index += 1
        for start in range(pos, len(new), TILE_WIDTH):
            chunk = new[start : start + TILE_WIDTH]
            out[(level, tile_index)] = join(chunk)
            if len(chunk) == TILE_WIDTH:
                completed.append(_full_tile_root(chunk))
            tile_index += 1
        new = completed
        count //= TILE_WIDTH
        level += 1
    return out


# --- full verification ----------------------------------------------------------------------


def verify_tiles(
    size: int,
    read_tile: TileReader,
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """Recompute the whole tree of ``size`` leaves from its level-0 tiles upwards and check
    that every higher-level tile entry equals the root of the full tile below it.

    ``progress`` (if given) is called after each level-0 tile with the number of leaves
    processed so far. Returns the tree root.

    Raises :class:`TileError` naming the tile path and the index of the first differing
    hash, or on a missing or short tile.
    """
    if size < 0:
        raise TileError(f"negative tree size {size}")
    sha = hashlib.sha256
    one = b"\x01"
    level = 0
    count = size
    computed: list[bytes] = []  # roots of the full tiles of the level below
    while count > 0:
        full, width = divmod(count, TILE_WIDTH)
        if level > 0:
            _compare_level(level, count, computed, read_tile)
        roots: list[bytes] = []
        append = roots.append
        done = 0
        for n in range(full):
            data = _read(read_tile, level, n, TILE_WIDTH)
            cur = [data[i : i + 32] for i in range(0, _FULL_BYTES, 32)]
            while len(cur) > 1:
                it = iter(cur)
                cur = [sha(one + a + b).digest() for a, b in zip(it, it, strict=False)]
            append(cur[0])
            if level == 0 and progress is not None:
                done += TILE_WIDTH
                progress(done)
        if level == 0 and progress is not None and width:
            _read(read_tile, 0, full, width)
            progress(size)
        computed = roots
        count = full
        level += 1
    return tree_root(size, read_tile)


def _compare_level(level: int, count: int, computed: list[bytes], read_tile: TileReader) -> None:
    """Check the ``count`` stored hashes of ``level`` against the computed roots."""
    for start in range(0, count, TILE_WIDTH):
        n = start // TILE_WIDTH
        width = min(TILE_WIDTH, count - start)
        stored = _read(read_tile, level, n, width)
        want = b"".join(computed[start : start + width])
        if stored != want:
            for i in range(width):
                got = stored[i * HASH_SIZE : (i + 1) * HASH_SIZE]
                exp = computed[start + i]
                if got != exp:
                    path = tile_path(Tile(level, n, width))
                    raise TileError(
                        f"tile {path} hash {i} is {got.hex()}, but the root of tile "
                        f"{tile_path(Tile(level - 1, start + i))} is {exp.hex()}"
                    )


# --- in-memory tree -------------------------------------------------------------------------


class MemoryTree:
    """An append-only Merkle tree held in memory as C2SP tiles.

    ``tiles`` maps ``(level, index)`` to the current content of each tile (full tiles are
    8192 bytes; the rightmost tile of each level may be partial). Proof methods raise
    :class:`ProofError` on invalid sizes or indices.
    """

    def __init__(self, cache_size: int = 512) -> None:
        self._tiles: dict[tuple[int, int], bytes] = {}
        self._size = 0
        self._cache = TileHashCache(cache_size)

    @property
    def size(self) -> int:
        """Number of leaves in the tree."""
        return self._size

    @property
    def tiles(self) -> Mapping[tuple[int, int], bytes]:
        """Read-only view of the stored tiles."""
        return self._tiles

    def read_tile(self, level: int, index: int) -> bytes:
        """Stored content of tile (level, index); raises :class:`KeyError` if absent."""
        return self._tiles[(level, index)]

    def append(self, data_items: Iterable[bytes]) -> None:
        """Hash each item as a leaf and append them all. Raises nothing for bytes input."""
        sha = hashlib.sha256
        zero = b"\x00"
        self.append_hashes([sha(zero + d).digest() for d in data_items])

    def append_hashes(self, leaf_hashes: Sequence[bytes]) -> None:
        """Append leaves given by their hashes. Raises :class:`TileError` on a bad hash."""
        if not leaf_hashes:
            return
        changed = tiles_append(self._size, leaf_hashes, self.read_tile)
        self._tiles.update(changed)
        self._size += len(leaf_hashes)

    def _check_size(self, size: int | None) -> int:
        if size is None:
            return self._size
        if not 0 <= size <= self._size:
            raise ProofError(f"size {size} is not within the tree size {self._size}")
        return size

    def root(self, size: int | None = None) -> bytes:
        """Root hash at ``size`` (default: current size). Raises :class:`ProofError` if
        ``size`` exceeds the tree."""
        return tree_root(self._check_size(size), self.read_tile, self._cache)

    def leaf_hash(self, index: int) -> bytes:
        """Hash of leaf ``index``. Raises :class:`ProofError` if out of range."""
        if not 0 <= index < self._size:
            raise ProofError(f"index {index} is not in a tree of size {self._size}")
        data = self._tiles[(0, index // TILE_WIDTH)]
        off = (index % TILE_WIDTH) * HASH_SIZE
        return data[off : off + HASH_SIZE]

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Inclusion proof of leaf ``index`` at ``size`` (default: current size).

        Raises :class:`ProofError` unless ``0 <= index < size <= self.size``."""
        return tree_inclusion_proof(index, self._check_size(size), self.read_tile, self._cache)

    def consistency_proof(self, old: int, new: int | None = None) -> list[bytes]:
        """Consistency proof from ``old`` to ``new`` (default: current size).

        Raises :class:`ProofError` unless ``0 <= old <= new <= self.size``."""
        new_size = self._check_size(new)
        return tree_consistency_proof(old, new_size, self.read_tile, self._cache)
