"""RFC 9162 section 2.1.1 Merkle tree hashing with SHA-256.

``leaf_hash(d) = SHA-256(0x00 || d)``, ``node_hash(l, r) = SHA-256(0x01 || l || r)`` and the
hash of the empty tree is ``SHA-256("")``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

__all__ = ["EMPTY_ROOT", "HASH_SIZE", "leaf_hash", "node_hash", "root_hash"]

HASH_SIZE = 32
"""Size in bytes of every hash handled by this package."""

EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()
"""Root hash of the empty tree, ``SHA-256("")``."""

_sha256 = hashlib.sha256
_LEAF = b"\x00"
_NODE = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """Return the RFC 9162 hash of a leaf holding ``data``. Raises nothing."""
    return _sha256(_LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 9162 hash of an interior node with children ``left`` and ``right``.

    Raises nothing; the inputs are not length checked.
    """
    return _sha256(_NODE + left + right).digest()


def _fold_level(level: list[bytes]) -> list[bytes]:
    """Hash one tree level into the next (an odd last node is promoted unchanged)."""
    sha = _sha256
    one = _NODE
    it = iter(level)
    nxt = [sha(one + a + b).digest() for a, b in zip(it, it, strict=False)]
    if len(level) & 1:
        nxt.append(level[-1])
    return nxt


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return the Merkle tree hash (MTH) of a tree whose leaves have the given hashes.

    The computation is iterative, level by level; promoting the odd last node of a level
    unchanged gives exactly the RFC 9162 recursive definition. The empty sequence gives
    :data:`EMPTY_ROOT`. Raises nothing.
    """
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    level = list(leaf_hashes)
    while len(level) > 1:
        level = _fold_level(level)
    return level[0]


def perfect_root(hashes: list[bytes]) -> bytes:
    """Return the root of a perfect subtree (``len(hashes)`` is a power of two, >= 1)."""
    level = hashes
    while len(level) > 1:
        level = _fold_level(level)
    return level[0]
